"""Option groups shared by several commands, defined once, and what they turn into."""
from __future__ import annotations

import argparse

from ..errors import BackformError
from ..exercises import names
from ..pipeline import DEFAULT_MAX_FPS
from ..pose.estimator import PoseConfig
from ..programme.programme import load as load_programme, resolve

PRIVACY_CHOICES = ["none", "blur", "skeleton"]


def add_pose_options(p: argparse.ArgumentParser, max_fps: bool = True) -> None:
    """--model, --max-fps, --no-segmentation: how poses are found (analyze, track, live, calibrate)."""
    p.add_argument("--model", help="a PoseLandmarker .task file (default: the bundled full model, built on first use)")
    if max_fps:
        p.add_argument("--max-fps", type=float, default=DEFAULT_MAX_FPS,
                       help=f"analyse at most this many frames per second (default {DEFAULT_MAX_FPS:g}; 0 = every "
                            "frame)")
    p.add_argument("--no-segmentation", action="store_true", help="skip the silhouette (outline-based checks off)")


def add_output_options(p: argparse.ArgumentParser) -> None:
    """--privacy, --no-video: the annotated video written beside a session (analyze, batch)."""
    p.add_argument("--privacy", choices=PRIVACY_CHOICES, default="none",
                   help="annotated video: as recorded, face blurred, or skeleton on a blank background")
    p.add_argument("--no-video", action="store_true", help="do not write annotated.mp4")


def add_quiet(p: argparse.ArgumentParser, help: str = "no progress bar or summary") -> None:
    p.add_argument("-q", "--quiet", action="store_true", help=help)


def exercise_help() -> str:
    return ", ".join(names())


def add_exercise(p: argparse.ArgumentParser, extra: str = "", **kw) -> None:
    p.add_argument("--exercise", "-e", help=exercise_help() + extra, **kw)


def add_programme_options(p: argparse.ArgumentParser, calibration: bool = True) -> None:
    p.add_argument("--program", help="programme file (TOML): the exercise's reps, hold, thresholds and calibration; "
                                     "the session is scored against it (--exercise picks which of its exercises, "
                                     "default its first)")
    if calibration:
        p.add_argument("--calibration", help="calibration profile (TOML) from `backform calibrate` (default: the "
                                             "programme's)")


def pose_config(args, live: bool = False) -> PoseConfig:
    """The pose stage's settings; ``live``: a camera in real time (the zoom fallback scans every 0.3 s, not
    every frame, while nobody is in view: see ``PoseConfig.zoom_scan_every_s``)."""
    return PoseConfig(segmentation=not args.no_segmentation, zoom_scan_every_s=0.3 if live else 0.0)


def check_exercise(name: str | None) -> None:
    """An unknown exercise name is one line listing the valid ones."""
    if name is not None and name not in names():
        raise BackformError(f"unknown exercise {name!r}; choose one of: {', '.join(names())}")


def programme_of(args):
    """``(exercise_name, params, baseline, programme)`` from --program, --exercise and --calibration (each
    optional). A programme or calibration file that cannot be read is a one-line error."""
    path = getattr(args, "program", None)
    programme = load_programme(path) if path else None
    name, params, baseline = resolve(programme, getattr(args, "exercise", None), getattr(args, "calibration", None))
    return name, params, baseline, programme
