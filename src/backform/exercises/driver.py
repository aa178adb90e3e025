"""The per-frame driver every checker is built on: start position, rep counting and its priming, camera
cuts, side and view tracking, and the ``FrameResult`` of each frame. The exercise supplies the hooks
(``measure``, ``signal``, ``start_position``, ``live_side``) and :class:`~backform.exercises.checks.RepJudge`
completes the reps.
"""
from __future__ import annotations

import dataclasses
import logging
from collections import Counter, deque
from dataclasses import dataclass

import numpy as np

from ..types import Fault, FrameResult, Phase, PoseFrame, RepEvent
from .checks import FrameRecord
from .counting import RepCounter, SideTracker, ViewTracker, frame_view

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DriverParams:
    """Timing of the driver itself (not exercise-specific)."""

    setup_s: float = 0.2        # start position held this long before reps count (clips start ~0.15 s
    #                             before the first lift, so longer would miss rep 1 of be23_super)
    lost_s: float = 1.5         # out of the start position this long while at rest -> back to SETUP
    fault_display_s: float = 3.0  # a rep's faults stay on screen this long after it ends
    history_s: float = 45.0     # frames kept (>= CounterParams.max_rep_s + pre-rep history)
    cut_check_s: float = 12.0   # a rep open this long (> the longest hold, 10 s) may be a camera cut


class RepDriver:
    """Feeds each frame to the rep counter and says where the person is (mixed into ``Exercise``)."""

    driver = DriverParams()

    def _init_driver(self) -> None:
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
        self._not_counted: list[dict] = []
        self._rest_view: str | None = None
        self.last_t: float | None = None
        self.frames = 0
        self.pose_frames = 0

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
