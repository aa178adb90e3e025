"""The command line end to end: bad input gives one clear line and a non-zero exit, never a traceback."""
import json
import subprocess
import sys

import pytest


def run(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "backform", *args], capture_output=True, text=True,
                          timeout=timeout)


def one_clear_line(p, contains):
    err = p.stderr.strip().splitlines()
    assert p.returncode != 0
    assert "Traceback" not in p.stderr
    assert len(err) == 1, p.stderr
    assert err[0].startswith("backform: error:") and contains in err[0], err


def test_missing_file(tmp_path):
    one_clear_line(run("analyze", str(tmp_path / "none.mp4"), "--out", str(tmp_path / "o")), "not found")


def test_text_file_named_mp4(tmp_path):
    f = tmp_path / "notes.mp4"
    f.write_text("these are not frames\n")
    one_clear_line(run("analyze", str(f), "--out", str(tmp_path / "o")), "cannot read video")


def test_zero_byte_file(tmp_path):
    f = tmp_path / "zero.mp4"
    f.write_bytes(b"")
    one_clear_line(run("analyze", str(f), "--out", str(tmp_path / "o")), "empty")


def test_unknown_exercise(numbered_video, tmp_path):
    p = run("analyze", str(numbered_video), "--exercise", "squat", "--out", str(tmp_path / "o"))
    one_clear_line(p, "unknown exercise 'squat'")
    assert "bridge" in p.stderr and "bird_dog" in p.stderr


def test_missing_model(numbered_video, tmp_path):
    p = run("analyze", str(numbered_video), "--model", str(tmp_path / "gone.task"), "--out", str(tmp_path / "o"))
    one_clear_line(p, "pose model not found")


def test_video_with_no_person(empty_room_video, tmp_path, model_path):
    out = tmp_path / "o"
    p = run("analyze", str(empty_room_video), "--out", str(out))
    one_clear_line(p, "no person found")
    # what was analysed is still on disk
    s = json.loads((out / "session.json").read_text())
    assert s["tracking"]["pose_frames"] == 0 and s["tracking"]["frames"] > 0


@pytest.mark.slow
def test_analyze_and_track_real_clip(clips_dir, tmp_path, model_path):
    clip = clips_dir / "be23_bridge.mp4"
    out = tmp_path / "session"
    p = run("analyze", str(clip), "--out", str(out), "-q")
    assert p.returncode == 0, p.stderr
    s = json.loads((out / "session.json").read_text())
    assert s["schema"] == "backform.session/1"
    assert s["source"]["fps"] == pytest.approx(23.976, abs=0.01)
    assert (s["source"]["width"], s["source"]["height"], s["source"]["frames"]) == (1280, 720, 232)
    tr = s["tracking"]
    assert tr["stride"] == 2 and tr["frames"] == 116
    assert tr["pose_frames"] >= 0.95 * tr["frames"]
    video = out / "annotated.mp4"
    import cv2
    cap = cv2.VideoCapture(str(video))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == tr["frames"]
    cap.release()

    # a landmarks recording replays through the same pipeline without the model or the video
    rec = tmp_path / "bridge.jsonl"
    p = run("track", str(clip), "-o", str(rec), "-q")
    assert p.returncode == 0, p.stderr
    header = json.loads(rec.read_text().splitlines()[0])
    assert header["model_sha256"] == tr["model"]["sha256"] and header["width"] == 1280
    out2 = tmp_path / "replay"
    p = run("analyze", str(rec), "--out", str(out2), "--no-video", "-q")
    assert p.returncode == 0, p.stderr
    s2 = json.loads((out2 / "session.json").read_text())
    assert s2["tracking"]["frames"] == tr["frames"] and s2["tracking"]["pose_frames"] == tr["pose_frames"]


@pytest.mark.slow
def test_demo_quick_start(tmp_path, model_path):
    """The README's quick start: ``backform demo`` analyses the clean bridge sample and compares with its truth."""
    out = tmp_path / "demo"
    p = run("demo", "--out", str(out))
    assert p.returncode == 0, p.stderr
    assert "ground truth: 2 reps, faults none; found 2 reps, faults none" in p.stdout, p.stdout
    for name in ("session.json", "annotated.mp4", "session.log.jsonl", "report.html"):
        assert (out / name).is_file(), name
