"""``backform live`` without ``--exercise`` follows what the person does (issue 13), and ``--program`` moves on
when the person does the next block's exercise: a fake camera whose frames carry kinematic PoseFrames
(tests/kinematics.py) of two exercises back to back; a stub model hands each frame's pose on. Each frame waits
until the model took the one before, so none is dropped and the counts are exact."""
from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import threading

import numpy as np
import pytest
from kinematics import H_PX, W_PX, Plan, Rep, frames, run

from backform.exercises import spec
from backform.live import LiveOptions, LiveSession
from backform.live.timeline import other, segments
from backform.programme.programme import load
from backform import report as R
from backform import session as S
from backform.types import Frame

FPS = 10.0


def part(exercise: str, n: int = 3) -> list:
    sides = ("left", "right") if spec(exercise).per_side else (None,)
    return frames(Plan(exercise, [Rep(side=sides[i % len(sides)]) for i in range(n)]), FPS)


def join(*parts, gap_s: float = 4.0):
    """The parts one after the other, ``gap_s`` without a person between them; each part's (start, end)."""
    out, spans, t = [], [], 0.0
    for k, fr in enumerate(parts):
        if k:
            for j in range(int(gap_s * FPS)):
                out.append(dataclasses.replace(fr[0], index=len(out), timestamp_ms=(t + j / FPS) * 1000,
                                               landmarks=None, world=None, contour=None))
            t += int(gap_s * FPS) / FPS
        moved = [dataclasses.replace(pf, index=len(out) + i, timestamp_ms=pf.timestamp_ms + t * 1000)
                 for i, pf in enumerate(fr)]
        spans.append((t, moved[-1].t_s))
        out += moved
        t = moved[-1].t_s + 1 / FPS
    return out, spans


class PoseCamera:
    """A camera whose frame ``i`` carries the PoseFrame ``poses[i]`` (grey pictures); it hands out a frame only
    once the model took the one before."""

    def __init__(self, poses):
        self.poses = poses
        self.fps, self.width, self.height = FPS, W_PX, H_PX
        self.frame_count, self.analysis_fps, self.stride, self.lost = len(poses), FPS, 1, False
        self.ready = threading.Semaphore(1)
        self.image = np.full((H_PX, W_PX, 3), 128, np.uint8)

    def info(self) -> dict:
        return {"path": "kinematic", "fps": self.fps, "width": self.width, "height": self.height}

    def __iter__(self):
        for pf in self.poses:
            if not self.ready.acquire(timeout=10.0):
                return
            yield Frame(pf.index, pf.timestamp_ms, self.image)


class PoseStub:
    model_name, model_sha256 = "stub", None

    def __init__(self, cam: PoseCamera):
        self.cam = cam

    def infer(self, fr):
        pf = self.cam.poses[fr.index]
        self.cam.ready.release()
        return pf, None

    def outline(self, pf, mask):
        return pf

    def close(self):
        pass


def live(poses, tmp_path, **kw):
    cam = PoseCamera(poses)
    opts = LiveOptions(exercise=kw.pop("exercise", None), window=False, out=tmp_path / "s", voice="none",
                       stall_s=30.0, **kw)
    return LiveSession(cam, opts, PoseStub(cam)).run()


@pytest.fixture(scope="module")
def two():
    a, b = part("bridge"), part("bird_dog", 4)
    return join(a, b), (a, b)


def test_live_follows_two_exercises(two, tmp_path):
    (poses, spans), (a, b) = two
    res = live(poses, tmp_path)
    sets = res.live.sets
    assert [s.exercise for s in sets] == ["bridge", "bird_dog"]
    # each exercise's reps, as its checker counts them on that part alone
    assert [s.rep_count for s in sets] == [len(run("bridge", a).reps), len(run("bird_dog", b).reps)] == [3, 4]
    assert sets[0].start_s <= spans[0][0] + 2.0 and spans[0][1] <= sets[1].start_s <= spans[1][0] + 3.0
    said = [x.text for x in res.live.announcements]
    assert "Now bridge" in said and "Now bird dog" in said
    d = json.loads((tmp_path / "s" / "session.json").read_text())
    assert [(g["exercise"], g["rep_count"]) for g in d["segments"]] == [("bridge", 3), ("bird_dog", 4)]
    assert d["other"] == [] or all(o["end_s"] <= d["segments"][0]["start_s"] + 1e-6 for o in d["other"])
    assert d["exercise"] == "bird_dog" and d["rep_count"] == 4  # the top level: the last set's checker, as before


def test_two_exercises_of_one_posture(tmp_path):
    """Arm lift then back extension, both face down, no pause: the recogniser's label turns once the back
    extension's reps outnumber the arm lift's in its window; the arm lift's set keeps only its own reps (what
    its checker counted from the extension's first movement on is left out), the extension's set counts all its
    reps (replayed from where its evidence began), and the sets do not flip back and forth."""
    a, b = part("prone_arm_lift", 3), part("prone_extension", 4)
    poses, spans = join(a, b, gap_s=0.0)
    res = live(poses, tmp_path)
    sets = res.live.sets
    assert [(s.exercise, s.rep_count) for s in sets] == [("prone_arm_lift", 3), ("prone_extension", 4)]
    assert sets[0].end_s == sets[1].start_s <= sets[1].reps[0].start_s
    assert all(r.start_s >= spans[1][0] for r in sets[1].reps) and all(r.end_s <= spans[0][1] for r in sets[0].reps)


def test_live_session_report_shows_its_sets_as_segments(two, tmp_path):
    (poses, _), _ = two
    live(poses, tmp_path)
    page = R.write_report(tmp_path / "s").read_text()
    assert 'class="timeline" id="timeline" data-segments="2"' in page
    assert 'data-exercise="bridge" data-reps="3"' in page and 'data-exercise="bird_dog" data-reps="4"' in page


def test_waiting_until_recognised(tmp_path):
    """Lying still on the back: no exercise recognised, no set, nothing counted; the banner says to start."""
    pf = part("bridge", 1)[0]
    still = [dataclasses.replace(pf, index=i, timestamp_ms=i * 100.0) for i in range(60)]
    res = live(still, tmp_path, setup_check=True)
    assert res.live.sets == [] and res.exercise is None and res.rep_count == 0
    assert res.segments == [] and [o.reason for o in res.other] == ["waiting for an exercise"]
    log = [json.loads(x) for x in (tmp_path / "s" / "session.log.jsonl").read_text().splitlines()[1:]]
    assert log and all(r["exercise"] is None and r.get("result") is None for r in log)


PROGRAMME = """\
[programme]
name = "Two blocks"

[[exercise]]
name = "bridge"
sets = 1
reps = 10

[[exercise]]
name = "bird_dog"
sets = 1
reps = 2
"""


def test_programme_moves_on_to_the_next_block(two, tmp_path):
    """Bridge's set asks for 10 reps; after 3 the person turns to the bird dog: the programme moves on."""
    (poses, spans), _ = two
    (tmp_path / "p.toml").write_text(PROGRAMME)
    res = live(poses, tmp_path, programme=load(tmp_path / "p.toml"))
    sets = res.live.sets
    assert [(s.exercise, s.block, s.rep_count) for s in sets] == [("bridge", 1, 3), ("bird_dog", 2, 4)]
    assert sets[0].complete is False and sets[1].complete is True
    assert any(x.text.startswith("Now bird dog.") and x.kind == "programme" for x in res.live.announcements)
    assert res.programme.complete and res.live.end == "programme_done"


def test_timeline_of_sets():
    r = lambda n, side=None: S.Rep(n=n, side=side, start_s=float(n), end_s=n + 0.5)  # noqa: E731
    sets = [S.LiveSet(set=1, exercise="bridge", start_s=2.0, end_s=10.0, rep_count=2, reps=[r(1), r(2)],
                      faults=[S.FaultEvent(code="x", rep=2, t_s=3.0, message="m")]),
            S.LiveSet(set=2, exercise="bridge", start_s=20.0, end_s=30.0, rep_count=1, reps=[r(1)]),
            S.LiveSet(set=3, exercise="bird_dog", start_s=40.0, end_s=None, rep_count=1, reps=[r(1, "left")])]
    segs = segments(sets, 50.0)
    assert [(g.exercise, g.start_s, g.end_s, g.rep_count) for g in segs] == [("bridge", 2.0, 30.0, 3),
                                                                            ("bird_dog", 40.0, 50.0, 1)]
    assert [x.n for x in segs[0].reps] == [1, 2, 3] and segs[0].faults[0].rep == 2
    assert [(x.n, x.reps) for x in segs[0].sets] == [(1, 2), (2, 1)] and segs[1].sets[0].left == 1
    assert [(o.start_s, o.end_s, o.reason) for o in other(segs, 50.0, True)] == [(0.0, 2.0, "waiting for an exercise"),
                                                                               (30.0, 40.0, "rest")]


def test_waiting_gives_set_up_advice(tmp_path):
    """Nobody in view while waiting: the set-up advice is said (and nothing else)."""
    pf = part("bridge", 1)[0]
    empty = [dataclasses.replace(pf, index=i, timestamp_ms=i * 100.0, landmarks=None, world=None, contour=None)
             for i in range(40)]
    res = live(empty, tmp_path, setup_check=True)
    said = [(x.kind, x.text) for x in res.live.announcements]
    assert said and all(k == "setup" for k, _ in said) and "can't see you" in said[0][1]


def test_cli_live_without_exercise(numbered_video, tmp_path, model_path):
    """``backform live`` without --exercise (nobody in the clip): waits the whole time, says so, exit 0."""
    r = subprocess.run([sys.executable, "-m", "backform", "live", "--video", str(numbered_video), "--no-window",
                        "--mute", "--no-setup-check", "--max-seconds", "3", "--out", str(tmp_path / "s")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "following the exercise you do" in r.stderr and "no exercise recognised" in r.stdout
    d = json.loads((tmp_path / "s" / "session.json").read_text())
    assert d["exercise"] is None and d["live"]["sets"] == [] and d["segments"] == []
