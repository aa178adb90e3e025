"""What a rep's checks see and say: the frames of the rep (``RepContext``), one verdict per check
(``Verdict``: fault, ok or not checked, with the reason), and :class:`RepJudge`, the part of every exercise that
turns a finished rep window into a ``RepEvent`` with its faults, metrics and "not checked" bookkeeping.

Reps need the exercise: before a rep is counted the exercise's ``movement`` hook looks at the finished
window (e.g. bird dog: an arm AND the opposite leg raised; bridge: lying on the back with the feet planted);
a movement that is not the exercise (a look-alike such as a donkey kick or a clamshell) is not counted and
raises no fault: it is listed in the summary's ``not_counted`` with the reason. A window whose start at
rest was never seen (the recording began during a rep) is not counted either, except the driver's lead-in rep
(:class:`~backform.exercises.driver.LeadIn`: under way when the recording began, it ended in the start
position): it counts, judged with ``RepContext.start_seen`` False and as ``rest`` the start position held
right after it; every check that depends on the start (all but the exercise's ``START_INDEPENDENT``) is then
not checked, with the reason :data:`UNSEEN_START`.

Confidence. Every verdict carries one, 0-1 (0 when not checked)::

    confidence = margin x visibility x view
    margin     = Phi(|value - threshold| / noise)    (0.5 on the threshold, 0.84 one noise away, 0.98 two)
    visibility = (v - 0.1) / 0.5 clipped to 0..1, v = the median over the top frames of the lowest visibility
                 among the check's landmarks (``verdict_landmarks``: by default the check's ``JOINTS`` on the
                 near side)
    view       = 0.5 + 0.5 x the share of the rep's frames seen from the rep's view, for the checks that
                 depend on the view (``CHECK_VIEWS``); 1 for the others (holds, timing)

A check whose landmarks are hidden (visibility factor 0) is not checked, whatever it measured.
``noise`` is the exercise's ``NOISE[code]``: the spread of that measure on clean reps (module docs say
where each figure comes from). A rep's own ``confidence`` is the smaller of Phi((range - min_range) /
rest_delta) (how clearly it rose past the counter's minimum) and its ``movement`` hook's confidence.
"""
from __future__ import annotations

import logging
import math
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable, Hashable, Iterable

import numpy as np

from ..pose.geometry import in_frame
from ..pose.landmarks import L, side as side_lm
from ..types import VIS, CheckVerdict, Fault, PoseFrame, RepEvent
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
    threshold: float | None = None  # the limit ``value`` was judged against (for the confidence)
    confidence: float | None = None  # the margin part of the confidence, when the check works it out itself


def judge(code: str, value: float, is_fault: bool | None, threshold: float | None = None) -> Verdict:
    """FAULT/OK from a measured value; NOT_CHECKED when the value is NaN or ``is_fault`` is None.
    ``threshold``: the limit the value was judged against (the verdict's confidence grows with the margin)."""
    if value is None or not np.isfinite(value) or is_fault is None:
        return Verdict(code, Status.NOT_CHECKED, None, "no measurement (landmarks out of sight)")
    return Verdict(code, Status.FAULT if is_fault else Status.OK, float(value), threshold=threshold)


# landmark visibility -> confidence factor: 0 at VIS_NONE, 1 from VIS_FULL (MediaPipe's far-side landmarks in a
# side view read 0.3-0.7 while still placed usefully; below ~0.1 they are guesses)
VIS_NONE, VIS_FULL = 0.1, 0.6


def phi(z: float) -> float:
    """Standard normal CDF."""
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def margin_confidence(value: float | None, threshold: float | None, noise: float | None) -> float:
    """Phi(|value - threshold| / noise): how unlikely the measure's noise alone put it on this side of the
    threshold (0.5 on it). 1 without a threshold or a noise figure (a yes/no check)."""
    if value is None or threshold is None or not noise or not np.isfinite(value) or not np.isfinite(threshold):
        return 1.0
    return phi(abs(float(value) - float(threshold)) / float(noise))


# why a check that depends on the rep's start is not checked on a rep whose start was not seen (a lead-in rep)
UNSEEN_START = "the start of this rep was not seen"


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
    after: list[FrameRecord] = field(default_factory=list)   # up to ~1.5 s after end_s (as far as seen yet)
    start_seen: bool = True         # False: a rep under way when the recording began (the driver's lead-in
    #                                 rep): no rest was seen before it; ``rest`` is the start position after it
    _once: dict = field(default_factory=dict, init=False, repr=False, compare=False)   # see once()

    def once(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """``compute()``, computed on the first call for ``key`` and remembered: a figure that both ``movement``
        and ``checks`` read. Only for what the re-timing (``refine_window``, which runs before both) leaves alone:
        ``rest`` and ``frames``, not the window or ``top``."""
        if key not in self._once:
            self._once[key] = compute()
        return self._once[key]

    def between(self, t0: float, t1: float) -> list[FrameRecord]:
        return [r for r in self.frames if t0 - 1e-9 <= r.t <= t1 + 1e-9]

    @property
    def top(self) -> list[FrameRecord]:
        """Frames at the top (top_s .. lower_s)."""
        return self.between(self.window.top_s, self.window.lower_s) or self.frames

    def view_share(self, view: str, frames: list[FrameRecord] | None = None) -> float:
        """Share of ``frames`` (default: the top) whose own view (per frame, not the clip's tracker) is ``view``;
        a frame without a view counts as not ``view``. NaN without frames."""
        fr = self.top if frames is None else frames
        return sum(r.view == view for r in fr) / len(fr) if fr else float("nan")

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
    exercise's ``movement``, ``checks``, ``metrics`` and ``rep_side`` hooks run on the finished rep's frames."""

    # the checks that do not depend on the rep's start (e.g. an absolute angle at the top): judged on a rep whose
    # start was not seen (``RepContext.start_seen`` False) too; every other check is not checked on such a rep
    START_INDEPENDENT: frozenset[str] = frozenset()

    # -- shared checks ------------------------------------------------------------------------------------------
    def hold_verdict(self, ctx: RepContext, code: str = "short_hold") -> Verdict:
        """Hold shorter than the target by more than ``short_hold_under_s`` when the exercise's parameters have
        one (the middle of the clinic truth's grey zone: clean up to 0.3 s short, a fault from 40% short), else
        by more than ``hold_tolerance_s`` (labels: >0.3 s under is a fault, within 0.3 s either is right)."""
        under = getattr(self.params, "short_hold_under_s", None)
        tol = float(under if under is not None else getattr(self.params, "hold_tolerance_s", 0.15))
        thr = self.hold_target_s - tol
        return judge(code, ctx.window.hold_s, ctx.window.hold_s < thr, thr)

    # -- confidence ---------------------------------------------------------------------------------------------
    def verdict_landmarks(self, code: str, ctx: RepContext) -> tuple[L, ...]:
        """The landmarks check ``code`` reads (their visibility scales its confidence): ``JOINTS`` by default."""
        return self._joints(code, ctx.side)

    def _visibility(self, code: str, ctx: RepContext) -> float:
        ids = self.verdict_landmarks(code, ctx)
        fr = ctx.top
        if not ids or not fr:
            return 1.0
        v = [float(np.min(r.pf.landmarks[list(ids), VIS])) for r in fr if r.pf.landmarks is not None]
        return float(np.median(v)) if v else 0.0

    def _confidence(self, v: Verdict, ctx: RepContext) -> float:
        if v.status == Status.NOT_CHECKED:
            return 0.0
        m = v.confidence if v.confidence is not None else margin_confidence(v.value, v.threshold,
                                                                            self.NOISE.get(v.code))
        vis = min(1.0, max(0.0, (self._visibility(v.code, ctx) - VIS_NONE) / (VIS_FULL - VIS_NONE)))
        view = 1.0
        if v.code in self.CHECK_VIEWS:  # a check that depends on the view: as sure as the view is steady
            seen = [r.view for r in ctx.frames if r.view]
            share = (sum(1 for x in seen if x == ctx.view) / len(seen)) if seen and ctx.view else 0.0
            view = 0.5 + 0.5 * share
        return float(min(1.0, max(0.0, m * vis * view)))

    def _rep_confidence(self, ctx: RepContext, movement_conf: float) -> float:
        cp = self.counter.p
        rng = margin_confidence(ctx.window.range, cp.min_range, cp.rest_delta) \
            if ctx.window.range >= cp.min_range else 0.5
        return float(min(rng, movement_conf))

    # -- rep completion -------------------------------------------------------------------------------------------
    def _context(self, win: RepWindow, start_seen: bool = True) -> RepContext:
        """The rep's frames. ``start_seen`` False (a lead-in rep): without frames at rest before the rep, its
        ``rest`` is the start position held right after it (the frames ``after`` it)."""
        frames = [r for r in self._history if win.start_s - 1e-9 <= r.t <= win.end_s + 1e-9]
        rest = [r for r in self._history if win.start_s - 1.5 <= r.t < win.start_s - 1e-9]
        after = [r for r in self._history if win.end_s + 1e-9 < r.t <= win.end_s + 1.5]
        if not rest and not start_seen:
            rest = list(after)
        views = Counter(r.view for r in (rest or frames) if r.view)
        sides = Counter(r.side for r in (rest or frames) if r.side)
        return RepContext(n=len(self.reps) + 1, window=win, frames=frames, rest=rest,
                          view=views.most_common(1)[0][0] if views else None,
                          side=sides.most_common(1)[0][0] if sides else None, previous=list(self.reps),
                          after=after, start_seen=start_seen)

    def refine_window(self, ctx: RepContext) -> RepWindow:
        """Hook: an exercise may re-time its rep (e.g. when part of the top is a movement of its own)."""
        return ctx.window

    def movement(self, ctx: RepContext) -> tuple[str | None, float]:
        """Hook: (why this window is not a rep of the exercise, or None; confidence that it is one, 0-1)."""
        return None, 1.0

    def _reject(self, ctx: RepContext, reason: str) -> None:
        w = ctx.window
        self._not_counted.append({"start_s": round(w.start_s, 3), "end_s": round(w.end_s, 3), "reason": reason})
        log.info("%s: movement %.2f-%.2f s not counted: %s", self.name, w.start_s, w.end_s, reason)

    def _complete(self, win: RepWindow, lead_in: bool = False) -> RepEvent | None:
        """The rep ``win`` judged, counted and booked, or None (not a rep of the exercise, or its start at rest
        was not seen). ``lead_in``: a rep under way when the recording began that counts all the same
        (:class:`~backform.exercises.driver.LeadIn`): judged with its start unseen (see the module docs)."""
        ctx = self._context(win, start_seen=win.start_seen and not lead_in)
        if not win.start_seen and not lead_in:
            self._reject(ctx, "its start at rest was not seen (the recording began during a rep)")
            return None
        win = ctx.window = self.refine_window(ctx)
        ctx.rep_side = self.rep_side(ctx)
        reason, movement_conf = self.movement(ctx)
        if reason is not None:
            self._reject(ctx, reason)
            return None
        verdicts: dict[str, Verdict] = {}
        for v in self.checks(ctx):
            allowed = self.CHECK_VIEWS.get(v.code)
            if allowed is not None and ctx.view not in allowed and v.status != Status.NOT_CHECKED:
                v = not_checked(v.code, f"not judged from a {ctx.view} view (needs {' or '.join(allowed)})")
            elif v.status != Status.NOT_CHECKED and self._visibility(v.code, ctx) <= VIS_NONE:
                v = not_checked(v.code, "its landmarks are hidden at the top (visibility <= 0.1)")
            if not ctx.start_seen and v.code not in self.START_INDEPENDENT:  # nothing at rest to compare with
                v = Verdict(v.code, Status.NOT_CHECKED, None, UNSEEN_START, threshold=v.threshold)
            verdicts[v.code] = v
        conf = {c: self._confidence(v, ctx) for c, v in verdicts.items()}
        metrics = {k: (float(x) if x is not None and np.isfinite(x) else None)
                   for k, x in self.metrics(ctx).items()}
        metrics.setdefault("lowering_s", win.lowering_s)
        faults = []
        for v in verdicts.values():
            if v.status == Status.FAULT:
                faults.append(Fault(code=v.code, message=self.CUES.get(v.code, v.code),
                                    t_s=win.lower_s, rep=ctx.n, joints=self._joints(v.code, ctx.side),
                                    severity=self.SEVERITY.get(v.code, 1), value=v.value,
                                    confidence=round(conf[v.code], 3)))
            elif v.status == Status.NOT_CHECKED:
                self._not_checked.setdefault(v.code, []).append(ctx.n)
                self._reasons[v.code] = v.reason
        faults.sort(key=lambda f: -f.severity)
        rep = RepEvent(n=ctx.n, start_s=win.start_s, top_s=win.top_s, end_s=win.end_s, hold_s=win.hold_s,
                       side=ctx.rep_side, faults=tuple(f.code for f in faults), metrics=metrics,
                       not_checked=tuple(c for c, v in verdicts.items() if v.status == Status.NOT_CHECKED),
                       lower_s=win.lower_s, confidence=round(self._rep_confidence(ctx, movement_conf), 3),
                       verdicts=tuple(CheckVerdict(c, v.status.value, v.value, v.threshold, round(conf[c], 3),
                                                   v.reason) for c, v in verdicts.items()))
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


def plateau_span(ctx: "RepContext", key: str, pct: float = 80.0, frac: float = 0.92) -> tuple[float, float] | None:
    """First and last frame time of the rep at ``frac`` of the way from the rest to figure ``key``'s ``pct``
    percentile over the rep (its plateau), or None. A brief spike of the lift signal sets the counter's top
    and shortens its hold; the plateau still shows how long the lift was held (bird dog, prone extension)."""
    t = np.array([r.t for r in ctx.frames])
    s = ctx.values(key, ctx.frames)
    ok = np.isfinite(s)
    if ok.sum() < 3 or not np.isfinite(ctx.window.rest):
        return None
    level = ctx.window.rest + frac * (np.percentile(s[ok], pct) - ctx.window.rest)
    above = t[ok][s[ok] >= level]
    return (float(above[0]), float(above[-1])) if above.size else None
