"""Whole-session recognition (issue 13) on kinematic landmark sequences: posture, the segments of a session
joined from several exercises (with transitions), look-alikes, the live recogniser, the typed session and
the CLI on a landmarks recording. The CLI on a real joined video is in test_recognition_cli.py (slow)."""
from __future__ import annotations

import dataclasses
import json
import math
from collections import Counter

import pytest
from kinematics import LOOK_ALIKES, Camera, Plan, Rep, frames

from backform import session as S
from backform.cli import main as cli_main
from backform.exercises import names, spec
from backform.io.recording import LandmarkWriter
from backform.pipeline import build_session
from backform.recognition import Recognizer, candidates, check, postures, recognise, session_of
from backform.recognition.segments import Slot, absorb_lone, run_checker

FPS = 10.0  # enough for the checkers; keeps the file's run short


def part(exercise: str, n: int = 2, cam: Camera | None = None, **rep) -> list:
    sides = ("left", "right") if exercise in names() and spec(exercise).per_side else (None,)
    return frames(Plan(exercise, [Rep(side=sides[i % len(sides)], **rep) for i in range(n)]), FPS, cam)


def join(*parts, gap_s: float = 0.0) -> tuple[list, list[tuple[float, float]]]:
    """PoseFrame sequences one after the other (timestamps shifted), ``gap_s`` of frames without a person
    between them; returns the frames and each part's (start_s, end_s)."""
    out, spans, t = [], [], 0.0
    for k, fr in enumerate(parts):
        if k and gap_s:
            for j in range(int(gap_s * FPS)):
                out.append(dataclasses.replace(fr[0], index=len(out), timestamp_ms=(t + j / FPS) * 1000,
                                               landmarks=None, world=None, contour=None))
            t += int(gap_s * FPS) / FPS
        moved = [dataclasses.replace(pf, index=len(out) + i, timestamp_ms=pf.timestamp_ms + t * 1000)
                 for i, pf in enumerate(fr)]
        spans.append((t, moved[-1].t_s + 1 / FPS))
        out += moved
        t = moved[-1].t_s + 1 / FPS
    return out, spans


def iou(a0, a1, b0, b1) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0)) / (max(a1, b1) - min(a0, b0))


@pytest.mark.parametrize("exercise", ["bridge", "bird_dog", "prone_extension", "prone_arm_lift", "wall_slide"])
def test_posture_is_the_declared_one(exercise):
    seen = Counter(postures(part(exercise)))
    assert seen.most_common(1)[0][0] == spec(exercise).posture, seen
    assert seen[spec(exercise).posture] >= 0.95 * sum(seen.values()), seen


def test_lying_with_the_head_toward_the_camera_is_lying():
    """Seen along the body the trunk is a steep short line on screen (the pixel rule says standing); the
    world landmarks keep it level."""
    seen = Counter(postures(part("prone_arm_lift", cam=Camera(yaw=90.0))))
    assert seen.most_common(1)[0][0] == "prone", seen


def test_candidates_come_from_the_declared_posture():
    for posture in ("supine", "prone", "quadruped", "standing"):
        assert candidates(posture) == [n for n in names() if spec(n).posture == posture]
    assert candidates(None) == []
    assert set(candidates("prone")) >= {"prone_extension", "prone_arm_lift"}


@pytest.fixture(scope="module")
def session_frames():
    """The five exercises one after the other, 4 s without a person between them (getting down, turning
    over, walking to the wall), recognised once."""
    seq = [("bridge", part("bridge")), ("prone_extension", part("prone_extension")),
           ("prone_arm_lift", part("prone_arm_lift")), ("bird_dog", part("bird_dog")),
           ("wall_slide", part("wall_slide"))]
    fr, spans = join(*(p for _, p in seq), gap_s=4.0)
    seg = recognise(fr)
    return fr, [(name, a, b) for (name, _), (a, b) in zip(seq, spans)], [p for _, p in seq], seg, check(fr, seg)


def test_whole_session_segments(session_frames):
    fr, truth, parts, seg, checked = session_frames
    assert [f.exercise for f in seg.segments] == [name for name, _, _ in truth]
    for f, (name, a, b), alone in zip(seg.segments, truth, parts):
        assert iou(f.start_s, f.end_s, a, b) >= 0.9, (f, a, b)
    # each segment through a fresh checker counts what the checker counts on that part alone
    for (f, ex), alone, (name, _, _) in zip(checked, parts, truth):
        assert len(ex.reps) == len(run_checker(name, alone).reps) > 0
    # the 4 s without a person between parts are "other"
    gaps = [o for o in seg.other if o.reason == "no person in view"]
    assert len(gaps) == 4 and all(3.0 <= o.end_s - o.start_s <= 4.5 for o in gaps), seg.other


def test_two_exercises_of_one_posture_back_to_back():
    """Arm lift then back extension, no pause: both lying face down; the shape of the movement decides and
    the second exercise's first rep is not folded into the first one's checker."""
    fr, spans = join(part("prone_arm_lift"), part("prone_extension"))
    seg = recognise(fr)
    assert [f.exercise for f in seg.segments] == ["prone_arm_lift", "prone_extension"]
    assert abs(seg.segments[0].end_s - spans[0][1]) < 2.5
    assert [len(ex.reps) for _, ex in check(fr, seg)] == [2, 2]


def test_sets_of_one_exercise_are_one_segment():
    fr, spans = join(part("bridge"), part("bridge"), gap_s=35.0)
    seg = recognise(fr)
    assert [f.exercise for f in seg.segments] == ["bridge"]
    s = session_of(S.Session(), check(fr, seg), seg.other)
    assert [(x.n, x.reps) for x in s.segments[0].sets] == [(1, 2), (2, 2)]


def _elsewhere(fr: list, dx: float = -0.2, dy: float = -0.05, k: float = 0.8) -> list:
    """``fr`` as another video shows it: the picture scaled by ``k`` about its centre and moved."""
    out = []
    for pf in fr:
        lm = pf.landmarks.copy()
        lm[:, :2] = 0.5 + (lm[:, :2] - 0.5) * k + (dx, dy)
        cont = None if pf.contour is None else 0.5 + (pf.contour - 0.5) * k + (dx, dy)
        out.append(dataclasses.replace(pf, landmarks=lm, contour=cont))
    return out


@pytest.mark.parametrize("exercise", ["bridge", "prone_arm_lift"])
def test_two_clips_joined_count_as_each_alone(exercise):
    """Two clips of one exercise joined (a scene cut: the person elsewhere and smaller), the first ending
    during its third rep's hold: one segment whose reps are those of each clip alone (2 + 2; the end of the
    first clip does not count its last rep, and the start of the next one does not complete it)."""
    first = [pf for pf in part(exercise, 3) if pf.t_s < 1.5 + 2 * 7.0 + 1.5 + 1.0]
    second = _elsewhere(part(exercise, 2))
    fr, _ = join(first, second)
    assert (len(run_checker(exercise, first).reps), len(run_checker(exercise, second).reps)) == (2, 2)
    seg = recognise(fr)
    assert [f.exercise for f in seg.segments] == [exercise]
    assert [len(ex.reps) for _, ex in check(fr, seg)] == [4]


def _slots(*claims: tuple[str | None, tuple[str, ...]]) -> list[Slot]:
    """Slots one after the other: (label, the checkers that counted a rep in it)."""
    slots = []
    for k, (label, names_) in enumerate(claims):
        slots.append(Slot(float(k), k + 0.5, {n: [None] * names_.count(n) for n in names_}, label, 0.9))
    return slots


@pytest.mark.parametrize("claims, labels", [
    # the first rep given to the look-alike exercise by its shape, the other two the extension's: all three are
    ([("a", ("a", "e")), ("e", ("a", "e")), ("e", ("e",))], ["e", "e", "e"]),
    ([("e", ("e",)), ("e", ("a", "e")), ("a", ("a", "e"))], ["e", "e", "e"]),
    # the extension's checker did not count it: it stays (and is no segment alone)
    ([("a", ("a",)), ("e", ("a", "e")), ("e", ("e",))], ["a", "e", "e"]),
    # one slot of the extension is no run to absorb anything
    ([("a", ("a", "e")), ("e", ("a", "e")), (None, ())], ["a", "e", None]),
    # two slots of the arm lift are a run of their own
    ([("a", ("a", "e")), ("a", ("a", "e")), ("e", ("a", "e")), ("e", ("e",))], ["a", "a", "e", "e"]),
    # two reps of the extension in it (its checker folded the first ones into the arm lift's): it stays
    ([("a", ("a",)), ("a", ("a",)), ("e", ("a", "e", "e"))], ["a", "a", "e"]),
    # between two runs: the one before it first
    ([("a", ("a",)), ("a", ("a",)), ("x", ("a", "e", "x")), ("e", ("e",)), ("e", ("e",))], ["a", "a", "a", "e", "e"]),
])
def test_a_lone_slot_beside_a_run_that_counted_it_joins_the_run(claims, labels):
    slots = _slots(*claims)
    absorb_lone(slots)
    assert [s.label for s in slots] == labels
    assert [s.confidence for s in slots] == [0.9 if want == got else 0.5 for want, (got, _) in zip(labels, claims)]


@pytest.mark.parametrize("name", sorted(LOOK_ALIKES))
def test_look_alike_is_not_an_exercise(name):
    fr = frames(Plan(name, [Rep() for _ in range(2)]), FPS)
    seg = recognise(fr)
    assert [f.exercise for f in seg.segments] == [], seg.segments
    assert seg.other and all(o.start_s < o.end_s for o in seg.other)


def test_nothing_but_rest_is_not_an_exercise():
    fr = part("bridge", 2, hold=0.0, up=0.01, down=0.01)  # lying still: no rise big enough
    fr = [dataclasses.replace(pf, landmarks=fr[0].landmarks, world=fr[0].world) for pf in fr]
    seg = recognise(fr)
    assert seg.segments == []
    assert [(o.posture, o.reason) for o in seg.other] == [
        ("supine", "supine: none of its exercises (bridge) recognised")]


def test_live_recognizer_follows_the_session():
    fr, spans = join(part("bridge"), part("prone_extension"), gap_s=4.0)
    rec = Recognizer()
    out = [rec.update(pf) for pf in fr]
    assert out[0].label is None and out[0].confidence == 0.0
    at = lambda t: next(r for r in out if r.t_s >= t)  # noqa: E731
    b = at(spans[0][1] - 0.5)
    assert (b.posture, b.label) == ("supine", "bridge") and b.confidence >= 0.9
    e = at(spans[1][1] - 0.5)
    assert (e.posture, e.label) == ("prone", "prone_extension") and e.confidence > 0.5
    # while getting down (no person) the posture holds for switch_s, then nothing is recognised
    mid = at(spans[0][1] + 3.0)
    assert mid.label is None and mid.posture is None


def test_session_of_one_segment_is_the_checkers_session(session_frames):
    one = session_frames[2][0]
    seg = recognise(one)
    checked = check(one, seg)
    base = S.Session(source=S.SourceInfo(path="x.mp4", fps=15.0), tracking=S.Tracking(frames=len(one)))
    s = session_of(base, checked, seg.other)
    want = build_session("bridge", S.to_builtins(base.source), base.tracking, checked[0][1])
    got = S.to_builtins(s)
    assert {k: v for k, v in got.items() if k not in ("segments", "other")} == S.to_builtins(want)
    assert got["segments"][0]["exercise"] == "bridge" and got["segments"][0]["rep_count"] == s.rep_count == 2
    assert got["segments"][0]["reps"] == got["reps"]


def test_session_of_several_segments(session_frames):
    fr, truth, _, seg, checked = session_frames
    s = session_of(S.Session(tracking=S.Tracking(frames=len(fr))), checked, seg.other)
    assert s.exercise is None and s.rep_count == 0 and s.reps == []
    assert [x.exercise for x in s.segments] == [n for n, _, _ in truth]
    assert sum(x.rep_count for x in s.segments) == 10
    S.loads(S.dumps(s))  # round-trips through the schema'd model
    assert all(0.0 < x.confidence <= 1.0 for x in s.segments)


def _recording(path, fr):
    with LandmarkWriter(path, {"fps": FPS, "analysis_fps": FPS, "width": 640, "height": 480, "frames": len(fr),
                               "source": "kinematic"}) as w:
        for pf in fr:
            w.write(pf)
    return path


def test_cli_analyze_without_exercise_on_a_recording(tmp_path, capsys):
    fr, spans = join(part("bridge"), part("wall_slide"), gap_s=4.0)
    truth = [("bridge", *spans[0]), ("wall_slide", *spans[1])]
    rec = _recording(tmp_path / "session.jsonl", fr)
    assert cli_main(["analyze", str(rec), "--out", str(tmp_path / "out"), "--no-video"]) == 0
    d = json.loads((tmp_path / "out" / "session.json").read_text())
    assert [g["exercise"] for g in d["segments"]] == [n for n, _, _ in truth]
    assert d["exercise"] is None and d["other"]
    printed = capsys.readouterr().out
    assert all(f"{n}: " in printed for n, _, _ in truth)
    # the --exercise path is unchanged: no segments
    assert cli_main(["analyze", str(rec), "--exercise", "bridge", "--out", str(tmp_path / "ex"), "--no-video",
                     "-q"]) == 0
    assert "segments" not in json.loads((tmp_path / "ex" / "session.json").read_text())


def test_cli_none_of_the_exercises_says_so_in_one_line(tmp_path, capsys):
    rec = _recording(tmp_path / "cat_cow.jsonl", frames(Plan("cat_cow", [Rep() for _ in range(2)]), FPS))
    assert cli_main(["analyze", str(rec), "--out", str(tmp_path / "out"), "--no-video", "-q"]) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.strip()]
    assert len(lines) == 1 and "none of the exercises" in lines[0], lines
    d = json.loads((tmp_path / "out" / "session.json").read_text())
    assert d["segments"] == [] and d["rep_count"] == 0 and d["exercise"] is None
    assert d["other"][0]["posture"] == "quadruped"
    assert math.isclose(d["other"][0]["start_s"], 0.0)


def test_decide_view_then_reps_then_shape():
    from backform.recognition import model as M
    from backform.recognition.segments import decide
    protos = M.load()
    # seen from the front: the back extension (side, diagonal) cannot claim it, whatever it counted
    assert decide({"prone_extension": 3, "prone_arm_lift": 1}, "front", None, protos) == ("prone_arm_lift", 0.5)
    # from the side: more reps wins, confidence = its share
    assert decide({"prone_extension": 3, "prone_arm_lift": 1}, "side", None, protos) == ("prone_extension", 0.75)
    # a tie: the shape (chest rising 15 deg: the extension's; nothing but the wrists: the arm lift's)
    ext = decide({"prone_extension": 1, "prone_arm_lift": 1}, "side", protos.centre["prone_extension"], protos)
    arm = decide({"prone_extension": 1, "prone_arm_lift": 1}, "side", protos.centre["prone_arm_lift"], protos)
    assert ext[0] == "prone_extension" and arm[0] == "prone_arm_lift" and min(ext[1], arm[1]) > 0.7
    assert decide({"bridge": 2}, None, None, protos) == ("bridge", 1.0)


def test_checkers_start_after_a_transition(monkeypatch):
    """A checker started inside the transition into a posture (the walk to the wall) can miss every rep that
    follows: the stretch's checkers then start later (every second over its first 15 s), and the segment's
    check starts there too."""
    from backform.recognition import segments as SG

    fr, _ = join(part("wall_slide", 3))
    real, starts = SG.run_checker, []

    def blind_in_transition(name, frames, make=SG.get):
        starts.append(frames[0].t_s)
        ex = real(name, frames, make)
        if frames[0].t_s < 2.0:  # started during the "walk": takes a wrong start position, counts nothing
            ex.reps.clear()
        return ex

    monkeypatch.setattr(SG, "run_checker", blind_in_transition)
    seg = recognise(fr)
    assert [f.exercise for f in seg.segments] == ["wall_slide"]
    f = seg.segments[0]
    assert f.i0 == 0 and abs(fr[f.c0].t_s - 2.0) < 0.15, (f.i0, f.c0)
    starts.clear()
    (_, ex), = check(fr, seg)
    assert starts == [fr[f.c0].t_s] and len(ex.reps) == len(real("wall_slide", fr).reps) == 3
