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


def test_start_position_names_an_end_on_camera():
    """Where the camera stands makes the start position fail, the message says so (the decision is the same:
    not in position)."""
    from backform.exercises.bridge import END_ON_VIEW
    ex = get("bridge")
    lying = "Lie on your back with your knees bent, feet flat"
    # hips far above the shoulders on screen: lying seen from the head end (clinic c5245: 76-79 deg)
    assert ex.start_position({**_m(77.0), "face_up": 0.6}) == END_ON_VIEW
    # hips far below the shoulders: standing (face level) vs lying seen from the feet end (face up)
    assert ex.start_position({**_m(-80.0, knee=175.0), "face_up": 0.05}) == lying
    assert ex.start_position({**_m(-80.0), "face_up": 0.95}) == END_ON_VIEW
    # knees read straight with the hips far above the shoulder-knee line: legs misplaced from behind the head
    assert ex.start_position({**_m(27.0, knee=170.0), "hip_over_sk": 0.6}) == END_ON_VIEW
    # legs simply straight on the floor: bend the knees
    assert ex.start_position({**_m(2.0, knee=175.0), "hip_over_sk": 0.01}) == lying


def test_start_position_knee_limit_is_a_parameter():
    assert get("bridge").start_position(_m(5.0, knee=140.0)) is not None
    assert get("bridge", {"start_max_knee_deg": 150.0}).start_position(_m(5.0, knee=140.0)) is None
