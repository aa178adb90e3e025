"""Prone arm lift: a movement lower than ``arms_lift_min`` must be held ``low_hold_s`` to count (an aborted
first lift, with no earlier rep to compare it with, read a 1.6-s hold on noise: clinic test5 c5888)."""
from types import SimpleNamespace

from backform.exercises.prone_arm_lift import ProneArmLiftParams, abandoned_lift


def _ctx(rng, hold, earlier=()):
    rec = lambda v: SimpleNamespace(m={"arm_height_lm": v})  # noqa: E731
    prev = [SimpleNamespace(metrics={"arm_rise": x}) for x in earlier]
    return SimpleNamespace(window=SimpleNamespace(range=rng, hold_s=hold), previous=prev,
                           rest=[rec(-0.3)] * 8, frames=[rec(-0.3 + rng)] * 10,
                           stat=lambda *a, **k: float("nan"))


def test_a_low_first_movement_held_under_low_hold_s_is_not_a_rep():
    p = ProneArmLiftParams()
    assert p.abandoned_hold_s < 1.6 < p.low_hold_s
    assert "not held" in abandoned_lift(_ctx(0.03, 1.6), p)
    assert abandoned_lift(_ctx(0.03, p.low_hold_s + 0.5), p) is None   # held: a rep with arms_not_lifted
    assert abandoned_lift(_ctx(0.08, 1.6), p) is None                  # a real lift held 1.6 s: a rep
