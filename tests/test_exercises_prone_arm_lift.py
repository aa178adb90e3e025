"""Prone arm lift (W raise) on kinematic landmark sequences."""
from _exercise_helpers import assert_matches, check
from kinematics import Rep


def test_clean_reps_no_fault():
    ex, truth = check("prone_arm_lift", [Rep(up=1.2, hold=5.5, down=1.2) for _ in range(3)])
    assert_matches(ex, truth)
    assert ex.faults == []


def test_each_fault_on_its_rep():
    reps = [Rep(up=1.2, hold=5.5, down=1.2), Rep(up=1.2, hold=5.5, down=1.2, faults={"chin_not_tucked": 25}),
            Rep(up=1.2, hold=5.5, down=1.2, faults={"elbows_straight": 15}),
            Rep(up=1.2, hold=5.5, down=1.2, faults={"arms_not_lifted": 5}),
            Rep(up=1.2, hold=2.0, down=1.2, faults={"short_hold": 1})]
    ex, truth = check("prone_arm_lift", reps)
    assert_matches(ex, truth)


def test_head_on_view_counts_and_sees_straight_elbows():
    reps = [Rep(up=1.2, hold=5.5, down=1.2), Rep(up=1.2, hold=5.5, down=1.2, faults={"elbows_straight": 15})]
    ex, truth = check("prone_arm_lift", reps, yaw=90.0)
    assert_matches(ex, truth)
    assert all("chin_not_tucked" in r.not_checked for r in ex.reps)
