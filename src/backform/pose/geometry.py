"""Pure, NaN-safe geometry on landmark coordinates (numpy only, no state).

Angles are in degrees. Points are 2D pixel or 3D coordinates; a NaN anywhere gives NaN out, never an error.
Image coordinates have y pointing down; functions that speak of "up" say so and take that into account.
"""
from __future__ import annotations

import numpy as np

from ..types import VIS, PoseFrame
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


# --- additions for the exercise checkers (pure, NaN-safe) -------------------------------------------------

def shoulder_width(pts: np.ndarray) -> float:
    """Left-to-right shoulder distance from (33, 2|3) points."""
    return length(pts[L.LEFT_SHOULDER], pts[L.RIGHT_SHOULDER])


def body_scale(pts: np.ndarray) -> float:
    """A size that does not vanish in any view: max(torso length, shoulder width) of (33, 2|3) points.

    Torso length shrinks when the camera looks along the spine (front view of a prone body); shoulder width
    shrinks in a side view. Their maximum stays within a factor ~2 of the true torso length in every view.
    """
    vals = [v for v in (torso_length(pts), shoulder_width(pts)) if np.isfinite(v)]
    return float(max(vals)) if vals else float("nan")


def in_frame(lm: np.ndarray | None, which, margin: float = 0.0, min_vis: float = 0.5) -> bool:
    """True when every landmark in ``which`` lies inside the image (normalised coords, ``margin`` inside the
    edge) with visibility >= ``min_vis``. MediaPipe extrapolates landmarks outside the image; those are not
    measurements and checks that need them must not be judged."""
    if lm is None:
        return False
    for w in which:
        x, y, v = float(lm[w, 0]), float(lm[w, 1]), float(lm[w, 3])
        if not (np.isfinite(x) and np.isfinite(y)):
            return False
        if not (margin <= x <= 1 - margin and margin <= y <= 1 - margin) or v < min_vis:
            return False
    return True


def view_ratio(pts: np.ndarray) -> float:
    """Mean of shoulder width and hip width over torso length, from 2D pixel points (33, 2).

    ~0-0.35 when the camera looks at the body from the side (shoulders overlap), ~0.6 and more from the
    front or back (and much more when the torso is foreshortened, e.g. a prone body seen from its head).
    """
    sw = length(pts[L.LEFT_SHOULDER], pts[L.RIGHT_SHOULDER])
    hw = length(pts[L.LEFT_HIP], pts[L.RIGHT_HIP])
    t = torso_length(pts)
    if not (np.isfinite(t) and t > 1e-9):
        return float("nan")
    return float((sw + hw) / 2.0 / t)


def view_yaw(world: np.ndarray | None) -> float:
    """How far the body's left-right axis turns away from the image plane, degrees 0..90, from world
    landmarks (camera-aligned: x right, y down, z away). 90 = pure side view, 0 = front or back view."""
    if world is None:
        return float("nan")
    v = (world[L.RIGHT_SHOULDER] - world[L.LEFT_SHOULDER]) + (world[L.RIGHT_HIP] - world[L.LEFT_HIP])
    v = np.asarray(v, dtype=np.float64)
    if not np.all(np.isfinite(v)) or np.hypot(v[0], v[2]) < 1e-9:
        return float("nan")
    return float(np.degrees(np.arctan2(abs(v[2]), abs(v[0]))))


def lateral_spread(pts: np.ndarray) -> float:
    """How far apart the left and right shoulders and hips sit ACROSS the screen (mean horizontal distance of
    the two pairs) over the on-screen torso length. ~0 from the side at any camera height (the pairs separate
    up and down the screen when the camera looks down, not across); grows with the sine of the camera's turn
    away from the side (clinic renders: 13 deg 0.12, 17 deg 0.14, 34 deg 0.23). MediaPipe's world yaw reads
    those turns as 82, 84 and 73 deg: side views."""
    tl = torso_length(pts)
    if not tl > 0:
        return float("nan")
    d = (abs(pts[L.LEFT_SHOULDER][0] - pts[L.RIGHT_SHOULDER][0]) + abs(pts[L.LEFT_HIP][0] - pts[L.RIGHT_HIP][0]))
    return float(d / 2.0 / tl)


def classify_view(ratio: float, side_max: float = 0.4, front_min: float = 0.75) -> str | None:
    """"side" / "diagonal" / "front" from :func:`view_ratio` ("front" also covers a back or head-on view)."""
    if not np.isfinite(ratio):
        return None
    if ratio < side_max:
        return "side"
    if ratio >= front_min:
        return "front"
    return "diagonal"


def roll_deg(a, b) -> float:
    """Tilt of the 3D segment a->b out of the horizontal plane, degrees (world coords, y down).

    For the shoulder line (left -> right shoulder) this is the trunk's roll: 0 when both shoulders are at the
    same height, positive when ``b`` is higher."""
    a, b = _arr(a), _arr(b)
    d = b - a
    if not np.all(np.isfinite(d)):
        return float("nan")
    h = np.hypot(d[0], d[2])
    if h < 1e-9 and abs(d[1]) < 1e-9:
        return float("nan")
    return float(np.degrees(np.arctan2(-d[1], h)))


def chord_profile(contour, a, b, sign: float = 1.0, u_lo: float = 0.15, u_hi: float = 0.85,
                  bins: int = 8, max_dist: float = 0.6) -> tuple[np.ndarray, np.ndarray]:
    """The outline of a silhouette on one side of the chord a->b, as distances from the chord.

    ``contour`` (K, 2) and ``a``, ``b`` in the same (pixel) units. Points are projected on the chord
    (``u`` = 0 at a, 1 at b); those with ``u_lo <= u <= u_hi`` on the side ``sign`` (+1: left of a->b with y
    up, as :func:`signed_distance_to_line`) and nearer than ``max_dist`` chord lengths are binned along u;
    each bin keeps its farthest point. Returns (u of those points, or the bin centre when empty; distance /
    chord length, NaN for empty bins).
    """
    c = np.asarray(contour, dtype=np.float64).reshape(-1, 2)
    a, b = _arr(a), _arr(b)
    d = b - a
    n = float(np.hypot(d[0], d[1]))
    centres = u_lo + (np.arange(bins) + 0.5) * (u_hi - u_lo) / bins
    prof = np.full(bins, np.nan)
    if not (n > 1e-9) or c.size == 0 or not np.all(np.isfinite(d)):
        return centres, prof
    rel = c - a
    u = (rel @ d) / (n * n)
    # signed distance, positive to the left of a->b in a y-up frame (see signed_distance_to_line)
    s = (d[0] * -rel[:, 1] + d[1] * rel[:, 0]) / n
    s = s * np.sign(sign) / n
    ok = np.isfinite(u) & np.isfinite(s) & (u >= u_lo) & (u <= u_hi) & (s >= -0.05) & (s <= max_dist)
    if not np.any(ok):
        return centres, prof
    idx = np.minimum(((u[ok] - u_lo) / (u_hi - u_lo) * bins).astype(int), bins - 1)
    where = centres.copy()
    for k, v, uu in zip(idx, s[ok], u[ok]):
        if not (prof[k] >= v):  # NaN or smaller
            prof[k], where[k] = v, uu
    return where, prof


def bow_sagitta(u, d, min_points: int = 4) -> float:
    """Bow of a profile d(u) (u in chord lengths) off its own end-to-end line: a parabola d = p2 u^2 + p1 u + p0
    is fitted and its sagitta over the chord, -p2/4, returned (positive = bulging toward +d). NaN if fewer
    than ``min_points`` finite points."""
    u, d = _arr(u), _arr(d)
    ok = np.isfinite(u) & np.isfinite(d)
    if ok.sum() < min_points:
        return float("nan")
    p2 = np.polyfit(u[ok], d[ok], 2)[0]
    return float(-p2 / 4.0)


def contour_bow(contour_px, a, b, sign: float) -> float:
    """Sagitta (/ chord length) of the silhouette outline on side ``sign`` of the chord a->b."""
    u, d = chord_profile(contour_px, a, b, sign)
    return bow_sagitta(u, d)


def depth_below_ends(u, d, lo=(0.1, 0.4), hi=(0.85, 1.0), mid=(0.45, 0.85), min_points: int = 3) -> float:
    """How far the middle of a profile d(u) lies off the straight line through its highest point near each
    end: the line through the largest d with u in ``lo`` and the largest d with u in ``hi``; returned is the
    mean of d - line over the points with ``mid[0] <= u < mid[1]`` (positive = the middle bulges toward +d beyond the
    ends, negative = it hangs below them). Unlike :func:`bow_sagitta` it sees a bend confined to part of the
    profile (a lumbar sag or hump between the shoulder blades and the sacrum). NaN when an end has no finite
    point or ``mid`` fewer than ``min_points``."""
    u, d = _arr(u), _arr(d)
    ok = np.isfinite(u) & np.isfinite(d)

    def peak(r):
        m = ok & (u >= r[0]) & (u <= r[1])
        if not np.any(m):
            return None
        k = np.flatnonzero(m)[np.argmax(d[m])]
        return u[k], d[k]

    a, b = peak(lo), peak(hi)
    m = ok & (u >= mid[0]) & (u < mid[1])
    if a is None or b is None or m.sum() < min_points or not (b[0] > a[0]):
        return float("nan")
    line = a[1] + (u[m] - a[0]) * (b[1] - a[1]) / (b[0] - a[0])
    return float(np.mean(d[m] - line))


def contour_back_depth(contour_px, a, b, sign: float, bins: int = 20) -> float:
    """:func:`depth_below_ends` of the silhouette outline on side ``sign`` of the chord a->b (whole chord,
    ``bins`` bins), in chord lengths: for a trunk on all fours seen from the side (a = shoulder, b = hip, sign =
    up), how far the lumbar back drops below (-) or rises above (+) the line across the shoulder blades and
    the sacrum."""
    u, d = chord_profile(contour_px, a, b, sign, u_lo=0.0, u_hi=1.0, bins=bins)
    return depth_below_ends(u, d)


def contour_midline_bow(contour_px, a, b) -> float:
    """Sagitta (/ chord length) of the midline between the outlines on both sides of chord a->b, positive
    toward the left of a->b (y up). Used for a trunk's sag or rounding."""
    u, d_left = chord_profile(contour_px, a, b, +1.0)
    _, d_right = chord_profile(contour_px, a, b, -1.0)
    return bow_sagitta(u, (d_left - d_right) / 2.0)


def up_sign(a, b) -> float:
    """+1 if "up" on screen is to the left of a->b (y up), else -1: which side of a segment faces the
    ceiling, for :func:`chord_profile`. NaN-safe (returns +1 for degenerate input)."""
    a, b = _arr(a), _arr(b)
    d = b - a
    # left normal of d in a y-up frame is (-dy_up, dx) with dy_up = -d[1]; its "up" component is dx
    return 1.0 if not (d[0] < 0) else -1.0


def robust_median(values) -> float:
    v = _arr(values)
    v = v[np.isfinite(v)]
    return float(np.median(v)) if v.size else float("nan")


def chin_angle(ear, nose, hip, shoulder) -> float:
    """Head pitch of a prone (or any horizontal) body from the side: direction ear->nose relative to the
    hip->shoulder line, degrees, signed so that larger = chin up (neck extension) whichever way the head
    points on screen. DESIGN: neutral about -69, a 20 deg chin poke about -52, a 15 deg tuck about -79."""
    rel = relative_direction(ear, nose, hip, shoulder)
    d = _arr(shoulder) - _arr(hip)
    if not np.isfinite(rel) or not np.isfinite(d[0]):
        return float("nan")
    return rel if d[0] >= 0 else -rel


def point_segment_distance(p, a, b) -> float:
    """Distance from point p to segment a-b (2D or 3D); NaN-safe."""
    p, a, b = _arr(p), _arr(a), _arr(b)
    d = b - a
    dd = float(np.dot(d, d))
    if not np.all(np.isfinite(d)) or not np.all(np.isfinite(p)):
        return float("nan")
    if dd < 1e-12:
        return float(np.linalg.norm(p - a))
    u = float(np.clip(np.dot(p - a, d) / dd, 0.0, 1.0))
    return float(np.linalg.norm(p - (a + u * d)))
