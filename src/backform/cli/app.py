"""`backform app`: the patient's app, live coaching in a browser page (see docs/app.md)."""
from __future__ import annotations

import logging
import os
import sys
import webbrowser
from pathlib import Path

from ..errors import BackformError
from ..io.fakecam import FakeCamera
from ..io.files import write_text_atomic
from ..io.sources import WebcamSource
from ..live import LiveOptions
from ..pose.estimator import PoseEstimator
from ..programme.programme import load, resolve
from . import options, upload

try:  # the optional app extra (starlette, uvicorn, websockets)
    from ..app import AppConfig, AppRunner, AppServer, list_cameras
    MISSING = None
except ImportError as e:
    AppConfig = AppRunner = AppServer = list_cameras = None
    MISSING = e

log = logging.getLogger(__name__)


def default_root() -> Path:
    return Path(os.environ.get("BACKFORM_SESSIONS") or Path.home() / "backform" / "sessions")


def _therapist():
    """(upload(folder), pull()) when a therapist service is set up on this computer, else (None, None)."""
    try:
        server, token = upload.server_and_token(None)
    except BackformError:
        return None, None
    return (lambda folder: upload.upload_folder(folder, server, token)), (server, token)


def _pull_programme(service, root: Path):
    """Today's programme from the therapist's service (None when it has none or cannot be reached)."""
    server, token = service
    try:
        st, body = upload.request("GET", f"{server}/api/programme", token)
    except BackformError as e:
        log.warning("no programme from the service: %s", e)
        return None
    if st != 200 or "toml" not in body:
        return None
    path = root / "programme.toml"
    root.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, body["toml"])
    return load(path)


def build(args):
    """The app's server (not started) from the command's arguments."""
    if AppServer is None:
        raise BackformError(f"backform app needs the app extra: pip install 'backform[app]' ({MISSING})")
    root = Path(args.out) if args.out else default_root()
    root.mkdir(parents=True, exist_ok=True)
    send, service = _therapist()
    programme = load(args.program) if args.program else None
    if programme is None and service is not None and not args.exercise:
        programme = _pull_programme(service, root)
    if programme is not None:
        for b in programme.blocks:  # a calibration profile that cannot be read fails now, not mid-session
            resolve(programme, b.exercise)
    options.check_exercise(args.exercise)
    size = tuple(int(v) for v in args.size.lower().split("x")) if args.size else None

    def open_source(cam: str):
        if cam == "video" and args.video:
            return FakeCamera(args.video, speed=args.speed, loop=args.loop, size=size)
        w, h = size or (640, 480)
        return WebcamSource(int(cam) if cam.isdigit() else cam, width=w, height=h)

    live = LiveOptions(exercise=args.exercise or "", mute=args.mute, voice=args.voice, window=False,
                       max_fps=args.max_fps, setup_check=not args.no_setup_check, max_seconds=args.max_seconds)
    cfg = AppConfig(root=root, open_source=open_source,
                    make_pose=lambda: PoseEstimator(args.model, options.pose_config(args, live=True)),
                    cameras=list_cameras(args.video), exercise=args.exercise, programme=programme, live=live,
                    upload=send)
    return AppServer(AppRunner(cfg), port=args.port, grace_s=args.grace, exit_s=args.exit_after)


def cmd_app(args) -> int:
    server = build(args)
    print(server.url, flush=True)  # the first line: the page's address with its key
    if not args.no_browser:
        try:
            webbrowser.open(server.url, new=1)
        except webbrowser.Error as e:
            print(f"backform app: cannot open a browser ({e}); open the address above", file=sys.stderr)
    print("backform app: " + ("open the address above in your browser" if args.no_browser else
                              "the page is opening in your browser")
          + "; closing the page ends the session (it is saved). Ctrl-C here also stops the app.", file=sys.stderr)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    r = server.runner
    if r.folder is not None:
        print(f"sessions saved in {r.cfg.root}", file=sys.stderr)
    return 0


def add_parser(subparsers):
    p = subparsers.add_parser("app", help="the patient's app: live coaching in a browser page",
                              description="Opens a page in your browser that walks you through today's exercises: "
                                          "the camera picture with your outline, big counters, spoken cues, rests, "
                                          "a summary and your past sessions. Everything stays on this computer.")
    options.add_exercise(p, " (default: choose on the page, or the programme's)")
    p.add_argument("--program", help="programme file (TOML); default: the therapist service's, when set up")
    p.add_argument("--video", help="play this video file as the camera, at real-time pace")
    p.add_argument("--out", "-o", help="folder the sessions are kept in, one sub-folder each "
                                       "(default ~/backform/sessions, or BACKFORM_SESSIONS)")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    p.add_argument("--no-browser", action="store_true", help="do not open the browser (open the printed address)")
    p.add_argument("--mute", action="store_true", help="start with the voice off")
    p.add_argument("--voice", default="auto", choices=["auto", "pyttsx3", "espeak", "tones", "none"],
                   help="speech engine (default auto, as live)")
    p.add_argument("--no-setup-check", action="store_true", help="skip the camera set-up check")
    p.add_argument("--size", help="camera resolution WxH (default 640x480); with --video: letterbox frames to it")
    options.add_pose_options(p)
    p.add_argument("--speed", type=float, default=1.0, help="--video: playback speed (default 1 = real time)")
    p.add_argument("--loop", type=int, default=1, help="--video: play the clip this many times")
    p.add_argument("--max-seconds", type=float, help="end each session after this many seconds")
    p.add_argument("--grace", type=float, default=5.0,
                   help="end a running session when no page has been open this many seconds (default 5)")
    p.add_argument("--exit-after", type=float, default=30.0,
                   help="close the app when no page has been open this many seconds (default 30)")
    p.set_defaults(func=cmd_app)
    return p
