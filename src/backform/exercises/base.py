"""Exercise registry and the shared per-frame driver every checker is built on.

An exercise module subclasses :class:`Exercise`, decorates it with ``@register("name")`` and fills in a few
small hooks (what to measure on a frame, which scalar is the lift signal, what the start position is, which
checks to run on a completed rep). Counting, holds, side and view tracking, "not checked" bookkeeping and
the ``FrameResult`` / ``RepEvent`` plumbing live here, once.
"""
from __future__ import annotations

import dataclasses
import logging
from collections import Counter, deque
from dataclasses import dataclass, field
from enum import Enum
from typing import Callable, ClassVar, Iterable

import numpy as np

from ..types import Fault, FrameResult, Phase, PoseFrame, RepEvent
from .counting import CounterParams, RepCounter, RepWindow, SideTracker, ViewTracker, frame_view
from ..pose.landmarks import L, side as side_lm

log = logging.getLogger(__name__)

# --- registry (the size of torchvision's models/_api.py) ----------------------------------------------------
_REGISTRY: dict[str, type["Exercise"]] = {}


class UnknownExercise(ValueError):
    """An exercise name that is not registered; the message lists the valid names."""


def register(name: str) -> Callable[[type["Exercise"]], type["Exercise"]]:
    def wrap(cls: type["Exercise"]) -> type["Exercise"]:
        if name in _REGISTRY:
            raise ValueError(f"exercise {name!r} registered twice")
        cls.name = name
        _REGISTRY[name] = cls
        return cls
    return wrap


def names() -> list[str]:
    return sorted(_REGISTRY)


def spec(name: str) -> type["Exercise"]:
    """The class of exercise ``name``: everything other modules need to know about it is a class attribute
    (label, per_side, posture, baseline_keys, range_thresholds, panels, views, CUES, JOINTS, Params)."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownExercise(f"unknown exercise {name!r}; valid names: {', '.join(names())}") from None


def get(name: str, params: dict | None = None, baseline: dict | None = None) -> "Exercise":
    """A fresh checker for exercise ``name`` with per-person parameter overrides and baseline figures."""
    return spec(name)(params=params, baseline=baseline)


def params_defaults(name: str) -> dict:
    """The checker's default parameters (name -> value) for exercise ``name``."""
    return dataclasses.asdict(spec(name).Params())


@dataclass(frozen=True)
class Panel:
    """One plot of the report: a title, a unit, the logged (or derived) series it draws and its threshold
    lines as (label, parameter name); the parameter ``chin_limit`` is the chin neutral plus the allowed poke."""

    title: str
    unit: str
    series: tuple[str, ...]
    lines: tuple[tuple[str, str], ...] = ()


def with_overrides(default, overrides: dict | None):
    """``default`` (a dataclass instance) with ``overrides`` applied; an unknown key is a ValueError that
    names it and the allowed keys."""
    if not overrides:
        return default
    allowed = [f.name for f in dataclasses.fields(default)]
    for k in overrides:
        if k not in allowed:
            raise ValueError(f"unknown parameter {k!r} for {type(default).__qualname__}; "
                             f"allowed: {', '.join(allowed)}")
    return dataclasses.replace(default, **overrides)


# --- check verdicts -------------------------------------------------------------------------------------------
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


# --- the driver -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DriverParams:
    """Timing of the driver itself (not exercise-specific)."""

    setup_s: float = 0.2        # start position held this long before reps count (clips start ~0.15 s
    #                             before the first lift, so longer would miss rep 1 of be23_super)
    lost_s: float = 1.5         # out of the start position this long while at rest -> back to SETUP
    fault_display_s: float = 3.0  # a rep's faults stay on screen this long after it ends
    history_s: float = 45.0     # frames kept (>= CounterParams.max_rep_s + pre-rep history)
    cut_check_s: float = 12.0   # a rep open this long (> the longest hold, 10 s) may be a camera cut


class Exercise:
    """Base class of the checkers. Subclasses set the class attributes and implement the hooks."""

    name: ClassVar[str] = ""
    Params: ClassVar[type]                                  # frozen dataclass of thresholds
    label: ClassVar[str] = ""                               # patient-facing name ("bird dog")
    per_side: ClassVar[bool] = False                        # reps counted per side (the working arm)
    posture: ClassVar[str] = ""                             # supine / prone / quadruped / standing
    setup_parts: ClassVar[tuple[str, ...]] = ()             # extra parts the set-up check wants in view
    baseline_keys: ClassVar[tuple[str, ...]] = ()           # figures a calibration rep gives as personal baseline
    # (rep metric, parameter, margin): the calibration suggests parameter = the comfortable range - margin
    range_thresholds: ClassVar[tuple[tuple[str, str, float], ...]] = ()
    panels: ClassVar[tuple[Panel, ...]] = ()                # the report's plots
    views: ClassVar[tuple[str, ...]] = ("side",)            # camera views the exercise is meant for
    CUES: ClassVar[dict[str, str]] = {}                     # fault code -> short patient-facing cue
    CHECK_VIEWS: ClassVar[dict[str, tuple[str, ...]]] = {}  # fault code -> views it can be judged from
    JOINTS: ClassVar[dict[str, tuple[str, ...]]] = {}       # fault code -> landmark names (near side) to draw
    SEVERITY: ClassVar[dict[str, int]] = {}
    signal_median_n: ClassVar[int] = 1                      # causal median of the lift signal over n frames
    driver = DriverParams()

    def __init__(self, params: dict | None = None, baseline: dict | None = None):
        self.params = with_overrides(self.Params(), params)
        self.baseline = {k: float(v) for k, v in (baseline or {}).items() if v is not None}
        self.counter = RepCounter(self.counter_params())
        self.sides = SideTracker()
        self.viewer = ViewTracker()
        self.reps: list[RepEvent] = []
        self.faults: list[Fault] = []
        self._history: deque[FrameRecord] = deque()
        self._ready = False
        self._in_pos_since: float | None = None
        self._out_since: float | None = None
        self._last_fault_t = -1e9
        self._shown: tuple[Fault, ...] = ()
        self._not_checked: dict[str, list[int]] = {}
        self._reasons: dict[str, str] = {}
        self._rest_view: str | None = None
        self.last_t: float | None = None
        self.frames = 0
        self.pose_frames = 0

    # -- hooks ------------------------------------------------------------------------------------------------
    def counter_params(self) -> CounterParams:
        raise NotImplementedError

    def measure(self, pf: PoseFrame, side: str) -> dict:
        """The figures of one frame (angles, heights); NaN where not measurable. Shown as FrameResult.angles."""
        raise NotImplementedError

    def signal(self, m: dict) -> float:
        """The lift signal the rep counter runs on."""
        raise NotImplementedError

    def start_position(self, m: dict) -> str | None:
        """None when the frame is in the start position, else what to tell the person."""
        return None

    def checks(self, ctx: RepContext) -> Iterable[Verdict]:
        return ()

    def metrics(self, ctx: RepContext) -> dict:
        return {}

    def rep_side(self, ctx: RepContext) -> str | None:
        return None

    def live_side(self, m: dict) -> str | None:
        return None

    def extra_summary(self) -> dict:
        return {}

    @classmethod
    def report_series(cls, t: list[float], angles: dict[str, list], reps: list) -> dict[str, list]:
        """Series the report plots that are derived from the logged figures (``angles``: key -> per-frame
        values, None where missing) and the reps; keys named in ``panels``."""
        return {}

    @classmethod
    def on_floor(cls) -> bool:
        return cls.posture != "standing"

    @property
    def hold_target_s(self) -> float:
        return float(getattr(self.params, "hold_s", 0.0))

    @property
    def reps_target(self) -> int | None:
        return getattr(self.params, "reps", None)

    # -- shared checks ------------------------------------------------------------------------------------------
    def hold_verdict(self, ctx: RepContext, code: str = "short_hold") -> Verdict:
        """Hold shorter than the target by more than ``hold_tolerance_s`` (labels: >0.3 s under is a fault,
        within 0.3 s either is right)."""
        tol = float(getattr(self.params, "hold_tolerance_s", 0.15))
        return judge(code, ctx.window.hold_s, ctx.window.hold_s < self.hold_target_s - tol)

    # -- driver -------------------------------------------------------------------------------------------------
    def update(self, pf: PoseFrame) -> FrameResult:
        t = pf.t_s
        self.frames += 1
        self.last_t = t
        if not pf.has_pose:
            self.counter.update(t, float("nan"))
            return self._result(pf, {}, (), None)
        self.pose_frames += 1
        side = self.sides.update(pf) or "left"
        view = self.viewer.update(pf)
        m = self.measure(pf, side)
        rec = FrameRecord(t, m, pf, side, frame_view(pf))
        self._history.append(rec)
        while self._history and t - self._history[0].t > self.driver.history_s:
            self._history.popleft()

        msg = self.start_position(m)
        messages: list[str] = []
        if view is not None and view not in self.views:
            messages.append(self.view_message())
        if msg is not None:
            messages.append(msg)
        if not self._ready:
            if not self._setup_step(t, msg):
                return self._result(pf, m, tuple(messages), None, phase=Phase.SETUP)
            # the frames that proved the start position also give the rest level
            return self._result(pf, m, tuple(messages), self._replay(self._in_pos_since))
        if not self.counter.in_rep and self._left_position(t, msg):
            return self._result(pf, m, tuple(messages), None, phase=Phase.SETUP)
        was_in_rep = self.counter.in_rep
        completed = self._feed(rec)
        if self.counter.in_rep and not was_in_rep:
            self._rest_view = self._majority_view(self.counter.rep_start_s - 1.5, self.counter.rep_start_s)
        return self._result(pf, m, tuple(messages), self._check_cut(t) or completed)

    # -- start position ----------------------------------------------------------------------------------------
    def _setup_step(self, t: float, msg: str | None) -> bool:
        """SETUP: True once the start position has been held for ``setup_s`` (no reps while getting there)."""
        if msg is not None:
            self._in_pos_since = None
            return False
        if self._in_pos_since is None:
            self._in_pos_since = t
        if t - self._in_pos_since < self.driver.setup_s - 1e-9:
            return False
        self._ready = True
        log.info("%s: start position reached at %.2f s", self.name, t)
        return True

    def _left_position(self, t: float, msg: str | None) -> bool:
        """At rest and out of the start position for ``lost_s``: back to SETUP (the person got up)."""
        if msg is None:
            self._out_since = None
            return False
        if self._out_since is None:
            self._out_since = t
        if t - self._out_since < self.driver.lost_s:
            return False
        log.info("%s: left the start position at %.2f s", self.name, self._out_since)
        self._ready, self._in_pos_since, self._out_since = False, None, None
        self.counter.reset()
        return True

    # -- counter feeding, priming and camera cuts ------------------------------------------------------------
    def _signal_of(self, rec: FrameRecord) -> float:
        """The lift signal of a frame, optionally a causal median over the last ``signal_median_n`` frames
        (for noisy signals such as arms seen head-on)."""
        n = self.signal_median_n
        if n <= 1:
            return self.signal(rec.m)
        h = self._history
        end = len(h) - 1
        while end >= 0 and h[end].t > rec.t:  # replays feed older records: the window ends at ``rec``
            end -= 1
        recent = [h[i] for i in range(max(0, end - n + 1), end + 1)]
        v = np.array([self.signal(r.m) for r in recent], dtype=np.float64)
        v = v[np.isfinite(v)]
        return float(np.median(v)) if v.size else float("nan")

    def _feed(self, rec: FrameRecord) -> RepEvent | None:
        win = self.counter.update(rec.t, self._signal_of(rec))
        return self._complete(win) if win is not None else None

    def _majority_view(self, t0: float, t1: float) -> str | None:
        c = Counter(r.view for r in self._history if t0 <= r.t <= t1 and r.view)
        return c.most_common(1)[0][0] if c else None

    def _check_cut(self, t: float) -> RepEvent | None:
        """A camera cut (compilation clips) shifts the lift signal to a new level that never "returns": the
        counter would sit in a rep for ever. When a rep has been open for ``cut_check_s`` and every frame of
        the last second shows another view than the rest before it, reset the counter and replay the frames
        since the view changed. Real reps return long before; the replay makes the late check harmless."""
        if not self.counter.in_rep or t - (self.counter.rep_start_s or t) < self.driver.cut_check_s:
            return None
        recent = [r for r in self._history if r.t >= t - 1.0]
        views = {r.view for r in recent}
        if len(views) != 1 or None in views or views == {self._rest_view}:
            return None
        new = views.pop()
        t_change = t
        for r in reversed(self._history):
            if r.view != new:
                break
            t_change = r.t
        log.info("%s: camera view changed %s -> %s at %.2f s; recounting from there", self.name,
                 self._rest_view, new, t_change)
        return self._replay(t_change)

    def _replay(self, t_from: float) -> RepEvent | None:
        self.counter.reset()
        done = None
        for r in [r for r in self._history if r.t >= t_from]:
            was = self.counter.in_rep
            done = self._feed(r) or done
            if self.counter.in_rep and not was:
                self._rest_view = self._majority_view(self.counter.rep_start_s - 1.5, self.counter.rep_start_s)
        return done

    def finish(self, t_s: float | None = None) -> RepEvent | None:
        """End of the source: a rep already on its way down is kept, one still rising or holding dropped."""
        t = t_s if t_s is not None else (self.last_t or 0.0)
        if self.counter.in_rep and self._history:
            recent = [r for r in self._history if r.t >= self._history[-1].t - 1.0]
            views = {r.view for r in recent}
            if len(views) == 1 and None not in views and views != {self._rest_view} \
                    and self._history[-1].t - (self.counter.rep_start_s or t) >= 2.0:
                self._check_cut_at_end()
        win = self.counter.finish(t)
        return self._complete(win) if win is not None else None

    def _check_cut_at_end(self) -> None:
        saved, self.driver = self.driver, dataclasses.replace(self.driver, cut_check_s=0.0)
        try:
            self._check_cut(self._history[-1].t)
        finally:
            self.driver = saved

    def view_message(self) -> str:
        return f"Place the camera to see you from the {' or '.join(self.views)}"

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

    # -- results -------------------------------------------------------------------------------------------------
    def side_counts(self) -> dict:
        return {}

    def _result(self, pf: PoseFrame, m: dict, messages: tuple, completed: RepEvent | None,
                phase: Phase | None = None) -> FrameResult:
        ph = phase if phase is not None else (self.counter.phase if self._ready else Phase.SETUP)
        hold = self.counter.hold.held_s if ph in (Phase.HOLD, Phase.LOWERING) else 0.0
        shown = self._shown if pf.t_s - self._last_fault_t <= self.driver.fault_display_s else ()
        angles = {k: (round(float(v), 2) if v is not None and np.isfinite(v) else None) for k, v in m.items()}
        return FrameResult(index=pf.index, t_s=pf.t_s, phase=ph, rep_count=len(self.reps),
                           side_counts=self.side_counts(), side=self.live_side(m) if self.counter.in_rep else None,
                           hold_s=hold, hold_target_s=self.hold_target_s, faults=shown, completed=completed,
                           angles=angles, messages=messages)

    def summary(self) -> dict:
        view = self.viewer.session_view()
        total = sum(self.viewer.tally.values()) or 1
        out = {
            "targets": {"reps": self.reps_target, "hold_s": self.hold_target_s},
            "view": view,
            "views_seen": {k: round(v / total, 3) for k, v in self.viewer.tally.most_common()},
            "supported_views": list(self.views),
            "view_supported": view in self.views if view else None,
            "start_position_reached": self._ready or bool(self.reps),
            "checks": sorted(self.CUES),
            "not_checked": {k: v for k, v in sorted(self._not_checked.items())},
            "not_checked_reasons": dict(sorted(self._reasons.items())),
            "cues": dict(self.CUES),
            "params": dataclasses.asdict(self.params),
            "baseline": dict(self.baseline),
        }
        out.update(self.extra_summary())
        return out


def lm_in_frame(pf: PoseFrame, names: Iterable[str], side: str, margin: float = 0.01,
                min_vis: float = 0.5) -> bool:
    """Landmarks (by part name on ``side``, or full names like "nose") inside the image and visible."""
    from ..pose.geometry import in_frame
    ids = []
    for n in names:
        try:
            ids.append(L[n.upper()])
        except KeyError:
            ids.append(side_lm(n, side))
    return in_frame(pf.landmarks, ids, margin=margin, min_vis=min_vis)


def nan_if(cond: bool, value: float) -> float:
    return float("nan") if cond else float(value)
