"""Scene cuts: two consecutive frames between which the body jumps farther than a person can move.

A recording joined from several videos (a therapist's edit, a compilation) changes scene from one frame to
the next: the person is somewhere else in the picture, at another size. A real recording does not: between
two frames 1/30-1/10 s apart the middle of the trunk moves a few hundredths of the body's size. :func:`jump`
measures the move of the trunk's middle (the mean of the shoulders and hips, in pixels) between two frames in
units of the body's size (:func:`~backform.pose.geometry.body_scale`, the larger of the two frames'), and
how much the size itself changed; :func:`is_cut` says whether that is a cut (pure functions of two
:class:`~backform.types.PoseFrame`).

The pose model's first frames on a person are not steady (a head-on prone body on the real clip
wanshape_prone_t_raises: its trunk's middle 1.2 body sizes away and its size 1.9 times another across a
frame without a pose, within its first 0.7 s), and the model smooths over time, so that a cut spreads over
2-3 frames. :class:`CutDetector` (frame by frame) measures a jump from the last frame of steady tracking
before it. The rep driver (``exercises.driver``) treats a cut as the end of one recording and the start of
another. A camera that changes its angle within one recording (the real compilation clips merged_*) moves
the body less (at most 0.61 body sizes and 1.29 times its size, measured) and is not a cut: the rep driver
recounts there in its own way (a view change during an endless rep).
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from ..types import PoseFrame
from .geometry import body_scale
from .landmarks import L

TRUNK = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)


@dataclass(frozen=True)
class CutParams:
    """What a cut is. Measured (docs/recognition.md, "Scene cuts"): on the real and sample clips and the
    parts of bench/recognition.py's joined recordings, from steady tracking to 0.35 s later, the trunk's middle
    moved at most 0.61 body sizes (a camera angle changed in a compilation clip) and the size changed at most
    1.45 times (with the middle moved <= 0.07: a head-on body misread); at the 14 joins of those recordings,
    each on its first frame, 0.90-1.29 body sizes, or 1.64-5.65 times the size with the middle moved
    0.24-0.87 body sizes."""

    min_move: float = 0.75      # the trunk's middle moved at least this many body sizes ...
    min_speed: float = 5.0      # ... at least this many body sizes per second (is_cut: a gap allows less),
    min_resize: float = 1.5     # or the body's size changed by at least this factor (larger / smaller) ...
    resize_move: float = 0.15   # ... and its middle moved at least this many body sizes
    max_gap_s: float = 0.5      # frames further apart than this are not compared (no pose in between: the
    #                             person may have walked anywhere)
    min_visibility: float = 0.5  # the trunk's four landmarks must be this visible on both frames
    steady_s: float = 0.3       # CutDetector: the body tracked steadily this long before the jump ...
    steady_move: float = 0.15   # ... its trunk's middle within this many body sizes and
    steady_resize: float = 1.15  # ... its size within this factor
    span_s: float = 0.35        # ... to each frame this long after the last steady one
    confirm_s: float = 0.1      # CutDetector: the body still away from its steady place this long after the
    #                             jump (a pose glitch jumps and comes back: the clinic render c5286, a bird dog
    #                             mid-hold, read 4 and 10 times smaller on two frames at 20/s). At most the rep
    #                             counter's min_phase_s (0.1 s), so that the new scene's frames the old count
    #                             sees before the cut is reported cannot end its rep (the driver then counts
    #                             again from before the jump, but the results it gave those frames stand)


@dataclass(frozen=True)
class Jump:
    """Between two frames: the trunk's move in body sizes, per second, and the size's ratio (>= 1)."""

    move: float
    speed: float
    resize: float
    dt: float


def _trunk(pf: PoseFrame, min_vis: float) -> tuple[np.ndarray, float] | None:
    if pf.landmarks is None:
        return None
    rows = pf.landmarks[:, :4].astype(np.float64)
    rows[:, :2] *= (pf.width, pf.height)
    return _trunk_of(rows, min_vis)


def _trunk_of(rows: np.ndarray, min_vis: float) -> tuple[np.ndarray, float] | None:
    """The trunk's middle and the body's size of (33, >=4) landmark rows with x, y in pixels and visibility in
    column 3; None when a trunk landmark is seen under ``min_vis``."""
    if np.any(rows[list(TRUNK), 3] < min_vis):
        return None
    scale = body_scale(rows[:, :2])
    if not np.isfinite(scale) or scale <= 0:
        return None
    return rows[list(TRUNK), :2].mean(axis=0), scale


TRACK_MOVE = 0.5    # tracker_jumped: the trunk's middle moved this many body sizes from one frame to the next,
TRACK_RESIZE = 1.5  # or the body's size changed by this factor


def tracker_jumped(a: np.ndarray, b: np.ndarray, min_vis: float = 0.5) -> bool:
    """Whether the pose tracker's skeleton jumped between two consecutive frames' landmark rows ((33, >=4),
    x, y in pixels, visibility in column 3): the trunk's middle moved at least :data:`TRACK_MOVE` body sizes
    or the body's size changed by :data:`TRACK_RESIZE`. The tracker carries its skeleton across a scene cut
    and takes 2-8 frames to reach the person of the new scene; the pose estimator checks such frames against
    a fresh detection. Never on consecutive frames of the real or sample clips (at most 0.35 body sizes and
    1.18 times the size, measured); on the pose passes of bench/recognition.py's joined recordings made
    without this check, at 10 of the 14 joins (the other 4 follow frames without a pose, which are checked
    anyway) and 8 other frames (the 2-3 after a join, a head-on body misread)."""
    ta, tb = _trunk_of(a, min_vis), _trunk_of(b, min_vis)
    if ta is None or tb is None:
        return False
    (ca, sa), (cb, sb) = ta, tb
    return bool(np.linalg.norm(cb - ca) / max(sa, sb) >= TRACK_MOVE or max(sa, sb) / min(sa, sb) >= TRACK_RESIZE)


def jump(a: PoseFrame, b: PoseFrame, min_visibility: float = CutParams.min_visibility) -> Jump | None:
    """How far the trunk's middle moved from frame ``a`` to the later frame ``b`` (in body sizes, the larger
    of the two frames'), how fast (per second), and the ratio of the body sizes (larger / smaller). None when
    either frame has no pose or a hidden trunk, or ``b`` is not later than ``a``."""
    return _jump_of(_trunk(a, min_visibility), _trunk(b, min_visibility), b.t_s - a.t_s)


def _jump_of(ta: tuple[np.ndarray, float] | None, tb: tuple[np.ndarray, float] | None, dt: float) -> Jump | None:
    """:func:`jump` from the two frames' trunks (:func:`_trunk`) and the time between them."""
    if ta is None or tb is None or not dt > 0:
        return None
    (ca, sa), (cb, sb) = ta, tb
    move = float(np.linalg.norm(cb - ca) / max(sa, sb))
    return Jump(move=move, speed=move / dt, resize=float(max(sa, sb) / min(sa, sb)), dt=float(dt))


def is_cut(a: PoseFrame, b: PoseFrame, p: CutParams = CutParams()) -> bool:
    """True when the body jumps from frame ``a`` to frame ``b`` by more than a person moves: the trunk's
    middle moved at least ``min_move`` body sizes at ``min_speed`` or more, or the body's size changed by a
    factor of ``min_resize`` or more and its middle moved ``resize_move`` (a size alone changes when the pose
    model misreads a head-on body for a few frames), between frames at most ``max_gap_s`` apart."""
    j = jump(a, b, p.min_visibility)
    return j is not None and j.dt <= p.max_gap_s and _beyond_a_person(j, p)


def _beyond_a_person(j: Jump, p: CutParams, speed: bool = True) -> bool:
    return (j.move >= p.min_move and (not speed or j.speed >= p.min_speed)) \
        or (j.resize >= p.min_resize and j.move >= p.resize_move)


class CutDetector:
    """Frame by frame: ``update(pf)`` is True when ``pf`` confirms a scene cut. The pose model smooths its
    landmarks over time, so a cut spreads over 2-3 frames (a joined recording at 15 poses/s: the body 169 ->
    103 -> 67 -> 62 px over 0.13 s); the jump is therefore measured from the last frame of steady tracking
    before it (``steady_s`` of frames whose trunk middle stayed within ``steady_move`` body sizes and whose
    size stayed within a factor ``steady_resize``, consecutive frames at most ``max_gap_s`` apart) to each
    frame of the next ``span_s``, by :func:`is_cut`'s rule without its speed.

    A cut puts the body somewhere else and it stays there; a pose glitch jumps and comes back within a few
    frames (the clinic render c5286, a bird dog mid-hold: the body read 4 and 10 times smaller on two frames
    at 20/s, then back). So a jump is decided on the first frame at least ``confirm_s`` after it: a cut when
    that frame is still beyond a person from the last steady frame (its trunk read at any visibility) and no
    frame in between came back near it (within ``steady_move`` body sizes and ``steady_resize``), else not.
    The new scene's first frames need not be steady with each other: the pose model may lose the person
    and re-find them at another size (bench/recognition.py's programme_order join at 58.1 s: 145 -> 148 px,
    no pose for 0.2 s, then 89 px). ``cut_t`` is the time of the jump's first frame (the new scene's first),
    ``jump`` the measure on the last frame (None when not measured)."""

    def __init__(self, p: CutParams = CutParams()):
        self.p = p
        self._run: deque[tuple[PoseFrame, np.ndarray, float]] = deque()  # the recent steady-looking frames
        self._ref: tuple[PoseFrame, np.ndarray, float] | None = None  # the last steady frame and its trunk
        self._pending: PoseFrame | None = None  # the first frame of a jump not decided yet
        self.jump: Jump | None = None
        self.cut_t: float | None = None  # the first frame of the new scene of the last cut reported

    def update(self, pf: PoseFrame) -> bool:
        p = self.p
        self.jump = None
        cut = self._pending is not None and self._decide(pf)
        trunk = _trunk(pf, p.min_visibility)
        if trunk is None:
            return cut
        run = self._run
        if run and pf.t_s - run[-1][0].t_s > p.max_gap_s:  # a new start: nothing steady to compare with
            run.clear()
            self._ref = self._pending = None
        if self._pending is None and not cut and self._ref is not None \
                and pf.t_s - self._ref[0].t_s <= p.span_s + 1e-9:
            ref, c, sc = self._ref
            self.jump = _jump_of((c, sc), trunk, pf.t_s - ref.t_s)
            if self.jump is not None and _beyond_a_person(self.jump, p, speed=False):
                self._pending = pf
                if p.confirm_s <= 0:
                    cut = self._decide(pf)
        run.append((pf, *trunk))
        while len(run) > 1 and pf.t_s - run[1][0].t_s >= p.steady_s - 1e-9:  # keep steady_s of frames
            run.popleft()
        sizes = [sc for _, _, sc in run]
        moved = max(float(np.linalg.norm(c - trunk[0])) for _, c, _ in run) / max(sizes)
        if max(sizes) / min(sizes) >= p.steady_resize or moved > p.steady_move:
            while len(run) > 1:  # the frames before this one are not steady with it
                run.popleft()
        elif pf.t_s - run[0][0].t_s >= p.steady_s - 1e-9 and self._pending is None:
            self._ref = (pf, *trunk)
        return cut

    @property
    def pending(self) -> PoseFrame | None:
        """The first frame of a jump not decided yet (the new scene's first if it turns out a cut), else None."""
        return self._pending

    def _decide(self, pf: PoseFrame) -> bool:
        """Whether ``pf``, a frame after a jump not decided yet, makes it a cut (the jump is then decided:
        a cut, a glitch that came back, or not yet ``confirm_s`` on)."""
        p, t0, (ref, rc, rs) = self.p, self._pending, self._ref
        now = _jump_of((rc, rs), _trunk(pf, 0.0), pf.t_s - ref.t_s)
        if now is None:
            return False
        if now.move <= p.steady_move and now.resize < p.steady_resize:
            self._pending = None  # back where it was: a glitch
            return False
        if pf.t_s - t0.t_s < p.confirm_s - 1e-9:
            return False
        self._pending = None
        if not _beyond_a_person(now, p, speed=False):
            return False
        self.jump, self.cut_t, self._ref = now, t0.t_s, None
        return True
