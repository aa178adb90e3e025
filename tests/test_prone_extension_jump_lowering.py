"""prone_extension movement: a completed rep whose lift signal falls from the top back to the rest faster than
any chest comes down (``min_lowering_s``; clinic truth lowerings >= 0.31 s) is a jump of the signal, not a rep
(clinic c5778: a cobra seen from the front, read upside down, its rest between two push-ups counted as a rep
with a 0.03-s "lowering")."""
import numpy as np

from backform.exercises import get
from backform.exercises.checks import FrameRecord, RepContext
from backform.exercises.counting import RepWindow
from backform.types import PoseFrame

M = {"head_lift_deg": 15.0, "elbow_2d_near": 170.0, "upper_arm_elev": -10.0, "wrist_ahead": -1.0,
     "wrist_height": 0.0, "body_deg": -5.0}


def _frames(t0, t1):
    return [FrameRecord(float(t), dict(M), PoseFrame(i, t * 1000.0, 640, 360, None, None), "left", "side")
            for i, t in enumerate(np.arange(t0, t1, 0.1))]


def _ctx(lower_s, end_s, complete=True):
    w = RepWindow(1.0, 1.5, lower_s, end_s, lower_s - 1.5, 0.0, 15.0, complete=complete)
    return RepContext(1, w, _frames(1.0, end_s), _frames(0.0, 1.0), "side", "left")


ON: dict = {}   # the default (0.15 s) is on


def test_a_lowering_faster_than_a_chest_comes_down_is_not_a_rep():
    why, _ = get("prone_extension", ON).movement(_ctx(7.96, 8.0))
    assert why and "jump" in why


def test_ordinary_and_fast_lowerings_count():
    ex = get("prone_extension", ON)
    assert ex.movement(_ctx(7.5, 8.0))[0] is None
    assert ex.movement(_ctx(7.75, 8.0))[0] is None          # 0.25 s: the fastest counted real lowering
    assert ex.params.min_lowering_s <= 0.5 * 0.31            # half the fastest truth lowering: margin


def test_a_clip_ending_during_the_lowering_is_not_judged_by_it():
    why, _ = get("prone_extension", ON).movement(_ctx(7.96, 8.0, complete=False))
    assert why is None


def test_zero_turns_the_rule_off():
    assert get("prone_extension", {"min_lowering_s": 0.0}).movement(_ctx(7.96, 8.0))[0] is None
