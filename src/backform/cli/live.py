"""`backform live`: live coaching from a webcam (or a video played as a camera)."""
from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from ..errors import BackformError
from ..exercises import names
from ..io.fakecam import FakeCamera
from ..io.sources import WebcamSource
from ..live import HELP_LINE, LiveOptions, LiveSession, NoDisplayError, display_problem
from ..pose.estimator import PoseEstimator
from ..programme.programme import load, resolve
from . import options


def open_live_source(args):
    if args.size and not (len(args.size.lower().split("x")) == 2 and all(v.isdigit() for v in args.size.lower().split("x"))):
        raise BackformError(f"--size takes WIDTHxHEIGHT, e.g. 640x480 (got {args.size!r})")
    if args.video:
        size = tuple(int(v) for v in args.size.lower().split("x")) if args.size else None
        return FakeCamera(args.video, speed=args.speed, loop=args.loop, size=size)
    w, h = (int(v) for v in (args.size or "640x480").lower().split("x"))
    cam = str(args.camera)
    return WebcamSource(int(cam) if cam.isdigit() else cam, width=w, height=h)  # an index or a device path


def default_out() -> Path:
    return Path("sessions") / datetime.now().strftime("live-%Y%m%d-%H%M%S")


def cmd_live(args) -> int:
    """Handler of ``backform live`` (prints; the library above logs)."""
    programme = None
    if args.program:
        programme = load(args.program)  # ProgrammeError: one line, naming the key and what is allowed
        for b in programme.blocks:  # a calibration profile that cannot be read fails now, not mid-session
            resolve(programme, b.exercise)
        args.exercise = programme.blocks[0].exercise
    if args.exercise is not None and args.exercise not in names():
        raise BackformError(f"unknown exercise {args.exercise!r}; choose one of: {', '.join(names())}")
    window = not args.no_window
    if window:
        problem = display_problem()
        if problem:
            raise NoDisplayError(problem)
    src = open_live_source(args)
    out = Path(args.out) if args.out else default_out()
    pose = PoseEstimator(args.model, options.pose_config(args, live=True))
    try:
        opts = LiveOptions(exercise=args.exercise, reps=args.reps, hold=args.hold, mute=args.mute, voice=args.voice,
                           window=window, out=out, max_seconds=args.max_seconds,
                           setup_check=not args.no_setup_check, display_width=args.display_width,
                           max_fps=args.max_fps, programme=programme)
        sess = LiveSession(src, opts, pose)
        if not getattr(args, "quiet", False):
            what = (f"programme {programme.title}" if programme is not None else args.exercise
                    or "following the exercise you do")
            print(f"backform live: {what} from {src.info()['path']}; "
                  + ("keys: " + HELP_LINE if window else "no window (Ctrl-C to stop)"), file=sys.stderr)
        result = sess.run()
    finally:
        pose.close()
    if not getattr(args, "quiet", False):
        st = result.live.stats
        sets = result.live.sets
        what = (f"{sum(x.rep_count for x in sets)} reps in {len(sets)} sets" if programme is not None
                else f"{result.exercise}: {result.rep_count} reps, {len(result.faults)} faults" if args.exercise
                else ", ".join(f"{g.exercise}: {g.rep_count} reps" for g in result.segments) or "no exercise recognised")
        print(f"{what} "
              f"({result.live.end}); {st['inferred']} frames analysed at {st['inference_fps']:.1f}/s, "
              f"{st['dropped']} dropped; latency median {st['latency_ms']['median']} ms")
        if programme is not None:
            pr = result.programme
            print(f"programme {pr.name}: {pr.sets_done} of {pr.sets_prescribed} sets done")
        print(f"wrote {out / 'session.json'} and {out / 'session.log.jsonl'}")
    return 0


def add_parser(subparsers):
    """Register ``backform live`` on an ``argparse`` subparsers object; the handler is ``args.func``."""
    p = subparsers.add_parser("live", help="coach live from a webcam (or a video played as a fake camera)",
                              description="Live coaching: mirrored window with the skeleton, reps, hold timer and "
                                          "faults; spoken cues; session saved as it goes. Keys: " + HELP_LINE)
    options.add_exercise(p, " (default: follow the exercise done, as recognised)")
    p.add_argument("--program", help="programme file (TOML): walk through its exercises, sets and rests, with its "
                                     "reps, holds, thresholds and calibration, moving on when you start the next exercise (--exercise, "
                                     "--reps, --hold ignored)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--camera", default="0", help="camera index (default 0)")
    src.add_argument("--video", help="play this video file as a fake camera, at real-time pace")
    p.add_argument("--reps", type=int, help="reps in the set (default: the programme's)")
    p.add_argument("--hold", type=float, help="hold target in seconds (default: the programme's)")
    p.add_argument("--mute", action="store_true", help="no voice (the m key toggles it)")
    p.add_argument("--voice", default="auto", choices=["auto", "pyttsx3", "espeak", "tones", "none"],
                   help="speech engine (default auto: pyttsx3, then espeak-ng, then tones)")
    p.add_argument("--out", "-o", help="session folder (default sessions/live-YYYYmmdd-HHMMSS)")
    p.add_argument("--no-window", action="store_true", help="no window: analyse, speak and save only")
    p.add_argument("--no-setup-check", action="store_true", help="skip the camera set-up check")
    p.add_argument("--size", help="camera resolution WxH (default 640x480); with --video: letterbox frames to it")
    options.add_pose_options(p)  # --max-fps as analyze's; the display always runs at the camera's rate
    p.add_argument("--speed", type=float, default=1.0, help="--video: playback speed (default 1 = real time)")
    p.add_argument("--loop", type=int, default=1, help="--video: play the clip this many times")
    p.add_argument("--max-seconds", type=float, help="stop after this many seconds")
    p.add_argument("--display-width", type=int, default=960,
                   help="window width in pixels (frames are scaled to it; 0 = the camera's size; default 960)")
    options.add_quiet(p, "no summary")
    p.set_defaults(func=cmd_live)
    return p

