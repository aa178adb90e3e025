"""Rotations, the rig's forward kinematics and posture resolution (pure numpy, no torch).

Conventions (those of the anny body model, ``pose_parameterization="local-ref"``):

* Body frame at rest: x = the person's left, -y = their front, z = up; the root sits at the pelvis.
* Each bone's delta rotation ``D_b`` is expressed in world-aligned rest axes and composed down the chain:
  the world rotation of bone ``b`` (relative to rest) is ``W_b = W_parent(b) @ D_b``.
* A posture is a dict ``bone -> ("w", R)`` (world rotation relative to rest) or ``("d", R)`` (delta
  relative to the parent); bones not named inherit their parent's rotation (identity delta).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def rx(deg: float) -> np.ndarray:
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[1.0, 0, 0], [0, c, -s], [0, s, c]])


def ry(deg: float) -> np.ndarray:
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0, s], [0, 1.0, 0], [-s, 0, c]])


def rz(deg: float) -> np.ndarray:
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])


def axis_angle(axis, deg: float) -> np.ndarray:
    axis = np.asarray(axis, dtype=float)
    n = np.linalg.norm(axis)
    if n < 1e-12 or abs(deg) < 1e-12:
        return np.eye(3)
    k = axis / n
    a = np.radians(deg)
    K = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + np.sin(a) * K + (1 - np.cos(a)) * (K @ K)


def aim(rest_dir, target_dir, twist_deg: float = 0.0) -> np.ndarray:
    """The smallest rotation taking ``rest_dir`` onto ``target_dir``, then ``twist_deg`` about the target."""
    u = np.asarray(rest_dir, float)
    v = np.asarray(target_dir, float)
    u = u / np.linalg.norm(u)
    v = v / np.linalg.norm(v)
    c = float(np.clip(np.dot(u, v), -1.0, 1.0))
    axis = np.cross(u, v)
    if np.linalg.norm(axis) < 1e-9:
        if c > 0:
            r = np.eye(3)
        else:  # opposite: any perpendicular axis
            perp = np.cross(u, [1.0, 0, 0])
            if np.linalg.norm(perp) < 1e-6:
                perp = np.cross(u, [0, 1.0, 0])
            r = axis_angle(perp, 180.0)
    else:
        r = axis_angle(axis, np.degrees(np.arccos(c)))
    return axis_angle(v, twist_deg) @ r


def sagittal(flex_deg: float, lateral: float = 0.0) -> np.ndarray:
    """Unit direction in the body frame of a limb flexed ``flex_deg`` from hanging down.

    0 = down (-z), 90 = to the front (-y), 180 = overhead (+z), negative = behind (+y).
    ``lateral`` adds an x component (the person's left is +x) before normalising.
    """
    a = np.radians(flex_deg)
    d = np.array([lateral, -np.sin(a), -np.cos(a)])
    return d / np.linalg.norm(d)


@dataclass
class Rig:
    """The skeleton the postures act on: bone labels, parent indices and rest bone heads (metres)."""

    labels: list[str]
    parents: np.ndarray  # (B,), -1 for the root
    rest_heads: np.ndarray  # (B, 3)

    def __post_init__(self):
        self.index = {n: i for i, n in enumerate(self.labels)}
        # a topological order (parents first)
        order, seen = [], set()
        for i in range(len(self.labels)):
            chain = []
            j = i
            while j >= 0 and j not in seen:
                chain.append(j)
                j = int(self.parents[j])
            for k in reversed(chain):
                seen.add(k)
                order.append(k)
        self.order = order

    def head(self, name: str) -> np.ndarray:
        return self.rest_heads[self.index[name]]

    def dir(self, a: str, b: str) -> np.ndarray:
        """Rest direction (unit) from bone head ``a`` to bone head ``b``."""
        d = self.head(b) - self.head(a)
        return d / np.linalg.norm(d)

    def dist(self, a: str, b: str) -> float:
        return float(np.linalg.norm(self.head(b) - self.head(a)))

    def resolve(self, posture: dict) -> tuple[np.ndarray, np.ndarray]:
        """World rotations ``W`` and per-bone deltas ``D`` (both (B,3,3)) for a posture dict."""
        n = len(self.labels)
        W = np.tile(np.eye(3), (n, 1, 1))
        D = np.tile(np.eye(3), (n, 1, 1))
        for i in self.order:
            p = int(self.parents[i])
            wp = W[p] if p >= 0 else np.eye(3)
            spec = posture.get(self.labels[i])
            if spec is None:
                W[i] = wp
                D[i] = np.eye(3)
            elif spec[0] == "w":
                W[i] = spec[1]
                D[i] = wp.T @ spec[1]
            else:
                D[i] = spec[1]
                W[i] = wp @ spec[1]
        return W, D

    def fk(self, W: np.ndarray) -> np.ndarray:
        """Posed bone heads (B,3) with the root at the origin, from world rotations ``W``."""
        pos = np.zeros_like(self.rest_heads)
        for i in self.order:
            p = int(self.parents[i])
            if p < 0:
                pos[i] = 0.0
            else:
                pos[i] = pos[p] + W[p] @ (self.rest_heads[i] - self.rest_heads[p])
        return pos

    def heads(self, posture: dict) -> np.ndarray:
        return self.fk(self.resolve(posture)[0])
