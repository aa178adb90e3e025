"""Time-aware landmark smoothing (One Euro filter), used only where measurement shows it helps.

The One Euro filter (Casiez, Roussel, Vogel, CHI 2012) is a low-pass filter whose cut-off rises with the
signal's speed: strong smoothing when still, little lag when moving. It takes each sample's timestamp, so a
webcam's uneven frame times and a thinned recording are handled alike.

MediaPipe's VIDEO mode already smooths landmarks; ``bench/smoothing.py`` measures whether this filter
still improves the angles the checks use (jitter on still segments vs lag on movements) and the default
below follows that measurement.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ..types import PoseFrame


def _alpha(cutoff_hz: float, dt_s: float) -> float:
    tau = 1.0 / (2.0 * math.pi * cutoff_hz)
    return 1.0 / (1.0 + tau / dt_s)


class OneEuroFilter:
    """Vectorised One Euro filter over an array of values; ``update(t_s, x)`` returns the filtered array."""

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.05, d_cutoff: float = 1.0):
        self.min_cutoff, self.beta, self.d_cutoff = min_cutoff, beta, d_cutoff
        self.reset()

    def reset(self) -> None:
        self._t = None
        self._x = None
        self._dx = None

    def update(self, t_s: float, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if self._t is None or t_s <= self._t or self._x.shape != x.shape:
            self._t, self._x, self._dx = t_s, x.copy(), np.zeros_like(x)
            return x.copy()
        dt = t_s - self._t
        dx = (x - self._x) / dt
        a_d = _alpha(self.d_cutoff, dt)
        self._dx = a_d * dx + (1 - a_d) * self._dx
        cutoff = self.min_cutoff + self.beta * np.abs(self._dx)
        a = 1.0 / (1.0 + (1.0 / (2 * np.pi * cutoff)) / dt)
        self._x = a * x + (1 - a) * self._x
        self._t = t_s
        return self._x.copy()


@dataclass(frozen=True)
class SmoothingConfig:
    # Off: measured with bench/smoothing.py on the real clips at the 15-20 frames/s analysis rate, VIDEO
    # mode leaves 0.2-1.0° of frame-to-frame jitter in the checked angles over holds (checks use 5°+
    # tolerances). This filter cut it by 11-44% but delayed movements by 75-90 ms (>1 analysis frame); a
    # faster setting (min_cutoff 5, beta 2) kept only 1-21% of gain for 25 ms of lag. Not worth it.
    enabled: bool = False
    min_cutoff_hz: float = 1.5  # still-segment cut-off
    beta: float = 0.3           # speed coefficient on normalised coordinates per second
    max_gap_s: float = 0.5      # a longer drop-out restarts the filter (no smoothing across a lost pose)


class LandmarkSmoother:
    """Pipeline stage: One Euro on image x, y and world x, y, z of every landmark; visibility untouched."""

    def __init__(self, config: SmoothingConfig = SmoothingConfig(enabled=True)):
        self.config = config
        self._img = OneEuroFilter(config.min_cutoff_hz, config.beta)
        self._world = OneEuroFilter(config.min_cutoff_hz, config.beta)
        self._last_t = None

    def update(self, pf: PoseFrame) -> PoseFrame:
        if pf.landmarks is None:
            return pf
        t = pf.t_s
        if self._last_t is not None and t - self._last_t > self.config.max_gap_s:
            self._img.reset()
            self._world.reset()
        self._last_t = t
        lm = pf.landmarks.copy()
        lm[:, :2] = self._img.update(t, pf.landmarks[:, :2]).astype(np.float32)
        world = None if pf.world is None else self._world.update(t, pf.world).astype(np.float32)
        return replace(pf, landmarks=lm, world=world)


def make_smoother(config: SmoothingConfig = SmoothingConfig()) -> LandmarkSmoother | None:
    """The smoothing stage the pipeline uses, or None when smoothing is off."""
    return LandmarkSmoother(config) if config.enabled else None
