"""The registry and the checker interface the session driver relies on."""
import math

import numpy as np
import pytest

from backform.types import FrameResult, Phase, PoseFrame
from backform.exercises import Exercise, UnknownExercise, get, names
from backform.exercises.base import register

ALL = ["bird_dog", "bridge", "prone_arm_lift", "prone_extension", "wall_slide"]


def test_names():
    assert names() == ALL


def test_unknown_exercise_lists_valid_names():
    with pytest.raises(UnknownExercise) as e:
        get("plank")
    assert isinstance(e.value, ValueError)
    for n in ALL:
        assert n in str(e.value)


@pytest.mark.parametrize("name", ALL)
def test_params_override_and_unknown_key(name):
    ex = get(name, params={"hold_s": 7.5})
    assert ex.params.hold_s == 7.5
    assert ex.hold_target_s == 7.5
    with pytest.raises(ValueError) as e:
        get(name, params={"hold_seconds": 3})
    assert "hold_seconds" in str(e.value) and "hold_s" in str(e.value)


@pytest.mark.parametrize("name", ALL)
def test_every_fault_has_a_cue_and_params_are_documented(name):
    ex = get(name)
    assert ex.CUES and all(isinstance(v, str) and 0 < len(v) < 80 for v in ex.CUES.values())
    assert ex.views


@pytest.mark.parametrize("name", ALL)
def test_dropouts_only_and_finish(name):
    ex = get(name)
    for i in range(30):
        r = ex.update(PoseFrame(i, i * 66.7, 640, 480))
        assert isinstance(r, FrameResult) and r.phase == Phase.SETUP and r.rep_count == 0
    ex.finish(2.0)
    assert ex.reps == [] and ex.faults == []
    s = ex.summary()
    assert s["start_position_reached"] is False and s["targets"]["hold_s"] == ex.hold_target_s


def test_session_contract_codes():
    expected = {
        "bridge": {"lumbar_arch", "hips_low", "short_hold", "fast_lowering"},
        "bird_dog": {"trunk_rotation", "back_sag", "back_arch", "arm_low", "arm_high", "leg_low", "leg_high",
                     "short_hold", "same_side"},
        "prone_extension": {"chin_not_tucked", "arms_on_floor", "short_hold"},
        "prone_arm_lift": {"chin_not_tucked", "elbows_straight", "arms_not_lifted", "short_hold"},
        "wall_slide": {"low_back_arch", "arms_not_overhead", "no_lift_off", "no_pause", "fast_return"},
    }
    for name, codes in expected.items():
        assert codes <= set(get(name).CUES), name


def test_register_a_sixth_exercise_touches_nothing_else():
    from dataclasses import dataclass

    from backform.exercises.counting import CounterParams

    @dataclass(frozen=True)
    class _P:
        hold_s: float = 1.0

    @register("_test_nod")
    class Nod(Exercise):
        Params = _P

        def counter_params(self):
            return CounterParams(start_delta=1, rest_delta=0.5, min_range=2)

        def measure(self, pf, side):
            return {"y": float(pf.landmarks[0, 1] * 100)}

        def signal(self, m):
            return m["y"]

    try:
        assert "_test_nod" in names()
        ex = get("_test_nod")
        for i in range(60):
            lm = np.zeros((33, 5), np.float32)
            lm[:, 3] = 1
            lm[0, 1] = 0.05 * math.sin(math.pi * (i - 10) / 30) ** 2 if 10 <= i <= 40 else 0.0
            ex.update(PoseFrame(i, i * 100.0, 100, 100, landmarks=lm))
        assert len(ex.reps) == 1
    finally:
        from backform.exercises import base
        base._REGISTRY.pop("_test_nod", None)
