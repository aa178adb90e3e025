"""Per-frame labels -> stretches: run-length encoding, minimum durations (batch), hysteresis (live).

A stretch covers ``[start_s, end_s)``: from its first frame's time to the next stretch's first frame (the
last one ends one frame period after its last frame, the median frame period).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Hashable, Sequence, TypeVar

import numpy as np

T = TypeVar("T", bound=Hashable)


@dataclass
class Run(Generic[T]):
    """Frames ``i0 .. i1-1`` carry ``label``; they cover ``[start_s, end_s)``."""

    label: T | None
    i0: int
    i1: int
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


def frame_period(times: Sequence[float]) -> float:
    return float(np.median(np.diff(times))) if len(times) > 1 else 0.0


def runs(times: Sequence[float], labels: Sequence[T | None]) -> list[Run[T]]:
    """Consecutive equal labels as runs."""
    n = len(labels)
    if n == 0:
        return []
    end = float(times[-1]) + frame_period(times)
    out: list[Run[T]] = []
    i0 = 0
    for i in range(1, n + 1):
        if i == n or labels[i] != labels[i0]:
            out.append(Run(labels[i0], i0, i, float(times[i0]), float(times[i]) if i < n else end))
            i0 = i
    return out


def _merge(a: Run[T], b: Run[T], label: T | None) -> Run[T]:
    return Run(label, a.i0, b.i1, a.start_s, b.end_s)


def smooth(times: Sequence[float], labels: Sequence[T | None], min_s: float) -> list[Run[T]]:
    """Runs with every run (but a lone one) at least ``min_s`` long: repeatedly the shortest run under
    ``min_s`` (the earliest of equals) takes the label of its neighbours when they agree, else of the longer
    neighbour (the earlier one on a tie), and merges with it. A brief flicker (a frame read as another
    posture, a dropped pose) disappears; a held posture stays."""
    rs = runs(times, labels)
    while len(rs) > 1:
        k = min(range(len(rs)), key=lambda j: (rs[j].duration_s, j))
        if rs[k].duration_s >= min_s:
            break
        prev = rs[k - 1] if k > 0 else None
        nxt = rs[k + 1] if k + 1 < len(rs) else None
        if prev is not None and nxt is not None and prev.label == nxt.label:
            rs[k - 1:k + 2] = [_merge(prev, nxt, prev.label)]
        elif nxt is None or (prev is not None and prev.duration_s >= nxt.duration_s):
            rs[k - 1:k + 1] = [_merge(prev, rs[k], prev.label)]
        else:
            rs[k:k + 2] = [_merge(rs[k], nxt, nxt.label)]
    return rs


class Hysteresis(Generic[T]):
    """The live counterpart of :func:`smooth`: the stable label changes only when another label (None
    included) has been seen on every frame for ``switch_s``."""

    def __init__(self, switch_s: float):
        self.switch_s = switch_s
        self.label: T | None = None
        self._cand: T | None = None
        self._since: float | None = None
        self._started = False

    def update(self, t_s: float, label: T | None) -> T | None:
        if not self._started:
            self._started = True
            self.label = label
            return self.label
        if label == self.label:
            self._cand, self._since = None, None
        elif label != self._cand or self._since is None:
            self._cand, self._since = label, t_s
        elif t_s - self._since >= self.switch_s:
            self.label, self._cand, self._since = label, None, None
        return self.label
