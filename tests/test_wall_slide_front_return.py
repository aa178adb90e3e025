"""Wall slide, issue 12: from a front diagonal the return's speed is not judged (the top reads flattened and
the lower time late, so a clean return reads short); from the side a fast return is still found."""
from _exercise_helpers import check
from kinematics import Rep


def slide(**kw):
    d = dict(up=2.5, hold=2.0, down=2.5, rest=1.5)
    d.update(kw)
    return Rep(**d)


def test_front_diagonal_does_not_judge_the_return():
    ex, _ = check("wall_slide", [slide(), slide(down=0.6)], yaw=35)
    assert len(ex.reps) == 2
    for r in ex.reps:
        assert "fast_return" in r.not_checked and "fast_return" not in r.faults
        v = next(v for v in r.verdicts if v.code == "fast_return")
        assert "front diagonal" in v.reason


def test_fast_return_still_found_from_the_side():
    ex, _ = check("wall_slide", [slide(), slide(down=0.6)], yaw=0)
    assert len(ex.reps) == 2
    assert "fast_return" not in ex.reps[0].faults
    assert "fast_return" in ex.reps[1].faults, [r.to_json() for r in ex.reps]
