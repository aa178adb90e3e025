"""`backform app` without a browser: the token, Host and Origin checks, the WebSocket's controls and watchers,
a closed tab ending the session, a lost camera, the summary read from session.json, the history and its
reports, the command line's first line. A stub stands in for the pose model (no person is found)."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the app extra is not installed (pip install -e '.[app]')")
pytest.importorskip("uvicorn", reason="the app extra is not installed (pip install -e '.[app]')")
from starlette.testclient import TestClient  # noqa: E402

from backform import session as S  # noqa: E402
from backform.app import AppConfig, AppRunner, AppServer, list_cameras  # noqa: E402
from backform.app import history  # noqa: E402
from backform.app.security import COOKIE  # noqa: E402
from backform.app.state import summary  # noqa: E402
from backform.app.web import create_app  # noqa: E402
from backform.cli import build_parser  # noqa: E402
from backform.errors import BackformError, SourceError  # noqa: E402
from backform.io.fakecam import FakeCamera  # noqa: E402
from backform.live import LiveOptions  # noqa: E402
from backform.pipeline import SESSION_NAME  # noqa: E402
from backform.types import PoseFrame  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT / "sample_videos" / "bridge_clean_s101.mp4"
TOKEN = "t0k3n-for-tests"
PORT = 45678


class StubPose:
    """Stands in for PoseEstimator: no person found, ``delay_s`` of 'inference' per frame."""

    model_name, model_sha256 = "stub", None

    def __init__(self, delay_s: float = 0.01):
        self.delay_s = delay_s

    def infer(self, fr):
        time.sleep(self.delay_s)
        h, w = fr.image.shape[:2]
        return PoseFrame(fr.index, fr.timestamp_ms, w, h), None

    def outline(self, pf, mask):
        return pf

    def update(self, fr):
        return self.outline(*self.infer(fr))

    def close(self):
        pass


def make_config(root: Path, video=CLIP, make_pose=StubPose, exercise: str | None = "bridge", programme=None,
                lost_after_s: float | None = None, loop: float = 1, upload=None, speed: float = 1.0) -> AppConfig:
    def open_source(cam):
        if cam != "video":
            raise SourceError(f"cannot open camera {cam}")
        return FakeCamera(video, loop=loop, lost_after_s=lost_after_s, speed=speed)
    return AppConfig(root=root, open_source=open_source, make_pose=make_pose,
                     cameras=[{"id": "video", "label": "Recorded video"}, {"id": "7", "label": "Camera 1"}],
                     exercise=exercise, programme=programme, upload=upload,
                     live=LiveOptions(exercise="", voice="none", mute=True, window=False))


def client(runner: AppRunner, port: int = PORT, grace_s: float = 5.0) -> TestClient:
    app, hub = create_app(runner, TOKEN, port, grace_s=grace_s)
    c = TestClient(app, base_url=f"http://127.0.0.1:{port}")
    c.hub = hub
    return c


def ws_connect(c: TestClient, **headers):
    """The test client's WebSocket sends neither our Host nor the cookie jar: give both."""
    h = {"host": f"127.0.0.1:{PORT}", "cookie": f"{COOKIE}={TOKEN}", **headers}
    return c.websocket_connect("/ws", headers={k: v for k, v in h.items() if v is not None})


def wait(cond, timeout: float = 20.0, step: float = 0.05):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        v = cond()
        if v:
            return v
        time.sleep(step)
    raise AssertionError("timed out")


# -- who may talk to the app -------------------------------------------------------------------------------------
def test_token_host_and_origin_are_checked(tmp_path):
    with client(AppRunner(make_config(tmp_path))) as c:
        assert c.get("/").status_code == 401
        assert c.get("/api/home").status_code == 401
        assert c.get("/static/app.js").status_code == 401
        assert c.get("/?token=wrong").status_code == 401
        # DNS rebinding: the right token under another host name is refused
        r = c.get(f"/?token={TOKEN}", headers={"host": "evil.example:45678"}, follow_redirects=False)
        assert r.status_code == 403
        r = c.get(f"/?token={TOKEN}", headers={"host": "127.0.0.1:1"}, follow_redirects=False)
        assert r.status_code == 403
        # the printed URL: the token goes into a strict cookie and the address loses it
        r = c.get(f"/?token={TOKEN}", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/"
        assert f"{COOKIE}={TOKEN}" in r.headers["set-cookie"] and "SameSite=Strict" in r.headers["set-cookie"]
        c.cookies.set(COOKIE, TOKEN)
        page = c.get("/")
        assert page.status_code == 200 and "Your back exercises" in page.text
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert not re.search(r"(src|href)=\"https?://", page.text)  # every asset local
        home = c.get("/api/home").json()
        assert home["plan"]["exercise"] == "bridge" and home["upload"] is False
        # a POST needs the token in a header too (a form posted by another page has only the cookie)
        assert c.post("/api/send/x").status_code == 403
        assert c.post("/api/send/x", headers={"x-backform-token": TOKEN}).status_code == 400
        # a WebSocket from another site's page is refused
        with ws_connect(c, origin=f"http://127.0.0.1:{PORT}") as ws:
            assert json.loads(ws.receive_text())["type"] == "state"
        c.cookies.clear()
        for bad in ({"origin": "http://evil.example"}, {"cookie": None}, {"host": "evil.example"}):
            with pytest.raises(Exception):
                with ws_connect(c, **bad) as ws:
                    ws.receive_text()


def test_static_files_are_local_and_small(tmp_path):
    static = ROOT / "src" / "backform" / "app" / "static"
    for p in static.rglob("*"):
        if p.is_file():
            text = p.read_text()
            assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", text), p
    assert {p.stem for p in (static / "placement").glob("*.svg")} >= {"supine", "prone", "quadruped", "standing"}


# -- the WebSocket: controls, watchers, commands, closing ---------------------------------------------------------
def _state(ws, pred=lambda s: True, n: int = 400) -> dict:
    for _ in range(n):
        m = ws.receive()
        if m.get("text"):
            d = json.loads(m["text"])
            if d.get("type") == "state" and pred(d):
                return d
        elif m.get("bytes"):
            n_ = int.from_bytes(m["bytes"][:4], "little")
            ws.send_text(json.dumps({"ack": n_}))
            assert m["bytes"][8:10] == b"\xff\xd8"  # a JPEG
    raise AssertionError("no such state")


def test_first_page_controls_second_watches_and_closing_ends_the_session(tmp_path):
    runner = AppRunner(make_config(tmp_path, loop=20))
    with client(runner, grace_s=0.5) as c:
        c.cookies.set(COOKIE, TOKEN)
        with ws_connect(c) as a:
            s = _state(a)
            assert s["control"] is True and s["phase"] == "home"
            with ws_connect(c) as b:
                assert _state(b)["control"] is False
                b.send_text(json.dumps({"cmd": "start", "camera": "video"}))  # a watcher cannot start
                assert runner.session is None
                a.send_text(json.dumps({"cmd": "start", "camera": "video"}))
                s = _state(a, lambda s: s["phase"] == "running" and s["live"] is not None)
                assert s["live"]["exercise"]["name"] == "bridge" and s["live"]["exercise"]["posture"] == "supine"
                sb = _state(b, lambda s: s["phase"] == "running" and s["live"] is not None)
                assert sb["control"] is False and sb["pages"] == 2
                a.send_text(json.dumps({"cmd": "pause"}))
                assert _state(a, lambda s: s["live"] and s["live"]["paused"])["live"]["paused"]
                a.send_text(json.dumps({"cmd": "pause"}))
                _state(a, lambda s: s["live"] and not s["live"]["paused"])
                b.send_text(json.dumps({"cmd": "take_control"}))
                assert _state(b, lambda s: s["control"])["control"]
                assert _state(a, lambda s: not s["control"])["control"] is False
            # the controlling page went: the one left takes over
            assert _state(a, lambda s: s["control"])["pages"] == 1
        # no page left: after the grace time the session ends and is saved
        wait(lambda: runner.result is not None)
    sess = S.load(runner.folder / SESSION_NAME)
    assert sess.live.final and sess.live.end == "tab_closed"
    assert runner.result["end"] == "tab_closed"


def test_stop_command_saves_and_summary_equals_session_json(tmp_path):
    runner = AppRunner(make_config(tmp_path, loop=20))
    with client(runner) as c:
        c.cookies.set(COOKIE, TOKEN)
        with ws_connect(c) as a:
            _state(a)
            a.send_text(json.dumps({"cmd": "start", "camera": "video"}))
            _state(a, lambda s: s["phase"] == "running" and s["live"] is not None)
            a.send_text(json.dumps({"cmd": "stop"}))
            s = _state(a, lambda s: s["phase"] == "ended")
    sess = S.load(runner.folder / SESSION_NAME)
    assert sess.live.final and sess.live.end == "quit"
    assert s["summary"] == summary(sess, runner.folder.name)
    assert s["summary"]["sets"][0]["exercise"] == "bridge" and s["summary"]["reps"] == 0


def test_camera_that_cannot_open_or_is_lost_is_told_and_the_session_saved(tmp_path):
    runner = AppRunner(make_config(tmp_path, lost_after_s=1.0, loop=20))
    with pytest.raises(BackformError, match="could not be opened"):
        runner.start("7")
    assert "plugged in" in runner.state()["error"] and runner.state()["phase"] == "home"
    runner.start("video")
    wait(lambda: runner.result is not None)
    st = runner.state()
    assert st["phase"] == "ended" and "stopped sending pictures" in st["error"] and "saved" in st["error"]
    sess = S.load(runner.folder / SESSION_NAME)
    assert sess.live.final and sess.live.end == "camera_lost"


class BusyCamera:
    """A camera another program holds: it opens, then delivers no frame (as WebcamSource reports it)."""

    fps, width, height, lost, frame_count = 30.0, 640, 480, False, 0

    def info(self):
        return {"path": "camera:0", "fps": self.fps, "frames": 0, "width": self.width, "height": self.height}

    def __iter__(self):
        time.sleep(0.2)
        raise SourceError("camera 0 opened but delivers no frames")


def test_camera_in_use_by_another_program_is_told_and_the_session_saved(tmp_path):
    cfg = make_config(tmp_path)
    cfg.open_source = lambda cam: BusyCamera()
    runner = AppRunner(cfg)
    runner.start("video")
    wait(lambda: runner.result is not None)
    st = runner.state()
    assert "gives no picture" in st["error"] and "another program" in st["error"] and "saved" in st["error"]
    sess = S.load(runner.folder / SESSION_NAME)
    assert sess.live.final


# -- history, reports, sending ---------------------------------------------------------------------------------
def test_history_lists_sessions_and_serves_reports(tmp_path):
    sent = []
    runner = AppRunner(make_config(tmp_path, loop=1, upload=lambda p: sent.append(p) or (201, {"created": True})))
    runner.start("video")
    runner.stop("quit")
    wait(lambda: runner.result is not None)
    rows = history.sessions(tmp_path)
    assert [r["name"] for r in rows] == [runner.folder.name] and rows[0]["exercises"] == ["Bridge"]
    with pytest.raises(BackformError):
        history.folder(tmp_path, "../etc")
    with client(runner) as c:
        c.cookies.set(COOKIE, TOKEN)
        assert c.get("/api/history").json()["sessions"][0]["name"] == runner.folder.name
        r = c.get(f"/history/{runner.folder.name}")
        assert r.status_code == 200 and "<html" in r.text.lower()
        assert (runner.folder / "report.html").is_file()
        assert c.get("/history/..%2F..%2Fetc").status_code == 404
        r = c.post(f"/api/send/{runner.folder.name}", headers={"x-backform-token": TOKEN})
        assert r.json() == {"ok": True, "message": "Sent to your therapist."} and sent == [runner.folder]


def test_cameras_listed_without_opening_them(tmp_path):
    sysfs = tmp_path / "v4l"
    for i, (name, idx) in enumerate([("Integrated Camera", "0"), ("Integrated Camera", "1"), ("USB Cam", "0")]):
        d = sysfs / f"video{i}"
        d.mkdir(parents=True)
        (d / "name").write_text(name + "\n")
        (d / "index").write_text(idx + "\n")
    cams = list_cameras("clip.mp4", sysfs)
    if sys.platform.startswith("linux"):
        assert cams == [{"id": "video", "label": "Recorded video: clip.mp4"},
                        {"id": "0", "label": "Camera 1 (Integrated Camera)"}, {"id": "2", "label": "Camera 2 (USB Cam)"}]


def test_app_exits_once_no_page_is_left(tmp_path):
    """A real server on a free port: a page connects (WebSocket), goes, and the server stops by itself."""
    from websockets.sync.client import connect
    srv = AppServer(AppRunner(make_config(tmp_path)), exit_s=0.5)
    srv.start()
    try:
        with connect(f"ws://127.0.0.1:{srv.port}/ws", origin=srv.base,
                     additional_headers={"cookie": f"{COOKIE}={srv.token}"}) as ws:
            assert json.loads(ws.recv(timeout=10))["control"] is True
        srv.thread.join(15)
        assert not srv.thread.is_alive()
    finally:
        srv.shutdown()


# -- the command line ----------------------------------------------------------------------------------------------
def test_parser_has_app_options():
    a = build_parser().parse_args(["app", "--video", "x.mp4", "--exercise", "bridge", "--no-browser", "--port", "0"])
    assert a.command == "app" and a.no_browser and a.port == 0 and a.video == "x.mp4"


PROGRAMME = """
[programme]
name = "From the service"

[[exercise]]
name = "bridge"
sets = 2
reps = 5
hold_s = 2.0
rest_s = 30
"""


def test_programme_pulled_and_send_offered_when_a_service_is_set_up(tmp_path, monkeypatch):
    from backform.cli import app as cli_app
    from backform.cli import upload
    monkeypatch.setenv("BACKFORM_SERVER", "http://127.0.0.1:9")
    monkeypatch.setenv("BACKFORM_TOKEN", "bf_test")
    calls = []

    def fake_request(method, url, token, fields=None, files=None):
        calls.append((method, url, token))
        return 200, {"toml": PROGRAMME, "version": 3}
    monkeypatch.setattr(upload, "request", fake_request)
    args = build_parser().parse_args(["app", "--no-browser", "--video", str(CLIP), "--out", str(tmp_path)])
    srv = cli_app.build(args)
    try:
        cfg = srv.runner.cfg
        assert cfg.programme.title == "From the service" and (tmp_path / "programme.toml").is_file()
        assert calls == [("GET", "http://127.0.0.1:9/api/programme", "bf_test")]
        assert cfg.upload is not None and srv.runner.home()["upload"] is True
        assert srv.runner.home()["plan"]["blocks"][0]["sets"] == 2
    finally:
        srv.sock.close()
    monkeypatch.delenv("BACKFORM_SERVER")
    monkeypatch.delenv("BACKFORM_TOKEN")
    monkeypatch.setenv("BACKFORM_CONFIG", str(tmp_path / "none.toml"))
    srv = cli_app.build(build_parser().parse_args(["app", "--no-browser", "--exercise", "bridge", "--out",
                                                   str(tmp_path / "b")]))
    try:
        assert srv.runner.cfg.upload is None and srv.runner.cfg.programme is None  # no service: no button
    finally:
        srv.sock.close()


def test_command_prints_url_first_and_stops_cleanly(tmp_path):
    env = {**os.environ, "BACKFORM_CONFIG": str(tmp_path / "none.toml"), "PYTHONUNBUFFERED": "1"}
    env.pop("BACKFORM_SERVER", None)
    p = subprocess.Popen([sys.executable, "-m", "backform", "app", "--no-browser", "--video", str(CLIP),
                          "--exercise", "bridge", "--out", str(tmp_path / "s")], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = p.stdout.readline().strip()
        m = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/\?token=([A-Za-z0-9_-]{20,})", line)
        assert m, line
        import urllib.error
        import urllib.request
        time.sleep(0.5)
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(f"http://127.0.0.1:{m.group(1)}/api/home", timeout=10)
        assert e.value.code == 401
        req = urllib.request.Request(f"http://127.0.0.1:{m.group(1)}/api/home?token={m.group(2)}")
        assert json.loads(urllib.request.urlopen(req, timeout=10).read())["cameras"][0]["id"] == "video"
    finally:
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
    assert p.returncode == 0, err


def test_figures_are_rolling_and_session_stats_stay_small():
    """The pages' figures keep only the last ``maxlen`` frames and results (the app's memory does not grow
    with the session); the session's own stats keep every latency (packed), with the same percentiles as
    the values themselves, and can be summarised while another thread appends."""
    import threading

    import numpy as np

    from backform.app.hub import Client, Shown
    from backform.app.live_hook import StreamFrame
    from backform.live import LiveStats

    st, sh, c = LiveStats(), Shown(maxlen=50), Client(None, 1)
    t = time.monotonic()
    for i in range(200):
        sh.add(c, StreamFrame(i, i, t - 0.02, t - 0.05 + i * 1e-6 if i % 2 else None, True, b""), st)
    fl, rl, ts = sh.window()
    assert len(sh.frames) == len(fl) == len(ts) == 50 and len(rl) == 50 and sh.pictures == 200
    assert st.displayed == 200 and len(st.display_times) == 200 and len(st.latency_ms) == 100
    assert sh.window(since=time.monotonic() + 1) == ([], [], [])
    assert sh.figures()["shown"] == 50 and 19 < sh.figures()["frame_latency_ms"]["p50"] < 1000

    values = [float(v) for v in np.random.default_rng(0).gamma(2.0, 20.0, 999)]
    st = LiveStats()
    for v in values:
        st.latency_ms.append(v)
    s = st.summary()["latency_ms"]
    assert s["median"] == round(float(np.percentile(values, 50)), 1)
    assert s["p95"] == round(float(np.percentile(values, 95)), 1) and s["max"] == round(max(values), 1)

    errors = []

    def append():  # a bounded burst of appends from another thread, as the pages' acks and the model do
        try:
            for _ in range(100_000):
                st.latency_ms.append(1.0)
                st.infer_ms.append(1.0)
        except BufferError as e:
            errors.append(e)
    th = threading.Thread(target=append)
    th.start()
    while th.is_alive():
        st.summary()
    th.join()
    assert not errors and len(st.latency_ms) == 100_999
