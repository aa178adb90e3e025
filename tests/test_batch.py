"""`backform batch`: a folder of short sample clips plus a broken file and one with no exercise given.

Every good clip's session equals a single `backform analyze` of it; the bad ones are listed with their one-line
error and the exit code says some failed; a rerun skips finished recordings; kill -9 mid-batch, then a rerun
finishes the rest without redoing what was finished; fsspec URLs (memory://) give the same session.
The Ray runs are in tests/test_batch_ray.py.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest

from backform import batch
from backform import session as S
from backform.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_videos"
# (sample clip, seconds kept, exercise, where in the batch folder): the bridge keeps its first rep
CLIPS = [("bridge_clean_s101", 7.5, "bridge", "bridge.mp4"),
         ("wall_slide_clean_s125", 3.0, "wall_slide", "wall_slide.mp4"),
         ("prone_extension_clean_s116", 3.0, "prone_extension", "patient_b/prone.mp4")]


def _cut(src: Path, dest: Path, seconds: float) -> None:
    cap = cv2.VideoCapture(str(src))
    fps = cap.get(cv2.CAP_PROP_FPS) or 15.0
    w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    dest.parent.mkdir(parents=True, exist_ok=True)
    vw = cv2.VideoWriter(str(dest), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for _ in range(int(seconds * fps)):
        ok, img = cap.read()
        if not ok:
            break
        vw.write(img)
    vw.release()
    cap.release()


@pytest.fixture(scope="session")
def batch_folder(tmp_path_factory, model_path) -> Path:
    """Short copies of three sample clips (one in a subfolder), a broken .mp4, a clip exercises.csv does not
    list, and the exercises.csv."""
    if not all((SAMPLES / f"{c}.mp4").is_file() for c, *_ in CLIPS):
        pytest.skip(f"sample clips not found in {SAMPLES}")
    d = tmp_path_factory.mktemp("batch_in")
    for clip, seconds, _, rel in CLIPS:
        _cut(SAMPLES / f"{clip}.mp4", d / rel, seconds)
    (d / "broken.mp4").write_bytes(os.urandom(4000))
    shutil.copy(d / "wall_slide.mp4", d / "unlisted.mp4")
    rows = [("file", "exercise")] + [(rel, ex) for _, _, ex, rel in CLIPS] + [("broken.mp4", "bridge")]
    with open(d / "exercises.csv", "w", newline="") as f:
        csv.writer(f).writerows(rows)
    return d


GOOD = [rel for *_, rel in CLIPS]
# a recording exercises.csv does not list is an error line, unless exercise recognition (issue 13) is there
RECOGNITION = batch.recognition() is not None
BAD = {"broken.mp4": "cannot read video", **({} if RECOGNITION else {"unlisted.mp4": "no exercise given"})}


@pytest.fixture(scope="session")
def single_sessions(batch_folder, tmp_path_factory) -> dict[str, Path]:
    """Each good clip through a single `backform analyze`."""
    out = tmp_path_factory.mktemp("singles")
    done = {}
    for _, _, ex, rel in CLIPS:
        folder = out / Path(rel).stem
        assert main(["analyze", str(batch_folder / rel), "-e", ex, "--out", str(folder), "-q"]) == 0
        done[rel] = folder
    return done


@pytest.fixture(scope="session")
def batch_run(batch_folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("batch_out")
    rc = main(["batch", str(batch_folder), "--out", str(out), "--jobs", "2", "-q"])
    return rc, out


def _session_folder(out: Path, rel: str) -> Path:
    return out / Path(rel).with_suffix("")


def test_every_good_clip_equals_a_single_analyze(batch_run, single_sessions):
    rc, out = batch_run
    for rel, single in single_sessions.items():
        got = _session_folder(out, rel)
        assert (got / batch.DONE_NAME).is_file(), rel
        assert (got / "session.json").read_bytes() == (single / "session.json").read_bytes(), rel
        assert (got / "session.log.jsonl").read_bytes() == (single / "session.log.jsonl").read_bytes(), rel
        assert (got / "report.html").read_bytes() == (single / "report.html").read_bytes(), rel
        assert (got / "annotated.mp4").stat().st_size > 0
    assert S.load(_session_folder(out, "bridge.mp4") / "session.json").rep_count == 1


def test_bad_files_are_listed_with_one_line_and_the_exit_code_says_so(batch_run):
    rc, out = batch_run
    assert rc == 1
    data = json.loads((out / "summary.json").read_text())
    assert data["totals"] == {"recordings": 5, "done": 5 - len(BAD), "skipped": 0, "failed": len(BAD)}
    by_file = {r["file"]: r for r in data["recordings"]}
    assert sorted(by_file) == sorted(GOOD + ["broken.mp4", "unlisted.mp4"])
    for f, msg in BAD.items():
        assert by_file[f]["status"] == "failed" and msg in by_file[f]["error"] and "\n" not in by_file[f]["error"]
    rows = {r["file"]: r for r in csv.DictReader(open(out / "summary.csv"))}
    assert rows["bridge.mp4"]["reps"] == "1" and rows["bridge.mp4"]["exercise"] == "bridge"
    assert rows["bridge.mp4"]["holds"] and float(rows["bridge.mp4"]["mean_hold_s"]) > 0
    assert rows["broken.mp4"]["status"] == "failed" and rows["broken.mp4"]["error"]
    assert (out / "unlisted" / batch.DONE_NAME).exists() == RECOGNITION


def test_a_rerun_skips_finished_recordings(batch_folder, batch_run):
    rc, out = batch_run
    before = {rel: (_session_folder(out, rel) / "session.json").stat().st_mtime_ns for rel in GOOD}
    recs = list(batch.run(batch.plan(str(batch_folder), str(out)), workers=2))
    assert {r["file"]: r["status"] for r in recs if r["file"] != "unlisted.mp4"} == \
        {**{rel: "skipped" for rel in GOOD}, "broken.mp4": "failed"}
    assert {rel: (_session_folder(out, rel) / "session.json").stat().st_mtime_ns for rel in GOOD} == before


def test_kill_9_mid_batch_then_rerun_finishes_the_rest(batch_folder, tmp_path):
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "backform", "batch", str(batch_folder), "--out", str(out), "--jobs", "1", "-q"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(out.rglob(batch.DONE_NAME)):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = {p.parent for p in out.rglob(batch.DONE_NAME)}
    assert finished, "no recording finished before the kill"
    assert len(finished) < 5 - len(BAD), "the batch ended before it could be killed"
    stamps = {f: (f / "session.json").stat().st_mtime_ns for f in finished}
    rc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    assert rc == 1  # the broken file still fails
    data = json.loads((out / "summary.json").read_text())
    assert data["totals"]["skipped"] == len(finished)
    assert data["totals"]["skipped"] + data["totals"]["done"] == 5 - len(BAD)
    for rel in GOOD:
        assert (_session_folder(out, rel) / batch.DONE_NAME).is_file()
        assert not list(_session_folder(out, rel).glob("*.part*"))
    assert {f: (f / "session.json").stat().st_mtime_ns for f in finished} == stamps  # not redone


def test_fsspec_urls_give_the_same_session(batch_folder, single_sessions):
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    rel = "patient_b/prone.mp4"
    fs.pipe_file("/batch_test_in/" + rel, (batch_folder / rel).read_bytes())
    fs.pipe_file("/batch_test_in/exercises.csv", b"file,exercise\nprone.mp4,prone_extension\n")
    try:
        recs = list(batch.run(batch.plan("memory://batch_test_in", "memory://batch_test_out")))
        assert [(r["file"], r["status"]) for r in recs] == [(rel, "done")]
        got = S.loads(fs.cat_file("/batch_test_out/patient_b/prone/session.json"))
        want = S.load(single_sessions[rel] / "session.json")
        assert got.source.path == "memory://batch_test_in/" + rel
        got.source.path = want.source.path
        assert S.to_builtins(got) == S.to_builtins(want)
        assert fs.exists("/batch_test_out/patient_b/prone/annotated.mp4")
        assert fs.exists("/batch_test_out/patient_b/prone/" + batch.DONE_NAME)
        again = list(batch.run(batch.plan("memory://batch_test_in", "memory://batch_test_out")))
        assert [r["status"] for r in again] == ["skipped"]
    finally:
        for d in ("/batch_test_in", "/batch_test_out"):
            if fs.exists(d):
                fs.rm(d, recursive=True)


def test_exercise_table_and_folders(tmp_path):
    assert batch.read_exercise_table("file,exercise\n./a/b.mp4,bridge\nc.mov, wall_slide\n") == \
        {"a/b.mp4": "bridge", "c.mov": "wall_slide"}
    with pytest.raises(Exception, match="file,exercise"):
        batch.read_exercise_table("name;what\n")
    (tmp_path / "x").mkdir()
    for f in ("x/a.mp4", "x/a.mov", "b.MP4", "notes.txt"):
        (tmp_path / f).write_bytes(b"")
    (tmp_path / "exercises.csv").write_text("file,exercise\na.mp4,bridge\nb.MP4,nope\n")
    jobs = {j.file: j for j in batch.plan(str(tmp_path), str(tmp_path / "out"), exercise=None)}
    assert sorted(jobs) == ["b.MP4", "x/a.mov", "x/a.mp4"]
    assert jobs["x/a.mp4"].exercise == "bridge" and jobs["x/a.mp4"].folder == "x/a_mp4"
    assert jobs["x/a.mov"].folder == "x/a_mov"
    assert jobs["x/a.mov"].recognise if RECOGNITION else "no exercise given" in jobs["x/a.mov"].error
    assert "unknown exercise 'nope'" in jobs["b.MP4"].error


# --- the same batch on Ray: a local Ray (2 CPUs on 127.0.0.1) started here, file:// URLs ---
ray = batch.ray_module()
needs_ray = pytest.mark.skipif(ray is None, reason="Ray is not installed (pip install 'backform[ray]')")


@pytest.fixture(scope="module")
def local_ray():
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False,
             configure_logging=False)
    yield ray
    ray.shutdown()


@needs_ray
def test_ray_batch_gives_the_same_sessions_as_the_local_run(local_ray, batch_folder, batch_run, tmp_path):
    rc, local_out = batch_run
    out = (tmp_path / "ray").as_uri()
    jobs = batch.plan(batch_folder.as_uri(), out)
    recs = {r["file"]: r for r in batch.run(jobs, use_ray=True)}
    totals = batch.summary.write(out, list(recs.values()))
    assert totals["failed"] == len(BAD) and all(recs[f]["status"] == "failed" for f in BAD)
    local = {r["file"]: r for r in json.loads((local_out / "summary.json").read_text())["recordings"]}
    for rel in GOOD:
        got, want = _session_folder(tmp_path / "ray", rel), _session_folder(local_out, rel)
        assert (got / "session.json").read_bytes() == (want / "session.json").read_bytes(), rel
        assert (got / "session.log.jsonl").read_bytes() == (want / "session.log.jsonl").read_bytes(), rel
        assert {k: v for k, v in recs[rel].items() if k != "seconds"} == \
            {k: v for k, v in local[rel].items() if k != "seconds"}
    again = list(batch.run(jobs, use_ray=True))  # a rerun on Ray skips what is finished
    assert {r["file"] for r in again if r["status"] == "skipped"} >= set(GOOD)


def test_an_output_folder_inside_the_input_folder_is_not_read_as_recordings(tmp_path):
    (tmp_path / "sessions" / "a").mkdir(parents=True)
    for f in ("a.mp4", "sessions/a/annotated.mp4"):
        (tmp_path / f).write_bytes(b"")
    assert [j.file for j in batch.plan(str(tmp_path), str(tmp_path / "sessions"), exercise="bridge")] == ["a.mp4"]
    (tmp_path / "a").mkdir()  # --out the input folder itself: session folders beside the recordings
    (tmp_path / "a" / "session.json").write_text("{}")
    (tmp_path / "a" / "annotated.mp4").write_bytes(b"")
    assert [j.file for j in batch.plan(str(tmp_path), str(tmp_path), exercise="bridge")] == \
        ["a.mp4", "sessions/a/annotated.mp4"]  # that one has no session.json beside it: a recording
