"""Bird dog limb heights need the whole limb and its upper segment to agree: the arm is straight in a bird dog,
so a whole arm (shoulder->wrist) far from the upper arm (shoulder->elbow) is a misplaced elbow or wrist (clinic
c5631: a far arm behind the head read 47 deg low on a level arm, upper arm 72 deg off). Not checked then."""

from backform.exercises.bird_dog import BirdDogParams, limb_verdicts
from backform.exercises.checks import FrameRecord, RepContext, Status
from backform.exercises.counting import RepWindow

P = BirdDogParams()


def ctx(whole_deg, upper_deg, part="arm"):
    key = "hand" if part == "arm" else "foot"

    def rec(t):
        m = {f"left_{part}_deg": whole_deg, f"left_{part}_raise_deg": upper_deg + 90.0, f"left_{key}_in_frame": 1.0}
        return FrameRecord(t=t, m=m, pf=None, side="left", view="side")
    frames = [rec(1.0 + 0.1 * i) for i in range(41)]
    win = RepWindow(start_s=1.0, top_s=2.0, lower_s=4.0, end_s=5.0, hold_s=2.0, rest=10.0, peak=85.0)
    return RepContext(n=1, window=win, frames=frames, rest=[], view="side", side="left")


def verdicts(c, part="arm"):
    low, high = (P.arm_low_deg, P.arm_high_deg) if part == "arm" else (P.leg_low_deg, P.leg_high_deg)
    return {v.code: v for v in limb_verdicts(c, P, part, "left", low, high)}


def test_a_straight_low_arm_is_a_fault():
    v = verdicts(ctx(-27.0, -28.0))
    assert v["arm_low"].status == Status.FAULT and v["arm_high"].status == Status.OK


def test_an_arm_whose_elbow_and_wrist_disagree_is_not_checked():
    v = verdicts(ctx(-47.0, -71.0))   # c5631 rep 2: the far arm's elbow and wrist misplaced
    assert v["arm_low"].status == Status.NOT_CHECKED and v["arm_high"].status == Status.NOT_CHECKED
    assert "elbow" in v["arm_low"].reason


def test_the_rendered_arm_faults_stay_within_the_bend_limit():
    # clinic arm faults: whole minus upper arm -7.1..+5.6 deg (tuning..test4)
    assert P.arm_bend_max_deg >= 7.1 + 2.5
    assert verdicts(ctx(30.0, 37.1))["arm_high"].status == Status.FAULT


def test_a_leg_bent_at_the_knee_within_the_limit_is_judged():
    assert verdicts(ctx(-34.8, -45.9, "leg"), "leg")["leg_low"].status == Status.FAULT   # c5496 rep 2, a fault
    assert verdicts(ctx(-15.5, -40.6, "leg"), "leg")["leg_low"].status == Status.NOT_CHECKED  # c5691 rep 1, clean
