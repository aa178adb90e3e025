"""Shared helpers for the benchmarks: where the real clips are, and their labels."""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BACKFORM_SHARED", ROOT.parent / "shared"))
CLIPS = SHARED / "clips"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "backform"
LANDMARKS = CACHE / "landmarks"  # pose passes of videos (bench/recognition.py; bench/accuracy.py keys its own)


def labels() -> list[dict]:
    """``clips/labels.json`` entries, or exit with a clear line when ../shared is absent."""
    path = CLIPS / "labels.json"
    if not path.is_file():
        sys.exit(f"no labelled clips at {CLIPS} (set BACKFORM_SHARED to the shared folder)")
    return json.loads(path.read_text())


def rep_intervals(label: dict) -> list[tuple[float, float]]:
    """(start_s, end_s) of each labelled rep; an open rep (clip ends first) runs to the clip end."""
    return [(r["start_s"], r["end_s"] if r["end_s"] is not None else float("inf")) for r in label.get("reps", [])]


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    if not n:
        return float("nan")
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


def check_angles(pf, side_name: str | None = None) -> dict:
    """The angles the exercise checks are built on, in degrees (NaN without a pose), on ``side_name`` or
    else on this frame's near side."""
    import math

    from backform.pose import geometry as g
    from backform.pose.landmarks import L, side

    keys = ("hip_extension", "knee", "elbow", "trunk_elevation", "arm_elevation", "leg_elevation", "head_neck")
    if not pf.has_pose:
        return {k: math.nan for k in keys}
    s = side_name or g.near_side(pf)
    p = pf.pixels()

    def P(name):
        return p[side(name, s)]
    return {
        "hip_extension": g.joint_angle(P("shoulder"), P("hip"), P("knee")),
        "knee": g.joint_angle(P("hip"), P("knee"), P("ankle")),
        "elbow": g.joint_angle(P("shoulder"), P("elbow"), P("wrist")),
        "trunk_elevation": g.elevation(P("hip"), P("shoulder")),
        "arm_elevation": g.elevation(P("shoulder"), P("wrist")),
        "leg_elevation": g.elevation(P("hip"), P("ankle")),
        "head_neck": g.relative_direction(P("ear"), p[L.NOSE], P("hip"), P("shoulder")),
    }


def clip_side(poses) -> str | None:
    """The side facing the camera over most of a clip (a fixed side keeps angles comparable between runs)."""
    from collections import Counter

    from backform.pose.geometry import near_side
    c = Counter(near_side(pf) for pf in poses if pf.has_pose)
    return c.most_common(1)[0][0] if c else None


def series(poses, side_name: str | None = None) -> tuple[list[float], dict]:
    """Times and per-angle value lists of a sequence of PoseFrames (on one side if ``side_name``)."""
    ts, out = [], {}
    for pf in poses:
        ts.append(pf.t_s)
        for k, v in check_angles(pf, side_name).items():
            out.setdefault(k, []).append(v)
    return ts, out


def landmarks_key(video: Path) -> str:
    """The cache name of a video's landmark recording: the stem, the file's size and modification time in hex
    (a re-rendered clip gets a new recording; a changed pose stage does not: delete the recording)."""
    try:
        st = video.stat()
        return f"{video.stem}.{st.st_size:x}{int(st.st_mtime):x}"
    except OSError:
        return video.stem


def cached_landmarks(video: Path, make: bool = True, max_fps: float = 20.0,
                     cache: Path = LANDMARKS) -> tuple[Path | None, float | None]:
    """A landmarks recording of ``video`` made with the pose model at the product's analysis rate (what
    ``backform analyze`` computes before its checker) and cached in ``cache``: ``(path, pose seconds)``. The
    pose time is the one measured when the recording was made (kept beside it as ``<key>.pose_s``; None when
    an older run made it without). A recording of the same stem and byte size is taken when the time differs
    (a shared folder copied anew keeps its bytes, not its times). None when absent and ``make`` is False."""
    key = landmarks_key(video)
    cached = cache / f"{key}.jsonl"
    if not cached.is_file():
        try:
            size = f"{video.stem}.{video.stat().st_size:x}"
        except OSError:
            size = None
        same = sorted(cache.glob(f"{size}*.jsonl")) if size and cache.is_dir() else []
        same = [p for p in same if len(p.name) - len(size) - len(".jsonl") == 8]  # size + 8 hex digits of time
        if same:
            cached = same[-1]
    timing = cached.with_suffix(".pose_s")
    if cached.is_file():
        return cached, (float(timing.read_text()) if timing.is_file() else None)
    if not make or not video.is_file():
        return None, None
    from backform.io.recording import LandmarkWriter
    from backform.io.sources import VideoFileSource
    from backform.pose.estimator import PoseEstimator
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(".partial")
    src = VideoFileSource(video, max_fps=max_fps)
    print(f"  (pose) {video.name} ...", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    with PoseEstimator() as pe, LandmarkWriter(tmp, {
            "model": pe.model_name, "model_sha256": pe.model_sha256, "fps": src.fps,
            "analysis_fps": getattr(src, "analysis_fps", src.fps), "width": src.width, "height": src.height,
            "frames": src.frame_count, "source": video.name}) as w:
        for fr in src:
            w.write(pe.update(fr))
    el = time.perf_counter() - t0
    tmp.replace(cached)
    timing.write_text(f"{el:.3f}\n")
    return cached, el
