"""counting.lead_in_rep: a rep under way when the source began (issue 12: the first rep counts either way)."""
import numpy as np

from backform.exercises.counting import CounterParams, lead_in_rep

P = CounterParams(start_delta=10.0, rest_delta=5.0, min_range=30.0)
FPS = 15.0


def _series(*pieces):
    """Concatenate (duration_s, from, to) linear pieces sampled at FPS."""
    out = []
    for dur, a, b in pieces:
        n = int(round(dur * FPS))
        out.extend(np.linspace(a, b, n, endpoint=False))
    s = np.array(out, dtype=np.float64)
    return np.arange(s.size) / FPS + 1.5, s


def test_rise_seen_counts_with_start_not_seen():
    t, s = _series((0.5, 25, 60), (3.0, 60, 60), (1.5, 60, 0), (0.5, 0, 0))
    win = lead_in_rep(t, s, 0.0, P)
    assert win is not None and not win.start_seen
    assert abs(win.start_s - t[0]) < 1e-9
    assert 2.8 < win.hold_s < 3.3  # the rise into the top was seen: the hold is timed


def test_already_at_top_when_the_source_began_does_not_count():
    t, s = _series((3.0, 60, 60), (1.5, 60, 0), (0.5, 0, 0))
    assert lead_in_rep(t, s, 0.0, P) is None


def test_not_back_down_does_not_count():
    t, s = _series((0.5, 25, 60), (3.0, 60, 60), (0.5, 60, 40))
    assert lead_in_rep(t, s, 0.0, P) is None


def test_never_merged_with_a_second_movement():
    t, s = _series((0.5, 25, 60), (2.0, 60, 60), (1.0, 60, 0), (0.5, 0, 0), (1.0, 0, 60), (1.0, 60, 0))
    assert lead_in_rep(t, s, 0.0, P) is None


def test_too_small_does_not_count():
    t, s = _series((0.5, 10, 20), (2.0, 20, 20), (1.0, 20, 0), (0.5, 0, 0))
    assert lead_in_rep(t, s, 0.0, P) is None


def test_start_seen_is_not_a_lead_in():
    t, s = _series((0.5, 0, 0), (0.5, 0, 60), (2.0, 60, 60), (1.0, 60, 0), (0.5, 0, 0))
    assert lead_in_rep(t, s, 0.0, P) is None


def test_a_slow_drift_from_the_first_sample_is_not_a_lead_in():
    t, s = _series((4.0, 25, 60), (2.0, 60, 60), (1.0, 60, 0), (0.5, 0, 0))
    assert lead_in_rep(t, s, 0.0, P) is None
