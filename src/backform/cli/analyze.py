"""`backform analyze`, `demo`, `track` and `model`: recorded video in, session folder (or landmarks) out."""
from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

from .. import session as S
from ..errors import BackformError, SourceError
from ..exercises import get
from ..io.recording import LandmarkWriter
from ..io.sources import open_source
from ..pipeline import SESSION_NAME, Pipeline, analyze_file, log_header, model_info
from ..pose.estimator import PoseEstimator
from ..pose.model import BUNDLE_SHA256, build_model, ensure_model, sha256_file
from ..programme.programme import resolve
from ..recognition import FrameCollector, check, recognise, session_of
from ..report import write_report
from . import options
from .progress import ProgressSink

SAMPLE_DIR = Path(__file__).resolve().parents[3] / "sample_videos"


def _frames_total(src) -> int | None:
    return math.ceil(src.frame_count / src.stride) if src.frame_count else None


def _analyze(args, src, out: Path, exercise, exercise_name: str | None, sinks: list) -> S.Session:
    """The pose pass with the command's options (model, segmentation, privacy, --no-video)."""
    return analyze_file(src, out, args.model, options.pose_config(args), exercise, exercise_name,
                             privacy=args.privacy, video=not args.no_video, sinks=sinks)


def cmd_analyze(args) -> int:
    options.check_exercise(args.exercise)
    exercise_name, params, baseline, programme = options.programme_of(args)
    src = open_source(args.video, max_fps=args.max_fps)
    if isinstance(getattr(src, "index", None), int) and not getattr(src, "yields_poses", False):
        raise SourceError("analyze reads a recorded video; use `backform live` for a camera")
    out = Path(args.out)
    if exercise_name is None:
        return _analyze_session(args, src, out)
    exercise = get(exercise_name, params=params, baseline=baseline)
    t0 = time.monotonic()
    with ProgressSink(_frames_total(src), Path(args.video).name, args.quiet) as bar:
        session = _analyze(args, src, out, exercise, exercise_name, [bar])
    report_path = write_report(out, programme, privacy=args.privacy)
    el = time.monotonic() - t0
    tr = session.tracking
    if not args.quiet:
        print(f"{Path(args.video).name}: {tr.frames} frames analysed at {tr.analysis_fps:.1f}/s, pose on "
              f"{tr.pose_frames} ({tr.pose_found_rate:.0%}); {el:.1f} s")
        if exercise_name:
            print(f"{exercise_name}: {session.rep_count} reps, {len(session.faults)} faults")
        print(f"wrote {out / 'session.json'}, {report_path}"
              + ("" if args.no_video else f" and {out / 'annotated.mp4'}"))
    return 0


def _analyze_session(args, src, out: Path) -> int:
    """Without --exercise: one pose pass (session log, annotated video), then recognition over the recorded
    PoseFrames, then each segment's frames through a fresh checker; session.json lists the segments."""
    t0 = time.monotonic()
    collector = FrameCollector()
    with ProgressSink(_frames_total(src), Path(args.video).name, args.quiet) as bar:
        base = _analyze(args, src, out, None, None, [collector, bar])
    t_seg = time.monotonic()
    found = recognise(collector.frames)
    checked = check(collector.frames, found,
                    lambda name: get(name, *resolve(None, name, getattr(args, "calibration", None))[1:]))
    session = session_of(base, checked, found.other)
    S.write(out / SESSION_NAME, session)
    t_seg = time.monotonic() - t_seg
    report_path = write_report(out, None, privacy=args.privacy)
    el = time.monotonic() - t0
    tr = session.tracking
    name = Path(args.video).name
    if not args.quiet:
        print(f"{name}: {tr.frames} frames analysed at {tr.analysis_fps:.1f}/s, pose on "
              f"{tr.pose_frames} ({tr.pose_found_rate:.0%}); {el:.1f} s (recognition {t_seg:.1f} s)")
    if not session.segments:
        print(f"{name}: none of the exercises ({options.exercise_help()}) recognised; session.json has no segments")
    elif not args.quiet:
        for sg in session.segments:
            sets = f", {len(sg.sets)} sets" if sg.sets and len(sg.sets) > 1 else ""
            print(f"{sg.start_s:7.1f}-{sg.end_s:7.1f} s  {sg.exercise}: {sg.rep_count} reps{sets}, "
                  f"{len(sg.faults)} faults")
    if not args.quiet:
        print(f"wrote {out / SESSION_NAME}, {report_path}" + ("" if args.no_video else f" and {out / 'annotated.mp4'}"))
    return 0


def cmd_demo(args) -> int:
    """Analyse one of the bundled sample videos and compare the result with its ground truth."""
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
    ap = argparse.ArgumentParser()
    add_analyze_arguments(ap)
    ns = ap.parse_args([str(video), "--exercise", exercise, "--out", args.out] + (["-q"] if args.quiet else []))
    rc = cmd_analyze(ns)
    if truth and not args.quiet:
        got = json.loads((Path(args.out) / "session.json").read_text())
        want_faults = sorted({f for r in truth.get("reps", []) for f in r.get("faults", [])})
        print(f"ground truth: {len(truth.get('reps', []))} reps, faults {want_faults or 'none'}; "
              f"found {got['rep_count']} reps, faults {sorted({f['code'] for f in got['faults']}) or 'none'}")
    return rc


def cmd_track(args) -> int:
    src = open_source(args.video, max_fps=args.max_fps)
    if getattr(src, "yields_poses", False):
        raise SourceError("track needs a video, an image folder or a camera, not a landmarks file")
    found = n = 0
    with PoseEstimator(args.model, options.pose_config(args)) as pose, \
            LandmarkWriter(args.output, log_header(src, None, model_info(pose))) as w, \
            ProgressSink(_frames_total(src), Path(args.video).name, args.quiet) as bar:
        for pf, _res, _image in Pipeline(pose).run(src):
            for sink in (w, bar):
                sink.write(pf)
            n += 1
            found += pf.has_pose
    if n == 0:
        raise SourceError(f"no frame could be read from {args.video}")
    if not args.quiet:
        print(f"wrote {args.output}: {n} frames, pose on {found} ({found / n:.0%})")
    if found == 0:
        raise BackformError(f"no person found in {args.video}")
    return 0


def cmd_model(args) -> int:
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


def cmd_schema(args) -> int:
    """The JSON Schema of session.json (docs/session.schema.json is this output)."""
    print(json.dumps(S.json_schema(), indent=1))
    return 0


def add_analyze_arguments(a: argparse.ArgumentParser) -> None:
    a.add_argument("video", help="video file, folder of images, or landmarks file (.jsonl)")
    options.add_exercise(a)
    a.add_argument("--out", "-o", required=True, help="output folder")
    options.add_output_options(a)
    options.add_programme_options(a)
    options.add_pose_options(a)
    options.add_quiet(a)


def add_parsers(sub) -> None:
    a = sub.add_parser("analyze", help="analyse a recorded video (or a landmarks file): session.json + annotated video")
    add_analyze_arguments(a)
    a.set_defaults(func=cmd_analyze)

    d = sub.add_parser("demo", help="analyse a bundled sample video and compare with its ground truth")
    d.add_argument("video", nargs="?", help="a sample video (default: the clean bridge sample)")
    d.add_argument("--exercise", "-e", help="pick the clean sample of this exercise")
    d.add_argument("--out", "-o", default="out/demo", help="output folder (default out/demo)")
    options.add_quiet(d, "no summary")
    d.set_defaults(func=cmd_demo)

    t = sub.add_parser("track", help="write a landmarks file (JSON lines) for a video")
    t.add_argument("video")
    t.add_argument("-o", "--output", required=True, help="landmarks file (.jsonl or .jsonl.gz)")
    options.add_pose_options(t)
    options.add_quiet(t)
    t.set_defaults(func=cmd_track)

    s = sub.add_parser("schema", help="print the JSON Schema of session.json")
    s.set_defaults(func=cmd_schema)

    m = sub.add_parser("model", help="build, locate or verify the pose model")
    m.add_argument("action", choices=["build", "path", "verify"])
    m.add_argument("--output", help="where to write the bundle (build)")
    m.add_argument("--wheel", help="use this mediapipe-0.10.21 wheel instead of downloading it (build)")
    m.set_defaults(func=cmd_model)
