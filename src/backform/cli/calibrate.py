"""`backform calibrate`: neutral postures, comfortable range and camera placement into a profile."""
from __future__ import annotations

from pathlib import Path

from ..exercises import names
from ..io.sources import open_source
from ..pipeline import Pipeline
from ..pose.estimator import PoseEstimator
from ..programme.calibration import POSTURES, CalibrationError, calibrate, load
from ..programme.programme import load as load_programme
from ..types import PoseFrame
from . import options

def _frames_of(args) -> tuple[list[PoseFrame], str]:
    src = open_source(args.source, max_fps=args.max_fps)
    if getattr(src, "yields_poses", False):
        return list(src), str(args.source)
    frames = []
    live = args.source.isdigit()
    limit = args.seconds if args.seconds else (10.0 if live else None)
    with PoseEstimator(args.model, options.pose_config(args, live=live)) as pe:
        t0 = None
        for pf, _res, _image in Pipeline(pe).run(src, ahead=1):
            frames.append(pf)
            t0 = pf.t_s if t0 is None else t0
            if limit and pf.t_s - t0 >= limit:
                break
    return frames, str(args.source)


def cmd_calibrate(args) -> int:
    programme = None
    if args.program:
        programme = load_programme(args.program)
    if args.exercise:
        bad = [e for e in args.exercise if e not in names()]
        if bad:
            raise CalibrationError(f"unknown exercise {bad[0]!r}; choose from: {', '.join(names())}")
    out = Path(args.out) if args.out else (
        programme.calibration if programme is not None and programme.calibration else Path("calibration/profile.toml"))
    if out.suffix != ".toml":
        out = out / "profile.toml"
    frames, source = _frames_of(args)
    cal = calibrate(frames, posture=args.posture, exercises=args.exercise, source=source, programme=programme,
                    patient=args.patient or "")
    if out.is_file() and not args.replace:
        cal = load(out).merge(cal)
    cal.save(out)
    posture = next(iter(k for k in cal.postures if cal.postures[k].get("source") == Path(source).name), None)
    info = cal.postures.get(posture or "", {})
    print(f"{Path(source).name}: posture {posture}, camera {info.get('camera', {}).get('view')} view, "
          f"{info.get('pose_frames', 0)}/{info.get('frames', 0)} frames with a pose")
    for ex in info.get("exercises", []):
        print(f"  {ex}: baseline {cal.baseline.get(ex) or '-'}; thresholds {cal.thresholds.get(ex) or '-'}")
    for tip in info.get("advice", []):
        print(f"  camera: {tip}")
    print(f"wrote {out}")
    return 0


def add_parser(subparsers) -> None:
    """Register ``backform calibrate``."""
    c = subparsers.add_parser("calibrate", help="record the person's neutral postures and comfortable range "
                                                "(and the camera placement) into a calibration profile")
    c.add_argument("source", help="video, landmarks file (.jsonl) or camera index (0) of the person resting in "
                                  "the start posture (and optionally doing one or two comfortable reps)")
    c.add_argument("--posture", choices=POSTURES, help="the posture recorded (default: detected)")
    options.add_exercise(c, "; calibrate only this exercise (repeatable; default: the programme's or all in the posture)",
                         action="append")
    c.add_argument("--program", help="programme file (TOML): its exercises, thresholds and calibration path")
    c.add_argument("--out", "-o", help="profile to write or update (default: the programme's calibration, "
                                       "else calibration/profile.toml)")
    c.add_argument("--patient", help="patient identifier stored in the profile")
    c.add_argument("--replace", action="store_true", help="overwrite the profile instead of updating it")
    c.add_argument("--seconds", type=float, default=0.0, help="record at most this long (camera default 10 s)")
    options.add_pose_options(c)
    c.set_defaults(func=cmd_calibrate)
