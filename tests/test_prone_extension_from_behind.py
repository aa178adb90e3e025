"""prone_extension movement: seen from the feet (the body running up the screen) with the near wrist hidden, arms
lying along the body point down the screen like a cobra's straight arms; that alone does not reject the rep."""
import numpy as np

from backform.exercises import get
from backform.exercises.checks import FrameRecord, RepContext
from backform.exercises.counting import RepWindow


def _ctx(body_deg: float, wrist_ahead: float):
    m = {"head_lift_deg": 15.0, "elbow_2d_near": 170.0, "upper_arm_elev": -80.0, "wrist_ahead": wrist_ahead,
         "body_deg": body_deg, "wrist_height": float("nan")}
    frames = [FrameRecord(float(t), dict(m), None, "left", "side") for t in np.arange(1.0, 8.0, 0.1)]
    return RepContext(1, RepWindow(1.0, 1.5, 7.5, 8.0, 6.0, 0.0, 15.0), frames, [], "side", "left")


def test_arms_along_a_body_seen_from_the_feet_are_not_a_cobra():
    why, _ = get("prone_extension").movement(_ctx(body_deg=-50.0, wrist_ahead=float("nan")))
    assert why is None


def test_straight_arms_pointing_down_across_the_screen_are_a_cobra():
    why, _ = get("prone_extension").movement(_ctx(body_deg=-5.0, wrist_ahead=float("nan")))
    assert why and "cobra" in why
    why, _ = get("prone_extension").movement(_ctx(body_deg=-50.0, wrist_ahead=0.1))   # hands by the chest, seen
    assert why and "cobra" in why
