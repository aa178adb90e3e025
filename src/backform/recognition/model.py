"""Which of several exercises of the same posture a movement is: nearest prototype of the movement's shape.

When two checkers of one posture both count a rep at the same time (the back extension's and the arm lift's
both rise when the arms and chest lift), the shape of the movement decides: the median per-rep range of the
figures of :func:`backform.recognition.posture.movement` (trunk elevation, wrist, ankle, hip and nose
heights), compared with each exercise's prototype (the mean shape of its reps in the synthetic sample
clips), scaled by the figures' spread and divided by the exercise's own radius (the typical distance of
its training reps to the prototype). The smallest score wins.

The prototypes are ``prototypes.json`` beside this module, written by ``python bench/recognition.py
--train`` from the synthetic clips' truth (``sample_videos/*.truth.json``: the exercise and each rep's
start and end) and their landmark recordings; nothing else is learned. An exercise without a prototype (a
new one) scores :data:`UNKNOWN_SCORE`: it wins over a known exercise only when the movement is well outside
that exercise's usual shape, and alone it is decided by its checker.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from .posture import FEATURES

SCHEMA = "backform.recognition/1"
PATH = Path(__file__).with_name("prototypes.json")
UNKNOWN_SCORE = 1.5


@dataclass(frozen=True)
class Prototypes:
    features: tuple[str, ...]
    scale: np.ndarray
    centre: dict[str, np.ndarray]
    radius: dict[str, float]

    def score(self, name: str, shape: np.ndarray | None) -> float:
        """How unlike ``name``'s usual movement ``shape`` is (about 1 = typical of it)."""
        if shape is None or name not in self.centre:
            return UNKNOWN_SCORE
        d = float(np.linalg.norm((shape - self.centre[name]) / self.scale))
        return d / max(self.radius[name], 1e-6)

    def choose(self, candidates: Sequence[str], shape: np.ndarray | None) -> tuple[str, float]:
        """The candidate the shape fits best, and a confidence 0.5-1 (0.5: the two best fit equally)."""
        if len(candidates) == 1:
            return candidates[0], 1.0
        scores = sorted((self.score(n, shape), n) for n in candidates)
        (s0, best), (s1, _) = scores[0], scores[1]
        return best, (s1 / (s0 + s1) if s0 + s1 > 0 else 0.5)

    def to_json(self, trained_on: list[str], command: str) -> dict:
        return {"schema": SCHEMA, "features": list(self.features), "scale": _r(self.scale),
                "prototypes": {n: {"centre": _r(c), "radius": round(self.radius[n], 4)}
                               for n, c in sorted(self.centre.items())},
                "trained_on": trained_on, "command": command}


def _r(a: np.ndarray) -> list[float]:
    return [round(float(x), 4) for x in a]


def train(shapes: dict[str, list[np.ndarray]]) -> Prototypes:
    """Prototypes from per-rep shapes (exercise -> shapes of its reps)."""
    allv = np.array([v for vs in shapes.values() for v in vs])
    scale = np.maximum(allv.std(axis=0), 1e-3)
    centre = {n: np.mean(vs, axis=0) for n, vs in shapes.items() if vs}
    radius = {n: float(np.median([np.linalg.norm((v - centre[n]) / scale) for v in vs])) or 1.0
              for n, vs in shapes.items() if vs}
    return Prototypes(FEATURES, scale, centre, radius)


def from_json(d: dict) -> Prototypes:
    if d.get("schema") != SCHEMA or tuple(d.get("features", ())) != FEATURES:
        raise ValueError(f"prototypes: expected {SCHEMA} with features {FEATURES}")
    p = d["prototypes"]
    return Prototypes(FEATURES, np.array(d["scale"], float), {n: np.array(v["centre"], float) for n, v in p.items()},
                      {n: float(v["radius"]) for n, v in p.items()})


@lru_cache(maxsize=1)
def load(path: str | None = None) -> Prototypes:
    """The prototypes shipped with the package (or those at ``path``); none at all is an empty model."""
    p = Path(path) if path else PATH
    if not p.is_file():
        return Prototypes(FEATURES, np.ones(len(FEATURES)), {}, {})
    return from_json(json.loads(p.read_text()))
