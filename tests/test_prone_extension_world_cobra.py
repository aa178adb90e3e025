"""prone_extension movement: "hands planted while the chest rises" (a cobra) is read in world landmarks first
(metric, hip-centred: the same from every camera), the screen rules only without them (clinic c5502, a 57-deg
diagonal cobra the screen missed; c5497, a clean hands-by-the-shoulders rep the screen rejected)."""
import numpy as np
from _exercise_helpers import prone_world

from backform.exercises import get
from backform.exercises.checks import FrameRecord, RepContext
from backform.exercises.counting import RepWindow
from backform.exercises.prone_extension import world_push
from backform.types import PoseFrame


def _frames(t0, t1, world, m, view="side"):
    out = []
    for i, t in enumerate(np.arange(t0, t1, 0.1)):
        pf = PoseFrame(i, t * 1000.0, 640, 360, None, world)
        out.append(FrameRecord(float(t), dict(m), pf, "left", view))
    return out


REST = prone_world((0.5, 0.0, 0.18), (0.35, 0.05, 0.3), (0.5, 0.05, 0.3))   # hands by the chest, elbows bent ~80 deg


def _ctx(top_world, screen: dict | None = None, body_deg: float = -5.0, world: bool = True):
    m = {"head_lift_deg": 15.0, "elbow_2d_near": 100.0, "upper_arm_elev": -30.0, "wrist_ahead": -0.1,
         "wrist_height": 0.0, "body_deg": body_deg}
    m.update(screen or {})
    rest = _frames(0.0, 1.0, REST if world else None, m)
    frames = _frames(1.0, 8.0, top_world if world else None, m)
    return RepContext(1, RepWindow(1.0, 1.5, 7.5, 8.0, 6.0, 0.0, 15.0), frames, rest, "side", "left")


# the cobra: the wrists stay on the floor, the shoulders rise 0.18 m, the elbows open
COBRA = prone_world((0.48, -0.18, 0.18), (0.42, -0.02, 0.32), (0.5, 0.05, 0.3))
# hands by the shoulders hovering: the whole arm rises with the chest, the elbow keeps its angle
HOVER = prone_world((0.48, -0.18, 0.18), (0.33, -0.13, 0.3), (0.48, -0.13, 0.3))


def test_world_push_reads_planted_and_hovering_hands():
    cobra = world_push(_frames(0, 1, REST, {}), _frames(1, 2, COBRA, {}))
    hover = world_push(_frames(0, 1, REST, {}), _frames(1, 2, HOVER, {}))
    assert cobra["rise"] > 0.15 and cobra["frac"] < 0.1 and cobra["opened"] > 20 and cobra["push"] > 0.04
    assert hover["frac"] > 0.9 and abs(hover["opened"]) < 10
    assert world_push(_frames(0, 1, None, {}), _frames(1, 2, None, {})) is None


def test_a_cobra_the_screen_misses_is_rejected_in_world_coordinates():
    # the screen reads "arms by the sides" (wrist well behind the shoulder): its cobra rules are off (c5502)
    why, _ = get("prone_extension").movement(_ctx(COBRA, {"wrist_ahead": -0.62}))
    assert why and "cobra" in why


def test_hands_rising_with_the_chest_count_whatever_the_screen_says():
    # the screen reads a steep upper arm and no wrist rise (a rest read with the hands still up: c5497)
    why, _ = get("prone_extension").movement(_ctx(HOVER, {"upper_arm_elev": -85.0}))
    assert why is None
    # without world landmarks the screen rules decide (the fallback)
    why, _ = get("prone_extension").movement(_ctx(HOVER, {"upper_arm_elev": -85.0}, world=False))
    assert why and "cobra" in why


def test_no_world_cobra_verdict_seen_along_the_body():
    # from the feet the pose model's arm depth is a guess (c5362: arms by the sides read bent and planted)
    why, _ = get("prone_extension").movement(_ctx(COBRA, {"wrist_ahead": -0.62}, body_deg=-43.0))
    assert why is None
