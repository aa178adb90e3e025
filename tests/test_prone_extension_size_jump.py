"""prone_extension short_hold: a rep whose body size on screen jumps (the pose model lost the person and fitted
another outline) is not judged for its hold; a steady body's short hold still is."""
import numpy as np

from backform.exercises import get
from backform.exercises.checks import FrameRecord, RepContext, Status
from backform.exercises.counting import RepWindow


def _ctx(jump: bool):
    def rec(t):
        size = 40.0 if jump and t < 1.6 else 100.0   # pixels: a tiny wrong outline before, the person after
        lift = float(np.interp(t, [0.0, 1.0, 1.5, 2.0, 2.5], [0.0, 0.0, 15.0, 15.0, 0.0]))
        return FrameRecord(t, {"head_lift_deg": lift, "body_size": size}, None, "left", "side")
    ts = np.arange(0.0, 3.0, 0.05)
    rest = [rec(t) for t in ts if t < 1.0]
    frames = [rec(t) for t in ts if 1.0 <= t <= 2.5]
    return RepContext(1, RepWindow(1.0, 1.46, 2.04, 2.5, 0.58, 0.0, 15.0), frames, rest, "side", "left")


def _hold(ctx):
    return get("prone_extension")._hold(ctx)


def test_a_size_jump_leaves_the_hold_unjudged():
    v = _hold(_ctx(jump=True))
    assert v.status == Status.NOT_CHECKED and "size" in v.reason


def test_a_steady_body_short_hold_is_a_fault():
    v = _hold(_ctx(jump=False))
    assert v.status == Status.FAULT
