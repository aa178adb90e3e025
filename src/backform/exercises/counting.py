"""Shared counting machinery: rep state machine, hold timer, side and view trackers.

Everything here is driven by the frame's own time (``PoseFrame.timestamp_ms`` -> seconds), never the wall
clock, so a webcam and a recorded video take the same path and tests are deterministic.

The rep state machine works on one scalar *lift signal* per frame (degrees of hip lift, degrees of limb
raise, ...), chosen by each exercise. It is relative to the person's own rest level, tracked while at rest:

    START (at rest) --signal > rest + start_delta for min_phase_s--> LIFTING
    LIFTING --stopped rising near the rep's peak for min_phase_s--> HOLD
    HOLD --below drop_frac of the rep's range for min_phase_s--> LOWERING   (back above top_frac: HOLD again)
    any --back near rest for min_phase_s--> START, and the rep is complete if it rose >= min_range

The enter threshold (``start_delta``) is above the exit threshold (``rest_delta``/``return_frac``): jitter
around one threshold cannot start and end reps. Every transition must persist ``min_phase_s``; its time is
the first frame of the run. When a rep completes its times are re-measured from its samples, with the
definitions the clip labels use (start = last frame near rest before the top, top = first frame at
``top_frac`` of the rep's range, lower = last frame there, end = first frame back near rest).
"""
from __future__ import annotations

import dataclasses
import logging
import math
from collections import Counter, deque
from dataclasses import dataclass

import numpy as np

from ..types import Phase, PoseFrame
from ..pose.geometry import classify_view, lateral_spread, near_side, view_ratio, view_yaw

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CounterParams:
    """Thresholds of :class:`RepCounter`, in the unit of the exercise's lift signal unless said otherwise."""

    start_delta: float          # enter: signal above the rest level that starts a rep
    rest_delta: float           # exit: signal above the rest level that counts as back at rest (< start_delta)
    min_range: float            # a rep must rise at least this far above rest, else it was a fidget
    top_frac: float = 0.92      # "at the top" = at least this fraction of the rep's range (as the labels
    #                             and the synthetic truth define it)
    drop_frac: float = 0.7      # leaving the top: below this fraction (hysteresis against top_frac)
    return_frac: float = 0.3    # back at rest: below this fraction of the range (for people who do not
    #                             return all the way between reps, e.g. a bird dog hand hovering)
    edge_frac: float = 0.1      # start/end times: the last/first frame within this fraction of rest (labels: 8%)
    min_phase_s: float = 0.1    # a transition must persist this long: 2 frames at 15/s, 3 at 30/s
    settle_s: float = 0.3       # part way down and not falling any further for this long: back at rest
    stall_frac: float = 0.5     # ... and below this fraction, not falling for stall_s: also back at rest. The
    stall_s: float = 1.0        # rest level can be too low: MediaPipe's first frames of a clip settle by up
    #                             to 7 deg (a rendered prone extension: -12.9 -> -6 in 0.3 s), and a rep
    #                             that never gets back "down" to that level stayed open to the end
    min_rep_s: float = 0.5      # shorter excursions are jitter, not reps
    max_rep_s: float = 40.0     # longer than this (prone holds are at most 10 s): the person left the exercise
    max_gap_s: float = 0.5      # tracking drop-outs up to this long are bridged (timer keeps running)
    rest_window_s: float = 2.0  # rest level = a low quantile of the signal over this much recent rest
    rest_quantile: float = 30.0
    history_s: float = 3.0      # samples kept before a rep starts (to find its true start)
    min_rest_samples: int = 4   # a rep cannot start before the rest level rests on this many samples (the
    #                             first frames are often the person settling: wanshape arms being placed)
    held_delta: float | None = None  # hold exercises: a lift too small for start_delta still starts a rep when
    #                             it stays above rest + held_delta for held_s; such a rep needs held_delta of
    #                             range, not min_range (a bridge whose hips barely leave the floor, held: a rep,
    #                             flagged hips_low). None: off
    held_s: float = 1.0
    held_max_s: float = 15.0    # a small held lift that has not come back down after this long is a new rest
    #                             level (the person shifted), not a rep

    @property
    def least_range(self) -> float:
        """The smallest range a rep may have: ``min_range``, or ``held_delta`` for a small held lift."""
        return self.min_range if self.held_delta is None else min(self.held_delta, self.min_range)


@dataclass(frozen=True)
class RepWindow:
    """Times of one completed rep (seconds), re-measured from its samples."""

    start_s: float
    top_s: float
    lower_s: float
    end_s: float
    hold_s: float
    rest: float          # rest level before the rep (signal units)
    peak: float          # highest (median-of-3 smoothed) signal in the rep
    complete: bool = True  # False: closed by finish() before returning to rest
    start_seen: bool = True  # False: no sample near rest before the top (the source began during the rep)

    @property
    def lowering_s(self) -> float:
        return self.end_s - self.lower_s

    @property
    def range(self) -> float:
        return self.peak - self.rest


class HoldTimer:
    """Time spent holding, bridging tracking drop-outs up to ``max_gap_s``.

    ``update(t, holding)`` once per frame; ``holding=None`` means no measurement on this frame (drop-out).
    Time between two observed frames counts if both were holding and they are at most ``max_gap_s`` apart.
    """

    def __init__(self, max_gap_s: float = 0.5):
        self.max_gap_s = max_gap_s
        self.reset()

    def reset(self) -> None:
        self.held_s = 0.0
        self._last_t: float | None = None
        self._last_holding = False

    def update(self, t: float, holding: bool | None) -> float:
        if holding is None:
            return self.held_s
        if holding and self._last_holding and self._last_t is not None and t - self._last_t <= self.max_gap_s:
            self.held_s += t - self._last_t
        self._last_t, self._last_holding = t, bool(holding)
        return self.held_s


def bridged_duration(times, mask, max_gap_s: float) -> float:
    """Sum of intervals between consecutive samples that are both in ``mask`` and <= ``max_gap_s`` apart."""
    t = np.asarray(times, dtype=np.float64)
    m = np.asarray(mask, dtype=bool)
    if t.size < 2:
        return 0.0
    dt = np.diff(t)
    ok = m[1:] & m[:-1] & (dt <= max_gap_s)
    return float(dt[ok].sum())


def centred_median(x: np.ndarray, n: int = 3) -> np.ndarray:
    """Median of each sample with its ``n // 2`` neighbours on each side (NaN-aware; the ends are padded with
    the first/last sample). For whole-rep re-timing, where the samples after a frame are known: unlike a
    causal median it does not delay the edges."""
    x = np.asarray(x, dtype=np.float64)
    h = n // 2
    if h < 1 or x.size < n:
        return x.copy()
    p = np.concatenate([np.full(h, x[0]), x, np.full(h, x[-1])])
    st = np.lib.stride_tricks.sliding_window_view(p, 2 * h + 1)
    with np.errstate(all="ignore"):
        out = np.nanmedian(st, axis=1) if np.isnan(st).any() else np.median(st, axis=1)
    return out


def median3(x: np.ndarray) -> np.ndarray:
    """Median of each sample with its neighbours (NaN-aware); removes single-frame spikes."""
    return centred_median(x, 3)


def crossing_time(t: np.ndarray, s: np.ndarray, i0: int, i1: int, level: float) -> float:
    """Time where the straight line between samples i0 and i1 crosses ``level`` (sub-frame timing); the
    time of i1 if that is not possible."""
    if 0 <= i0 < len(s) and 0 <= i1 < len(s) and np.isfinite(s[i0]) and np.isfinite(s[i1]) and s[i0] != s[i1]:
        u = (level - s[i0]) / (s[i1] - s[i0])
        if 0.0 <= u <= 1.0:
            return float(t[i0] + u * (t[i1] - t[i0]))
    return float(t[i1])


def level_crossing(t, s, level: float, first: bool = True) -> float | None:
    """Time the series ``s`` (at times ``t``) is first (``first``) or last at or above ``level``, interpolated
    with the neighbouring sample below it; None if it never is. NaN samples are skipped."""
    t = np.asarray(t, dtype=np.float64)
    s = np.asarray(s, dtype=np.float64)
    ok = np.isfinite(s)
    t, s = t[ok], s[ok]
    above = np.nonzero(s >= level)[0]
    if above.size == 0:
        return None
    if first:
        i = int(above[0])
        return crossing_time(t, s, i - 1, i, level) if i > 0 else float(t[i])
    i = int(above[-1])
    return crossing_time(t, s, i + 1, i, level) if i + 1 < len(s) else float(t[i])


def rep_times(t, s, rest: float, p: CounterParams, complete: bool = True,
              open_t: float | None = None) -> RepWindow | None:
    """Re-measure a rep from its samples ``t``, ``s`` (from some rest before it to its end).

    Definitions of the clip labels and the synthetic truth: start/end where the movement crosses
    ``edge_frac`` of the range, top/lower the first/last time at ``top_frac`` of it, hold = lower - top;
    crossings are interpolated between samples (at 12-15 poses/s a frame is 0.07-0.08 s).

    ``open_t``: when the counter opened the rep. The samples kept from before it may hold the end of an
    earlier movement (a recording that began during a rep: its tail is still high); the rep is measured from
    the last sample at rest before ``open_t``, and when there is none its start was not seen
    (``start_seen`` False): the rep must not swallow that half rep (issue 12: arm_low -87 deg).
    """
    t = np.asarray(t, dtype=np.float64)
    sm = median3(np.asarray(s, dtype=np.float64))
    ok = np.isfinite(sm)
    if ok.sum() < 2:
        return None
    if open_t is not None:
        own = ok & (t >= open_t - 1e-9)
        if own.any():
            edge = rest + p.edge_frac * (float(np.max(sm[own])) - rest)
            at_rest = np.nonzero(ok & (t <= open_t + 1e-9) & (sm <= edge))[0]
            if at_rest.size == 0:
                win = rep_times(t, s, rest, p, complete)
                return dataclasses.replace(win, start_seen=False) if win is not None else None
            i0 = int(at_rest[-1]) - 1  # one sample before it: its median-of-3 keeps the same neighbours
            if i0 > 0:
                return rep_times(t[i0:], np.asarray(s, dtype=np.float64)[i0:], rest, p, complete)
    peak = float(np.nanmax(sm))
    rng = peak - rest
    if not rng > 0:
        return None
    # the range is measured to the rep's plateau, not to its single highest sample, so that a lift that
    # overshoots and settles (be23_super: 14.5 deg peak, held at 12.7-13) keeps its hold. Plateau = the
    # median of the samples in the top 20% of the range (a held rep: the hold; an eased peak: ~96%).
    upper = sm[ok & (sm >= rest + 0.8 * rng)]
    plateau = float(np.median(upper)) if upper.size else peak
    top_lvl = rest + p.top_frac * (plateau - rest)
    edge_lvl = rest + p.edge_frac * rng
    at_top = ok & (sm >= top_lvl)
    i_top = int(np.argmax(at_top))
    i_low = int(len(sm) - 1 - np.argmax(at_top[::-1]))
    before = np.nonzero(ok[:i_top] & (sm[:i_top] <= edge_lvl))[0]
    i_start = int(before[-1]) if before.size else int(np.argmax(ok))
    after = np.nonzero(ok[i_low:] & (sm[i_low:] <= edge_lvl))[0]
    top = crossing_time(t, sm, i_top - 1, i_top, top_lvl) if i_top > 0 else float(t[i_top])
    low = crossing_time(t, sm, i_low + 1, i_low, top_lvl) if i_low + 1 < len(sm) else float(t[i_low])
    start = crossing_time(t, sm, i_start, i_start + 1, edge_lvl) if before.size else float(t[i_start])
    if after.size:
        i_end = i_low + int(after[0])
        end = crossing_time(t, sm, i_end - 1, i_end, edge_lvl)
    else:  # never came all the way down: end at the last sample (counted back at rest by return_frac)
        end = float(t[ok][-1])
    # hold: time at the top (brief dips below the top level included), minus tracking gaps too long to bridge
    seg = t[i_top:i_low + 1]
    gaps = np.diff(seg)
    lost = float(gaps[gaps > p.max_gap_s].sum()) if seg.size > 1 else 0.0
    hold = max(0.0, low - top - lost)
    return RepWindow(start_s=start, top_s=top, lower_s=low, end_s=end, hold_s=hold, rest=float(rest), peak=peak,
                     complete=complete, start_seen=bool(before.size))


# the rise into the top must be seen from at most this share of the rep's range: a source that began at the
# top (a hold's noise dipping under the 92% level) would otherwise time a "top" that is only noise (a wall
# slide begun 2 s in, in its hold: a 1.16-s hold counted for a 2.23-s one)
LEAD_IN_MAX_START_FRAC = 0.75
LEAD_IN_MAX_RISE_S = 2.5  # a rise seen part-way into the top lasts at most this long (whole rises in the
#                           clinic renders 0.5-2.7 s; a longer "rise" from the first sample is a person still
#                           settling or noise on a pose not yet locked: c5021, c1036 merged two reps)


def lead_in_rep(t, s, rest: float, p: CounterParams) -> RepWindow | None:
    """A rep already under way when the source began (the pose model found the person only 1-2 s into it,
    or the recording starts mid-rep), from the samples ``t``, ``s`` of the source's start up to the frames
    that proved the start position (at ``rest``). Issue 12: the first rep counts either way, when its top
    and its lowering were seen: it rose ``min_range`` above rest, its first sample is at most
    ``LEAD_IN_MAX_START_FRAC`` of the range (the rise into the top was seen, so the top and the hold are
    timed) and reaches the top within ``LEAD_IN_MAX_RISE_S`` (it was rising already), it came back down to
    ``return_frac`` of its range, and nothing rose ``start_delta`` above its lowest since (one movement, never merged with
    the next). None otherwise. The window has ``start_seen`` False: its start is the first sample."""
    t = np.asarray(t, dtype=np.float64)
    s = np.asarray(s, dtype=np.float64)
    if not np.isfinite(rest):
        return None
    win = rep_times(t, s, rest, p)
    if win is None or win.start_seen or win.range < p.min_range:
        return None
    sm = median3(s)
    ok = np.isfinite(sm)
    t, sm = t[ok], sm[ok]
    top_lvl = rest + p.top_frac * win.range
    if sm[0] > rest + LEAD_IN_MAX_START_FRAC * win.range or not win.top_s - t[0] >= p.min_phase_s - 1e-9:
        return None  # already at the top when the source began: neither its top nor its hold was seen
    if win.top_s - t[0] > LEAD_IN_MAX_RISE_S:
        return None  # not the end of a rise under way when the source began
    i_top = int(np.argmax(sm >= top_lvl))
    down = np.nonzero(sm[i_top:] <= rest + p.return_frac * win.range)[0]
    if down.size == 0:
        return None  # never came back down
    after = sm[i_top + int(down[0]):]
    if np.any(after - np.minimum.accumulate(after) > p.start_delta):
        return None  # another movement after it: not this simple case
    if not p.min_rep_s <= win.end_s - win.start_s <= p.max_rep_s:
        return None
    return win


def big_or_held(samples, rest: float, peak: float, p: CounterParams) -> bool:
    """A rep's (t, s) ``samples`` rose ``min_range`` above ``rest`` (``peak``: the counter's), or
    (``held_delta``) stayed above rest + held_delta for ``held_s`` (tracking gaps up to ``max_gap_s`` bridged)."""
    if peak - rest >= p.min_range:
        return True
    if p.held_delta is None or peak - rest < p.held_delta:
        return False
    t = np.array([x for x, _ in samples], dtype=np.float64)
    v = np.array([y for _, y in samples], dtype=np.float64)
    held = bridged_duration(t, np.isfinite(v) & (v - rest > p.held_delta), p.max_gap_s)
    if held < p.held_s:
        log.debug("small excursion at %.2f s held %.2f s above rest + %.1f (< %.1f s)", t[0] if t.size else -1,
                  held, p.held_delta, p.held_s)
    return held >= p.held_s


class _Debounce:
    """A condition that must hold on consecutive samples for ``min_s``; remembers when the run began."""

    def __init__(self, min_s: float):
        self.min_s = min_s
        self.since: float | None = None

    def update(self, t: float, cond: bool) -> bool:
        if not cond:
            self.since = None
            return False
        if self.since is None:
            self.since = t
        return t - self.since >= self.min_s - 1e-9

    def reset(self) -> None:
        self.since = None


class RepCounter:
    """The rep state machine on one lift signal. ``update(t, s)`` -> a :class:`RepWindow` when a rep ends.

    ``s`` may be NaN (signal not measurable on this frame): treated like a tracking drop-out.
    """

    def __init__(self, params: CounterParams):
        self.p = params
        self.reset()

    def reset(self) -> None:
        self.phase = Phase.START
        self.rest = float("nan")
        self._rest: deque[tuple[float, float]] = deque()
        self._hist: deque[tuple[float, float]] = deque()
        self._rep: list[tuple[float, float]] = []
        self._rep_rest = float("nan")
        self._peak = float("nan")
        self._peak_t = float("nan")
        self._low_min: float | None = None
        self._low_min_t = float("nan")
        self._d_start = _Debounce(self.p.min_phase_s)
        self._d_top = _Debounce(self.p.min_phase_s)
        self._d_drop = _Debounce(self.p.min_phase_s)
        self._d_retop = _Debounce(self.p.min_phase_s)
        self._d_rest = _Debounce(self.p.min_phase_s)
        self._d_held = _Debounce(self.p.held_s)
        self.hold = HoldTimer(self.p.max_gap_s)
        self._settled = False  # True once a rest level has been established (after the first rep too)
        self._open_t: float | None = None
        self.last_t: float | None = None

    # -- state helpers -------------------------------------------------------------------------------------
    @property
    def in_rep(self) -> bool:
        return self.phase in (Phase.LIFTING, Phase.HOLD, Phase.LOWERING)

    @property
    def rep_start_s(self) -> float | None:
        return self._rep[0][0] if self._rep else None

    def fraction(self, s: float) -> float:
        """Where ``s`` lies between the current rep's rest (0) and peak (1)."""
        rng = self._peak - self._rep_rest
        return (s - self._rep_rest) / rng if rng > 0 else 0.0

    def _update_rest(self, t: float, s: float) -> None:
        self._rest.append((t, s))
        while self._rest and t - self._rest[0][0] > self.p.rest_window_s:
            self._rest.popleft()
        # a low quantile, not the median: a slow, small lift must not drag the rest level up with it
        self.rest = float(np.percentile([v for _, v in self._rest], self.p.rest_quantile))

    def _open(self, t0: float) -> None:
        self._settled = True
        self._open_t = t0
        self.phase = Phase.LIFTING
        self._rep_rest = self.rest
        self._rep = [x for x in self._hist]
        self._peak, self._peak_t = -math.inf, t0
        self._low_min, self._low_min_t = None, t0
        self.hold.reset()
        for d in (self._d_top, self._d_drop, self._d_retop, self._d_rest):
            d.reset()

    def _close(self, complete: bool = True, count: bool = True) -> RepWindow | None:
        t = [x for x, _ in self._rep]
        s = [v for _, v in self._rep]
        win = None
        if count and big_or_held(self._rep, self._rep_rest, self._peak, self.p):
            win = rep_times(t, s, self._rep_rest, self.p, complete=complete, open_t=self._open_t)
            if win is not None and win.end_s - win.start_s < self.p.min_rep_s:
                log.debug("excursion at %.2f s too short for a rep", win.start_s)
                win = None
        else:
            log.debug("excursion at %.2f s not a rep (range %.1f, min_range %.1f)", t[0] if t else -1,
                      self._peak - self._rep_rest, self.p.min_range)
        self.phase = Phase.START
        self._settled = True
        self._rep = []
        self._hist.clear()
        self._rest.clear()  # the new rest level is measured afresh (falls back to the old one meanwhile)
        self.hold.reset()
        self._d_start.reset()
        self._d_held.reset()
        return win

    # -- main entry -----------------------------------------------------------------------------------------
    def update(self, t: float, s: float) -> RepWindow | None:
        if not np.isfinite(s):
            self.hold.update(t, None)
            return None
        if self.last_t is not None and t - self.last_t > self.p.max_gap_s:
            # a long drop-out: debounced runs do not continue across it
            for d in (self._d_start, self._d_top, self._d_drop, self._d_retop, self._d_rest, self._d_held):
                d.reset()
        self.last_t = t
        self._hist.append((t, s))
        while self._hist and t - self._hist[0][0] > self.p.history_s:
            self._hist.popleft()

        if self.phase == Phase.START:
            if not np.isfinite(self.rest):
                self._update_rest(t, s)
                return None
            if len(self._rest) < self.p.min_rest_samples and not self._settled:
                self._update_rest(t, s)
                return None
            if self._d_start.update(t, s - self.rest > self.p.start_delta):
                self._open(self._d_start.since)
                self._d_start.reset()
                self._d_held.reset()
                return self._step_in_rep(t, s)
            held = self.p.held_delta
            if held is not None and self._d_held.update(t, s - self.rest > held):
                self._open(self._d_held.since)
                self._d_held.reset()
                return self._step_in_rep(t, s)
            if s - self.rest <= (self.p.start_delta if held is None else held):
                self._update_rest(t, s)
            return None
        self._rep.append((t, s))
        return self._step_in_rep(t, s)

    def _step_in_rep(self, t: float, s: float) -> RepWindow | None:
        p = self.p
        # peak on a median of the last 3 samples (one-frame spikes do not set it)
        recent = [v for _, v in self._rep[-3:]]
        sm = float(np.median(recent))
        rng_before = self._peak - self._rep_rest
        if sm > self._peak + max(0.05 * max(rng_before, 0.0), 1e-9):  # a new peak worth restarting "stopped" for
            self._peak, self._peak_t = sm, t
        elif sm > self._peak:
            self._peak = sm
        rng = self._peak - self._rep_rest
        frac = (s - self._rep_rest) / rng if rng > 0 else 0.0

        if p.least_range < p.min_range and rng < p.min_range and t - self._rep[0][0] > p.held_max_s:
            log.info("small lift held for more than %.0f s at %.2f s: a new rest level, not a rep", p.held_max_s, t)
            self._close(count=False)
            self.rest = s
            return None
        if t - self._rep[0][0] > p.max_rep_s:
            log.info("rep open for more than %.0f s at %.2f s: discarded (left the exercise?)", p.max_rep_s, t)
            self._close()
            self.rest = s
            return None

        # back at rest: near the rest level (debounced), or partly down (return_frac: people who hover
        # between reps) and no longer falling for settle_s - so that a slow return is followed to its end
        near = (frac <= p.edge_frac) if rng >= p.least_range else (s - self._rep_rest <= p.rest_delta)
        if self._d_rest.update(t, near):
            return self._close()
        low_limit = max(p.return_frac, p.stall_frac) if self.phase == Phase.LOWERING else p.return_frac
        if rng >= p.least_range and frac <= low_limit:
            if self._low_min is None or s < self._low_min - 0.02 * rng:
                self._low_min, self._low_min_t = s, t
            elif t - self._low_min_t >= (p.settle_s if frac <= p.return_frac else p.stall_s):
                stalled = frac > p.return_frac
                win = self._close()
                if stalled:  # the level it stalled at is the rest now (the old one was below the person's rest)
                    self.rest = s
                return win
        else:
            self._low_min = None

        if self.phase == Phase.LIFTING:
            stopped = (t - self._peak_t >= p.min_phase_s - 1e-9) and frac >= p.top_frac and rng >= p.least_range
            if self._d_top.update(t, stopped):
                self.phase = Phase.HOLD
                self._d_drop.reset()
        elif self.phase == Phase.HOLD:
            if self._d_drop.update(t, frac < p.drop_frac):
                self.phase = Phase.LOWERING
                self._d_retop.reset()
        elif self.phase == Phase.LOWERING:
            if self._d_retop.update(t, frac >= p.top_frac):
                self.phase = Phase.HOLD
                self._d_drop.reset()
        self.hold.update(t, self.phase == Phase.HOLD)
        return None

    def finish(self, t: float) -> RepWindow | None:
        """End of the source. A rep that reached its top and has started down is kept (the clip ended during
        the lowering); one still rising or holding is discarded (we cannot tell it was finished)."""
        if not self.in_rep:
            return None
        if self.phase == Phase.LOWERING:
            return self._close(complete=False)
        log.info("source ended during a rep (%s) at %.2f s: not counted", self.phase.value, t)
        self._close()
        return None


class SideTracker:
    """The side facing the camera, sticky: it changes only when the other side wins for ``switch_s``
    (a camera cut, the person turning round), not on single-frame visibility flickers."""

    def __init__(self, switch_s: float = 0.5):
        self.switch_s = switch_s
        self.side: str | None = None
        self._cand: str | None = None
        self._since = 0.0

    def update(self, pf: PoseFrame) -> str | None:
        s = near_side(pf)
        if s is None:
            return self.side
        if self.side is None:
            self.side = s
        elif s != self.side:
            if self._cand != s:
                self._cand, self._since = s, pf.t_s
            elif pf.t_s - self._since >= self.switch_s:
                self.side, self._cand = s, None
        else:
            self._cand = None
        return self.side


# view classification thresholds on the world-landmark yaw (degrees; 90 = side). Measured on the real clips:
# side views 80-90 at rest, the 45-degree rear diagonal of merged_bird_dog 45-53, front views < 20.
SIDE_MIN_YAW = 68.0
FRONT_MAX_YAW = 25.0
# ... but MediaPipe's world yaw reads a camera turned 34 deg off the side as 73 deg (clinic tuning render
# c1001): a side view also needs the shoulders and hips close together across the screen
# (geometry.lateral_spread). Side views measure p90 <= 0.13 (real and sample clips, clinic renders turned 13-17
# deg), 34 deg 0.23 and a 45-deg diagonal 0.27-0.46: the README's bird dog placement "up to ~30 deg toward
# the head" (~0.2) is a diagonal, where trunk rotation is judged.
SIDE_MAX_SPREAD = 0.18


def frame_view(pf: PoseFrame) -> str | None:
    """"side" / "diagonal" / "front" for one frame: world-landmark yaw and the shoulders' and hips' spread
    across the screen when there are world landmarks, else the 2D shoulder/hip width to torso ratio."""
    if pf.landmarks is None:
        return None
    yaw = view_yaw(pf.world)
    if np.isfinite(yaw):
        if yaw >= SIDE_MIN_YAW:
            spread = lateral_spread(pf.pixels())
            return "diagonal" if np.isfinite(spread) and spread > SIDE_MAX_SPREAD else "side"
        return "front" if yaw <= FRONT_MAX_YAW else "diagonal"
    return classify_view(view_ratio(pf.pixels()))


class ViewTracker:
    """Majority view over the last ``window_s`` of frames, and a tally over the whole session."""

    def __init__(self, window_s: float = 1.0):
        self.window_s = window_s
        self._recent: deque[tuple[float, str]] = deque()
        self.tally: Counter = Counter()
        self.view: str | None = None

    def update(self, pf: PoseFrame) -> str | None:
        v = frame_view(pf)
        if v is None:
            return self.view
        self.tally[v] += 1
        self._recent.append((pf.t_s, v))
        while self._recent and pf.t_s - self._recent[0][0] > self.window_s:
            self._recent.popleft()
        self.view = Counter(x for _, x in self._recent).most_common(1)[0][0]
        return self.view

    def session_view(self) -> str | None:
        return self.tally.most_common(1)[0][0] if self.tally else None
