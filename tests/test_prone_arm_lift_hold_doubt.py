"""Prone arm lift: short_hold is not checked when the rep's rise and lowering could not both be timed
(hold_doubt on refit_hold's fits)."""
import numpy as np

from backform.exercises.counting import RepWindow
import dataclasses

from backform.exercises.prone_arm_lift import ProneArmLift, ProneArmLiftParams, hold_doubt, refit_hold

P = ProneArmLiftParams()


def test_no_fits_is_a_doubt():
    assert hold_doubt([], P)
    assert hold_doubt([(None, (1.0, 2.0, 0.1, 0.01))], P)


def test_matching_edges_are_trusted():
    rise, fall = (1.0, 2.0, 0.15, 0.01), (8.0, 9.0, 0.12, 0.01)
    assert hold_doubt([(rise, fall)], P) is None


def test_an_edge_fitted_to_a_sag_is_a_doubt():
    rise, fall = (1.0, 2.0, 0.15, 0.01), (5.0, 5.2, 0.02, 0.01)   # the 'lowering' is a 0.02 sag mid-hold
    assert "do not match" in hold_doubt([(rise, fall)], P)


def test_refit_hold_reports_its_fits():
    t = np.arange(0.0, 12.0, 1 / 15)
    v = np.interp(t, [0, 2, 3, 9, 10, 12], [0, 0, 0.15, 0.15, 0, 0])
    p = ProneArmLift().counter.p
    w = RepWindow(start_s=2.1, top_s=2.9, lower_s=9.1, end_s=9.9, hold_s=6.2, rest=0.0, peak=0.15)
    fits: list = []
    refit_hold(w, t, v, p, 5, fits)
    assert len(fits) == 1 and hold_doubt(fits, P) is None


def test_an_edge_longer_than_a_lift_is_a_doubt():
    rise, fall = (1.0, 5.0, 0.15, 0.01), (9.0, 10.0, 0.14, 0.01)   # a 4-s 'rise': the lift and a later jump
    assert "spans" in hold_doubt([(rise, fall)], P)
    assert hold_doubt([(rise, fall)], dataclasses.replace(P, max_ramp_s=5.0)) is None
