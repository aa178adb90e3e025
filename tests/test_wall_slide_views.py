"""Wall slide, issue 12: checks a view cannot judge say so; no_pause needs a short hold as well."""
from _exercise_helpers import check
from kinematics import Rep


def slide(**kw):
    d = dict(up=2.5, hold=2.0, down=2.5, rest=1.5)
    d.update(kw)
    return Rep(**d)


def test_from_behind_the_arm_overhead_is_not_judged():
    """A back diagonal (the nose further from the camera than the ears) reads the arm overhead 15 deg off
    either way: arms_not_overhead is reported as not checked, with the reason; the trunk is still judged."""
    ex, _ = check("wall_slide", [slide(), slide(faults={"low_back_arch": 25})], yaw=-35)
    assert len(ex.reps) == 2
    for r in ex.reps:
        assert "arms_not_overhead" in r.not_checked
        v = next(v for v in r.verdicts if v.code == "arms_not_overhead")
        assert "behind" in v.reason
    assert ex.reps[0].faults == ()
    assert "low_back_arch" in ex.reps[1].faults


def test_front_diagonal_does_not_judge_the_pause():
    """From a front diagonal the top of the slide reads flattened (holds long): no_pause is not checked."""
    ex, _ = check("wall_slide", [slide(), slide(hold=0.0)], yaw=35)
    assert len(ex.reps) == 2
    for r in ex.reps:
        assert "no_pause" in r.not_checked and "no_pause" not in r.faults
        assert "arms_not_overhead" not in r.not_checked


def test_a_long_hold_is_a_pause_whatever_the_profile():
    """The truth calls 0.8 s or more at the top (92%-92%) a pause: a rep held well over a second is not
    flagged, however it arrives at and leaves the top (linear, ease-in/out; the easing term of the pause
    measure assumes a cosine and reads these at -0.5..-0.9 s)."""
    for prof, down in (("linear", "linear"), ("ease_in", "ease_out"), ("cosine", "ease_in"), ("smoothstep", "linear")):
        ex, truth = check("wall_slide", [slide(hold=1.5, profile=prof, down_profile=down) for _ in range(2)])
        assert len(ex.reps) == 2
        for r, t in zip(ex.reps, truth):
            assert t["hold_s"] > 1.5
            assert "no_pause" not in r.faults, (prof, down, r.hold_s, r.metrics["pause_s"])


def test_no_pause_still_found():
    """A turn-around with no pause (0.91 s above 92% with 2.5-s cosine easing, as the sample render) is still
    flagged from the side. (From a 35-deg back diagonal this kinematic cusp reads 1.2-1.3 s, at the 1.25-s hold
    gate; the rendered back-diagonal sample reads 1.15 s and is flagged: bench/accuracy.py.)"""
    for yaw in (0, -20):
        ex, _ = check("wall_slide", [slide(hold=0.0) for _ in range(2)], yaw=yaw)
        assert len(ex.reps) == 2
        assert all("no_pause" in r.faults for r in ex.reps), (yaw, [r.to_json() for r in ex.reps])
