"""Bird dog back_sag/back_arch against an earlier same-arm rep only when the limbs were at the same height
(issue 12: the back outline's ends move with the arm and the thigh; clinic c5156, c5216 read 0.021-0.029 on
clean reps whose arm or leg sat 25-27 deg away from the baseline rep's)."""
from _exercise_helpers import check
from kinematics import Rep


def alternate(n):
    return [Rep(hold=2.5, side="left" if i % 2 == 0 else "right") for i in range(n)]


def test_an_earlier_rep_with_the_limbs_elsewhere_is_no_baseline():
    reps = alternate(3)
    reps[0].faults = {"arm_low": 30}
    ex, _ = check("bird_dog", reps)
    assert len(ex.reps) == 3
    r = ex.reps[2]
    assert {"back_sag", "back_arch"} <= set(r.not_checked)
    reason = {v["code"]: v.get("reason", "") for v in r.to_json()["verdicts"]}["back_arch"]
    assert "within 15 deg" in reason
    assert "back_sag" not in r.faults and "back_arch" not in r.faults


def test_an_earlier_rep_with_the_limbs_alike_is_the_baseline():
    reps = alternate(3)
    reps[2].faults = {"back_arch": 0.06}
    ex, _ = check("bird_dog", reps)
    assert ex.reps[2].faults == ("back_arch",)
    # a calibration baseline does not depend on earlier reps
    reps[0].faults = {"arm_low": 30}
    ex, _ = check("bird_dog", reps, baseline={"trunk_bow": 0.0})
    assert "back_arch" in ex.reps[2].faults
