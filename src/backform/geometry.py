"""Pure, NaN-safe geometry on landmark coordinates (numpy only, no state).

Angles are in degrees. Points are 2D pixel or 3D coordinates; a NaN anywhere gives NaN out, never an error.
Image coordinates have y pointing down; functions that speak of "up" say so and take that into account.
"""
from __future__ import annotations

import numpy as np

from .core import VIS, PoseFrame
from .landmarks import L, side as side_lm


def _arr(p) -> np.ndarray:
    return np.asarray(p, dtype=np.float64)


def joint_angle(a, b, c) -> float:
    """Angle ABC at vertex ``b`` in degrees, 0..180 (180 = straight). NaN if any point is NaN or degenerate."""
    a, b, c = _arr(a), _arr(b), _arr(c)
    u, v = a - b, c - b
    nu, nv = np.linalg.norm(u), np.linalg.norm(v)
    if not (nu > 1e-9 and nv > 1e-9):
        return float("nan")
    cos = float(np.dot(u, v) / (nu * nv))
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def elevation(a, b) -> float:
    """Angle of segment a->b above the image horizontal, degrees in [-90, 90] (image y points down).

    Positive when ``b`` is higher on screen than ``a``. Independent of left/right direction.
    """
    a, b = _arr(a), _arr(b)
    dx, dy = b[0] - a[0], b[1] - a[1]
    if not (np.isfinite(dx) and np.isfinite(dy)) or (dx == 0 and dy == 0):
        return float("nan")
    return float(np.degrees(np.arctan2(-dy, abs(dx))))


def direction(a, b) -> float:
    """Direction of a->b in degrees, counter-clockwise from image +x with y up: (-180, 180]."""
    a, b = _arr(a), _arr(b)
    dx, dy = b[0] - a[0], b[1] - a[1]
    if not (np.isfinite(dx) and np.isfinite(dy)) or (dx == 0 and dy == 0):
        return float("nan")
    return float(np.degrees(np.arctan2(-dy, dx)))


def wrap180(deg: float) -> float:
    """Wrap an angle to (-180, 180]."""
    if not np.isfinite(deg):
        return float("nan")
    d = (deg + 180.0) % 360.0 - 180.0
    return 180.0 if d == -180.0 else float(d)


def relative_direction(a, b, ref_a, ref_b) -> float:
    """Direction of a->b minus direction of ref_a->ref_b, wrapped to (-180, 180]."""
    return wrap180(direction(a, b) - direction(ref_a, ref_b))


def signed_distance_to_line(p, a, b) -> float:
    """Signed perpendicular distance from ``p`` to line a->b (positive on the left of a->b with y up)."""
    p, a, b = _arr(p), _arr(a), _arr(b)
    d = b - a
    n = np.hypot(d[0], d[1])
    if not n > 1e-9:
        return float("nan")
    # cross product in a y-up frame: flip y
    return float(((d[0]) * (-(p[1] - a[1])) - (-(d[1])) * (p[0] - a[0])) / n)


def length(a, b) -> float:
    a, b = _arr(a), _arr(b)
    return float(np.linalg.norm(b - a))


def midpoint(a, b) -> np.ndarray:
    return (_arr(a) + _arr(b)) / 2.0


def near_side(pf: PoseFrame, parts=("shoulder", "hip", "knee", "ankle", "elbow", "wrist")) -> str | None:
    """The side ("left"/"right") facing the camera: higher summed visibility, ties broken by z (nearer).

    In a side view the far limbs are often drawn on top of the near ones; checks use the near side.
    """
    if pf.landmarks is None:
        return None
    lm = pf.landmarks
    vis = {s: float(sum(lm[side_lm(p, s), VIS] for p in parts)) for s in ("left", "right")}
    if abs(vis["left"] - vis["right"]) > 0.05 * len(parts):
        return max(vis, key=vis.get)
    z = {s: float(np.mean([lm[side_lm(p, s), 2] for p in parts])) for s in ("left", "right")}
    return min(z, key=z.get)  # smaller z = nearer the camera


def torso_length(pts: np.ndarray) -> float:
    """Mean shoulder-to-hip distance of both sides, from (33, 2|3) points; NaN-safe."""
    d = [length(pts[side_lm("shoulder", s)], pts[side_lm("hip", s)]) for s in ("left", "right")]
    d = [x for x in d if np.isfinite(x)]
    return float(np.mean(d)) if d else float("nan")
