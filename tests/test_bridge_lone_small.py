"""A small held lift counts as a (weak) bridge only after a full bridge in the same clip (bridge.lone_small_lift):
alone it reads like a posterior pelvic tilt (clinic c5004)."""
from types import SimpleNamespace

from backform.exercises.bridge import BridgeParams, lone_small_lift


def _ctx(rng, previous_ranges):
    prev = [SimpleNamespace(metrics={"lift_range_deg": r}) for r in previous_ranges]
    return SimpleNamespace(window=SimpleNamespace(range=rng), previous=prev)


def test_small_lift_alone_is_not_a_rep():
    assert lone_small_lift(BridgeParams(), _ctx(4.0, []))


def test_small_lift_after_a_full_bridge_is_a_weak_rep():
    assert not lone_small_lift(BridgeParams(), _ctx(4.0, [17.0]))


def test_small_lift_after_only_small_lifts_is_still_alone():
    assert lone_small_lift(BridgeParams(), _ctx(3.5, [4.2, float("nan")]))


def test_full_lift_is_never_judged_here():
    assert not lone_small_lift(BridgeParams(), _ctx(12.0, []))
