"""RepContext: view_share (the share of a rep's frames, default its top, whose own view is the one asked for) and
once (a figure both movement and checks read, computed once per rep)."""
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


def test_once_computes_a_figure_once_per_rep_context():
    ctx, calls = _ctx(["side"]), []
    assert ctx.once("k", lambda: calls.append(1) or 7.0) == 7.0
    assert ctx.once("k", lambda: calls.append(1) or 8.0) == 7.0
    assert calls == [1]
    assert _ctx(["side"]).once("k", lambda: 8.0) == 8.0          # a new rep, a new figure


def test_the_bridge_reads_misread_view_once_per_rep(monkeypatch):
    from backform.exercises import bridge
    calls = []
    monkeypatch.setattr(bridge, "misread_view", lambda p, ctx: calls.append(1) or "misread")
    ex, ctx = bridge.Bridge(), _ctx(["side"])
    assert ex._misread(ctx) == "misread" and ex._misread(ctx) == "misread"
    assert calls == [1]
