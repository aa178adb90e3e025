"""The rep state machine, hold timer and trackers on hand-made signals (time only from the samples)."""
import math

import numpy as np
import pytest

from backform.types import Phase
from backform.exercises.counting import (CounterParams, HoldTimer, RepCounter, SideTracker, bridged_duration, centred_median,
                               median3, rep_times)

P = CounterParams(start_delta=5.0, rest_delta=3.0, min_range=8.0)


def ease(x):
    x = min(max(x, 0.0), 1.0)
    return 0.5 - 0.5 * math.cos(math.pi * x)


def signal(t, reps, amp=20.0, up=1.0, hold=2.0, down=1.0, rest=0.0):
    """Eased reps starting at the times in ``reps``."""
    for t0 in reps:
        if t0 <= t <= t0 + up:
            return rest + amp * ease((t - t0) / up)
        if t0 + up < t <= t0 + up + hold:
            return rest + amp
        if t0 + up + hold < t <= t0 + up + hold + down:
            return rest + amp * (1 - ease((t - t0 - up - hold) / down))
    return rest


def run(samples, p=P):
    c = RepCounter(p)
    wins = [w for t, s in samples if (w := c.update(t, s)) is not None]
    end = c.finish(samples[-1][0])
    return c, wins + ([end] if end else [])


def test_counts_clean_reps_with_label_definitions():
    ts = np.arange(0, 16, 1 / 15)
    c, wins = run([(t, signal(t, [1.0, 6.0, 11.0])) for t in ts])
    assert len(wins) == 3
    # labels: top/lower at 92% of the range, start/end at 8% (here edge_frac 10%): exact for an eased ramp
    x92, x10 = math.acos(1 - 2 * 0.92) / math.pi, math.acos(1 - 2 * 0.10) / math.pi
    for w, t0 in zip(wins, [1.0, 6.0, 11.0]):
        assert w.top_s == pytest.approx(t0 + x92, abs=0.02)
        assert w.lower_s == pytest.approx(t0 + 3 + (1 - x92), abs=0.02)
        assert w.hold_s == pytest.approx(2 + 2 * (1 - x92), abs=0.03)
        assert w.start_s == pytest.approx(t0 + x10, abs=0.03)
        assert w.end_s == pytest.approx(t0 + 4 - x10, abs=0.03)
        assert w.lowering_s == pytest.approx(x92 - x10, abs=0.04)


def test_jitter_around_a_threshold_does_not_count():
    # +-4 around the rest level: crosses neither the enter (5) threshold nor builds a range
    ts = np.arange(0, 10, 1 / 15)
    sig = [(t, 4.0 * (1 if i % 2 else -1)) for i, t in enumerate(ts)]
    c, wins = run(sig)
    assert wins == []


def test_jitter_at_the_top_does_not_double_count():
    rng = np.random.default_rng(1)
    ts = np.arange(0, 9, 1 / 15)
    sig = [(t, signal(t, [1.0, 5.0]) + rng.normal(0, 1.5)) for t in ts]
    _, wins = run(sig)
    assert len(wins) == 2


def test_single_frame_spike_is_not_a_rep():
    ts = np.arange(0, 5, 1 / 15)
    sig = [(t, 30.0 if abs(t - 2.0) < 0.03 else 0.0) for t in ts]
    _, wins = run(sig)
    assert wins == []


def test_min_rep_duration():
    # a 0.3 s twitch of full height is shorter than min_rep_s
    ts = np.arange(0, 5, 1 / 30)
    sig = [(t, signal(t, [2.0], up=0.12, hold=0.05, down=0.12)) for t in ts]
    _, wins = run(sig)
    assert wins == []


def test_small_excursion_below_min_range_is_not_a_rep():
    ts = np.arange(0, 8, 1 / 15)
    _, wins = run([(t, signal(t, [2.0], amp=6.5)) for t in ts])
    assert wins == []


def test_dropout_inside_the_hold_is_bridged():
    ts = np.arange(0, 8, 1 / 15)
    sig = [(t, float("nan") if 2.5 <= t < 2.9 else signal(t, [1.0])) for t in ts]
    _, wins = run(sig)
    assert len(wins) == 1
    assert wins[0].hold_s == pytest.approx(2 + 2 * (1 - math.acos(1 - 2 * 0.92) / math.pi), abs=0.05)


def test_long_dropout_is_not_counted_as_hold():
    ts = np.arange(0, 9, 1 / 15)
    sig = [(t, float("nan") if 2.2 <= t < 3.4 else signal(t, [1.0], hold=3.0)) for t in ts]
    _, wins = run(sig)
    assert len(wins) == 1
    full = 3 + 2 * (1 - math.acos(1 - 2 * 0.92) / math.pi)
    assert wins[0].hold_s == pytest.approx(full - 1.2, abs=0.1)


def test_phases_in_order():
    c = RepCounter(P)
    seen = []
    for t in np.arange(0, 6, 1 / 15):
        c.update(t, signal(t, [1.0]))
        if not seen or seen[-1] != c.phase:
            seen.append(c.phase)
    assert seen == [Phase.START, Phase.LIFTING, Phase.HOLD, Phase.LOWERING, Phase.START]


def test_rest_level_is_relative_and_follows_drift():
    ts = np.arange(0, 16, 1 / 15)
    _, wins = run([(t, 40.0 + 0.2 * t + signal(t, [2.0, 9.0])) for t in ts])
    assert len(wins) == 2


def test_finish_keeps_a_rep_on_its_way_down_and_drops_an_open_hold():
    ts = np.arange(0, 4.6, 1 / 15)  # ends during the lowering (4.0 .. 5.0)
    c, wins = run([(t, signal(t, [1.0])) for t in ts])
    assert len(wins) == 1 and not wins[0].complete
    ts = np.arange(0, 3.0, 1 / 15)  # ends in the hold
    c, wins = run([(t, signal(t, [1.0])) for t in ts])
    assert wins == []


def test_hold_timer_bridges_short_gaps_only():
    h = HoldTimer(max_gap_s=0.5)
    for t, v in [(0.0, True), (0.1, True), (0.2, None), (0.3, None), (0.4, True), (1.2, True), (1.3, False)]:
        h.update(t, v)
    assert h.held_s == pytest.approx(0.4)  # 0-0.1, 0.1-0.4 bridged; 0.4-1.2 is too long a gap


def test_bridged_duration_and_median3():
    assert bridged_duration([0, 0.1, 0.2, 1.0], [True, True, True, True], 0.5) == pytest.approx(0.2)
    assert list(median3(np.array([0, 0, 9, 0, 0.0]))) == [0, 0, 0, 0, 0]


def test_centred_median_does_not_delay_a_ramp():
    assert list(centred_median(np.array([1, 9, 9, 2, 3, 4.0]), 5)) == [1, 2, 3, 4, 4, 4]
    ramp = np.arange(10.0)
    assert list(centred_median(ramp, 5)) == list(ramp)  # a causal median of 5 would lag it by 2 samples
    assert list(centred_median(np.array([1.0, np.nan, 3.0]), 3)) == [1, 2, 3]


def test_rep_times_plateau_keeps_an_overshooting_hold():
    # rises to 15, settles at 13 for 2 s (be23_super-like): the hold is the settled part
    t = np.arange(0, 5, 0.05)
    s = np.interp(t, [0, 0.5, 0.8, 1.0, 3.0, 3.5, 5], [0, 0, 15, 13, 13, 0, 0])
    w = rep_times(t, s, 0.0, P)
    assert w.hold_s > 1.9


class _PF:
    def __init__(self, t, side):
        from backform.types import PoseFrame
        lm = np.zeros((33, 5), np.float32)
        lm[:, 3] = 0.5
        from backform.pose.landmarks import L
        for n in ("SHOULDER", "HIP", "KNEE", "ANKLE", "ELBOW", "WRIST"):
            lm[L[f"{side.upper()}_{n}"], 3] = 0.99
        self.pf = PoseFrame(0, t * 1000, 100, 100, landmarks=lm)


def test_side_tracker_is_sticky():
    st = SideTracker(switch_s=0.5)
    assert st.update(_PF(0.0, "left").pf) == "left"
    assert st.update(_PF(0.1, "right").pf) == "left"    # one flicker
    assert st.update(_PF(0.2, "left").pf) == "left"
    for t in (0.3, 0.5, 0.7, 0.85):
        side = st.update(_PF(t, "right").pf)
    assert side == "right"                              # persisted >= 0.5 s


def test_level_crossing_interpolates_first_and_last():
    from backform.exercises.counting import level_crossing
    t = [0.0, 1.0, 2.0, 3.0, 4.0]
    s = [0.0, 10.0, 20.0, 10.0, 0.0]
    assert level_crossing(t, s, 5.0, first=True) == pytest.approx(0.5)
    assert level_crossing(t, s, 15.0, first=False) == pytest.approx(2.5)
    assert level_crossing(t, s, 20.0, first=True) == pytest.approx(2.0)
    assert level_crossing(t, s, 25.0) is None
    # NaN samples are skipped: the crossing is between the finite neighbours
    assert level_crossing([0.0, 1.0, 2.0], [0.0, float("nan"), 10.0], 5.0) == pytest.approx(1.0)
    # already above at the first sample: that sample's time
    assert level_crossing(t, [30.0, 20.0, 0.0, 0.0, 0.0], 25.0, first=True) == pytest.approx(0.0)


def test_rep_that_stalls_part_way_down_ends_there():
    """The first frames read 7 units too low (a tracker settling), so the rest level is too low and the
    person's real rest sits 40% up the range: the rep ends once the lowering has stalled there for
    ``stall_s``, and the next rep is counted from the new rest."""
    ts = np.arange(0, 16, 1 / 15)
    sig = []
    for t in ts:
        s = signal(t, [2.0, 9.0], amp=11.0, up=1.0, hold=3.0, down=1.0, rest=-6.0)
        if t < 0.3:
            s = -13.0 + (t / 0.3) * 7.0  # -13 -> -6 over the first 0.3 s
        sig.append((t, s))
    c, wins = run(sig, CounterParams(start_delta=3.0, rest_delta=1.5, min_range=5.0))
    assert len(wins) == 2, wins
    assert wins[1].top_s == pytest.approx(9.0 + math.acos(1 - 2 * 0.92) / math.pi, abs=0.05)
    assert wins[1].hold_s == pytest.approx(3 + 2 * (1 - math.acos(1 - 2 * 0.92) / math.pi), abs=0.08)
    # without the stall rule (stall_s longer than the clip) the first rep would stay open to the end
    c, wins = run(sig, CounterParams(start_delta=3.0, rest_delta=1.5, min_range=5.0, stall_s=100.0))
    assert len(wins) == 1


def test_rep_times_does_not_swallow_the_tail_of_an_earlier_movement():
    """The samples kept from before a rep may end an earlier movement (a source that began during a rep): the
    rep is measured from its last sample at rest before the counter opened it; none = start not seen."""
    import numpy as np

    from backform.exercises.counting import CounterParams, rep_times

    p = CounterParams(start_delta=3.0, rest_delta=1.5, min_range=5.0)
    t = np.arange(0, 10, 0.1)
    s = np.where(t < 1.0, 20.0, np.where(t < 2.0, 20.0 - 20.0 * (t - 1.0), 0.0))  # a half rep's tail ...
    s = np.where((t >= 4.0) & (t < 5.0), 20.0 * (t - 4.0), s)                    # ... then a full rep
    s = np.where((t >= 5.0) & (t < 7.0), 20.0, s)
    s = np.where((t >= 7.0) & (t < 8.0), 20.0 - 20.0 * (t - 7.0), s)
    w = rep_times(t, s, 0.0, p, open_t=4.2)
    assert w.start_seen and 3.9 <= w.start_s <= 4.2 and abs(w.hold_s - 2.0 - 0.16) < 0.2, w
    whole = rep_times(t, s, 0.0, p)  # without open_t the window begins at the tail's top
    assert whole.top_s < 1.0
    tail = rep_times(t[:20], s[:20] * 0 + 20.0, 0.0, p, open_t=0.5)  # never at rest before it opened
    assert tail is not None and not tail.start_seen


# -- small held lifts (held_delta): a bridge whose hips barely leave the floor, held, is a rep ----------------
PH = CounterParams(start_delta=5.0, rest_delta=3.0, min_range=8.0, held_delta=2.5, held_s=1.0, held_max_s=15.0)


def test_a_small_lift_held_long_enough_is_a_rep():
    ts = np.arange(0, 12, 1 / 15)
    c, wins = run([(t, signal(t, [2.0], amp=4.0, up=0.5, hold=3.0, down=0.5)) for t in ts], PH)
    assert len(wins) == 1
    assert wins[0].range == pytest.approx(4.0, abs=0.01)
    assert wins[0].hold_s == pytest.approx(3.0 + 2 * 0.5 * (1 - math.acos(1 - 2 * 0.92) / math.pi), abs=0.05)
    # the same lift without held_delta is below min_range: no rep
    assert run([(t, signal(t, [2.0], amp=4.0, up=0.5, hold=3.0, down=0.5)) for t in ts])[1] == []


def test_a_small_lift_not_held_is_not_a_rep():
    ts = np.arange(0, 12, 1 / 15)
    # 4 above rest but above 2.5 for ~0.6 s only (a fidget)
    c, wins = run([(t, signal(t, [2.0], amp=4.0, up=0.4, hold=0.3, down=0.4)) for t in ts], PH)
    assert wins == []


def test_a_small_lift_that_never_comes_down_is_a_new_rest_level():
    ts = np.arange(0, 40, 1 / 15)
    # the person shifts at 2 s and stays 4 higher; then a full rep at 25 s from the new level
    sig = [(t, (4.0 if t >= 2.0 else 0.0) + signal(t, [25.0], amp=20.0)) for t in ts]
    c, wins = run(sig, PH)
    assert len(wins) == 1
    assert wins[0].start_s == pytest.approx(25.0 + math.acos(1 - 2 * 0.10) / math.pi, abs=0.05)
