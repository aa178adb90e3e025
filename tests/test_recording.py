import gzip
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from kinematics import Camera, Plan, Rep, frames as kin_frames

from backform import session as S
from backform.errors import SourceError
from backform.exercises import get
from backform.io.recording import (SCHEMA, SCHEMA_V1, SCHEMA_V2, LandmarkWriter, LandmarksSource, SessionLog,
                                   pack, read_landmarks, read_session_log, unpack)
from backform.pipeline import LOG_NAME, analyze
from backform.pose.landmarks import NAMES
from backform.types import Phase, FrameResult, PoseFrame

HEADER = {"model": "m", "model_sha256": "abc", "fps": 30.0, "width": 640, "height": 480, "frames": 8,
          "source": "x.mp4"}


def _frames():
    rng = np.random.default_rng(1)
    out = []
    for i in range(4):
        lm = None if i == 2 else rng.random((33, 5)).astype(np.float32)
        world = None if lm is None else (rng.random((33, 3)) - 0.5).astype(np.float32)
        contour = None if lm is None else rng.random((10, 2)).astype(np.float32)
        if i == 1:  # values /1 wrote as -0.0 (a hip's world x near the hip centre)
            world[23, 0], lm[0, 2], contour[3, 1] = -1e-6, -3e-7, -2e-5
        out.append(PoseFrame(i * 2, i * 66.7, 640, 480, lm, world, contour))
    return out


def _rows(a, nd):
    return None if a is None else np.round(a.astype(np.float64), nd).tolist()


def write_v1(path: Path, header: dict, poses, records=None) -> None:
    """A ``backform.landmarks/1`` file as the old writer made it: JSON float rows rounded to 5/4/4 decimals,
    plus each frame's extra fields (``records``: a dict per frame, e.g. a session log's result)."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8") as f:
        f.write(json.dumps({"schema": "backform.landmarks/1", **header, "landmarks": list(NAMES)}) + "\n")
        for k, pf in enumerate(poses):
            rec = {"i": pf.index, "t_ms": round(float(pf.timestamp_ms), 3), "lm": _rows(pf.landmarks, 5),
                   "world": _rows(pf.world, 4), "contour": _rows(pf.contour, 4)}
            rec.update(records[k] if records else {})
            f.write(json.dumps(rec, separators=(",", ":")) + "\n")


def assert_same_poses(a: list[PoseFrame], b: list[PoseFrame]) -> None:
    """Bit for bit (a -0.0 is not a +0.0)."""
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert (x.index, x.timestamp_ms, x.width, x.height) == (y.index, y.timestamp_ms, y.width, y.height)
        for f in ("landmarks", "world", "contour"):
            u, v = getattr(x, f), getattr(y, f)
            assert (u is None) == (v is None), f
            if u is not None:
                assert u.dtype == v.dtype == np.float32 and u.shape == v.shape, f
                assert np.array_equal(u.view(np.uint32), v.view(np.uint32)), f


@pytest.mark.parametrize("name", ["rec.jsonl", "rec.jsonl.gz"])
def test_round_trip(tmp_path, name):
    path = tmp_path / name
    frames = _frames()
    with LandmarkWriter(path, HEADER) as w:
        for pf in frames:
            w.write(pf)
    header, it = read_landmarks(path)
    assert header["schema"] == SCHEMA == SCHEMA_V2 and header["model_sha256"] == "abc"
    assert len(header["landmarks"]) == 33 and header["units"] == {"lm": 100000, "world": 10000, "contour": 10000}
    back = list(it)
    assert [p.index for p in back] == [0, 2, 4, 6]
    assert [p.has_pose for p in back] == [True, True, False, True]
    for a, b in zip(frames, back):
        assert b.timestamp_ms == pytest.approx(a.timestamp_ms, abs=1e-3)
        if a.landmarks is not None:
            # exactly /1's rounding: 5 decimals for the landmarks, 4 for world and contour
            np.testing.assert_array_equal(b.landmarks, np.float32(np.round(a.landmarks.astype(np.float64), 5)))
            np.testing.assert_array_equal(b.world, np.float32(np.round(a.world.astype(np.float64), 4)))
            np.testing.assert_array_equal(b.contour, np.float32(np.round(a.contour.astype(np.float64), 4)))
    src = LandmarksSource(path)
    assert (src.width, src.height, src.fps) == (640, 480, 30.0)
    assert len(list(src)) == 4


def test_v1_and_v2_read_bit_identical(tmp_path):
    frames = _frames()
    write_v1(tmp_path / "old.jsonl", HEADER, frames)
    with LandmarkWriter(tmp_path / "new.jsonl", HEADER) as w:
        for pf in frames:
            w.write(pf)
    old, new = list(read_landmarks(tmp_path / "old.jsonl")[1]), list(read_landmarks(tmp_path / "new.jsonl")[1])
    assert np.signbit(old[1].world[23, 0]) and np.signbit(old[1].landmarks[0, 2])  # the fixture has -0.0s
    assert_same_poses(old, new)
    # and a /1 recording re-written as /2 reads back as the /1 did
    with LandmarkWriter(tmp_path / "again.jsonl.gz", HEADER) as w:
        for pf in old:
            w.write(pf)
    assert_same_poses(old, list(read_landmarks(tmp_path / "again.jsonl.gz")[1]))


def test_old_v1_session_log_written_by_hand(tmp_path):
    """A /1 session log as the old SessionLog wrote it (live records with set/exercise/step) reads back."""
    path = tmp_path / "session.log.jsonl"
    lm = [[round(0.3 + 0.01 * k, 5), 0.5, -0.1, 0.99, 0.98] for k in range(33)]
    world = [[0.0, -0.0, 0.1234] for _ in range(33)]
    contour = [[0.25, 0.5], [0.3, 0.45], [0.35, 0.5], [0.3, 0.55]]
    lines = [
        {"schema": "backform.landmarks/1", "fps": 30.0, "analysis_fps": 15.0, "width": 1280, "height": 720,
         "frames": 3, "source": "camera:0", "exercise": "bridge", "landmarks": list(NAMES)},
        {"i": 0, "t_ms": 0.0, "lm": None, "world": None, "contour": None, "set": 1, "exercise": "bridge",
         "step": "set", "result": {"phase": "setup", "reps": 0}},
        {"i": 2, "t_ms": 66.667, "lm": lm, "world": world, "contour": contour, "set": 1, "exercise": "bridge",
         "step": "set", "result": {"phase": "hold", "reps": 0, "hold_s": 1.2, "faults": ["lumbar_arch"],
                                   "angles": {"hip_extension_deg": 171.25, "belly_bow": None}}},
        {"i": 4, "t_ms": 133.333, "lm": lm, "world": world, "contour": None, "set": 2, "exercise": "bridge",
         "step": "rest"},
    ]
    path.write_text("".join(json.dumps(d, separators=(",", ":")) + "\n" for d in lines))
    header, recs = read_session_log(path)
    assert header["schema"] == SCHEMA_V1 and header["exercise"] == "bridge"
    got = list(recs)
    assert not recs.truncated
    assert [pf.index for pf, _ in got] == [0, 2, 4] and [pf.has_pose for pf, _ in got] == [False, True, True]
    pf, rec = got[1]
    assert rec == {"i": 2, "t_ms": 66.667, "set": 1, "exercise": "bridge", "step": "set",
                   "result": lines[2]["result"]}
    assert pf.landmarks.shape == (33, 5) and pf.landmarks[1, 0] == np.float32(0.31)
    assert pf.world[0, 2] == np.float32(0.1234) and np.signbit(pf.world[0, 1])
    assert pf.contour.shape == (4, 2) and got[2][0].contour is None and "result" not in got[2][1]
    # the same file as a source of poses, and analysed again
    src = LandmarksSource(path)
    assert (src.width, src.height, src.analysis_fps) == (1280, 720, 15.0)
    assert [p.index for p in src] == [0, 2, 4]
    # a packed field in a /1 file is an error, not silently decoded
    bad = tmp_path / "bad.jsonl"
    rec = dict(lines[2], lm=pack(np.asarray(lm, np.float32), 100000))
    bad.write_text(json.dumps(lines[0]) + "\n" + json.dumps(rec) + "\n")
    with pytest.raises(SourceError, match="line 2"):
        list(read_landmarks(bad)[1])


def test_session_log_records_and_extra_fields(tmp_path):
    path = tmp_path / "s.jsonl"
    frames = _frames()
    res = FrameResult(index=2, t_s=0.0667, phase=Phase.HOLD, rep_count=1, hold_s=0.5,
                      angles={"knee_deg": 90.123, "belly_bow": float("nan")})
    with SessionLog(path, {**HEADER, "exercise": "bridge"}) as slog:
        slog.write(frames[0])
        slog.write(frames[1], res, None, set=1, exercise="bridge", step="set")
        slog.write(frames[2], None, None, set=1, exercise="bridge", step="rest")
    header, recs = read_session_log(path)
    assert header["schema"] == SCHEMA_V2 and header["exercise"] == "bridge"
    got = list(recs)
    assert [r for _, r in got] == [
        {"i": 0, "t_ms": 0.0},
        {"i": 2, "t_ms": 66.7, "set": 1, "exercise": "bridge", "step": "set",
         "result": {"phase": "hold", "reps": 1, "hold_s": 0.5, "angles": {"knee_deg": 90.12, "belly_bow": None}}},
        {"i": 4, "t_ms": 133.4, "set": 1, "exercise": "bridge", "step": "rest"}]
    assert got[1][0].has_pose and not got[2][0].has_pose
    # the result stays plain JSON on the line (tools grep for '"rep":{')
    line = path.read_text().splitlines()[2]
    assert '"result":{"phase":"hold","reps":1' in line


def test_unpackable_values_are_written_as_float_rows(tmp_path):
    pf = _frames()[0]
    world = pf.world.copy()
    world[3, 1] = np.nan
    contour = pf.contour * 1e6 + 1e5  # far outside the image: |n| >= 2**30
    odd = PoseFrame(0, 0.0, 640, 480, pf.landmarks, world, contour)
    with LandmarkWriter(tmp_path / "odd.jsonl", HEADER) as w:
        w.write(odd)
    line = json.loads((tmp_path / "odd.jsonl").read_text().splitlines()[1].replace("NaN", "null"))
    assert isinstance(line["lm"], str) and isinstance(line["world"], list) and isinstance(line["contour"], list)
    back = next(read_landmarks(tmp_path / "odd.jsonl")[1])
    assert np.isnan(back.world[3, 1]) and np.array_equal(np.isnan(back.world), np.isnan(world))
    np.testing.assert_allclose(back.contour, contour, rtol=1e-6)


def test_pack_edge_cases():
    for a in (np.zeros((0, 2), np.float32), np.array([[-3.2767, 3.2767]], np.float32),
              np.array([[1e4, -1e4], [-1e4, 1e4]], np.float32)):
        np.testing.assert_array_equal(unpack(pack(a, 10000), 10000, 2), np.float32(np.round(a.astype(np.float64), 4)))
    with pytest.raises(ValueError):
        unpack("not base64!", 10000, 2)
    with pytest.raises(ValueError):
        unpack(pack(np.zeros((3, 2)), 10000), 10000, 5)  # 6 values are not rows of 5
    with pytest.raises(ValueError, match="index"):
        unpack(pack(np.zeros((3, 2)), 10000) + ";9", 10000, 2)


@pytest.mark.parametrize("name", ["cut.jsonl", "cut.jsonl.gz"])
def test_truncated_last_line_is_ignored(tmp_path, name):
    path = tmp_path / name
    with LandmarkWriter(path, {"fps": 30.0, "width": 10, "height": 10}) as w:
        for pf in _frames():
            w.write(pf)
            if name.endswith(".gz") and pf.index == 4:
                shutil.copy(path, tmp_path / "killed.gz")  # what a killed writer leaves: flushed, no gzip end
    if name.endswith(".gz"):
        os.replace(tmp_path / "killed.gz", path)
    else:
        text = path.read_text()
        path.write_text(text[: len(text) - 200])  # a writer killed mid-line
    assert len(list(read_landmarks(path)[1])) == 3
    _, recs = read_session_log(path)
    assert len(list(recs)) == 3 and recs.truncated
    # a complete file is not truncated
    with LandmarkWriter(path, {"fps": 30.0, "width": 10, "height": 10}) as w:
        w.write(_frames()[0])
    _, recs = read_session_log(path)
    assert len(list(recs)) == 1 and not recs.truncated


def test_bad_complete_line_is_an_error(tmp_path):
    path = tmp_path / "bad.jsonl"
    with LandmarkWriter(path, {"fps": 30.0, "width": 10, "height": 10}) as w:
        for pf in _frames():
            w.write(pf)
    lines = path.read_text().splitlines(keepends=True)
    lines[2] = lines[2].replace('"lm":"', '"lm":"#')
    path.write_text("".join(lines))
    with pytest.raises(SourceError, match="line 3"):
        list(read_landmarks(path)[1])


def test_not_a_recording(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps({"schema": "something/else"}) + "\n")
    with pytest.raises(SourceError, match="not a backform landmarks file"):
        LandmarksSource(path)
    with pytest.raises(SourceError, match="not found"):
        LandmarksSource(tmp_path / "missing.jsonl")
    with pytest.raises(SourceError, match="not a backform landmarks file"):
        read_session_log(path)


def _analysed(folder: Path, rec: Path, exercise: str, baseline=None):
    s = analyze(LandmarksSource(rec), folder, exercise=get(exercise, baseline=baseline), exercise_name=exercise)
    d = S.to_builtins(s)
    d.pop("source")
    results = [r.get("result") for _, r in read_session_log(folder / LOG_NAME)[1]]
    return d, results


def _v1_and_v2(tmp_path: Path, poses: list[PoseFrame], header: dict) -> tuple[Path, Path]:
    v1, v2 = tmp_path / "rec_v1.jsonl", tmp_path / "rec_v2.jsonl"
    write_v1(v1, header, poses)
    with LandmarkWriter(v2, header) as w:
        for pf in poses:
            w.write(pf)
    assert os.path.getsize(v2) < 0.5 * os.path.getsize(v1)
    return v1, v2


@pytest.mark.parametrize("exercise,reps,baseline", [
    ("bridge", [Rep(hold=2.5, down=2.0), Rep(hold=2.5, down=2.0, faults={"lumbar_arch": 0.07}),
                Rep(hold=2.5, down=2.0, faults={"hips_low": 25}), Rep(hold=0.8, down=2.0)], None),
    ("bird_dog", [Rep(hold=2.5, side="left"), Rep(hold=2.5, side="right", faults={"back_sag": 0.06}),
                  Rep(hold=2.5, side="left", faults={"back_arch": 0.06}), Rep(hold=1.0, side="right")],
     {"trunk_bow": 0.0}),
])
def test_analysis_of_v1_and_v2_recordings_is_identical(tmp_path, exercise, reps, baseline):
    """The outline-based checks (bridge belly bow, bird dog trunk bow) and every metric: the same from a
    /1 and a /2 recording of the same frames."""
    poses = kin_frames(Plan(exercise, reps), cam=Camera(seed=3, noise_px=0.5), dropouts=[(4.0, 4.3)])
    header = {"fps": 15.0, "analysis_fps": 15.0, "width": poses[0].width, "height": poses[0].height,
              "frames": len(poses), "source": "kin.mp4"}
    v1, v2 = _v1_and_v2(tmp_path, poses, header)
    a, ra = _analysed(tmp_path / "a", v1, exercise, baseline)
    b, rb = _analysed(tmp_path / "b", v2, exercise, baseline)
    assert a["rep_count"] == len(reps) and any(r["faults"] for r in a["reps"])
    codes = {c for r in a["reps"] for c in r["faults"]}
    assert codes & {"lumbar_arch", "back_sag", "back_arch"}  # the outline was used
    assert a == b and ra == rb


def _real_recording(stem: str) -> Path | None:
    dirs = [Path(d) for d in os.environ.get("BACKFORM_LANDMARKS", "").split(os.pathsep) if d]
    dirs.append(Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "backform" / "landmarks")
    for d in dirs:
        for cand in sorted(d.glob(f"{stem}.jsonl")) + sorted(d.glob(f"{stem}.*.jsonl")):
            return cand
    return None


@pytest.mark.parametrize("stem,exercise", [("lena_glute_bridge", "bridge"), ("lena_bird_dog", "bird_dog"),
                                           ("merged_bird_dog", "bird_dog")])
def test_analysis_of_real_clip_recordings_v1_and_v2_is_identical(tmp_path, stem, exercise):
    """On the real clips' landmark recordings (bench cache, no pose model): re-written as /1 and as /2."""
    rec = _real_recording(stem)
    if rec is None:
        pytest.skip(f"no landmark recording of {stem} (bench/accuracy.py makes them)")
    header, it = read_landmarks(rec)
    poses = list(it)
    assert sum(pf.contour is not None for pf in poses) > len(poses) // 2
    header = {k: v for k, v in header.items() if k not in ("schema", "landmarks", "units")}
    v1, v2 = _v1_and_v2(tmp_path, poses, header)
    a, ra = _analysed(tmp_path / "a", v1, exercise)
    b, rb = _analysed(tmp_path / "b", v2, exercise)
    assert a["rep_count"] >= 1 and a == b and ra == rb
