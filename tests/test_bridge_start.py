"""The bridge's start position: its shoulder-hip limit is a parameter, not a literal."""
from backform.exercises import get
from backform.exercises.bridge import BridgeParams


def _m(lift, knee=90.0):
    return {"hip_lift_deg": lift, "knee_deg": knee}


def test_start_position_follows_start_max_lift_deg():
    ex = get("bridge")
    assert BridgeParams().start_max_lift_deg == 45.0
    assert ex.start_position(_m(30.0)) is None          # a back diagonal's rest (clinic c5070: 32 deg)
    assert ex.start_position(_m(50.0)) is not None
    assert ex.start_position(_m(-50.0)) is not None
    strict = get("bridge", {"start_max_lift_deg": 20.0})
    assert strict.start_position(_m(30.0)) is not None
    assert strict.start_position(_m(15.0)) is None
    assert ex.start_position(_m(5.0, knee=170.0)) is not None   # legs straight: not the hook-lying start
