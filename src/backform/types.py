"""The data that flows between stages: frozen dataclasses, no behaviour beyond small accessors.

Landmark arrays use BlazePose-33 order; index them with :class:`backform.pose.landmarks.L`, never bare numbers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from .pose.landmarks import L

# Columns of PoseFrame.landmarks
X, Y, Z, VIS, PRES = range(5)


@dataclass(frozen=True, eq=False)
class Frame:
    """One decoded image. ``image`` is BGR uint8 (OpenCV order); ``timestamp_ms`` strictly increases.

    ``rgb`` optionally holds the pose model's input already prepared by the source's decoding thread (RGB,
    possibly downscaled), so the thread that runs the model does not spend time on it.
    """

    index: int
    timestamp_ms: float
    image: np.ndarray | None = None
    rgb: np.ndarray | None = None

    @property
    def t_s(self) -> float:
        return self.timestamp_ms / 1000.0


@dataclass(frozen=True, eq=False)
class PoseFrame:
    """Landmarks of one frame, or none (``landmarks is None``) when no pose was found.

    - ``landmarks``: (33, 5) float32: x, y normalised to the image (0..1, may leave that range), z (relative
      depth, same scale as x), visibility, presence.
    - ``world``: (33, 3) float32 metres, hip-centred, y down (MediaPipe world landmarks), or None.
    - ``contour``: (K, 2) float32 normalised silhouette outline from the segmentation mask, or None.
    ``width``/``height`` are the source image size in pixels (for aspect-correct angles).
    """

    index: int
    timestamp_ms: float
    width: int
    height: int
    landmarks: np.ndarray | None = None
    world: np.ndarray | None = None
    contour: np.ndarray | None = None

    @property
    def t_s(self) -> float:
        return self.timestamp_ms / 1000.0

    @property
    def has_pose(self) -> bool:
        return self.landmarks is not None

    def px(self, lm: L) -> np.ndarray:
        """Landmark ``lm`` in pixels (x, y), NaN when no pose."""
        if self.landmarks is None:
            return np.array([np.nan, np.nan])
        return self.landmarks[lm, :2].astype(np.float64) * (self.width, self.height)

    def pixels(self) -> np.ndarray:
        """All 33 landmarks in pixels, (33, 2); NaN when no pose."""
        if self.landmarks is None:
            return np.full((33, 2), np.nan)
        return self.landmarks[:, :2].astype(np.float64) * (self.width, self.height)

    def visibility(self, lm: L) -> float:
        return float(self.landmarks[lm, VIS]) if self.landmarks is not None else 0.0


class Phase(str, Enum):
    """Where the person is in a rep."""

    SETUP = "setup"        # not yet in the start position
    START = "start"        # in the start position, at rest
    LIFTING = "lifting"
    HOLD = "hold"
    LOWERING = "lowering"


@dataclass(frozen=True)
class Fault:
    """A form fault: stable ``code``, patient-facing cue ``message``, joints it concerns (for the overlay)."""

    code: str
    message: str
    t_s: float
    rep: int | None = None
    joints: tuple[L, ...] = ()
    severity: int = 1  # higher speaks first
    value: float | None = None  # the measured figure behind it, in the check's own unit
    confidence: float | None = None  # 0-1: how sure the check is (see backform.exercises.checks.confidence)

    def to_json(self) -> dict:
        d = {"code": self.code, "rep": self.rep, "t_s": round(self.t_s, 3), "message": self.message}
        if self.value is not None:
            d["value"] = round(float(self.value), 3)
        if self.confidence is not None:
            d["confidence"] = round(float(self.confidence), 3)
        return d


@dataclass(frozen=True)
class CheckVerdict:
    """What one check said about one rep: ``status`` "fault", "ok" or "not_checked", the measured ``value``
    against its ``threshold`` (in the check's own unit), a ``confidence`` (0-1; 0 when not checked) and, when
    not checked, the ``reason``."""

    code: str
    status: str
    value: float | None = None
    threshold: float | None = None
    confidence: float = 0.0
    reason: str = ""

    def to_json(self) -> dict:
        r = lambda v: None if v is None or not np.isfinite(v) else round(float(v), 3)  # noqa: E731
        d = {"code": self.code, "status": self.status, "value": r(self.value), "threshold": r(self.threshold),
             "confidence": round(float(self.confidence), 3)}
        if self.reason:
            d["reason"] = self.reason
        return d


@dataclass(frozen=True)
class RepEvent:
    """A completed rep, as it goes into ``session.json``."""

    n: int
    start_s: float
    top_s: float | None
    end_s: float
    hold_s: float
    side: str | None = None
    faults: tuple[str, ...] = ()
    metrics: dict = field(default_factory=dict)
    not_checked: tuple[str, ...] = ()  # checks that could not be judged for this rep (view, occlusion)
    lower_s: float | None = None
    confidence: float | None = None  # 0-1: how sure it is that this was a rep of the exercise
    verdicts: tuple[CheckVerdict, ...] = ()  # every check's verdict on this rep, with its confidence

    def to_json(self) -> dict:
        r = lambda v: None if v is None else round(float(v), 3)  # noqa: E731
        d = {"n": self.n, "side": self.side, "start_s": r(self.start_s), "top_s": r(self.top_s),
             "lower_s": r(self.lower_s), "end_s": r(self.end_s), "hold_s": r(self.hold_s),
             "faults": list(self.faults), "not_checked": list(self.not_checked),
             "metrics": {k: (round(float(v), 2) if v is not None else None) for k, v in self.metrics.items()}}
        if self.confidence is not None:
            d["confidence"] = round(float(self.confidence), 3)
        if self.verdicts:
            d["verdicts"] = [v.to_json() for v in self.verdicts]
        return d


@dataclass(frozen=True)
class FrameResult:
    """What an exercise checker says about one frame: drawn by the overlay, spoken, logged."""

    index: int
    t_s: float
    phase: Phase
    rep_count: int
    side_counts: dict = field(default_factory=dict)  # bird dog: {"left": n, "right": n}
    side: str | None = None  # bird dog: working arm of the current rep
    hold_s: float = 0.0  # time held so far in the current hold
    hold_target_s: float = 0.0
    faults: tuple[Fault, ...] = ()  # faults active on this frame (drawn with their cue)
    completed: RepEvent | None = None  # set on the frame a rep ends
    angles: dict = field(default_factory=dict)  # the figures the checks use on this frame
    messages: tuple[str, ...] = ()  # set-up or status messages (e.g. "Turn side-on to the camera")
