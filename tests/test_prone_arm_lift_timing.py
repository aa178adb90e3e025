"""Prone arm lift: the hold is timed from straight-line fits to the rise and the fall (``refit_hold``), so a
drift of the arm height during the hold (MediaPipe's, on the clinic renders) does not move the top or the
lower, whatever the easing of each phase; and a lift abandoned part way is not a rep (``abandoned_lift``)."""
from types import SimpleNamespace

import numpy as np
import pytest

from backform.exercises.counting import CounterParams, centred_median, rep_times
from backform.exercises.prone_arm_lift import ProneArmLiftParams, abandoned_lift, ramp_fit, refit_hold
from backform.synth.clinic import EASINGS, ease

P = CounterParams(start_delta=0.025, rest_delta=0.012, min_range=0.03)


def _rep(ease_up, ease_down, drift, up=1.2, hold=6.0, down=1.2, fps=15.0, seed=0):
    """(t, signal, truth top, truth lower): rest 1.5 s, lift, hold (with ``drift``: a share of the range
    gained or lost linearly over the hold), lowering, rest 1.5 s; 0.01 noise on a 0.12 range."""
    t0 = 1.5
    t = np.arange(0.0, t0 + up + hold + down + 1.5, 1.0 / fps)
    p = np.zeros_like(t)
    for i, x in enumerate(t):
        if t0 <= x < t0 + up:
            p[i] = ease(ease_up, (x - t0) / up)
        elif t0 + up <= x < t0 + up + hold:
            p[i] = 1.0 + drift * (x - t0 - up) / hold
        elif t0 + up + hold <= x < t0 + up + hold + down:
            p[i] = (1.0 + drift) * (1.0 - ease(ease_down, (x - t0 - up - hold) / down))
    fine = np.arange(0.0, 1.0, 0.0005)
    top = t0 + up * fine[np.argmax([ease(ease_up, f) >= 0.92 for f in fine])]
    lower = t0 + up + hold + down * fine[np.argmax([1.0 - ease(ease_down, f) < 0.92 for f in fine])]
    v = -0.3 + 0.12 * p + np.random.default_rng(seed).normal(0.0, 0.01, t.size)
    return t, centred_median(v, 5), top, lower


@pytest.mark.parametrize("drift", [-0.2, 0.0, 0.15])
@pytest.mark.parametrize("ease_up,ease_down", [(a, b) for a in EASINGS for b in EASINGS][::3])
def test_hold_from_the_fitted_ramps_whatever_the_easing_and_drift(ease_up, ease_down, drift):
    t, v, top, lower = _rep(ease_up, ease_down, drift)
    w = rep_times(t, v, float(np.median(v[t < 1.4])), P)
    r = refit_hold(w, t, v, P)
    assert abs(r.top_s - top) <= 0.3 and abs(r.lower_s - lower) <= 0.3, (r, top, lower)
    assert abs(r.hold_s - (lower - top)) <= 0.3


def test_a_sagging_hold_is_not_cut_short():
    # the plateau loses 25% of the range over the hold: the last sample at 92% of it comes seconds early
    t, v, top, lower = _rep("cosine", "cosine", -0.25, hold=8.0)
    w = rep_times(t, v, float(np.median(v[t < 1.4])), P)
    assert w.hold_s < (lower - top) - 1.0   # the 92%-of-the-plateau rule
    assert abs(refit_hold(w, t, v, P).hold_s - (lower - top)) <= 0.3


def test_ramp_fit_finds_a_straight_ramp_and_refuses_the_wrong_way():
    t = np.arange(0.0, 4.0, 1 / 15)
    y = np.clip((t - 1.0) / 1.5, 0.0, 1.0)
    t1, t2, height, rms = ramp_fit(t, y, rising=True)
    assert abs(t1 - 1.0) <= 1 / 15 and abs(t2 - 2.5) <= 1 / 15
    assert abs(height - 1.0) <= 0.02 and rms <= 0.01
    t1, t2, height, _ = ramp_fit(t, 1.0 - y, rising=False)
    assert abs(t1 - 1.0) <= 1 / 15 and abs(t2 - 2.5) <= 1 / 15 and abs(height - 1.0) <= 0.02
    assert ramp_fit(t, y[::-1], rising=True) is None
    assert ramp_fit(t[:3], y[:3], rising=True) is None


def _ctx(rng, hold, earlier):
    """A rep that rose ``rng`` above the shoulders (landmarks, no outline) after reps that rose ``earlier``."""
    rec = lambda v: SimpleNamespace(m={"arm_height_lm": v})  # noqa: E731
    prev = [SimpleNamespace(metrics={"arm_rise": x}) for x in earlier]
    return SimpleNamespace(window=SimpleNamespace(range=rng, hold_s=hold), previous=prev,
                           rest=[rec(-0.3)] * 8, frames=[rec(-0.3 + rng)] * 10,
                           stat=lambda *a, **k: float("nan"))


def test_a_lift_abandoned_part_way_is_not_a_rep():
    p = ProneArmLiftParams()
    assert "abandoned" in abandoned_lift(_ctx(0.04, 0.2, [0.12]), p)
    assert abandoned_lift(_ctx(0.04, 5.0, [0.12]), p) is None     # a low lift held: a rep (arms_not_lifted)
    assert abandoned_lift(_ctx(0.12, 0.2, [0.12]), p) is None     # full height, no hold: a rep (short_hold)
    assert abandoned_lift(_ctx(0.08, 0.2, []), p) is None         # nothing to compare with: counted...
    assert "not held" in abandoned_lift(_ctx(0.03, 0.2, []), p)   # ... unless too low for a lift of the arms
