"""Bird dog start position (issue 12): a hanging arm seen from a low rear diagonal reads 37-44 deg raised at rest
(clinic c5286, camera 0.15 m high); it must still count as down, a raised arm (80-110 deg) must not."""
from backform.exercises import get


def test_a_foreshortened_hanging_arm_is_still_the_start_position():
    ex = get("bird_dog")
    rest = {"arm_up_deg": 42.0, "leg_up_deg": 12.0, "trunk_deg": 2.0, "trunk_world_deg": 2.0}
    assert ex.start_position(rest) is None
    assert ex.start_position({**rest, "arm_up_deg": 80.0}) is not None
    assert ex.start_position({**rest, "leg_up_deg": 60.0}) is not None
