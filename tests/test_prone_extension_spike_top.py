"""prone_extension refine_window: a brief spike of the lift signal above a long hold does not set the top."""
import numpy as np

from backform.exercises import get
from backform.exercises.checks import FrameRecord, RepContext
from backform.exercises.counting import RepWindow


def _ctx(spike: bool):
    def lift(t):  # rest 0, up 1-2 s, held at 15 deg to 8 s, down 8-9 s; a 0.3-s jump to 30 at 2.5 s
        v = float(np.interp(t, [0.0, 1.0, 2.0, 8.0, 9.0, 10.0], [0.0, 0.0, 15.0, 15.0, 0.0, 0.0]))
        return 30.0 if spike and 2.4 <= t <= 2.7 else v

    def rec(t):
        return FrameRecord(t, {"head_lift_deg": lift(t)}, None, "left", "side")
    ts = np.arange(0.0, 10.0, 0.08)
    rest = [rec(t) for t in ts if t < 1.1]
    frames = [rec(t) for t in ts if 1.1 <= t <= 8.95]
    # as counted with the spike: the 92% level of the spike's "plateau" crossed only around it
    w = RepWindow(1.1, 2.45, 2.7, 8.95, 0.25, 0.0, 30.0) if spike else RepWindow(1.1, 1.92, 8.08, 8.95, 6.16, 0.0, 15.0)
    return RepContext(1, w, frames, rest, "side", "left")


def test_spike_does_not_set_the_top():
    ex = get("prone_extension")
    w = ex.refine_window(_ctx(spike=True))
    assert abs(w.top_s - 1.92) < 0.1 and abs(w.lower_s - 8.08) < 0.1 and abs(w.hold_s - 6.16) < 0.2


def test_a_held_rep_keeps_its_counted_times():
    ex = get("prone_extension")
    ctx = _ctx(spike=False)
    assert ex.refine_window(ctx) == ctx.window
