"""Prone arm lift: movements inside the signal's own noise (clinic test3 c5423, c5138 front; c5383 side), low
movements not held ``low_hold_s`` (test5 c5888) and the front view's outline reach when the outline is already
wide at rest (c5408, c5423)."""
from types import SimpleNamespace

import numpy as np

from backform.exercises.prone_arm_lift import ProneArmLiftParams, abandoned_lift, elbows_verdict, rep_snr


def _noisy(level, n, sd, seed):
    return level + np.random.default_rng(seed).normal(0.0, sd, n)


def test_rep_snr_is_range_over_step_noise():
    rest, rep = _noisy(0.0, 25, 0.01, 1), _noisy(0.2, 40, 0.01, 2)
    assert 12 < rep_snr(rest, rep) < 30          # a clear lift: 0.2 over a 0.01 noise
    flat = rep_snr(_noisy(0.0, 25, 0.03, 3), _noisy(0.0, 20, 0.03, 4))
    assert flat < 5                               # flicker: its "range" is the noise's own peaks
    assert rep_snr(np.array([]), rep) == float("inf")   # nothing to tell it by: no verdict from it


def _ctx(rng, hold, earlier=()):
    rec = lambda v: SimpleNamespace(m={"arm_height_lm": v})  # noqa: E731
    prev = [SimpleNamespace(metrics={"arm_rise": x}) for x in earlier]
    return SimpleNamespace(window=SimpleNamespace(range=rng, hold_s=hold), previous=prev,
                           rest=[rec(-0.3)] * 8, frames=[rec(-0.3 + rng)] * 10,
                           stat=lambda *a, **k: float("nan"))


def test_a_movement_inside_the_noise_is_not_a_rep_unless_held_long():
    p = ProneArmLiftParams()
    assert "noise" in abandoned_lift(_ctx(0.12, 0.3), p, snr=3.5)      # c5423: flicker, "held" 0.3 s
    assert "noise" in abandoned_lift(_ctx(0.13, 2.1, [0.18]), p, snr=4.3)  # c5383: a noise-read 2.1-s hold
    assert abandoned_lift(_ctx(0.6, 6.4), p, snr=4.8) is None          # c1013: noisy, but held 6.4 s
    assert abandoned_lift(_ctx(0.15, 0.35), p, snr=7.6) is None        # clear of the noise: as before
    assert abandoned_lift(_ctx(0.12, 0.2, [0.12]), p) is None          # no figure: as before


def test_a_low_first_movement_held_under_low_hold_s_is_not_a_rep():
    """A movement lower than ``arms_lift_min`` must be held ``low_hold_s`` to count (an aborted first lift, with
    no earlier rep to compare it with, read a 1.6-s hold on noise: clinic test5 c5888)."""
    p = ProneArmLiftParams()
    assert p.abandoned_hold_s < 1.6 < p.low_hold_s
    assert "not held" in abandoned_lift(_ctx(0.03, 1.6), p)
    assert abandoned_lift(_ctx(0.03, p.low_hold_s + 0.5), p) is None   # held: a rep with arms_not_lifted
    assert abandoned_lift(_ctx(0.08, 1.6), p) is None                  # a real lift held 1.6 s: a rep


def _front(reach, rest_reach, offset=0.3):
    recs = lambda v, n: [SimpleNamespace(m={"ol_arm_reach": v}) for _ in range(n)]  # noqa: E731
    stats = {"arm_reach": reach, "hip_offset_w": offset, "reach_cut": 0.0}
    rest = recs(rest_reach, 10)
    # RepContext.stat: the top's figures, or the median over the frames given (the rest's outline reach)
    stat = lambda k, how="median", frames=None, **kw: (  # noqa: E731
        float(np.median([r.m[k] for r in frames])) if frames is not None else stats[k])
    return SimpleNamespace(rest=rest, stat=stat)


def test_front_reach_judged_against_a_wide_rest():
    p = ProneArmLiftParams()
    assert elbows_verdict(_front(1.4, 1.2), p).status == "ok"            # a W from a W rest
    assert elbows_verdict(_front(3.4, 1.1), p).status == "fault"         # a T from the arms in (wanshape rep 1)
    assert elbows_verdict(_front(2.7, 2.5), p).status == "not_checked"   # as wide at rest (c5423): not the hands
    assert elbows_verdict(_front(3.3, 2.9), p).status == "fault"         # a T from a T on the floor (wanshape)
