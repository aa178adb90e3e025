"""Bridge hold timing re-timed on the hip's height above the shoulder-knee line (refine_window)."""
import pytest

from _exercise_helpers import check
from kinematics import Rep

from backform.exercises.bridge import BridgeParams


@pytest.mark.parametrize("profile,down", [("cosine", None), ("linear", None), ("ease_in", "ease_out"),
                                          ("ease_out", "ease_in"), ("smoothstep", "linear")])
def test_hold_within_tolerance_for_every_easing(profile, down):
    reps = [Rep(hold=2.5, down=2.0, profile=profile, down_profile=down),
            Rep(hold=1.2, down=2.0, profile=profile, down_profile=down)]
    ex, truth = check("bridge", reps)
    assert len(ex.reps) == 2
    for r, t in zip(ex.reps, truth):
        assert abs(r.hold_s - t["hold_s"]) <= 0.3, (profile, down, r.hold_s, t["hold_s"])
        assert r.top_s <= r.lower_s


def test_hips_low_rep_hold_still_timed():
    ex, truth = check("bridge", [Rep(hold=2.5, down=2.0), Rep(hold=2.5, down=2.0, faults={"hips_low": 25})])
    assert len(ex.reps) == 2
    for r, t in zip(ex.reps, truth):
        assert abs(r.hold_s - t["hold_s"]) <= 0.3, (r.hold_s, t["hold_s"])


def test_weight_zero_keeps_the_counted_timing_and_one_uses_the_line():
    reps = [Rep(hold=2.5, down=2.0)]
    p0, p1 = {"hold_line_weight": 0.0}, {"hold_line_weight": 1.0}
    ex0, truth = check("bridge", reps, params=p0)
    ex1, _ = check("bridge", reps, params=p1)
    exd, _ = check("bridge", reps)
    r0, r1, rd = ex0.reps[0], ex1.reps[0], exd.reps[0]
    # the default lies between the two, 80% of the way to the line's timing
    w = BridgeParams().hold_line_weight
    assert rd.top_s == pytest.approx(r0.top_s + w * (r1.top_s - r0.top_s), abs=1e-6)
    assert rd.lower_s == pytest.approx(r0.lower_s + w * (r1.lower_s - r0.lower_s), abs=1e-6)
    # start and end stay as counted
    assert (r0.start_s, r0.end_s) == pytest.approx((r1.start_s, r1.end_s))
    assert abs(r1.hold_s - truth[0]["hold_s"]) <= 0.3
