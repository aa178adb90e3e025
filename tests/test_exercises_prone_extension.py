"""Prone back extension on kinematic landmark sequences."""
from _exercise_helpers import assert_matches, check
from kinematics import Rep


def test_clean_reps_no_fault():
    ex, truth = check("prone_extension", [Rep(hold=5.5) for _ in range(3)])
    assert_matches(ex, truth)
    assert ex.faults == []
    assert ex.hold_target_s == 5.0 and ex.summary()["targets"]["reps"] == 5


def test_each_fault_on_its_rep():
    reps = [Rep(hold=5.5), Rep(hold=5.5, faults={"chin_not_tucked": 25}), Rep(hold=5.5, faults={"arms_on_floor": 1}),
            Rep(hold=2.0, faults={"short_hold": 1})]
    ex, truth = check("prone_extension", reps)
    assert_matches(ex, truth)


def test_chin_against_a_calibrated_reference_or_the_rest_before_the_rep():
    # no baseline: the rest before the rep, corrected for the chest lift
    ex, _ = check("prone_extension", [Rep(hold=5.5, faults={"chin_not_tucked": 14})])
    assert ex.reps[0].faults == ("chin_not_tucked",)
    assert 10 < ex.reps[0].metrics["chin_excess_deg"] < 18
    # a calibration baseline (this person's clean top is 10 deg higher than the model's): no fault
    top_clean = -69.0 + 1.1 * 20.0
    ex, _ = check("prone_extension", [Rep(hold=5.5, faults={"chin_not_tucked": 14})],
                  baseline={"chin_deg": top_clean + 10.0})
    assert ex.reps[0].faults == ()


def test_head_on_view_is_reported_unsupported():
    ex, _ = check("prone_extension", [Rep(hold=5.5)], yaw=90.0)
    s = ex.summary()
    assert s["view"] == "front" and s["view_supported"] is False
    assert all("chin_not_tucked" in r.not_checked for r in ex.reps)
