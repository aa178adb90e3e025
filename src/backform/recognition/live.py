"""The recogniser frame by frame: ``Recognizer.update(pose_frame) -> Recognition`` (label, confidence).

Cheap enough for the live loop: one vectorised posture rule per frame, and the checkers of the exercises
that start in the current posture (one or two) fed the same frame. The posture changes with hysteresis
(:class:`.smoothing.Hysteresis`: held for ``switch_s``), which starts fresh candidate checkers. Each rep a
candidate completes is a piece of evidence; reps of several candidates that overlap are one movement, given
as in the batch (:func:`.segments.decide`: the camera view, the reps counted, the movement's shape).
The label is the exercise with the most reps in its movements of the last ``window_s`` (at least one); the
confidence grows with their number up to :data:`.segments.MIN_REPS`, with their share of all the reps seen
and with how clearly the movement was decided.
"""
from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..exercises import get
from ..exercises.counting import frame_view
from ..types import PoseFrame
from . import model as M
from .posture import movement, posture_of, window_shape
from .segments import MIN_REPS, candidates, decide
from .smoothing import Hysteresis


@dataclass(frozen=True)
class Recognition:
    t_s: float
    posture: str | None
    label: str | None
    confidence: float


class _Move:
    """One movement: the overlapping reps of the candidates (name -> spans), and whose it is."""

    def __init__(self, name: str, a: float, b: float):
        self.start, self.end = a, b
        self.reps: dict[str, list[tuple[float, float]]] = {name: [(a, b)]}
        self.label: str = name
        self.confidence = 1.0

    def overlaps(self, a: float, b: float) -> bool:
        return a < self.end and b > self.start

    def add(self, name: str, a: float, b: float) -> None:
        self.reps.setdefault(name, []).append((a, b))
        self.start, self.end = min(self.start, a), max(self.end, b)


class Recognizer:
    def __init__(self, exercises: Sequence[str] | None = None, switch_s: float = 2.0, window_s: float = 30.0,
                 protos: M.Prototypes | None = None):
        self.exercises = exercises
        self.window_s = window_s
        self.protos = protos if protos is not None else M.load()
        self._posture = Hysteresis[str](switch_s)
        self._stable: str | None = None
        self.posture_since_s: float | None = None  # when the current posture began (its checkers see from here)
        self._checkers: dict = {}
        self._feats: deque = deque()          # (t, movement figures, view) of the last window
        self._moves: deque[_Move] = deque()   # the movements of the last window

    def _reset(self, posture: str | None) -> None:
        self._stable = posture
        self._checkers = {n: get(n) for n in candidates(posture, self.exercises)}
        self._moves.clear()

    def _decide(self, mv: _Move) -> None:
        t = np.array([x[0] for x in self._feats])
        f = np.array([x[1] for x in self._feats])
        views = Counter(x[2] for x in self._feats if x[2] and mv.start <= x[0] <= mv.end)
        shape = window_shape(t, f, [s for spans in mv.reps.values() for s in spans])
        mv.label, mv.confidence = decide({n: len(s) for n, s in mv.reps.items()},
                                         views.most_common(1)[0][0] if views else None, shape, self.protos)

    def _rep(self, name: str, a: float, b: float) -> None:
        mv = next((m for m in self._moves if m.overlaps(a, b)), None)
        if mv is None:
            self._moves.append(_Move(name, a, b))
        else:
            mv.add(name, a, b)
            self._decide(mv)

    def update(self, pf: PoseFrame) -> Recognition:
        t = pf.t_s
        first = self.posture_since_s is None
        stable = self._posture.update(t, posture_of(pf))
        if first or stable != self._stable:
            self._reset(stable)  # a new posture is held since switch_s ago (the first frame's from now)
            self.posture_since_s = t if first else t - self._posture.switch_s
        self._feats.append((t, movement([pf])[0], frame_view(pf)))
        while self._feats and self._feats[0][0] < t - self.window_s:
            self._feats.popleft()
        for name, ex in self._checkers.items():
            res = ex.update(pf)
            rep = res.completed if res is not None else None
            if rep is not None:
                self._rep(name, rep.start_s, rep.end_s)
        while self._moves and self._moves[0].end < t - self.window_s:
            self._moves.popleft()
        return self._current(t)

    def first_rep_s(self, label: str) -> float | None:
        """When ``label``'s evidence in the window begins: the start of its first movement (None: none)."""
        return min((mv.start for mv in self._moves if mv.label == label), default=None)

    def _current(self, t: float) -> Recognition:
        if not self._moves:
            return Recognition(t, self._stable, None, 0.0)
        reps: Counter = Counter()
        confs: dict[str, list[float]] = {}
        for mv in self._moves:
            reps[mv.label] += len(mv.reps.get(mv.label, ()))
            confs.setdefault(mv.label, []).append(mv.confidence)
        label = max(reps, key=lambda n: (reps[n], n))
        share = reps[label] / sum(reps.values())
        return Recognition(t, self._stable, label,
                           round(min(1.0, reps[label] / MIN_REPS) * share * float(np.mean(confs[label])), 3))
