"""Label smoothing of the recogniser, exact: run-length encoding, minimum durations, hysteresis."""
from __future__ import annotations

from backform.recognition.smoothing import Hysteresis, runs, smooth


def spans(rs):
    return [(r.label, r.i0, r.i1, r.start_s, r.end_s) for r in rs]


T = [float(i) for i in range(12)]  # one frame a second: durations are frame counts


def test_runs_cover_the_frames():
    assert spans(runs(T[:5], ["a", "a", None, "b", "b"])) == [
        ("a", 0, 2, 0.0, 2.0), (None, 2, 3, 2.0, 3.0), ("b", 3, 5, 3.0, 5.0)]
    assert runs([], []) == []
    assert spans(runs([0.0], ["a"])) == [("a", 0, 1, 0.0, 0.0)]  # one frame: no period to extend by


def test_a_flicker_takes_its_neighbours_label():
    labels = ["a"] * 5 + ["b"] + ["a"] * 6
    assert spans(smooth(T, labels, 3.0)) == [("a", 0, 12, 0.0, 12.0)]


def test_a_short_run_joins_the_longer_neighbour():
    labels = ["a"] * 4 + ["x"] * 2 + ["b"] * 6
    assert spans(smooth(T, labels, 3.0)) == [("a", 0, 4, 0.0, 4.0), ("b", 4, 12, 4.0, 12.0)]
    # equal neighbours: the earlier one
    labels = ["a"] * 5 + ["x"] * 2 + ["b"] * 5
    assert spans(smooth(T, labels, 3.0)) == [("a", 0, 7, 0.0, 7.0), ("b", 7, 12, 7.0, 12.0)]


def test_shortest_first_and_held_postures_stay():
    # "y" (1 s) goes first, into its longer neighbour None (3 s); then "x" (2 s) sits between "a" (3 s) and
    # None (now 4 s) and joins None. Held runs (>= 3 s) stay.
    labels = ["a"] * 3 + ["x", "x", "y", None, None, None] + ["b"] * 3
    assert spans(smooth(T, labels, 3.0)) == [("a", 0, 3, 0.0, 3.0), (None, 3, 9, 3.0, 9.0), ("b", 9, 12, 9.0, 12.0)]
    # "y" between two "x" runs: the three become one x run of 5 s, which stays
    labels = ["a"] * 3 + ["x", "x", "y", "x", "x"] + [None] * 3 + ["b"] * 3
    assert spans(smooth([float(i) for i in range(14)], labels, 3.0)) == [
        ("a", 0, 3, 0.0, 3.0), ("x", 3, 8, 3.0, 8.0), (None, 8, 11, 8.0, 11.0), ("b", 11, 14, 11.0, 14.0)]


def test_a_lone_short_run_stays():
    assert spans(smooth(T[:2], ["a", "a"], 5.0)) == [("a", 0, 2, 0.0, 2.0)]


def test_hysteresis_switches_after_switch_s():
    h = Hysteresis(2.0)
    seen = [h.update(t, lab) for t, lab in zip(T, ["a", "a", "b", "b", "a", "b", "b", "b", None, None, None, "b"])]
    # b at 2-3 (1 s, interrupted) never holds; b from 5 holds at 7 (2 s); None from 8 holds at 10
    assert seen == ["a", "a", "a", "a", "a", "a", "a", "b", "b", "b", None, None]
