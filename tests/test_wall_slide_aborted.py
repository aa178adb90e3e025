"""wall_slide: a slide given up on the way (under aborted_range_share of the clip's earlier slides) is not a rep."""
from types import SimpleNamespace

from backform.exercises.checks import RepContext
from backform.exercises.counting import RepWindow
from backform.exercises.wall_slide import WallSlideParams, aborted_slide


def _ctx(rng, previous):
    w = RepWindow(start_s=0.0, top_s=1.0, lower_s=2.0, end_s=3.0, hold_s=1.0, rest=75.0, peak=75.0 + rng)
    prev = [SimpleNamespace(metrics={"range_deg": r}) for r in previous]
    return RepContext(n=len(prev) + 1, window=w, frames=[], rest=[], view="side", side="left", previous=prev)


def test_aborted_slide_relative_to_the_earlier_slides():
    p = WallSlideParams()
    assert aborted_slide(_ctx(36.6, [95.0]), p)             # clinic c5159: 38% of the range, counted before
    assert not aborted_slide(_ctx(48.0, [90.0]), p)         # a full slide 47 deg short of overhead (c5309): 53%
    assert not aborted_slide(_ctx(50.4, [80.8]), p)         # the smallest counted full slide share (c5384): 62%
    assert not aborted_slide(_ctx(30.0, []), p)             # the first slide: nothing to compare with
    assert aborted_slide(_ctx(36.6, [float("nan"), 95.0]), p)
