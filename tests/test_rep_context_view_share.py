"""RepContext.view_share: the share of a rep's frames (default: its top) whose own view is the one asked for."""
import math

from backform.exercises.checks import FrameRecord, RepContext
from backform.exercises.counting import RepWindow


def _ctx(views):
    w = RepWindow(start_s=0.0, top_s=1.0, lower_s=1.0 + 0.1 * (len(views) - 1), end_s=9.0, hold_s=1.0,
                  rest=0.0, peak=10.0)
    frames = [FrameRecord(t=0.5, m={}, pf=None, side="left", view="side")] + \
        [FrameRecord(t=1.0 + 0.1 * i, m={}, pf=None, side="left", view=v) for i, v in enumerate(views)]
    return RepContext(n=1, window=w, frames=frames, rest=[], view="side", side="left")


def test_view_share_of_the_top_counts_frames_without_a_view_as_not_that_view():
    ctx = _ctx(["side", "diagonal", None, "side"])
    assert ctx.view_share("side") == 0.5                       # the frame before the top is not counted
    assert ctx.view_share("side", ctx.frames) == 0.6
    assert ctx.view_share("side", [r for r in ctx.top if r.view]) == 2 / 3
    assert math.isnan(ctx.view_share("side", []))
