"""Prone arm lift: short_hold's threshold sits midway in the clinic truth's grey zone (target 5 s: clean from
5.0 s, a fault from 40% short = 3.0 s), not 0.15 s under the target inside the clean zone."""
from types import SimpleNamespace

from backform.exercises.checks import Status
from backform.exercises.prone_arm_lift import ProneArmLift


def _verdict(hold_s: float):
    ctx = SimpleNamespace(window=SimpleNamespace(hold_s=hold_s))
    return ProneArmLift().hold_verdict(ctx)


def test_threshold_is_midway_between_the_clean_and_the_fault_bounds():
    ex = ProneArmLift()
    thr = ex.hold_target_s - ex.params.short_hold_under_s
    assert 3.0 + 0.8 <= thr <= 5.0 - 0.8


def test_a_clean_hold_read_a_little_short_is_not_flagged():
    assert _verdict(4.6).status != Status.FAULT     # a clean 5.1-s hold read 0.5 s short


def test_a_meaningfully_short_hold_is_flagged():
    assert _verdict(3.3).status == Status.FAULT     # a 3.0-s hold read 0.3 s long
    assert _verdict(1.0).status == Status.FAULT     # the real clips' short holds: 0.3-1.1 s
