"""arms_not_lifted on the prone arm lift: a low rise above the shoulders is not flagged when the arms rose clearly
above the hips (clinic clean lifts read 0.034-0.046 over the shoulders but 0.085-0.136 over the hips); a short
hold is judged on the landmarks only from ``hold_snr_lm`` noise units (session 9, issue 12)."""
from backform.exercises.checks import Status
from backform.exercises.prone_arm_lift import ProneArmLiftParams, arms_verdict

P = ProneArmLiftParams()


def test_low_over_the_shoulders_and_the_hips_is_a_fault():
    v = arms_verdict(0.038, 0.072, P)   # sample s123 (a few degrees): 0.038 / 0.072
    assert v.status == Status.FAULT and v.threshold == P.arms_lift_min


def test_low_over_the_shoulders_but_high_over_the_hips_is_not_checked():
    v = arms_verdict(0.037, 0.110, P)   # clinic c5633, a clean 16-deg lift
    assert v.status == Status.NOT_CHECKED and "hips" in v.reason


def test_a_clear_lift_is_ok_whatever_the_hips():
    assert arms_verdict(0.09, 0.05, P).status == Status.OK
    assert arms_verdict(0.09, float("nan"), P).status == Status.OK


def test_no_hip_reading_judges_as_before():
    assert arms_verdict(0.02, float("nan"), P).status == Status.FAULT


def test_the_bounds_leave_margin():
    assert P.arms_lift_min < P.arms_floor_min
    assert P.hold_snr <= P.hold_snr_lm
