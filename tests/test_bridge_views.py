"""Bridge: checks not judged where the geometry cannot carry them, aborted lifts not counted, the short_hold
threshold (clinic test slice 3 diagnosis R3, R5, R6)."""
from types import SimpleNamespace

from backform.exercises import get
from backform.exercises.bridge import BridgeParams, aborted_lift

P = BridgeParams()
from backform.exercises.checks import FrameRecord, RepContext, Status
from backform.exercises.counting import RepWindow


def _ctx(rest_ext=150.0, top_ext=185.0, hold=3.0, peak=20.0, previous=(), view="diagonal"):
    rest = [FrameRecord(t=0.1 * i, m={"hip_extension_deg": rest_ext}, pf=None, side="left", view=view)
            for i in range(10)]
    top = [FrameRecord(t=2.0 + 0.1 * i, m={"hip_extension_deg": top_ext}, pf=None, side="left", view=view)
           for i in range(10)]
    w = RepWindow(start_s=1.5, top_s=2.0, lower_s=2.0 + hold, end_s=3.5 + hold, hold_s=hold, rest=2.0,
                  peak=2.0 + peak)
    return RepContext(n=len(previous) + 1, window=w, frames=top, rest=rest, view=view, side="left",
                      previous=list(previous))


def _verdicts(ex, ctx):
    return {v.code: v for v in ex.checks(ctx)}


def test_short_hold_threshold_is_the_target_minus_short_hold_under_s():
    ex = get("bridge")
    assert BridgeParams().short_hold_under_s == 0.4
    assert _verdicts(ex, _ctx(hold=1.81))["short_hold"].status == Status.OK     # clinic c5520: 1.80-s truth
    assert _verdicts(ex, _ctx(hold=1.41))["short_hold"].status == Status.FAULT  # rendered s104's short hold
    strict = get("bridge", {"short_hold_under_s": 0.1})
    assert _verdicts(strict, _ctx(hold=1.81))["short_hold"].status == Status.FAULT


def test_implausible_rest_angle_leaves_hips_low_and_short_hold_not_checked():
    ex = get("bridge")
    # seen along the body (clinic c5415: rest 73-77, clean tops 135-145; c5530: rest 199)
    for rest in (75.0, 199.0):
        v = _verdicts(ex, _ctx(rest_ext=rest, top_ext=140.0, hold=0.9))
        assert v["hips_low"].status == Status.NOT_CHECKED and v["short_hold"].status == Status.NOT_CHECKED
        assert "seen along its length" in v["hips_low"].reason
    # a plausible rest (110-172 seen on the clinic clips) keeps both judged
    v = _verdicts(ex, _ctx(rest_ext=112.0, top_ext=140.0, hold=0.9))
    assert v["hips_low"].status == Status.FAULT and v["short_hold"].status == Status.FAULT


def test_aborted_lift_is_small_and_not_held():
    ex = get("bridge")
    assert aborted_lift(P, _ctx(peak=5.6, hold=0.65))          # clinic c5220, c5470, c5405
    assert aborted_lift(P, _ctx(peak=4.0, hold=1.32))
    assert not aborted_lift(P, _ctx(peak=4.9, hold=3.26))      # a weak full rep is held (c5405 rep 3, hips low)
    assert not aborted_lift(P, _ctx(peak=9.6, hold=0.83))      # a full rep with a short hold rises more (c5395)
    assert not aborted_lift(P, _ctx(peak=5.0, hold=0.6, rest_ext=199.0))  # the lift is not read from there
    # relative to the clip's earlier held reps: a third of a 30-deg lift let straight down is aborted
    full = [SimpleNamespace(hold_s=3.0, metrics={"lift_range_deg": 30.0})] * 2
    assert aborted_lift(P, _ctx(peak=9.0, hold=0.7, previous=full))
    assert not aborted_lift(P, _ctx(peak=12.0, hold=0.7, previous=full))
    reason, conf = ex.movement(_ctx(peak=5.0, hold=0.6))
    assert reason is not None and "aborted" in reason and conf == 0.0
