"""The live window under Xvfb on a real clip played through the fake camera: a screenshot of the window
shows the mirrored video with the skeleton and the overlay; the session ends by itself with exit code 0 and
the reps announced equal the reps counted. Needs Xvfb and ffmpeg (x11grab) and ../shared/clips."""
from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from backform.io.fakecam import letterbox

pytestmark = pytest.mark.slow
SCREEN = (1280, 1024)


def _free_display() -> int:
    for n in range(90, 200):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise RuntimeError("no free X display number")


@pytest.fixture(scope="module")
def xvfb():
    if not shutil.which("Xvfb"):
        pytest.skip("Xvfb not installed (apt-get install xvfb)")
    n = _free_display()
    proc = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sock = Path(f"/tmp/.X11-unix/X{n}")
    for _ in range(100):
        if sock.exists() or proc.poll() is not None:
            break
        time.sleep(0.05)
    if not sock.exists():
        proc.kill()
        pytest.skip("Xvfb did not start")
    yield f":{n}"
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()


def screenshot(display: str, path: Path) -> np.ndarray:
    if not shutil.which("ffmpeg"):
        pytest.skip("ffmpeg not installed (needed for the x11grab screenshot)")
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "x11grab", "-video_size", f"{SCREEN[0]}x{SCREEN[1]}",
                    "-i", display, "-frames:v", "1", str(path)], check=True, timeout=30)
    return cv2.imread(str(path))


def near(img: np.ndarray, bgr, tol: int = 40) -> np.ndarray:
    return (np.abs(img.astype(np.int16) - np.array(bgr, np.int16)).max(axis=2) <= tol)


def corr(a: np.ndarray, b: np.ndarray) -> float:
    a = a.astype(np.float64).ravel() - a.mean()
    b = b.astype(np.float64).ravel() - b.mean()
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-9))


def _live_run_with_screenshot(xvfb, clip, model_path, out: Path, shots: Path):
    """Play ``clip`` through the live window; a screenshot showing confident (green) joints, if one came."""
    env = dict(os.environ, DISPLAY=xvfb)
    env.pop("WAYLAND_DISPLAY", None)
    proc = subprocess.Popen([sys.executable, "-m", "backform", "live", "--exercise", "bridge", "--video", str(clip),
                             "--size", "640x480", "--out", str(out), "--voice", "none", "--model", str(model_path)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        log = out / "session.log.jsonl"
        t0 = time.monotonic()
        while time.monotonic() - t0 < 60 and proc.poll() is None:
            if log.exists() and len(log.read_text().splitlines()) > 60:  # ~2.5 s of results shown
                break
            time.sleep(0.1)
        assert proc.poll() is None, proc.communicate()
        # a screenshot can fall on a frame without a confident pose (the person moving, the machine busy), and
        # on a loaded machine the window can be mapped late (seen: 8 shots over 2.4 s all black): take up to
        # 30, 0.3 s apart, while the 13-s clip plays, and keep the first that shows confident (green) joints
        for attempt in range(30):
            shot = screenshot(xvfb, shots / f"shot{attempt}.png")
            if near(shot[:720, :960], (80, 200, 80), 30).sum() > 30 or proc.poll() is not None:
                break
            time.sleep(0.3)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, stdout, stderr, shot


def test_live_window_on_real_clip(xvfb, clips_dir, clip_labels, model_path, tmp_path):
    clip = clips_dir / "lena_glute_bridge.mp4"
    # Qt under Xvfb (no window manager) sometimes never paints the window: every screenshot black but for the X
    # pointer (a few white pixels) while the session runs to its end normally (seen in ~1 of 4 runs here, with
    # this session's code and with the code before it). Such a run says nothing about what the window shows:
    # it is repeated, up to 3 runs.
    for run in range(3):
        out, shots = tmp_path / f"live{run}", tmp_path / f"shots{run}"
        shots.mkdir()
        rc, stdout, stderr, shot = _live_run_with_screenshot(xvfb, clip, model_path, out, shots)
        if shot[:720, :960].mean() > 1.0:  # painted (the pointer alone is ~0.02)
            break
    assert rc == 0, stderr
    assert "3 reps" in stdout or "2 reps" in stdout, stdout

    win = shot[:720, :960]  # the window: 960 wide (default --display-width), 4:3, at the top-left corner
    # skeleton joints in the visibility colours (green: confident), drawn over the person
    green = near(win, (80, 200, 80), 30).sum()
    assert green > 30, f"only {green} green joint pixels"
    # overlay text: a black box with white text at the top left ("bridge  reps N  phase")
    box = win[10:60, 5:400]
    assert near(box, (0, 0, 0), 10).mean() > 0.3 and near(box, (255, 255, 255), 60).sum() > 50
    # the window shows the video mirrored: closer to the flipped frame than to the frame as recorded
    cap = cv2.VideoCapture(str(clip))
    ok, frame = cap.read()
    cap.release()
    assert ok
    ref = cv2.resize(letterbox(frame, 640, 480), (96, 72), interpolation=cv2.INTER_AREA)
    seen = cv2.resize(win, (96, 72), interpolation=cv2.INTER_AREA)
    g = lambda im: cv2.cvtColor(im, cv2.COLOR_BGR2GRAY)  # noqa: E731
    c_flip, c_raw = corr(g(seen), g(cv2.flip(ref, 1))), corr(g(seen), g(ref))
    assert c_flip > c_raw + 0.1, (c_flip, c_raw)

    d = json.loads((out / "session.json").read_text())
    assert d["live"]["end"] == "source_ended" and d["live"]["final"]
    assert d["rep_count"] in clip_labels["lena_glute_bridge.mp4"]["rep_count_ok"]
    reps_said = [a for a in d["live"]["announcements"] if a["kind"] in ("rep", "set_done")]
    assert len(reps_said) == d["rep_count"]
    st = d["live"]["stats"]
    assert st["display_fps"] > 15 and st["inferred"] > 100


def _wait(pred, timeout_s: float = 30.0) -> bool:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        if pred():
            return True
        time.sleep(0.1)
    return False


def _live_bridge_window(xvfb, clips_dir, model_path, out):
    """``backform.live`` with its window on the Xvfb display, looping a real bridge clip (skips without
    xdotool, which the callers drive it with). Returns (process, environment)."""
    if not shutil.which("xdotool"):
        pytest.skip("xdotool not installed (apt-get install xdotool)")
    env = dict(os.environ, DISPLAY=xvfb)
    proc = subprocess.Popen([sys.executable, "-m", "backform", "live", "--exercise", "bridge", "--video",
                             str(clips_dir / "lena_glute_bridge.mp4"), "--loop", "10", "--size", "640x480",
                             "--out", str(out), "--voice", "none", "--model", str(model_path)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, env


def test_live_keys_through_the_x_server(xvfb, clips_dir, model_path, tmp_path):
    """Real key presses (XTEST, via xdotool) on the live window: mute, restart the set, next exercise, quit."""
    out = tmp_path / "keys"
    proc, env = _live_bridge_window(xvfb, clips_dir, model_path, out)

    def key(k):
        subprocess.run(["xdotool", "key", k], env=env, check=True, timeout=10)
        time.sleep(0.3)  # HighGUI returns one key per waitKey call: two keys within one call lose the first

    def sets():
        try:
            return json.loads((out / "session.json").read_text())["live"]["sets"]
        except (OSError, ValueError, KeyError):
            return []
    try:
        log = out / "session.log.jsonl"
        assert _wait(lambda: log.exists() and len(log.read_text().splitlines()) > 20, 60), "no results"
        r = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--name", "backform live"], env=env,
                           capture_output=True, text=True, timeout=30)
        wid = r.stdout.split()[0]
        # no window manager: keyboard focus follows the pointer; put it on the window and focus it
        subprocess.run(["xdotool", "mousemove", "200", "200"], env=env, timeout=10)
        subprocess.run(["xdotool", "windowfocus", wid], env=env, timeout=10)
        time.sleep(0.3)
        key("r")
        assert _wait(lambda: len(sets()) >= 2), "restart (r) not applied"
        key("m")
        key("n")
        assert _wait(lambda: len(sets()) >= 3 and sets()[-1]["exercise"] != "bridge"), "next exercise (n) not applied"
        key("q")
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    d = json.loads((out / "session.json").read_text())
    assert d["live"]["end"] == "quit" and d["live"]["muted"] is True
    assert [s["exercise"] for s in d["live"]["sets"]][:2] == ["bridge", "bridge"]


def wm_close(display: str, window: int) -> None:
    """Send WM_DELETE_WINDOW to ``window``, as a window manager does when its close button is clicked."""
    name = ctypes.util.find_library("X11") or "libX11.so.6"
    try:
        x = ctypes.CDLL(name)
    except OSError:
        pytest.skip("libX11 not found")
    x.XOpenDisplay.restype = ctypes.c_void_p
    x.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x.XInternAtom.restype = ctypes.c_ulong
    x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]

    class ClientMessage(ctypes.Structure):
        _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                    ("display", ctypes.c_void_p), ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                    ("format", ctypes.c_int), ("l", ctypes.c_long * 5)]

    class XEvent(ctypes.Union):
        _fields_ = [("xclient", ClientMessage), ("pad", ctypes.c_long * 24)]
    x.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.POINTER(XEvent)]
    x.XFlush.argtypes = x.XCloseDisplay.argtypes = [ctypes.c_void_p]
    d = x.XOpenDisplay(display.encode())
    assert d, f"cannot open {display}"
    ev = XEvent()
    ev.xclient.type = 33  # ClientMessage
    ev.xclient.window = window
    ev.xclient.message_type = x.XInternAtom(d, b"WM_PROTOCOLS", 0)
    ev.xclient.format = 32
    ev.xclient.l[0] = x.XInternAtom(d, b"WM_DELETE_WINDOW", 0)
    assert x.XSendEvent(d, window, 0, 0, ctypes.byref(ev))
    x.XFlush(d)
    x.XCloseDisplay(d)


def test_window_close_button_ends_cleanly(xvfb, clips_dir, model_path, tmp_path):
    out = tmp_path / "close"
    proc, env = _live_bridge_window(xvfb, clips_dir, model_path, out)
    try:
        wid = []

        def find():
            r = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "backform live"], env=env,
                               capture_output=True, text=True, timeout=10)
            wid[:] = [int(w) for w in r.stdout.split()]
            return bool(wid)
        assert _wait(find, 60), "the live window did not appear"
        time.sleep(1.0)
        wm_close(xvfb, wid[0])
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    d = json.loads((out / "session.json").read_text())
    assert d["live"]["end"] == "window_closed" and d["live"]["final"]
