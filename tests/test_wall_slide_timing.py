"""Wall slide rep timing (session 8): a slide that arrives at the top at speed (not cosine-like) is timed on the
direct 92% crossing; :func:`rise_speed_ratio` tells it from the speed at 80% of the range over the mid-rise speed."""
import math

import numpy as np

from backform.exercises.wall_slide import WallSlideParams, rise_speed_ratio


def _rise(profile: str, up: float = 2.5, fps: float = 15.0):
    t = np.arange(0.0, up + 1.0, 1.0 / fps)
    x = np.clip(t / up, 0.0, 1.0)
    f = {"cosine": (1.0 - np.cos(math.pi * x)) / 2.0, "linear": x, "ease_in": x * x}[profile]
    v = 80.0 + 85.0 * f
    mid = t[np.argmax(v >= 80.0 + 0.5 * 85.0)]
    return t, v, float(mid)


def test_cosine_rise_is_not_at_speed_linear_and_ease_in_are():
    p = WallSlideParams()
    level = 80.0 + p.speed_check_frac * 85.0
    ratios = {k: rise_speed_ratio(*_rise(k)[:2], _rise(k)[2], level) for k in ("cosine", "linear", "ease_in")}
    assert 0.7 <= ratios["cosine"] < p.arrive_speed_ratio - 0.05, ratios   # sqrt(0.8 x 0.2) / 0.5 = 0.8
    assert ratios["linear"] >= p.arrive_speed_ratio + 0.05, ratios
    assert ratios["ease_in"] >= p.arrive_speed_ratio + 0.05, ratios


def test_rise_speed_ratio_nan_when_the_level_is_never_reached():
    t, v, mid = _rise("cosine")
    assert math.isnan(rise_speed_ratio(t, v, mid, 200.0))

