"""What a rep's checks see and say: the frames of the rep (``RepContext``), one verdict per check
(``Verdict``: fault, ok or not checked, with the reason), and :class:`RepJudge`, the part of every exercise that
turns a finished rep window into a ``RepEvent`` with its faults, metrics and "not checked" bookkeeping.
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from typing import Iterable

import numpy as np

from ..pose.geometry import in_frame
from ..pose.landmarks import L, side as side_lm
from ..types import Fault, PoseFrame, RepEvent
from .counting import RepWindow

log = logging.getLogger(__name__)


class Status(str, Enum):
    FAULT = "fault"
    OK = "ok"
    NOT_CHECKED = "not_checked"


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check on one rep."""

    code: str
    status: Status
    value: float | None = None
    reason: str = ""  # why not checked (or what the fault measured), for logs and the summary


def judge(code: str, value: float, is_fault: bool | None) -> Verdict:
    """FAULT/OK from a measured value; NOT_CHECKED when the value is NaN or ``is_fault`` is None."""
    if value is None or not np.isfinite(value) or is_fault is None:
        return Verdict(code, Status.NOT_CHECKED, None, "no measurement (landmarks out of sight)")
    return Verdict(code, Status.FAULT if is_fault else Status.OK, float(value))


def not_checked(code: str, reason: str) -> Verdict:
    return Verdict(code, Status.NOT_CHECKED, None, reason)


@dataclass(frozen=True)
class FrameRecord:
    """What the driver keeps of one analysed frame: its figures and the pose they came from."""

    t: float
    m: dict
    pf: PoseFrame
    side: str | None
    view: str | None


@dataclass
class RepContext:
    """Everything a rep's checks may look at."""

    n: int
    window: RepWindow
    frames: list[FrameRecord]       # start_s .. end_s
    rest: list[FrameRecord]         # up to ~1.5 s at rest before start_s
    view: str | None
    side: str | None                # near side (facing the camera)
    previous: list[RepEvent] = field(default_factory=list)
    rep_side: str | None = None     # bird dog: working arm

    def between(self, t0: float, t1: float) -> list[FrameRecord]:
        return [r for r in self.frames if t0 - 1e-9 <= r.t <= t1 + 1e-9]

    @property
    def top(self) -> list[FrameRecord]:
        """Frames at the top (top_s .. lower_s)."""
        return self.between(self.window.top_s, self.window.lower_s) or self.frames

    def values(self, key: str, frames: list[FrameRecord] | None = None) -> np.ndarray:
        fr = self.top if frames is None else frames
        return np.array([r.m.get(key, np.nan) for r in fr], dtype=np.float64)

    def stat(self, key: str, how: str = "median", frames: list[FrameRecord] | None = None,
             min_frac: float = 0.5) -> float:
        """median/max/min/p90/p10 of figure ``key`` over ``frames`` (default: the top); NaN when fewer than
        ``min_frac`` of the frames have it (mostly out of sight = not measurable)."""
        v = self.values(key, frames)
        ok = np.isfinite(v)
        if v.size == 0 or ok.sum() < max(1, min_frac * v.size):
            return float("nan")
        v = v[ok]
        return float({"median": np.median, "max": np.max, "min": np.min,
                      "p90": lambda a: np.percentile(a, 90), "p10": lambda a: np.percentile(a, 10)}[how](v))


def lm_in_frame(pf: PoseFrame, names: Iterable[str], side: str, margin: float = 0.01,
                min_vis: float = 0.5) -> bool:
    """Landmarks (by part name on ``side``, or full names like "nose") inside the image and visible."""
    ids = []
    for n in names:
        try:
            ids.append(L[n.upper()])
        except KeyError:
            ids.append(side_lm(n, side))
    return in_frame(pf.landmarks, ids, margin=margin, min_vis=min_vis)


class RepJudge:
    """Rep completion, shared by every exercise (mixed into :class:`~backform.exercises.base.Exercise`): the
    exercise's ``checks``, ``metrics`` and ``rep_side`` hooks run on the finished rep's frames."""

    # -- shared checks ------------------------------------------------------------------------------------------
    def hold_verdict(self, ctx: RepContext, code: str = "short_hold") -> Verdict:
        """Hold shorter than the target by more than ``hold_tolerance_s`` (labels: >0.3 s under is a fault,
        within 0.3 s either is right)."""
        tol = float(getattr(self.params, "hold_tolerance_s", 0.15))
        return judge(code, ctx.window.hold_s, ctx.window.hold_s < self.hold_target_s - tol)

    # -- rep completion -------------------------------------------------------------------------------------------
    def _context(self, win: RepWindow) -> RepContext:
        frames = [r for r in self._history if win.start_s - 1e-9 <= r.t <= win.end_s + 1e-9]
        rest = [r for r in self._history if win.start_s - 1.5 <= r.t < win.start_s - 1e-9]
        views = Counter(r.view for r in (rest or frames) if r.view)
        sides = Counter(r.side for r in (rest or frames) if r.side)
        return RepContext(n=len(self.reps) + 1, window=win, frames=frames, rest=rest,
                          view=views.most_common(1)[0][0] if views else None,
                          side=sides.most_common(1)[0][0] if sides else None, previous=list(self.reps))

    def refine_window(self, ctx: RepContext) -> RepWindow:
        """Hook: an exercise may re-time its rep (e.g. when part of the top is a movement of its own)."""
        return ctx.window

    def _complete(self, win: RepWindow) -> RepEvent:
        ctx = self._context(win)
        win = ctx.window = self.refine_window(ctx)
        ctx.rep_side = self.rep_side(ctx)
        verdicts: dict[str, Verdict] = {}
        for v in self.checks(ctx):
            allowed = self.CHECK_VIEWS.get(v.code)
            if allowed is not None and ctx.view not in allowed and v.status != Status.NOT_CHECKED:
                v = not_checked(v.code, f"not judged from a {ctx.view} view (needs {' or '.join(allowed)})")
            verdicts[v.code] = v
        metrics = {k: (float(x) if x is not None and np.isfinite(x) else None)
                   for k, x in self.metrics(ctx).items()}
        metrics.setdefault("lowering_s", win.lowering_s)
        faults = []
        for v in verdicts.values():
            if v.status == Status.FAULT:
                faults.append(Fault(code=v.code, message=self.CUES.get(v.code, v.code),
                                    t_s=win.lower_s, rep=ctx.n, joints=self._joints(v.code, ctx.side),
                                    severity=self.SEVERITY.get(v.code, 1), value=v.value))
            elif v.status == Status.NOT_CHECKED:
                self._not_checked.setdefault(v.code, []).append(ctx.n)
                self._reasons[v.code] = v.reason
        faults.sort(key=lambda f: -f.severity)
        rep = RepEvent(n=ctx.n, start_s=win.start_s, top_s=win.top_s, end_s=win.end_s, hold_s=win.hold_s,
                       side=ctx.rep_side, faults=tuple(f.code for f in faults), metrics=metrics,
                       not_checked=tuple(c for c, v in verdicts.items() if v.status == Status.NOT_CHECKED),
                       lower_s=win.lower_s)
        self.reps.append(rep)
        self.faults.extend(faults)
        self._shown, self._last_fault_t = tuple(faults), win.end_s
        log.info("%s rep %d: %.2f-%.2f s hold %.2f s side %s view %s faults %s not checked %s", self.name,
                 rep.n, rep.start_s, rep.end_s, rep.hold_s, rep.side, ctx.view, list(rep.faults),
                 list(rep.not_checked))
        return rep

    def _joints(self, code: str, side: str | None) -> tuple[L, ...]:
        out = []
        for name in self.JOINTS.get(code, ()):
            try:
                out.append(L[name.upper()])
            except KeyError:
                out.append(side_lm(name, side or "left"))
        return tuple(out)
