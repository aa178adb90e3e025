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


def test_chin_uses_a_personal_baseline():
    # a person whose neutral head pitch is 10 deg higher than the default: no fault with their baseline
    ex, _ = check("prone_extension", [Rep(hold=5.5, faults={"chin_not_tucked": 14})])
    assert ex.reps[0].faults == ("chin_not_tucked",)
    ex, _ = check("prone_extension", [Rep(hold=5.5, faults={"chin_not_tucked": 14})], baseline={"chin_deg": -59.0})
    assert ex.reps[0].faults == ()


def test_head_on_view_is_reported_unsupported():
    ex, _ = check("prone_extension", [Rep(hold=5.5)], yaw=90.0)
    s = ex.summary()
    assert s["view"] == "front" and s["view_supported"] is False
    assert all("chin_not_tucked" in r.not_checked for r in ex.reps)
