"""A weak rep (hips far short: a 3-deg lift, held) that starts slowly must not drag the rest level up with it
(bridge rest_window_s). The signal: clinic test3 c5345 as measured (shoulder-hip elevation, deg), rep 2 (hips
35 deg short) after its full rep: rest 4.8-5.5, 5.3 -> 7.5 over 1.4 s, held 7.8-8.2 for 3.3 s."""
import dataclasses

import numpy as np

from backform.exercises.bridge import Bridge, BridgeParams
from backform.exercises.counting import RepCounter

# (t, deg) read off c5345 every 0.33 s from 8.33 s (after rep 1)
KNOTS = [(0.0, 5.58), (0.33, 5.12), (0.67, 4.82), (1.0, 4.85), (1.33, 5.13), (1.67, 5.30), (2.0, 5.49),
         (2.33, 5.89), (2.67, 6.62), (3.0, 6.82), (3.33, 7.49), (3.67, 7.84), (4.0, 7.82), (4.33, 7.95),
         (4.67, 8.10), (5.0, 8.13), (5.33, 8.19), (5.67, 8.18), (6.0, 8.04), (6.33, 7.85), (6.67, 7.82),
         (7.0, 6.48), (7.33, 5.14), (7.67, 5.29), (9.0, 5.2)]


def _count(p: BridgeParams):
    cp = Bridge.counter_params(type("B", (), {"params": p})())
    c = RepCounter(cp)
    kt, kv = zip(*KNOTS)
    t = np.arange(0.0, 9.0, 1 / 15)
    return [w for x, v in zip(t, np.interp(t, kt, kv)) if (w := c.update(float(x), float(v))) is not None]


def test_slow_small_held_lift_is_a_rep():
    reps = _count(BridgeParams())
    assert len(reps) == 1 and reps[0].range >= 2.5


def test_a_two_second_rest_window_missed_it():
    assert _count(dataclasses.replace(BridgeParams(), rest_window_s=2.0)) == []
