"""The live loop's machinery without the pose model: display detection, slots, mirroring, the fake camera,
headless sessions that end normally, on a lost camera, on commands; files written as it goes."""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from backform.cli import build_parser
from backform.cli.live import add_parser, cmd_live
from backform.errors import BackformError
from backform.io.fakecam import FakeCamera, letterbox
from backform.io.sources import VideoFileSource
from backform.live import (CameraLost, Captured, LiveOptions, LiveSession, Slot, display_problem, exercise_params,
                           mirror_pose)
from backform.live.threads import FrameFeed
from backform.live.window import key_command
from backform.session import Session
from backform.types import Frame, PoseFrame


class StubPose:
    """Stands in for PoseEstimator: no person found, ``delay_s`` of 'inference' per frame."""

    model_name, model_sha256 = "stub", None

    def __init__(self, delay_s: float = 0.02):
        self.delay_s = delay_s
        self.frames = []

    def infer(self, fr):
        time.sleep(self.delay_s)
        self.frames.append(fr.index)
        h, w = fr.image.shape[:2]
        return PoseFrame(fr.index, fr.timestamp_ms, w, h), None

    def outline(self, pf, mask):
        return pf

    def update(self, fr):
        return self.outline(*self.infer(fr))

    def close(self):
        pass


def test_display_problem():
    assert "DISPLAY is not set" in display_problem({}, "Linux")
    assert "XWayland" in display_problem({"WAYLAND_DISPLAY": "wayland-0"}, "Linux")
    assert "cannot reach" in display_problem({"DISPLAY": ":987"}, "Linux")
    assert display_problem({}, "Darwin") is None and display_problem({}, "Windows") is None


def test_slot_keeps_newest_and_counts_drops():
    s = Slot()
    assert s.put(1) is False
    assert s.put(2) is True  # 1 was never taken: dropped
    assert s.take(0.01) == 2
    assert s.take(0.01) is None
    seq, item = s.peek_newer(0, 0.01)
    assert item == 2 and seq == 2
    assert s.peek_newer(seq, 0.01) == (seq, None)
    s.repost()
    assert s.peek_newer(seq, 0.01) == (seq + 1, 2)


def test_feed_applies_commands_between_frames_and_skips_paused_ones():
    """The pipeline's frame feed: a command waits until the frames handed out are through their checks, is
    applied with the next frame's time, and a paused frame never reaches the model."""
    slot, capture_done, stop = Slot(), threading.Event(), threading.Event()
    applied, paused = [], [False]

    def apply(cmd, t_s):
        applied.append((cmd[0], t_s))
        paused[0] = cmd[0] == "pause"
    feed = FrameFeed(slot, capture_done, stop, apply, lambda: paused[0])
    it = iter(feed)

    def frame(i):
        return Captured(Frame(i, i * 100.0, np.zeros((4, 4, 3), np.uint8)), time.monotonic())
    slot.put(frame(0))
    assert next(it).index == 0
    feed.commands.put(("pause",))
    slot.put(frame(1))
    got = []
    th = threading.Thread(target=lambda: got.append(next(it, None)))
    th.start()
    time.sleep(0.3)
    assert applied == []  # frame 0 is not through its checks yet
    assert feed.taken()[0].frame.index == 0
    feed.done()
    time.sleep(0.3)
    assert applied == [("pause", 0.1)] and not got  # with frame 1's time; frame 1 (paused) is not handed out
    feed.commands.put(("resume",))
    slot.put(frame(2))
    th.join(2.0)
    assert got[0].index == 2 and applied[-1] == ("resume", 0.2)
    capture_done.set()
    assert next(it, None) is None


def test_key_commands():
    names = ["bird_dog", "bridge", "wall_slide"]
    assert key_command(ord("q"), names, "bridge", False) == key_command(27, names, "bridge", False) == ("quit",)
    assert key_command(ord(" "), names, "bridge", False) == ("pause",)
    assert key_command(ord("n"), names, "wall_slide", False) == ("switch", "bird_dog")
    assert key_command(9, names, "bridge", True) == ("skip",)  # with a programme: the next step
    assert key_command(ord("2"), names, "bird_dog", False) == ("switch", "bridge")
    assert key_command(ord("m"), names, "bridge", False) == ("mute",)
    assert key_command(-1, names, "bridge", False) is None and key_command(ord("9"), names, "bridge", False) is None


def test_mirror_pose_flips_x_only():
    lm = np.random.default_rng(0).random((33, 5)).astype(np.float32)
    pf = PoseFrame(0, 0.0, 640, 480, landmarks=lm)
    m = mirror_pose(pf)
    assert np.allclose(m.landmarks[:, 0], 1 - lm[:, 0]) and np.allclose(m.landmarks[:, 1:], lm[:, 1:])
    assert np.allclose(pf.landmarks, lm)  # the original is untouched (inference never sees a mirrored pose)


def test_fake_camera_real_time_pace_and_loop(numbered_video):
    src = VideoFileSource(numbered_video, prefetch=0, rgb_max_side=None)
    ts = [f.timestamp_ms for f in src]
    cam = FakeCamera(numbered_video, speed=2.0, loop=2, size=(200, 150))
    t0 = time.monotonic()
    frames = list(cam)
    el = time.monotonic() - t0
    assert len(frames) == 2 * len(ts)
    assert [f.timestamp_ms for f in frames[:len(ts)]] == ts
    assert all(b > a for a, b in zip([f.timestamp_ms for f in frames], [f.timestamp_ms for f in frames][1:]))
    assert frames[0].image.shape == (150, 200, 3)
    assert el >= 0.9 * (2 * 3.0) / 2.0  # 2 x 3 s of video at double speed
    assert not cam.lost


def test_letterbox_keeps_aspect():
    img = np.full((720, 1280, 3), 255, np.uint8)
    out = letterbox(img, 640, 480)
    assert out.shape == (480, 640, 3) and out[0, 0].sum() == 0 and out[240, 320].sum() == 765


def test_exercise_params_only_known_keys():
    assert exercise_params("bridge", 5, 3.0) == {"reps": 5, "hold_s": 3.0}
    assert exercise_params("bridge", None, None) == {}


def opts(tmp_path, **kw):
    return LiveOptions(exercise=kw.pop("exercise", "bridge"), window=False, out=tmp_path / "s", voice="none", **kw)


def test_headless_session_ends_normally_and_saves(tmp_path, numbered_video):
    pose = StubPose(0.1)  # slower than the analysis rate (15/s): frames must be dropped, never queued
    sess = LiveSession(FakeCamera(numbered_video), opts(tmp_path), pose)
    res = sess.run()
    assert isinstance(res, Session)
    st = res.live.stats
    assert res.live.end == "source_ended" and res.live.final
    assert st["captured"] == 90 and st["offered"] == 45  # 30 fps, --max-fps 20: every 2nd frame, as analyze
    assert st["inferred"] + st["dropped"] == st["offered"] and st["dropped"] > 5
    assert pose.frames == sorted(pose.frames)
    d = json.loads((tmp_path / "s" / "session.json").read_text())
    assert d["schema"] == "backform.session/1" and d["exercise"] == "bridge" and d["tracking"]["frames"] == st["inferred"]
    lines = (tmp_path / "s" / "session.log.jsonl").read_text().splitlines()
    assert len(lines) == 1 + st["inferred"]
    assert json.loads(lines[1])["set"] == 1 and json.loads(lines[1])["result"]["phase"] == "setup"


def test_camera_lost_mid_set_saves_and_raises(tmp_path, numbered_video):
    sess = LiveSession(FakeCamera(numbered_video, lost_after_s=1.0), opts(tmp_path), StubPose(0.01))
    with pytest.raises(CameraLost, match="saved"):
        sess.run()
    d = json.loads((tmp_path / "s" / "session.json").read_text())
    assert d["live"]["end"] == "camera_lost" and d["live"]["final"] and d["tracking"]["frames"] > 10


def test_camera_that_hangs_is_lost_not_waited_for(tmp_path, numbered_video):
    """A driver stuck in read() is reported lost while it is still stuck (no timed assertion: the camera
    hangs until the test releases it, after the session has ended)."""
    release, state = threading.Event(), {"hung": False, "resumed": False}

    class Hanging(FakeCamera):
        def __iter__(self):
            it = super().__iter__()
            for i, f in enumerate(it):
                yield f
                if i == 10:
                    state["hung"] = True
                    release.wait(120)  # a driver stuck in read()
                    state["resumed"] = True
    sess = LiveSession(Hanging(numbered_video), opts(tmp_path, stall_s=1.0), StubPose(0.01))
    try:
        with pytest.raises(CameraLost):
            sess.run()
        assert state["hung"] and not state["resumed"]   # lost while the camera was still stuck
    finally:
        release.set()


def test_commands_restart_switch_pause_mute(tmp_path, numbered_video):
    sess = LiveSession(FakeCamera(numbered_video), opts(tmp_path), StubPose(0.01))

    def keys():
        time.sleep(0.5)
        sess.command(ord("r"))       # restart the set
        time.sleep(0.5)
        sess.command(ord("n"))       # next exercise
        time.sleep(0.5)
        sess.command(ord(" "))       # pause
        time.sleep(0.3)
        sess.command(ord(" "))       # resume
        sess.command(ord("m"))       # mute
    th = threading.Thread(target=keys)
    th.start()
    res = sess.run()
    th.join()
    sets = res.live.sets
    assert [s.exercise for s in sets] == ["bridge", "bridge", sess.names[(sess.names.index("bridge") + 1) % len(sess.names)]]
    assert res.live.muted is True
    texts = [a.text for a in res.live.announcements]
    assert "Starting the set again" in texts and "Paused" in texts and "Go on" in texts
    assert sess.command(ord("q")) is False and sess.end_reason == "quit"


def test_unknown_exercise(tmp_path, numbered_video):
    with pytest.raises(BackformError, match="choose one of"):
        LiveSession(FakeCamera(numbered_video), opts(tmp_path, exercise="plank"), StubPose())


def test_cli_without_display_fails_cleanly(tmp_path, numbered_video):
    """Without a display the command must say so and exit 2, not let imshow abort the process (134)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    r = subprocess.run([sys.executable, "-m", "backform", "live", "--exercise", "bridge", "--video", str(numbered_video),
                        "--out", str(tmp_path / "o")], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    assert "no display" in r.stderr and "--no-window" in r.stderr


def test_add_parser_wires_into_the_cli_parser(numbered_video, tmp_path):
    """What cli.py's one line does: ``live.add_parser(sub)`` on its subparsers; top-level -v still works."""
    ap = build_parser()
    sub = next(a for a in ap._actions if isinstance(a, argparse._SubParsersAction))
    if "live" not in sub.choices:
        add_parser(sub)
    args = ap.parse_args(["-v", "live", "--exercise", "bird_dog", "--video", str(numbered_video), "--reps", "3",
                          "--hold", "2.5", "--no-window", "--mute", "--out", str(tmp_path)])
    assert args.func is cmd_live and args.verbose and args.exercise == "bird_dog" and args.reps == 3
    assert args.hold == 2.5 and args.no_window and args.mute and args.camera == "0" and args.max_fps == 20.0


def test_unwritable_out_folder_is_a_clear_error(tmp_path, numbered_video):
    (tmp_path / "file").write_text("x")
    with pytest.raises(BackformError, match="cannot write the session"):
        LiveSession(FakeCamera(numbered_video), opts(tmp_path / "file"), StubPose())


def test_quiet_live_run_prints_nothing(numbered_video, tmp_path, model_path):
    """``-q``: no banner and no summary (the banner's text was built only when not quiet, and then used)."""
    r = subprocess.run([sys.executable, "-m", "backform", "live", "--exercise", "bridge", "--video", str(numbered_video),
                        "--no-window", "--mute", "--no-setup-check", "--max-seconds", "2", "--out", str(tmp_path / "s"),
                        "-q"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "" and "backform live:" not in r.stderr
    assert (tmp_path / "s" / "session.json").is_file()
