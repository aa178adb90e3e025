"""Scene cuts: two consecutive frames between which the body jumps farther than a person can move.

A recording joined from several videos (a compilation, a therapist's edit) changes scene from one frame to
the next: the person is somewhere else in the picture, at another size. A real recording never does: between
two frames 1/30-1/10 s apart the middle of the trunk moves a few hundredths of the body's size (a person
rolling over or walking across the picture moves it well under one body size per second). :func:`jump`
measures the move of the trunk's middle (the mean of the shoulders and hips, in pixels) between two frames in
units of the body's size (:func:`~backform.pose.geometry.body_scale`, the larger of the two frames'), and
how much the size itself changed; :func:`is_cut` says whether that is a cut (pure functions of two
:class:`~backform.types.PoseFrame`).

The pose model's first frames on a person are not steady (a head-on prone body on the real clip
wanshape_prone_t_raises: its trunk's middle 1.2 body sizes away and its size 1.9 times another across a
frame without a pose, within its first 0.7 s). :class:`CutDetector` (frame by frame) therefore takes a jump
for a cut only after the body was tracked steadily for :attr:`CutParams.steady_s`. The rep driver
(``exercises.driver``) treats a cut as the end of one recording and the start of another.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..types import PoseFrame
from .geometry import body_scale
from .landmarks import L

TRUNK = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)


@dataclass(frozen=True)
class CutParams:
    """What a cut is. Measured on the real clips (docs/recognition.md, "Scene cuts"): consecutive frames
    move the trunk's middle by at most ~0.1 body sizes and change the size by at most ~15%."""

    min_move: float = 0.5       # the trunk's middle moved at least this many body sizes ...
    min_speed: float = 5.0      # ... at least this many body sizes per second (a gap in the pose allows less)
    min_resize: float = 0.6     # or the body's size changed by at least this factor (log: |ln ratio| >= 0.47)
    max_gap_s: float = 0.5      # frames further apart than this are not compared (no pose in between: the
    #                             person may have walked anywhere)
    min_visibility: float = 0.5  # the trunk's four landmarks must be this visible on both frames
    steady_s: float = 0.3       # CutDetector: the body tracked steadily this long before the jump ...
    steady_speed: float = 2.0   # ... frame to frame under this many body sizes per second and
    steady_resize: float = 1.15  # ... its size changing by less than this factor


@dataclass(frozen=True)
class Jump:
    """Between two frames: the trunk's move in body sizes, per second, and the size's ratio (>= 1)."""

    move: float
    speed: float
    resize: float
    dt: float


def _trunk(pf: PoseFrame, min_vis: float) -> tuple[np.ndarray, float] | None:
    if pf.landmarks is None or np.any(pf.landmarks[list(TRUNK), 3] < min_vis):
        return None
    pts = pf.pixels()
    scale = body_scale(pts)
    if not np.isfinite(scale) or scale <= 0:
        return None
    return pts[list(TRUNK)].mean(axis=0), scale


def jump(a: PoseFrame, b: PoseFrame, min_visibility: float = CutParams.min_visibility) -> Jump | None:
    """How far the trunk's middle moved from frame ``a`` to the later frame ``b`` (in body sizes, the larger
    of the two frames'), how fast (per second), and the ratio of the body sizes (larger / smaller). None when
    either frame has no pose or a hidden trunk, or ``b`` is not later than ``a``."""
    ta, tb = _trunk(a, min_visibility), _trunk(b, min_visibility)
    dt = b.t_s - a.t_s
    if ta is None or tb is None or not dt > 0:
        return None
    (ca, sa), (cb, sb) = ta, tb
    move = float(np.linalg.norm(cb - ca) / max(sa, sb))
    return Jump(move=move, speed=move / dt, resize=float(max(sa, sb) / min(sa, sb)), dt=float(dt))


def is_cut(a: PoseFrame, b: PoseFrame, p: CutParams = CutParams()) -> bool:
    """True when the body jumps from frame ``a`` to frame ``b`` by more than a person moves: the trunk's
    middle moved at least ``min_move`` body sizes at ``min_speed`` or more, or the body's size changed by
    a factor of ``1 / min_resize`` or more, between frames at most ``max_gap_s`` apart."""
    j = jump(a, b, p.min_visibility)
    return j is not None and j.dt <= p.max_gap_s and _beyond_a_person(j, p)


def _beyond_a_person(j: Jump, p: CutParams) -> bool:
    return (j.move >= p.min_move and j.speed >= p.min_speed) or j.resize >= 1.0 / p.min_resize


class CutDetector:
    """Frame by frame: ``update(pf)`` is True when ``pf`` follows a scene cut (:func:`is_cut` from the last
    frame with a pose) and the body had been tracked steadily for ``steady_s`` before it (consecutive frames at
    most ``max_gap_s`` apart, each moving under ``steady_speed`` and resizing under ``steady_resize``)."""

    def __init__(self, p: CutParams = CutParams()):
        self.p = p
        self._last: PoseFrame | None = None
        self._steady_since: float | None = None

    def update(self, pf: PoseFrame) -> bool:
        if not pf.has_pose:
            return False
        p, last, self._last = self.p, self._last, pf
        j = jump(last, pf, p.min_visibility) if last is not None else None
        if j is None or j.dt > p.max_gap_s:
            self._steady_since = pf.t_s
            return False
        steady = self._steady_since is not None and last.t_s - self._steady_since >= p.steady_s - 1e-9
        if j.speed > p.steady_speed or j.resize >= p.steady_resize:
            self._steady_since = pf.t_s
        return steady and _beyond_a_person(j, p)
