"""Programme files: loading, strict validation (one clear error naming the key and what is allowed), the
parameters handed to the checkers, walking through a programme, scoring a session against it."""
from __future__ import annotations

import dataclasses
import json
import textwrap
from pathlib import Path

import pytest

from backform import session as S
from backform.programme import programme as P
from backform.programme.calibration import Calibration
from backform.errors import BackformError
from backform.exercises import get, names, spec

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "calibration" / "example_programme.toml"
DEFAULT = ROOT / "calibration" / "default_programme.toml"


def write(tmp_path, text: str) -> Path:
    p = tmp_path / "prog.toml"
    p.write_text(textwrap.dedent(text))
    return p


MINIMAL = """
[programme]
name = "t"
[[exercise]]
name = "bridge"
"""


@pytest.mark.parametrize("path", [EXAMPLE, DEFAULT], ids=["example", "default"])
def test_shipped_programmes_load_and_use_all_five_exercises(path):
    prog = P.load(path)
    assert sorted(prog.exercises) == sorted(names()) and len(prog.exercises) == 5
    for b in prog.blocks:
        ex = get(b.exercise, params=b.params())  # every override is a real parameter of the checker
        assert ex.params.reps == b.reps and ex.params.hold_s == b.hold_s
        for k, v in b.thresholds.items():
            assert getattr(ex.params, k) == v
    assert prog.block("bird_dog").per_side and not prog.block("bridge").per_side


def test_example_programme_values():
    prog = P.load(EXAMPLE)
    b = prog.block("bird_dog")
    assert (b.sets, b.reps, b.hold_s, b.rest_s) == (2, 6, 3.0, 60.0)
    assert b.thresholds == {"arm_low_deg": -20.0, "leg_high_deg": 10.0}
    assert prog.calibration == EXAMPLE.parent / "example_profile.toml"
    assert prog.patient == "P-0042" and prog.rest_between_exercises_s == 90


def test_defaults_come_from_the_checker(tmp_path):
    prog = P.load(write(tmp_path, MINIMAL))
    b = prog.blocks[0]
    assert (b.sets, b.reps, b.hold_s, b.rest_s) == (1, 10, 2.0, 60.0)


@pytest.mark.parametrize("text, must_say", [
    # unknown keys, at every level: the message names the key and lists the allowed ones
    ("[programme]\nnmae = 'x'\n[[exercise]]\nname='bridge'", ["'nmae'", "allowed", "name", "patient"]),
    ("[[exercise]]\nname='bridge'\nrepetitions=3", ["'repetitions'", "allowed", "reps", "hold_s", "rest_s"]),
    ("[[exercise]]\nname='bridge'\n[exercise.thresholds]\nmin_hip_ext=150",
     ["'min_hip_ext'", "allowed", "min_hip_extension_deg", "arch_bow_change"]),
    ("[settings]\nx=1\n[[exercise]]\nname='bridge'", ["'settings'", "[programme]", "[[exercise]]"]),
    # unknown exercise
    ("[[exercise]]\nname='plank'", ["'plank'", "bird_dog", "bridge", "prone_arm_lift", "prone_extension", "wall_slide"]),
    ("[[exercise]]\nsets=2", ["missing key 'name'", "bridge"]),
    # out of range / wrong type
    ("[[exercise]]\nname='bridge'\nsets=0", ["sets = 0", "out of range", "1 to 10"]),
    ("[[exercise]]\nname='bridge'\nreps=500", ["reps = 500", "1 to 50"]),
    ("[[exercise]]\nname='bridge'\nhold_s=-1", ["hold_s = -1", "0 to 60"]),
    ("[[exercise]]\nname='bridge'\nrest_s=5000", ["rest_s = 5000", "0 to 600"]),
    ("[[exercise]]\nname='bridge'\nreps='ten'", ["reps = 'ten'", "a whole number"]),
    ("[[exercise]]\nname='bridge'\nreps=2.5", ["reps = 2.5", "a whole number"]),
    ("[[exercise]]\nname='bridge'\nhold_s=true", ["hold_s = True", "a number"]),
    ("[programme]\nrest_between_exercises_s=-5\n[[exercise]]\nname='bridge'",
     ["rest_between_exercises_s = -5", "0 to 900"]),
    ("[[exercise]]\nname='bridge'\n[exercise.thresholds]\nmin_hip_extension_deg=400",
     ["thresholds.min_hip_extension_deg = 400", "-180 to 360"]),
    ("[[exercise]]\nname='bird_dog'\n[exercise.thresholds]\nmin_contour_points=2.5",
     ["thresholds.min_contour_points", "a whole number"]),
    ("[[exercise]]\nname='bridge'\n[exercise.thresholds]\nmin_lowering_s=-1", ["min_lowering_s = -1", "0 to 120"]),
    ("[[exercise]]\nname='bridge'\n[exercise.thresholds]\nhold_s=3", ["thresholds.hold_s", "set 'hold_s' on the exercise"]),
    # structure
    ("[programme]\nname='x'", ["no [[exercise]]"]),
    ("[[exercise]]\nname='bridge'\n[[exercise]]\nname='bridge'", ["'bridge' appears twice"]),
    ("[programme]\nschema='backform.programme/9'\n[[exercise]]\nname='bridge'", ["schema", "backform.programme/1"]),
    ("[[exercise]]\nname='bridge'\nsets=", ["not valid TOML"]),
])
def test_invalid_programmes_give_one_clear_error(tmp_path, text, must_say):
    with pytest.raises(P.ProgrammeError) as ei:
        P.load(write(tmp_path, text))
    msg = str(ei.value)
    assert isinstance(ei.value, BackformError) and "\n" not in msg
    for s in must_say:
        assert s in msg, (s, msg)


def test_missing_file(tmp_path):
    with pytest.raises(P.ProgrammeError, match="not found"):
        P.load(tmp_path / "nope.toml")


def test_params_for_the_checker(tmp_path):
    prog = P.load(write(tmp_path, """
        [[exercise]]
        name = "bird_dog"
        reps = 14
        hold_s = 3
        [exercise.thresholds]
        arm_low_deg = -25
        """))
    b = prog.blocks[0]
    assert b.params() == {"arm_low_deg": -25.0, "reps": 14, "hold_s": 3.0, "reps_max": 14}
    ex = get("bird_dog", params=b.params())
    assert ex.params.arm_low_deg == -25.0 and ex.hold_target_s == 3.0
    assert isinstance(ex.params.arm_low_deg, float)


def test_steps_walk_through_the_programme(tmp_path):
    prog = P.load(write(tmp_path, """
        [programme]
        name = "Morning"
        rest_between_exercises_s = 45
        [[exercise]]
        name = "bird_dog"
        sets = 2
        reps = 6
        hold_s = 3
        rest_s = 30
        [[exercise]]
        name = "bridge"
        reps = 8
        """))
    steps = list(prog.steps())
    assert [(s.kind, s.exercise, s.set) for s in steps] == [
        ("set", "bird_dog", 1), ("rest", "bird_dog", 2), ("set", "bird_dog", 2),
        ("rest", "bridge", 1), ("set", "bridge", 1), ("done", None, None)]
    assert steps[0].say.startswith("Let's start: Morning. First: the bird dog. 2 sets of 6 reps on each side, "
                                   "holding 3 seconds at the top.")
    assert steps[1].rest_s == 30 and steps[1].say == "Rest for 30 seconds. Then set 2 of 2 of the bird dog."
    assert steps[2].say == "Set 2 of 2: 6 reps on each side, holding 3 seconds at the top."
    assert steps[3].rest_s == 45 and "Then the bridge" in steps[3].say
    assert steps[4].say.startswith("Next: the bridge. 1 set of 8 reps") and steps[4].params["reps"] == 8
    assert "done" in steps[-1].say
    assert list(iter(prog)) == steps


def test_step_target_met():
    @dataclasses.dataclass
    class Fake:
        reps: list
        counts: dict

        def side_counts(self):
            return self.counts

    prog = P.parse({"exercise": [{"name": "bird_dog", "reps": 2}, {"name": "bridge", "reps": 3}]})
    bd, br = [s for s in prog.steps() if s.kind == "set"]
    assert not bd.target_met(Fake([1, 2, 3], {"left": 3, "right": 1}))
    assert bd.target_met(Fake([1, 2, 3, 4], {"left": 2, "right": 2}))
    assert not br.target_met(Fake([1, 2], {})) and br.target_met(Fake([1, 2, 3], {}))


def rep(n, start, hold, side=None, faults=()) -> S.Rep:
    return S.Rep(n=n, side=side, start_s=start, top_s=start + 1, lower_s=start + 1 + hold, end_s=start + 2 + hold,
                 hold_s=hold, faults=list(faults), metrics={})


BIRD_DOG_REPS = [rep(1, 0, 3.0, "left"), rep(2, 6, 2.5, "right", ["short_hold"]), rep(3, 12, 2.9, "left"),
                 # a 60 s rest, then the second set
                 rep(4, 80, 3.1, "right"), rep(5, 86, 3.0, "left", ["arm_low"])]


def test_labels_and_per_side_come_from_the_exercise():
    prog = P.parse({"exercise": [{"name": n} for n in names()]})
    for b in prog.blocks:
        assert b.label == spec(b.exercise).label and b.per_side is spec(b.exercise).per_side
    assert [b.label for b in prog.blocks if b.per_side] == ["bird dog"]


def test_score_per_side_and_sets():
    prog = P.parse({"exercise": [{"name": "bird_dog", "sets": 2, "reps": 2, "hold_s": 3, "rest_s": 60}]})
    sc = P.score(S.Session(exercise="bird_dog", reps=BIRD_DOG_REPS, params={"hold_tolerance_s": 0.15}),
                 prog.blocks[0])
    assert isinstance(sc, S.Score)
    assert sc.prescribed.reps == 4 and sc.prescribed.per_side
    assert sc.done.reps == 5 and sc.done.sets == 2 and sc.done.reps_per_set == [3, 2]
    assert sc.done.left == S.SideCount(reps=3, holds_met=3) and sc.done.right == S.SideCount(reps=2, holds_met=1)
    assert sc.done.sides_per_set == [{"left": 2, "right": 1}, {"left": 1, "right": 1}]
    assert sc.done.holds_met == 4 and sc.done.reps_with_faults == 2
    assert sc.complete is False and sc.completion == pytest.approx(5 / 8)
    assert sc.fault_rate == 0.4 and sc.done.mean_hold_s == pytest.approx(2.9)


def test_score_json_has_the_same_keys_as_before():
    """The typed Score writes exactly the keys the dict version did: per-side counts only for an exercise
    counted per side, ``complete``/``completion`` only with a prescribed number of reps, no live-only key."""
    prog = P.parse({"exercise": [{"name": "bird_dog", "sets": 2, "reps": 2, "hold_s": 3, "rest_s": 60},
                                 {"name": "bridge"}]})
    sc = S.to_builtins(P.score(S.Session(exercise="bird_dog", reps=BIRD_DOG_REPS), prog.blocks[0]))
    assert sc == {
        "exercise": "bird_dog",
        "prescribed": {"sets": 2, "reps_per_set": 2, "per_side": True, "reps": 4, "hold_s": 3.0,
                       "hold_tolerance_s": 0.15, "rest_s": 60.0},
        "done": {"reps": 5, "sets": 2, "reps_per_set": [3, 2], "holds_met": 4, "mean_hold_s": 2.9,
                 "reps_with_faults": 2, "left": {"reps": 3, "holds_met": 3}, "right": {"reps": 2, "holds_met": 1},
                 "sides_per_set": [{"left": 2, "right": 1}, {"left": 1, "right": 1}]},
        "complete": False, "completion": 0.625, "fault_rate": 0.4}
    plain = S.to_builtins(P.score(S.Session(exercise="bridge"), None))
    assert plain == {"exercise": "bridge",
                     "prescribed": {"sets": 1, "reps_per_set": None, "per_side": False, "reps": None, "hold_s": 0.0,
                                    "hold_tolerance_s": 0.15, "rest_s": 60.0},
                     "done": {"reps": 0, "sets": 0, "reps_per_set": [], "holds_met": 0, "mean_hold_s": None,
                              "reps_with_faults": 0},
                     "fault_rate": None}


def test_score_without_a_programme_uses_the_checkers_targets():
    sess = S.Session(exercise="bridge", reps=[rep(1, 0, 2.0), rep(2, 6, 1.0, faults=["short_hold"])],
                     targets=S.Targets(reps=10, hold_s=2.0), params={"hold_tolerance_s": 0.15})
    sc = P.score(sess)
    assert sc.prescribed.reps == 10 and sc.done.holds_met == 1 and sc.completion == 0.2
    side = S.Session(exercise="bird_dog", reps=BIRD_DOG_REPS, targets=S.Targets(reps=10, reps_per_side=[3, 3]))
    sc = P.score(side)
    assert sc.prescribed.per_side and sc.prescribed.reps_per_set == 3 and sc.done.left.reps == 3


def test_score_of_a_session_json_dict_is_the_same():
    """session.json read as plain JSON (callers not yet on the typed Session) scores the same."""
    sess = S.Session(exercise="bird_dog", reps=BIRD_DOG_REPS, params={"hold_tolerance_s": 0.2},
                     targets=S.Targets(reps=2, hold_s=3.0))
    as_dict = json.loads(S.dumps(sess))
    assert P.score(as_dict) == P.score(sess)
    block = P.parse({"exercise": [{"name": "bird_dog", "reps": 2}]}).blocks[0]
    assert P.score(as_dict, block) == P.score(sess, block)


def test_split_sets_and_hold_ok_take_typed_reps():
    sets = P.split_sets(BIRD_DOG_REPS, gap_s=30.0)
    assert [[r.n for r in s] for s in sets] == [[1, 2, 3], [4, 5]]
    assert P.split_sets([S.Rep(n=1), S.Rep(n=2, start_s=25.0)], gap_s=20.0) == [[S.Rep(n=1)], [S.Rep(n=2, start_s=25.0)]]
    assert P.hold_ok(BIRD_DOG_REPS[2], 3.0, 0.15) and not P.hold_ok(BIRD_DOG_REPS[1], 3.0, 0.15)
    assert not P.hold_ok(S.Rep(n=1), 0.5, 0.15) and P.hold_ok(S.Rep(n=1), 0.0, 0.15)


def test_resolve_picks_the_exercise(tmp_path):
    name, params, baseline = P.resolve(P.load(DEFAULT), None)
    assert name == "bridge" and params["reps"] == 10 and baseline is None
    name, params, _ = P.resolve(P.load(DEFAULT), "wall_slide")
    assert name == "wall_slide" and params["hold_s"] == 1.0
    only = P.load(write(tmp_path, "[[exercise]]\nname='prone_arm_lift'\nreps=7\n"))
    assert P.resolve(only, None)[:2] == ("prone_arm_lift", {"reps": 7, "hold_s": 5.0})
    with pytest.raises(P.ProgrammeError, match="not in the programme"):
        P.resolve(only, "bridge")
    assert P.resolve(None, "bridge") == ("bridge", None, None)


def test_resolve_merges_calibration_under_the_programme(tmp_path):
    cal = Calibration(baseline={"prone_extension": {"chin_deg": -55.0}},
                      thresholds={"wall_slide": {"min_overhead_deg": 140.0, "min_pause_s": 0.4}})
    cal.save(tmp_path / "prof.toml")
    prog = write(tmp_path, """
        [programme]
        calibration = "prof.toml"
        [[exercise]]
        name = "wall_slide"
        [exercise.thresholds]
        min_overhead_deg = 150
        [[exercise]]
        name = "prone_extension"
        """)
    name, params, baseline = P.resolve(P.load(prog), None)
    assert name == "wall_slide" and baseline is None
    assert params["min_overhead_deg"] == 150.0 and params["min_pause_s"] == 0.4  # the programme wins
    _, params, baseline = P.resolve(P.load(prog), "prone_extension")
    assert baseline == {"chin_deg": -55.0}
    assert get("prone_extension", params=params, baseline=baseline).baseline == {"chin_deg": -55.0}


def test_cli_prints_one_line(tmp_path, capsys):
    from backform.cli import main
    bad = write(tmp_path, "[[exercise]]\nname = 'bird_dog'\nreps = 500\n")
    rc = main(["analyze", str(tmp_path / "any.mp4"), "--program", str(bad), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and err.count("\n") == 0
    assert err.startswith("backform: error: ") and "reps = 500 is out of range; allowed: a whole number from 1 to 50" in err
