"""The per-frame driver every checker is built on: start position, rep counting and its priming, camera
cuts and scene cuts, side and view tracking, and the ``FrameResult`` of each frame. The exercise supplies the
hooks (``measure``, ``signal``, ``start_position``, ``live_side``) and
:class:`~backform.exercises.checks.RepJudge` completes the reps.

A *scene cut* (:class:`backform.pose.cuts.CutDetector`: the body jumps from where it was tracked steadily by
more than a person moves, and stays there, as where two videos were joined) ends one recording and starts
another for the checker: the open rep is treated as at the end of a recording (:meth:`RepDriver.finish`) at
the old scene's last frame and counting starts afresh at the new scene's first, as for a recording that begins
there (:class:`Recounts`). The detector confirms a jump only ``confirm_s`` (0.1 s) later, when the body has
not come back (a pose glitch comes back within a few frames: the clinic render c5286, a bird dog mid-hold);
meanwhile the driver counts on as if nothing happened, keeping a copy of its state from before the jump
and the frames since. A confirmed cut restores that copy, ends the old count there and replays the kept
frames into the fresh one; a glitch drops the copy.
"""
from __future__ import annotations

import copy
import dataclasses
import logging
from collections import Counter, deque
from dataclasses import dataclass

import numpy as np

from ..pose.cuts import CutDetector, CutParams
from ..types import Fault, FrameResult, Phase, PoseFrame, RepEvent
from .checks import FrameRecord
from .counting import RepCounter, RepWindow, SideTracker, ViewTracker, frame_view, lead_in_rep

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


@dataclass
class BeforeJump:
    """The driver as it was before the first frame of a jump the cut detector has not decided yet."""

    first: PoseFrame                  # the jump's first frame (the new scene's first, if a cut)
    state: dict                       # the checker's attributes before it (:meth:`Recounts._saved_state`)
    frames: list[PoseFrame] = dataclasses.field(default_factory=list)  # the frames fed since, ``first`` on


class Recounts:
    """Where :class:`RepDriver` counts again: scene cuts, camera cuts (a view change during an endless rep)
    and a movement opened on a stale rest level (its state, its ``finish`` and ``_feed``)."""

    cuts: CutParams | None = CutParams()  # None: scene cuts are not looked for
    recount_stale_rest: bool = True       # False: a movement opened on a stale rest level is not recounted
    _unsaved = ("_cut_detector", "_before_jump")  # what a saved state leaves out (it follows the frames)

    def _scene_cut(self, pf: PoseFrame) -> RepEvent | None:
        """Looks at a frame with a pose, before it is fed, for a scene cut. When a jump starts at ``pf`` the
        checker's state is saved (:class:`BeforeJump`; ``update`` keeps the frames fed from then on); when
        the detector confirms it (``pf`` is ``confirm_s`` on and the body did not come back), the state from
        before the jump is restored, the open rep ends there as at the end of a recording (a rep on its way
        down counts), the counter, the start position, the side, the view and the frames kept start afresh,
        as for a recording that begins at the jump's first frame, and the frames kept are fed again. A jump
        that came back (a pose glitch) leaves the count as it went on. Returns the rep the cut completed, if
        any."""
        if self.cuts is None:
            return None
        det = self._cut_detector
        if not det.update(pf):
            if det.pending is None:
                self._before_jump = None
            elif self._before_jump is None or self._before_jump.first is not det.pending:
                self._before_jump = BeforeJump(det.pending, self._saved_state())  # pf is the jump's first
            self._last_pose = pf
            return None
        before, self._before_jump = self._before_jump, None
        if before is not None and before.first.t_s == det.cut_t:
            self._restore_state(before.state)  # as before the new scene's first frame
        else:  # decided on its first frame (confirm_s 0): nothing fed since
            before = None
        last = self._last_pose
        log.info("%s: scene cut between %.2f and %.2f s (confirmed at %.2f s); counting afresh", self.name,
                 last.t_s, det.cut_t, pf.t_s)
        done = self.finish(last.t_s)
        self._count_afresh()
        for f in before.frames if before is not None else ():
            replayed = self._update(f).completed
            done = done or replayed
        self._last_pose = pf
        return done

    def _saved_state(self) -> dict:
        """A copy of the checker's attributes (the driver's and any the exercise keeps, such as the arm lift's
        ``_doubts``: generic, so that an exercise's own state cannot go stale at a restore), deep where
        mutable but sharing what never changes: the frames kept (a shallow copy of ``_history``: its
        FrameRecords and their PoseFrames, with landmarks and silhouettes, are immutable and the bulk of the
        state) and the completed reps. Taken only when a jump starts, a few times a recording at most."""
        memo: dict[int, object] = {}
        for r in self._history:
            memo[id(r)] = r
            memo[id(r.pf)] = r.pf
        for e in self.reps:
            memo[id(e)] = e
        if self._last_pose is not None:
            memo[id(self._last_pose)] = self._last_pose
        return copy.deepcopy({k: v for k, v in vars(self).items() if k not in self._unsaved}, memo)

    def _restore_state(self, state: dict) -> None:
        """Back to a state from :meth:`_saved_state` (attributes set since are dropped too: an exercise's
        class-level default comes back)."""
        keep = {k: v for k, v in vars(self).items() if k in self._unsaved}
        vars(self).clear()
        vars(self).update(state)
        vars(self).update(keep)

    def _count_afresh(self) -> None:
        """After a scene cut: the counter, the start position, the side, the view and the frames kept start
        afresh (the session's tally of views goes on)."""
        self.counter = RepCounter(self.counter_params())
        self.sides = SideTracker()
        viewer, self.viewer = self.viewer, ViewTracker(self.viewer.window_s)
        self.viewer.tally = viewer.tally  # the session's views keep counting
        self._history.clear()
        self._ready, self._in_pos_since, self._out_since, self._rest_view = False, None, None, None
        self._closed_t = self._recounted_t = None
        self._lead_looked = False

    def _stale_rest(self, win: RepWindow, t: float) -> RepEvent | None | bool:
        """A movement whose start at rest was not seen although a rep ended before it in this count: the
        counter reopened on the rest level it had before that rep (its new one is measured only from samples
        near the old one), which was too low (measured while the pose model was still settling on the
        person: the rendered arm lift re-encoded at 480x480, bench/recognition.py --joined). Count again from
        that rep's end with a fresh counter, whose rest is measured on the frames after it. False when this is
        not such a movement (a recording that began during a rep: its start really was not seen)."""
        if win.start_seen or not self.recount_stale_rest or self._replaying or self._closed_t is None \
                or self._closed_t == self._recounted_t:
            return False
        self._recounted_t = t_from = self._closed_t
        log.info("%s: movement %.2f-%.2f s opened on the rest level from before the rep that ended at %.2f s; "
                 "recounting from there", self.name, win.start_s, win.end_s, t_from)
        return self._replay(t_from)

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
        self._closed_t, self._replaying = None, True
        done = None
        try:
            for r in [r for r in self._history if r.t >= t_from]:
                was = self.counter.in_rep
                done = self._feed(r) or done
                if self.counter.in_rep and not was:
                    self._rest_view = self._majority_view(self.counter.rep_start_s - 1.5,
                                                          self.counter.rep_start_s)
        finally:
            self._replaying = False
        return done

    def _check_cut_at_end(self) -> None:
        saved, self.driver = self.driver, dataclasses.replace(self.driver, cut_check_s=0.0)
        try:
            self._check_cut(self._history[-1].t)
        finally:
            self.driver = saved


class LeadIn:
    """The first rep of a recording that was under way when the recording began (mixed into :class:`RepDriver`)."""

    def _lead_in(self) -> RepEvent | None:
        """When the start position is first reached in a count (a recording's or a scene's start): a rep that
        was under way when the recording began, whose rise into the top, hold and lowering were seen before
        the person settled into the start position (the pose model found the person only 1-2 s into the first
        rep: issue 12, the first rep counts either way). See :func:`~.counting.lead_in_rep`. It counts, with
        every check not checked (its rest before the start was not seen: nothing to compare with), and is
        judged as a movement of the exercise like any rep (look-alikes are rejected by ``movement``)."""
        if self._lead_looked or self.reps or self._closed_t is not None or self._in_pos_since is None:
            return None
        self._lead_looked = True
        recs = list(self._history)
        if not recs or recs[0].t >= self._in_pos_since:
            return None
        s = np.array([self._signal_of(r) for r in recs], dtype=np.float64)
        t = np.array([r.t for r in recs], dtype=np.float64)
        p = self.counter.p
        pos = s[(t >= self._in_pos_since - 1e-9) & np.isfinite(s)]
        if pos.size == 0:
            return None
        win = lead_in_rep(t, s, float(np.percentile(pos, p.rest_quantile)), p)
        if win is None:
            return None
        log.info("%s: a rep under way when the recording began, %.2f-%.2f s (its start was not seen)", self.name,
                 win.start_s, win.end_s)
        return self._complete(win, lead_in=True)


class RepDriver(Recounts, LeadIn):
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
        self._last_pose: PoseFrame | None = None
        self._cut_detector = CutDetector(self.cuts or CutParams())
        self._before_jump: BeforeJump | None = None  # the state before a jump not decided yet
        self._closed_t: float | None = None     # when the counter last closed a rep (since it was fresh)
        self._recounted_t: float | None = None  # ... and the last such time recounted from
        self._replaying = False
        self._lead_looked = False  # the frames before the first start position were looked at for a rep

    # -- driver -------------------------------------------------------------------------------------------------
    def update(self, pf: PoseFrame) -> FrameResult:
        ended = self._scene_cut(pf) if pf.has_pose else None
        if self._before_jump is not None:
            self._before_jump.frames.append(pf)
        res = self._update(pf)
        return dataclasses.replace(res, completed=res.completed or ended) if ended is not None else res

    def _update(self, pf: PoseFrame) -> FrameResult:
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
            # a rep under way when the recording began ended in the start position; then the frames that proved
            # the start position also give the rest level
            lead = self._lead_in()
            done = self._replay(self._in_pos_since)
            return self._result(pf, m, tuple(messages), done or lead)
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
        if win is None:
            return None
        recount = self._stale_rest(win, rec.t)
        if recount is not False:
            return recount
        self._closed_t = rec.t
        return self._complete(win)

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
        if win is None:
            return None
        recount = self._stale_rest(win, t)
        if recount is not False:  # counted again from the rep before it: that count's open rep ends here too
            return self.finish(t) or recount
        return self._complete(win)

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
