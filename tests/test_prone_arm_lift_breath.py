"""Prone arm lift: breathing sway on the arms' height is taken off before the hold is timed (refit_hold's
``breath``), and nothing is taken off a signal without it."""
import numpy as np

from backform.exercises.counting import RepWindow
from backform.exercises.prone_arm_lift import ProneArmLift, ProneArmLiftParams, breath_sway, refit_hold

P = ProneArmLiftParams()
T = np.arange(0.0, 14.0, 1 / 15)
REP = np.interp(T, [0, 2, 3.5, 10.5, 11.5, 14], [0, 0, 0.12, 0.12, 0, 0])   # top 3.38, lower 10.58
W = RepWindow(start_s=2.1, top_s=3.4, lower_s=10.6, end_s=11.4, hold_s=7.2, rest=0.0, peak=0.12)


def _hold(v, breath):
    return refit_hold(W, T, v, ProneArmLift().counter.p, 5, [], breath=breath)


def test_no_sway_found_on_a_clean_trapezoid():
    assert breath_sway(T, REP, (2.0, 3.5, 0.12, 0.0), (10.5, 11.5, 0.12, 0.0)) is None
    a, b = _hold(REP, None), _hold(REP, (P.breath_hz, P.breath_min_share))
    assert abs(a.hold_s - b.hold_s) < 1e-9


def test_breathing_sway_moves_the_hold_less():
    """Over a breath's phases (0.025 body sizes at 13 breaths a minute, a fifth of the lift): the hold's error
    is smaller on average with the sway taken off (not at every phase: the first fit the sway is estimated
    from is itself off)."""
    truth = 10.58 - 3.38
    err = {None: [], "breath": []}
    for ph in np.linspace(0.0, 2 * np.pi, 6, endpoint=False):
        v = REP + 0.025 * np.sin(2 * np.pi * 0.22 * T + ph)
        err[None].append(abs(_hold(v, None).hold_s - truth))
        err["breath"].append(abs(_hold(v, (P.breath_hz, P.breath_min_share)).hold_s - truth))
    assert np.mean(err["breath"]) < np.mean(err[None])


def test_a_sway_as_large_as_the_lift_is_not_taken_off():
    sway = 0.1 * np.sin(2 * np.pi * 0.2 * T)
    assert breath_sway(T, REP + sway, (2.0, 3.5, 0.12, 0.0), (10.5, 11.5, 0.12, 0.0)) is None
