"""Ground truth: per-frame angles from 3D BlazePose-33 joints, rep intervals, and the truth-file writer.

Pure numpy, no torch. Schema ``backform.truth/1`` (one JSON object per clip, ``<clip>.truth.json``):

```
{"schema": "backform.truth/1", "clip": "bridge_clean_s1.mp4", "exercise": "bridge", "variant": "clean",
 "fps": 15, "width": 480, "height": 360, "frames": N, "duration_s": ...,
 "view": "side", "near_side": "left", "camera": {K, R, t, ...}, "body": {...}, "look": {...}, "seed": 1,
 "command": "backform synth ...",
 "landmark_names": [33 BlazePose names], "world": "metres; z up, floor z=0",
 "rep_count": 2, "rep_count_ok": [2, 2],
 "reps": [{"n", "side", "start_s", "top_s", "lower_s", "end_s", "hold_s", "faults", "either", "confidence",
           "phases": {"up_start_s", "up_end_s", "down_start_s", "down_end_s"}}],
 "faults": [{"code", "rep", "magnitude", "unit", "meaning"}],
 "frames_data": {"t_s": [...], "joints3d": [[[x,y,z]*33]*N] (mm ints), "joints2d": [[[u,v]*33]*N] (px*10 ints),
                 "depth": [[33]*N] (mm), "angles": {name: [N floats]}, "kin": {name: [N floats]}}}
```

Rep times follow ``/work/shared/clips/labels.json``: ``start_s``/``end_s`` where the movement crosses 8% of
the rep's range, ``top_s``/``lower_s`` the first/last time at 92% or more; ``hold_s = lower_s - top_s``. The
crossings are interpolated between frames (exact times, not the first/last frame: see :func:`rep_times`).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from ..exercises.counting import crossing_time
from ..pose.landmarks import NAMES, L, side as lm_side

SCHEMA = "backform.truth/1"
ANGLE_NAMES = (
    "hip_angle_left", "hip_angle_right", "knee_angle_left", "knee_angle_right", "elbow_angle_left",
    "elbow_angle_right", "trunk_elevation", "arm_elevation_left", "arm_elevation_right", "leg_elevation_left",
    "leg_elevation_right", "head_neck", "trunk_rotation", "pelvis_rotation", "hip_angle_sagittal_left",
    "hip_angle_sagittal_right", "knee_angle_sagittal_left", "knee_angle_sagittal_right",
)
ANGLE_DOC = {
    "hip_angle_*": "shoulder-hip-knee angle, 3D, degrees (180 = straight line)",
    "knee_angle_*": "hip-knee-ankle angle, 3D (180 = straight)",
    "elbow_angle_*": "shoulder-elbow-wrist angle, 3D (180 = straight)",
    "trunk_elevation": "mid-hip -> mid-shoulder above the floor plane, degrees (+ = shoulders higher)",
    "arm_elevation_*": "shoulder -> wrist above the floor plane, degrees",
    "leg_elevation_*": "hip -> ankle above the floor plane, degrees",
    "head_neck": "signed angle in the body's sagittal plane from the trunk line (mid-hip -> mid-shoulder) to "
                 "mid-ear -> nose, degrees; about 90 neutral, smaller = neck extended (chin poked), "
                 "larger = chin tucked",
    "trunk_rotation": "roll of the shoulder line: right -> left shoulder above the floor plane, degrees "
                      "(+ = left shoulder higher)",
    "pelvis_rotation": "the same for the hip line",
    "*_sagittal_*": "the same joint angle with the three points projected onto the body's sagittal plane (normal "
                    "= the hip line): what a perpendicular side camera sees",
}


def _vec_angle(u, v):
    nu = np.linalg.norm(u, axis=-1)
    nv = np.linalg.norm(v, axis=-1)
    c = np.sum(u * v, axis=-1) / (nu * nv)
    return np.degrees(np.arccos(np.clip(c, -1.0, 1.0)))


def _elev(a, b):
    d = b - a
    return np.degrees(np.arctan2(d[..., 2], np.hypot(d[..., 0], d[..., 1])))


def angles(J: np.ndarray) -> dict[str, np.ndarray]:
    """Ground-truth angles per frame from (F,33,3) world joints (z up)."""
    g = lambda name: J[:, int(name)]  # noqa: E731
    out = {}
    for s in ("left", "right"):
        sh, hip, kn, an = (J[:, lm_side(p, s)] for p in ("shoulder", "hip", "knee", "ankle"))
        el, wr = J[:, lm_side("elbow", s)], J[:, lm_side("wrist", s)]
        out[f"hip_angle_{s}"] = _vec_angle(sh - hip, kn - hip)
        out[f"knee_angle_{s}"] = _vec_angle(hip - kn, an - kn)
        out[f"elbow_angle_{s}"] = _vec_angle(sh - el, wr - el)
        out[f"arm_elevation_{s}"] = _elev(sh, wr)
        out[f"leg_elevation_{s}"] = _elev(hip, an)
    n = g(L.LEFT_HIP) - g(L.RIGHT_HIP)
    n = n / np.linalg.norm(n, axis=-1, keepdims=True)
    proj = lambda v: v - np.sum(v * n, -1, keepdims=True) * n  # noqa: E731
    for s in ("left", "right"):
        sh, hip, kn, an = (J[:, lm_side(p, s)] for p in ("shoulder", "hip", "knee", "ankle"))
        out[f"hip_angle_sagittal_{s}"] = _vec_angle(proj(sh - hip), proj(kn - hip))
        out[f"knee_angle_sagittal_{s}"] = _vec_angle(proj(hip - kn), proj(an - kn))
    mh = 0.5 * (g(L.LEFT_HIP) + g(L.RIGHT_HIP))
    ms = 0.5 * (g(L.LEFT_SHOULDER) + g(L.RIGHT_SHOULDER))
    out["trunk_elevation"] = _elev(mh, ms)
    me = 0.5 * (g(L.LEFT_EAR) + g(L.RIGHT_EAR))
    t = ms - mh
    h = g(L.NOSE) - me
    n = g(L.LEFT_HIP) - g(L.RIGHT_HIP)
    n = n / np.linalg.norm(n, axis=-1, keepdims=True)
    # project onto the sagittal plane, signed about the left-pointing axis
    tp = t - np.sum(t * n, -1, keepdims=True) * n
    hp = h - np.sum(h * n, -1, keepdims=True) * n
    out["head_neck"] = np.degrees(np.arctan2(np.sum(np.cross(tp, hp) * n, -1), np.sum(tp * hp, -1)))
    out["trunk_rotation"] = _elev(g(L.RIGHT_SHOULDER), g(L.LEFT_SHOULDER))
    out["pelvis_rotation"] = _elev(g(L.RIGHT_HIP), g(L.LEFT_HIP))
    return out


def rep_times(t: np.ndarray, p: np.ndarray, rep_windows: list[tuple[float, float]]) -> list[dict]:
    """labels.json-style times per rep from the progress curve ``p`` (0 rest .. 1 top) at frame times ``t``.

    The crossings of 8% / 92% are interpolated between frames: ``p`` is smooth, so this is the exact time to
    well under a millisecond. (Taking the first/last *frame* at 92%, as a person labelling a video does,
    shortens every hold by one frame interval on average: 0.067 s at 15 fps.)"""
    res = []
    for a, b in rep_windows:
        m = (t >= a - 1e-9) & (t <= b + 1e-9)
        tt, pp = t[m], p[m]
        if len(tt) == 0:
            res.append(dict(start_s=None, top_s=None, lower_s=None, end_s=None, hold_s=None))
            continue
        pk = pp.max()
        hi_lv, lo_lv = 0.92 * pk, 0.08 * pk
        hi = np.where(pp >= hi_lv)[0]
        top_i, low_i = int(hi[0]), int(hi[-1])
        before = np.where(pp[: top_i + 1] <= lo_lv)[0]
        after = np.where(pp[low_i:] <= lo_lv)[0]
        start = crossing_time(tt, pp, int(before[-1]), int(before[-1]) + 1, lo_lv) if len(before) else float(tt[0])
        end = crossing_time(tt, pp, low_i + int(after[0]) - 1, low_i + int(after[0]), lo_lv) if len(after) else None
        top = crossing_time(tt, pp, top_i - 1, top_i, hi_lv) if top_i > 0 else float(tt[top_i])
        low = crossing_time(tt, pp, low_i + 1, low_i, hi_lv) if low_i + 1 < len(pp) else float(tt[low_i])
        top, low = round(top, 3), round(low, 3)
        res.append(dict(start_s=round(start, 3), top_s=top, lower_s=low,
                        end_s=None if end is None else round(end, 3), hold_s=round(low - top, 3)))
    return res


def _ints(a: np.ndarray, scale: float) -> list:
    a = np.where(np.isfinite(a), np.round(a * scale), 0).astype(np.int64)
    return a.tolist()


def write_truth(path: Path, meta: dict, t: np.ndarray, J3: np.ndarray, J2: np.ndarray, ang: dict, kin: dict) -> dict:
    """Write ``<clip>.truth.json``; joints as integers (mm; px*10) to keep files small."""
    doc = dict(schema=SCHEMA, **meta)
    doc["landmark_names"] = list(NAMES)
    doc["units"] = {"joints3d": "mm, world (x along the body, z up, floor z=0)",
                    "joints2d": "pixels x10 (x right, y down; divide by 10)", "depth": "mm along the optical axis",
                    "angles": "degrees", "t_s": "seconds from the first frame (frame i at i/fps)"}
    doc["angle_doc"] = ANGLE_DOC
    doc["frames_data"] = {
        "t_s": [round(float(x), 4) for x in t],
        "joints3d": _ints(J3, 1000.0),
        "joints2d": _ints(J2[..., :2], 10.0),
        "depth": _ints(J2[..., 2], 1000.0),
        "angles": {k: [round(float(x), 2) for x in v] for k, v in ang.items()},
        "kin": {k: [round(float(x), 3) for x in v] for k, v in kin.items()},
    }
    path.write_text(json.dumps(doc, separators=(",", ":")))
    return doc


def load_truth(path) -> dict:
    """Read a truth file and decode joints back to float arrays (metres, pixels)."""
    doc = json.loads(Path(path).read_text())
    fd = doc["frames_data"]
    fd["joints3d"] = np.asarray(fd["joints3d"], dtype=np.float64) / 1000.0
    fd["joints2d"] = np.asarray(fd["joints2d"], dtype=np.float64) / 10.0
    fd["depth"] = np.asarray(fd["depth"], dtype=np.float64) / 1000.0
    fd["t_s"] = np.asarray(fd["t_s"], dtype=np.float64)
    return doc


def math_ok(x) -> bool:
    return x is not None and math.isfinite(x)
