"""The ``backform`` command line. Library code logs; this module prints.

Every expected failure (missing or corrupt video, no person, unknown exercise, missing model ...) ends with
one line on stderr and a non-zero exit code, never a traceback.
"""
from __future__ import annotations

import argparse
import contextlib
import logging
import math
import os
import sys
import time
from pathlib import Path

from . import __version__
from .errors import BackformError, SourceError

EXIT_ERROR = 2


def _exercise_names() -> list[str]:
    from .exercises import names
    return list(names())


def _check_exercise(name: str | None) -> None:
    if name is None:
        return
    valid = _exercise_names()
    if name not in valid:
        raise BackformError(f"unknown exercise {name!r}; choose one of: {', '.join(valid)}")


def _progress(total: int | None, desc: str, quiet: bool):
    from tqdm import tqdm
    return tqdm(total=total or None, desc=desc, unit="frame", disable=quiet or None, leave=False,
                dynamic_ncols=True)


def _pose_config(args):
    from .pose import PoseConfig
    return PoseConfig(segmentation=not args.no_segmentation)


def cmd_analyze(args) -> int:
    from .session import analyze
    from .sources import open_source
    from .video_out import AnnotatedVideoWriter

    from .program import apply_program
    _check_exercise(args.exercise)
    exercise_name, params, baseline, programme = apply_program(args)  # --program / --calibration (or neither)
    src = open_source(args.video, max_fps=args.max_fps)
    if hasattr(src, "index") and not getattr(src, "yields_poses", False) and isinstance(getattr(src, "index"), int):
        raise SourceError("analyze reads a recorded video; use `backform live` for a camera")
    out = Path(args.out)
    exercise = None
    if exercise_name:
        from .exercises import get
        exercise = get(exercise_name, params=params, baseline=baseline)
    total = math.ceil(src.frame_count / src.stride) if src.frame_count else None
    t0 = time.monotonic()
    with contextlib.ExitStack() as stack:
        pose = None
        if not getattr(src, "yields_poses", False):
            from .pose import PoseEstimator
            pose = stack.enter_context(PoseEstimator(args.model, _pose_config(args)))
        video = None
        if not args.no_video:
            out.mkdir(parents=True, exist_ok=True)
            video = AnnotatedVideoWriter(out / "annotated.mp4", src.analysis_fps, src.width, src.height,
                                         exercise=exercise_name or "", privacy=args.privacy)
            stack.callback(video.abort)  # no-op after a successful close
        bar = stack.enter_context(_progress(total, Path(args.video).name, args.quiet))
        result = analyze(src, out, exercise=exercise, exercise_name=exercise_name, pose=pose, video=video,
                         on_frame=lambda pf: bar.update(1))
        if video is not None:
            video.close()
    from .report import write_report
    report_path = write_report(out, programme, privacy=args.privacy)
    el = time.monotonic() - t0
    tr = result["tracking"]
    if not args.quiet:
        print(f"{Path(args.video).name}: {tr['frames']} frames analysed at {tr['analysis_fps']:.1f}/s, pose on "
              f"{tr['pose_frames']} ({tr['pose_found_rate']:.0%}); {el:.1f} s")
        if exercise_name:
            print(f"{exercise_name}: {result['rep_count']} reps, {len(result['faults'])} faults")
        print(f"wrote {out / 'session.json'}, {report_path}"
              + ("" if args.no_video else f" and {out / 'annotated.mp4'}"))
    return 0


SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_videos"


def cmd_demo(args) -> int:
    """Analyse one of the bundled sample videos and compare the result with its ground truth."""
    import json

    if args.video:
        video = Path(args.video)
    else:
        found = sorted(SAMPLE_DIR.glob(f"{args.exercise or 'bridge'}_clean*.mp4"))
        if not found:
            raise SourceError(f"no sample video for {args.exercise or 'bridge'} in {SAMPLE_DIR} "
                              "(the samples live in a clone of the repository)")
        video = found[0]
    truth_path = video.with_name(video.stem + ".truth.json")
    truth = json.loads(truth_path.read_text()) if truth_path.is_file() else {}
    exercise = args.exercise or truth.get("exercise") or (None if args.video else "bridge")
    if not exercise:
        raise BackformError(f"say which exercise {video.name} shows with --exercise")
    ns = build_parser().parse_args(["analyze", str(video), "--exercise", exercise, "--out", args.out]
                                   + (["-q"] if args.quiet else []))
    rc = cmd_analyze(ns)
    if truth and not args.quiet:
        got = json.loads((Path(args.out) / "session.json").read_text())
        want_faults = sorted({f for r in truth.get("reps", []) for f in r.get("faults", [])})
        print(f"ground truth: {len(truth.get('reps', []))} reps, faults {want_faults or 'none'}; "
              f"found {got['rep_count']} reps, faults {sorted({f['code'] for f in got['faults']}) or 'none'}")
    return rc


def cmd_track(args) -> int:
    from .pose import PoseEstimator
    from .recording import LandmarkWriter
    from .sources import open_source

    src = open_source(args.video, max_fps=args.max_fps)
    if getattr(src, "yields_poses", False):
        raise SourceError("track needs a video, an image folder or a camera, not a landmarks file")
    total = math.ceil(src.frame_count / src.stride) if src.frame_count else None
    found = n = 0
    with PoseEstimator(args.model, _pose_config(args)) as pose, \
            LandmarkWriter(args.output, {"model": pose.model_name, "model_sha256": pose.model_sha256,
                                         "fps": src.fps, "analysis_fps": src.analysis_fps, "width": src.width,
                                         "height": src.height, "frames": src.frame_count,
                                         "source": src.info()["path"]}) as w:
        bar = _progress(total, Path(args.video).name, args.quiet)
        for fr in src:
            pf = pose.update(fr)
            w.write(pf)
            n += 1
            found += pf.has_pose
            bar.update(1)
        bar.close()
    if n == 0:
        raise SourceError(f"no frame could be read from {args.video}")
    if not args.quiet:
        print(f"wrote {args.output}: {n} frames, pose on {found} ({found / n:.0%})")
    if found == 0:
        raise BackformError(f"no person found in {args.video}")
    return 0


def cmd_model(args) -> int:
    from .model import BUNDLE_SHA256, build_model, default_model_dir, ensure_model, sha256_file
    if args.action == "build":
        p = build_model(args.output, wheel=args.wheel)
    elif args.action == "path":
        p = ensure_model(None, build=False)
    else:
        p = ensure_model(None)
    digest = sha256_file(p)
    status = "ok" if digest == BUNDLE_SHA256 else "differs from the reproducible build"
    print(f"{p}  sha256 {digest} ({status})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="backform", description="Checks the form of osteoporosis back exercises "
                                 "from a webcam or a video, counts reps and holds, and coaches out loud.")
    ap.add_argument("--version", action="version", version=f"backform {__version__}")
    ap.add_argument("-v", "--verbose", action="store_true", help="log details (and native MediaPipe logs)")
    sub = ap.add_subparsers(dest="command", required=True)

    def pose_opts(p):
        p.add_argument("--model", help="a PoseLandmarker .task file (default: the bundled full model, built on first use)")
        p.add_argument("--max-fps", type=float, default=20.0,
                       help="analyse at most this many frames per second (default 20; 0 = every frame)")
        p.add_argument("--no-segmentation", action="store_true", help="skip the silhouette (outline-based checks off)")
        p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")

    a = sub.add_parser("analyze", help="analyse a recorded video (or a landmarks file): session.json + annotated video")
    a.add_argument("video", help="video file, folder of images, or landmarks file (.jsonl)")
    a.add_argument("--exercise", "-e", help="bridge, bird_dog, prone_extension, prone_arm_lift or wall_slide")
    a.add_argument("--out", "-o", required=True, help="output folder")
    a.add_argument("--privacy", choices=["none", "blur", "skeleton"], default="none",
                   help="annotated video: as recorded, face blurred, or skeleton on a blank background")
    a.add_argument("--no-video", action="store_true", help="do not write annotated.mp4")
    a.add_argument("--program", help="programme file (TOML): the exercise's reps, hold, thresholds and calibration; "
                                     "the session is scored against it (--exercise picks which of its exercises, "
                                     "default its first)")
    a.add_argument("--calibration", help="calibration profile (TOML) from `backform calibrate` (default: the "
                                         "programme's)")
    pose_opts(a)
    a.set_defaults(func=cmd_analyze)

    d = sub.add_parser("demo", help="analyse a bundled sample video and compare with its ground truth")
    d.add_argument("video", nargs="?", help="a sample video (default: the clean bridge sample)")
    d.add_argument("--exercise", "-e", help="pick the clean sample of this exercise")
    d.add_argument("--out", "-o", default="out/demo", help="output folder (default out/demo)")
    d.add_argument("-q", "--quiet", action="store_true")
    d.set_defaults(func=cmd_demo)

    t = sub.add_parser("track", help="write a landmarks file (JSON lines) for a video")
    t.add_argument("video")
    t.add_argument("-o", "--output", required=True, help="landmarks file (.jsonl or .jsonl.gz)")
    pose_opts(t)
    t.set_defaults(func=cmd_track)

    from . import calibration, live, report
    live.add_parser(sub)
    calibration.add_parser(sub)
    report.add_parser(sub)

    sy = sub.add_parser("synth", add_help=False,
                        help="render synthetic exercise clips with ground truth (needs the synth extra; "
                             "`backform synth --help`)")
    sy.set_defaults(func=lambda a: _synth([]))

    m = sub.add_parser("model", help="build, locate or verify the pose model")
    m.add_argument("action", choices=["build", "path", "verify"])
    m.add_argument("--output", help="where to write the bundle (build)")
    m.add_argument("--wheel", help="use this mediapipe-0.10.21 wheel instead of downloading it (build)")
    m.set_defaults(func=cmd_model)
    return ap


def _silence_native_stderr() -> None:
    """MediaPipe's C++ code writes log lines straight to file descriptor 2. Keep Python's stderr (our
    messages, progress bars, logging) on a duplicate of the terminal and point descriptor 2 at /dev/null."""
    try:
        sys.stderr.flush()
        keep = os.dup(2)
        sys.stderr = os.fdopen(keep, "w", buffering=1, encoding=sys.stderr.encoding or "utf-8", errors="replace")
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass


def _synth(argv: list[str]) -> int:
    """``backform synth ...`` is handed whole to the renderer's own parser (an optional extra)."""
    from .synth.cli import synth_main
    return synth_main(argv)


def main(argv: list[str] | None = None) -> int:
    raw = sys.argv[1:] if argv is None else argv
    if raw[:1] == ["synth"]:
        return _synth(raw[1:])
    args = build_parser().parse_args(argv)
    if not args.verbose and argv is None:
        _silence_native_stderr()
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args) or 0
    except BackformError as e:
        print(f"backform: error: {e}", file=sys.stderr)
        return getattr(e, "exit_code", EXIT_ERROR)
    except KeyboardInterrupt:
        print("backform: interrupted; the session log keeps every frame analysed so far", file=sys.stderr)
        return 130
    except (OSError, ValueError) as e:
        if args.verbose:
            raise
        print(f"backform: error: {e}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
