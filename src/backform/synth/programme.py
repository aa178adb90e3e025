"""A whole programme in one timeline: exercise blocks joined by transition motions (pure numpy, no torch).

``Programme(rig, blocks)`` lays out, on one time axis, what a patient filming the whole programme does:

- **exercise blocks** (``Block``: exercise, reps, faults, first side) played by the existing motion classes
  (``motion.plan_motion`` / ``state_at`` / ``REGISTRY[name].posture``), each placed in the room by a fixed
  horizontal offset (the mat around x = 0, the wall for the wall slide ``WALL_OFFSET_X`` further toward -X);
- **transitions** between them, keyframed: every key is a whole-body pose (the world rotation of every bone,
  relative to rest, and the root's horizontal position), the first key the previous block's last pose, the
  last key the next block's first pose; in between the bones' rotations are slerped and the root moved
  linearly with a cosine ease, so nothing jumps. The transitions the programme knows (``TRANSITIONS``):
  get down (standing -> kneeling upright -> hands and knees), lower to prone (hands and knees -> lying face
  down), roll over (face down -> on the right side -> on the back, knees up), sit up and stand (hook lying ->
  sitting -> squatting -> standing, facing the feet end), walk to the wall (turn round, steps, arms onto the
  wall); each 2-6 s;
- **rests**: a pose held still, with a small breathing sway of the thorax.

The vertical placement is left to the renderer: every frame is dropped so that its lowest vertex touches the
floor (``floor = "min"`` of ``motion.Pose``), which is right for every exercise used here (the back extension
lies on a pillow and is not part of a programme yet) and for every transition (something always rests on
the floor).

``truth()`` gives the segments (exercise, start_s, end_s: the block's motion, lead-in and tail included),
what is not an exercise (``other``: transition or rest, with its name) and every rep with absolute times,
computed from the rendered progress curve ``p`` (``truth.rep_times``) at the frame times.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..exercises import spec
from .motion import (G_STAND, LUMBAR, NECK, REGISTRY, FaultSpec, Motion, Posture, _lat, ease,
                     plan_motion, solve, state_at)
from .rig import Rig, rx, rz, sagittal
from .truth import rep_times

SCHEMA = "backform.truth/2"
WALL_OFFSET_X = -2.3  # the wall slide's own frame (front foot at x = 0) moved this far along x
OFFSETS = {"bird_dog": (0.0, 0.0), "prone_arm_lift": (0.3, 0.0), "bridge": (-0.2, 0.0),
           "wall_slide": (WALL_OFFSET_X, 0.0)}
G_SIDE_R = np.array([[0.0, 0, -1], [0, 1, 0], [1, 0, 0]])  # lying on the right side, head to -X, face to -Y
G_STAND_BACK = rz(180.0) @ G_STAND  # standing facing +X (left to +Y)


# ------------------------------------------------------------------------------------------- poses
@dataclass
class BodyPose:
    """One instant: world rotations of every bone relative to rest (B,3,3), the root's x, y (metres)."""

    W: np.ndarray
    xy: np.ndarray
    p: float = math.nan  # an exercise's progress (0 rest .. 1 top); nan outside exercises


def _quat(R: np.ndarray) -> np.ndarray:
    """(B,3,3) rotations -> (B,4) unit quaternions (w, x, y, z) (Shepperd: from the largest component)."""
    tr = np.trace(R, axis1=1, axis2=2)
    d = np.stack([tr, R[:, 0, 0], R[:, 1, 1], R[:, 2, 2]], axis=1)
    k = d.argmax(1)
    q = np.empty((len(R), 4))
    for i in range(len(R)):
        m = R[i]
        if k[i] == 0:
            r = np.sqrt(1.0 + tr[i]) * 2
            q[i] = (0.25 * r, (m[2, 1] - m[1, 2]) / r, (m[0, 2] - m[2, 0]) / r, (m[1, 0] - m[0, 1]) / r)
        elif k[i] == 1:
            r = np.sqrt(max(1.0 + m[0, 0] - m[1, 1] - m[2, 2], 1e-12)) * 2
            q[i] = ((m[2, 1] - m[1, 2]) / r, 0.25 * r, (m[0, 1] + m[1, 0]) / r, (m[0, 2] + m[2, 0]) / r)
        elif k[i] == 2:
            r = np.sqrt(max(1.0 + m[1, 1] - m[0, 0] - m[2, 2], 1e-12)) * 2
            q[i] = ((m[0, 2] - m[2, 0]) / r, (m[0, 1] + m[1, 0]) / r, 0.25 * r, (m[1, 2] + m[2, 1]) / r)
        else:
            r = np.sqrt(max(1.0 + m[2, 2] - m[0, 0] - m[1, 1], 1e-12)) * 2
            q[i] = ((m[1, 0] - m[0, 1]) / r, (m[0, 2] + m[2, 0]) / r, (m[1, 2] + m[2, 1]) / r, 0.25 * r)
    return q / np.linalg.norm(q, axis=1, keepdims=True)


def _mat(q: np.ndarray) -> np.ndarray:
    """(B,4) unit quaternions (w, x, y, z) -> (B,3,3) rotations."""
    w, x, y, z = q.T
    return np.stack([
        np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], -1),
        np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], -1),
        np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], -1)], 1)


def slerp(Wa: np.ndarray, Wb: np.ndarray, s: float) -> np.ndarray:
    """Per-bone spherical interpolation between two sets of rotations (the shorter way round)."""
    qa, qb = _quat(Wa), _quat(Wb)
    dot = np.sum(qa * qb, axis=1)
    qb = np.where(dot[:, None] < 0, -qb, qb)
    dot = np.abs(dot).clip(-1.0, 1.0)
    th = np.arccos(dot)
    small = th < 1e-6
    sth = np.where(small, 1.0, np.sin(th))
    wa = np.where(small, 1.0 - s, np.sin((1 - s) * th) / sth)
    wb = np.where(small, s, np.sin(s * th) / sth)
    q = wa[:, None] * qa + wb[:, None] * qb
    return _mat(q / np.linalg.norm(q, axis=1, keepdims=True))


def deltas(rig: Rig, W: np.ndarray) -> np.ndarray:
    """Per-bone deltas D (for ``Body.pose_batch``) from world rotations: D_root = W_root, D_b = W_parent^T W_b."""
    D = np.empty_like(W)
    for i in range(len(rig.labels)):
        p = int(rig.parents[i])
        D[i] = W[i] if p < 0 else W[p].T @ W[i]
    return D


def _yaw(W: np.ndarray, deg: float) -> np.ndarray:
    return np.einsum("ij,bjk->bik", rz(deg), W)


def stand(rig: Rig, step: float = 0.0, arms: float = 6.0) -> np.ndarray:
    """Standing facing -X; ``step`` (deg) swings the left thigh forward and the right back (negative: the other
    way), the back leg's knee bent as in a walking step."""
    P = Posture(rig)
    P.world("root", G_STAND)
    for s in "LR":
        sw = step * _lat(s)
        P.thigh(s, G_STAND, sagittal(sw, 0.03 * _lat(s)))
        P.shin(s, G_STAND, sagittal(sw - (abs(sw) * 1.5 if sw < 0 else 0.0), 0.03 * _lat(s)))
        P.foot(s, G_STAND, sagittal(95.0, 0.1 * _lat(s)))
        P.upperarm(s, G_STAND, sagittal(arms - 0.6 * sw, 0.18 * _lat(s)))
        P.forearm(s, G_STAND, sagittal(arms + 8.0 - 0.6 * sw, 0.08 * _lat(s)))
        P.hand(s, G_STAND, sagittal(arms + 8.0 - 0.6 * sw, 0.0))
    return rig.resolve(P.d)[0]


def kneel(rig: Rig) -> np.ndarray:
    """Kneeling upright facing -X: thighs down, shins back along the floor, toes pointed."""
    P = Posture(rig)
    P.world("root", G_STAND @ rx(8.0))
    for s in "LR":
        P.thigh(s, G_STAND, sagittal(5.0, 0.08 * _lat(s)))
        P.shin(s, G_STAND, sagittal(-88.0, 0.06 * _lat(s)))
        P.foot(s, G_STAND, sagittal(-95.0, 0.0))
        P.upperarm(s, G_STAND, sagittal(25.0, 0.2 * _lat(s)))
        P.forearm(s, G_STAND, sagittal(45.0, 0.1 * _lat(s)))
        P.hand(s, G_STAND, sagittal(45.0, 0.0))
    return rig.resolve(P.d)[0]


def side_lying(rig: Rig) -> np.ndarray:
    """On the right side, head to -X, knees a little bent, the top arm along the body."""
    G = G_SIDE_R
    P = Posture(rig)
    P.world("root", G)
    P.spread(NECK, 5.0)
    for s in "LR":
        P.thigh(s, G, sagittal(30.0, 0.05 * _lat(s)))
        P.shin(s, G, sagittal(-10.0, 0.05 * _lat(s)))
        P.foot(s, G, sagittal(80.0, 0.0))
        P.upperarm(s, G, sagittal(60.0 if s == "R" else 10.0, 0.15 * _lat(s)))
        P.forearm(s, G, sagittal(90.0 if s == "R" else 20.0, 0.05 * _lat(s)))
        P.hand(s, G, sagittal(90.0 if s == "R" else 20.0, 0.0))
    return rig.resolve(P.d)[0]


def sit(rig: Rig) -> np.ndarray:
    """Sitting on the floor facing +X, knees up, hands on the floor behind the hips."""
    G = G_STAND_BACK
    P = Posture(rig)
    P.world("root", G @ rx(-15.0))
    P.spread(LUMBAR, 8.0)
    for s in "LR":
        P.thigh(s, G, sagittal(120.0, 0.10 * _lat(s)))
        P.shin(s, G, sagittal(20.0, 0.08 * _lat(s)))
        P.foot(s, G, sagittal(95.0, 0.05 * _lat(s)))
        P.upperarm(s, G, sagittal(-30.0, 0.35 * _lat(s)))
        P.forearm(s, G, sagittal(-25.0, 0.2 * _lat(s)))
        P.hand(s, G, sagittal(-25.0, 0.0))
    return rig.resolve(P.d)[0]


def squat(rig: Rig) -> np.ndarray:
    """Deep squat facing +X on the way up, the trunk leaning forward, hands forward for balance."""
    G = G_STAND_BACK
    P = Posture(rig)
    P.world("root", G @ rx(45.0))
    for s in "LR":
        P.thigh(s, G, sagittal(95.0, 0.12 * _lat(s)))
        P.shin(s, G, sagittal(-15.0, 0.06 * _lat(s)))
        P.foot(s, G, sagittal(95.0, 0.05 * _lat(s)))
        P.upperarm(s, G, sagittal(60.0, 0.15 * _lat(s)))
        P.forearm(s, G, sagittal(70.0, 0.05 * _lat(s)))
        P.hand(s, G, sagittal(70.0, 0.0))
    return rig.resolve(P.d)[0]


def breathe(rig: Rig, W: np.ndarray, x: float) -> np.ndarray:
    """A still pose taking one breath over a rest (``x`` 0..1): the thorax rocks up to 1.5 deg about its own
    left-right axis and back (none at either end, so the rest joins its neighbours without a jump)."""
    a = 1.5 * math.sin(math.pi * min(max(x, 0.0), 1.0))
    out = W.copy()
    i = rig.index.get("spine01")
    if i is None:
        return out
    R = W[i] @ rx(a) @ W[i].T  # a small rotation about the thorax's own x axis, applied to it and below
    for j in _subtree(rig, i):
        out[j] = R @ W[j]
    return out


def _subtree(rig: Rig, i: int) -> list[int]:
    kids = [i]
    for j in rig.order:
        if int(rig.parents[j]) in kids:
            kids.append(j)
    return kids


# ------------------------------------------------------------------------------------------- pieces
@dataclass(frozen=True)
class Block:
    exercise: str
    reps: int = 3
    faults: tuple[FaultSpec, ...] = ()
    start_side: str = "left"


@dataclass
class Piece:
    kind: str  # "exercise" | "transition" | "rest"
    name: str  # the exercise, the transition ("get down", ...) or "rest"
    start_s: float
    end_s: float
    at: Callable[[float], BodyPose] = field(repr=False)  # local time (s) -> pose
    motion: Motion | None = None


def keyed(keys: list[tuple[float, np.ndarray, np.ndarray]]) -> tuple[float, Callable[[float], BodyPose]]:
    """A keyframed motion: ``keys`` = (seconds from the previous key, W, xy); eased slerp between keys."""
    times = np.cumsum([k[0] for k in keys])
    times = times - times[0]

    def at(t: float) -> BodyPose:
        j = int(np.searchsorted(times, t, side="right"))
        if j <= 0:
            return BodyPose(keys[0][1], np.asarray(keys[0][2], float))
        if j >= len(keys):
            return BodyPose(keys[-1][1], np.asarray(keys[-1][2], float))
        s = ease((t - times[j - 1]) / (times[j] - times[j - 1]))
        xy = (1 - s) * np.asarray(keys[j - 1][2], float) + s * np.asarray(keys[j][2], float)
        return BodyPose(slerp(keys[j - 1][1], keys[j][1], s), xy)
    return float(times[-1]), at


def walk_keys(rig: Rig, a: BodyPose, b: BodyPose, yaw0: float, yaw1: float, step_s: float = 0.6,
              stride: float = 0.5) -> list[tuple[float, np.ndarray, np.ndarray]]:
    """Turn on the spot from ``yaw0`` to ``yaw1`` (deg about z, added to standing facing -X), then walk with
    alternating steps from ``a``'s root to ``b``'s, then settle into ``b``."""
    keys = [(0.0, a.W, a.xy)]
    keys.append((1.0, _yaw(stand(rig), yaw0), a.xy))
    mid = 0.5 * (yaw0 + yaw1)
    keys.append((0.6, _yaw(stand(rig, 10.0), mid), a.xy))
    keys.append((0.6, _yaw(stand(rig), yaw1), a.xy))
    d = np.asarray(b.xy, float) - np.asarray(a.xy, float)
    n = max(2, int(math.ceil(np.linalg.norm(d) / stride)))
    for k in range(1, n + 1):
        step = 0.0 if k == n else (18.0 if k % 2 else -18.0)
        keys.append((step_s, _yaw(stand(rig, step), yaw1), a.xy + d * k / n))
    keys.append((1.6, b.W, b.xy))
    return keys


class Programme:
    """The timeline of one filmed programme (see the module's docstring)."""

    def __init__(self, rig: Rig, blocks: list[Block], front_depth: float = 0.11, rest_s: float = 1.5,
                 start_xy=(0.75, 0.0)):
        self.rig = rig
        self.blocks = list(blocks)
        self.pieces: list[Piece] = []
        for b in self.blocks:
            if b.exercise not in OFFSETS:
                raise ValueError(f"{b.exercise} cannot be part of a rendered programme yet; "
                                 f"valid: {', '.join(OFFSETS)}")
        self.front_depth = front_depth
        body = dict(front_depth=front_depth)
        t = 0.0
        prev = BodyPose(stand(rig), np.asarray(start_xy, float))
        t = self._add_rest(t, prev, rest_s)
        for b in self.blocks:
            ex = REGISTRY[b.exercise]
            motion = plan_motion(b.exercise, b.reps, list(b.faults), start_side=b.start_side)
            ctx = ex.prepare(rig, motion, body)
            ctx["solve"] = solve
            first = self._exercise_pose(ex, motion, ctx, b.exercise, 0.0)
            for name, dur, at in self._transitions(prev, first, b.exercise):
                self.pieces.append(Piece("transition", name, t, t + dur, at))
                t += dur
            at = (lambda ex, m, c, e: (lambda u: self._exercise_pose(ex, m, c, e, u)))(ex, motion, ctx, b.exercise)
            self.pieces.append(Piece("exercise", b.exercise, t, t + motion.duration, at, motion))
            t += motion.duration
            prev = at(motion.duration)
            t = self._add_rest(t, prev, rest_s)
        self.duration = t

    # ------------------------------------------------------------------ building
    def _add_rest(self, t: float, pose: BodyPose, dur: float) -> float:
        rig = self.rig
        self.pieces.append(Piece("rest", "rest", t, t + dur,
                                 lambda u: BodyPose(breathe(rig, pose.W, u / dur), pose.xy)))
        return t + dur

    def _exercise_pose(self, ex, motion, ctx, name, u) -> BodyPose:
        st = state_at(motion, float(u))
        ps = ex.posture(self.rig, st, ctx)
        W, _ = self.rig.resolve(ps.posture)
        off = np.asarray(OFFSETS[name], float)
        return BodyPose(W, np.asarray(ps.translation, float)[:2] + off, float(st["p"]))

    def _transitions(self, a: BodyPose, b: BodyPose, nxt: str):
        """The transitions from pose ``a`` (standing, or the end of the previous block) into ``nxt``'s start."""
        rig = self.rig
        posture = spec(nxt).posture
        cur = self._posture_of(a)
        out = []
        if cur == posture and (posture != "standing" or np.linalg.norm(a.xy - b.xy) < 0.8):
            out.append(("settle", *keyed([(0.0, a.W, a.xy), (2.0, b.W, b.xy)])))
            return out
        if cur == "standing" and posture != "standing":
            q = b if posture == "quadruped" else self._quadruped()
            knee_xy = q.xy
            if np.linalg.norm(a.xy - knee_xy) > 0.8:  # at the wall: turn round, walk to the mat, turn back
                at_mat = BodyPose(stand(rig), knee_xy + np.array([0.3, 0.0]))
                out.append(("walk to the mat", *keyed(walk_keys(rig, a, at_mat, 0.0, 180.0))))
                a = at_mat
            out.append(("get down", *keyed([(0.0, a.W, a.xy), (2.2, kneel(rig), knee_xy), (1.8, q.W, q.xy)])))
            a, cur = q, "quadruped"
        if cur == "quadruped" and posture in ("prone", "supine"):
            pr = b if posture == "prone" else self._prone()
            out.append(("lower to prone", *keyed([(0.0, a.W, a.xy), (3.0, pr.W, pr.xy)])))
            a, cur = pr, "prone"
        if cur == "prone" and posture == "supine":
            side = BodyPose(side_lying(rig), 0.5 * (a.xy + b.xy) + np.array([0.0, 0.15]))
            out.append(("roll over", *keyed([(0.0, a.W, a.xy), (1.8, side.W, side.xy), (1.8, b.W, b.xy)])))
            a, cur = b, "supine"
        if cur == "supine" and posture == "prone":
            side = BodyPose(side_lying(rig), 0.5 * (a.xy + b.xy) + np.array([0.0, 0.15]))
            out.append(("roll over", *keyed([(0.0, a.W, a.xy), (1.8, side.W, side.xy), (1.8, b.W, b.xy)])))
            a, cur = b, "prone"
        if cur in ("supine", "prone", "quadruped") and posture == "standing":
            hip = a.xy + np.array([0.1, 0.0])
            keys = [(0.0, a.W, a.xy)]
            if cur != "supine":
                keys.append((1.8, side_lying(rig), a.xy + np.array([0.0, 0.15])))
            keys += [(2.0, sit(rig), hip), (1.6, squat(rig), hip + np.array([0.25, 0.0])),
                     (1.6, _yaw(stand(rig), 180.0), hip + np.array([0.3, 0.0]))]
            out.append(("sit up and stand", *keyed(keys)))
            a = BodyPose(keys[-1][1], keys[-1][2])
            cur = "standing"
        if cur == "standing" and posture == "standing" and out:
            out.append(("walk to the wall", *keyed(walk_keys(rig, a, b, 180.0, 0.0))))
        elif cur == "standing" and posture == "standing":
            out.append(("walk to the wall", *keyed(walk_keys(rig, a, b, 0.0, 0.0))))
        return [o for o in out if o[1] > 0]

    def _quadruped(self) -> BodyPose:
        m = plan_motion("bird_dog", 1)
        ex = REGISTRY["bird_dog"]
        return self._exercise_pose(ex, m, ex.prepare(self.rig, m, {}), "bird_dog", 0.0)

    def _prone(self) -> BodyPose:
        m = plan_motion("prone_arm_lift", 1)
        ex = REGISTRY["prone_arm_lift"]
        ctx = ex.prepare(self.rig, m, dict(front_depth=self.front_depth))
        return self._exercise_pose(ex, m, ctx, "prone_arm_lift", 0.0)

    def _posture_of(self, pose: BodyPose) -> str:
        """standing / quadruped / prone / supine from the root's world rotation (trunk up, face down or up)."""
        R = pose.W[self.rig.index["root"]]
        up = R @ np.array([0.0, 0.0, 1.0])  # the body's head direction
        front = R @ np.array([0.0, -1.0, 0.0])
        if up[2] > 0.7:
            return "standing"
        if front[2] > 0.5:
            return "supine"
        return "quadruped" if self._knees_bent(pose) else "prone"

    def _knees_bent(self, pose: BodyPose) -> bool:
        i = self.rig.index["upperleg01.L"]
        thigh = pose.W[i] @ self.rig.dir("upperleg01.L", "lowerleg01.L")
        return thigh[2] < -0.7  # the thigh points down: on the knees

    # ------------------------------------------------------------------ sampling and truth
    def piece_at(self, t: float) -> Piece:
        for pc in self.pieces:
            if t < pc.end_s - 1e-9:
                return pc
        return self.pieces[-1]

    def pose_at(self, t: float) -> BodyPose:
        pc = self.piece_at(t)
        return pc.at(min(max(t - pc.start_s, 0.0), pc.end_s - pc.start_s))

    def sample(self, fps: float, frames_limit: int | None = None):
        """Frame times, world rotations (F,B,3,3), root x, y (F,2), progress p (F,; nan outside exercises)."""
        n = int(math.floor(self.duration * fps)) + 1
        if frames_limit:
            n = min(n, frames_limit)
        t = np.arange(n) / fps
        poses = [self.pose_at(float(x)) for x in t]
        return t, np.stack([p.W for p in poses]), np.stack([p.xy for p in poses]), np.array([p.p for p in poses])

    def truth(self, t: np.ndarray, p: np.ndarray) -> dict:
        """Segments, what is not an exercise, and every rep (absolute seconds) from the frames' progress ``p``."""
        segs, other, reps = [], [], []
        for pc in self.pieces:
            if pc.kind != "exercise":
                other.append(dict(kind=pc.kind, name=pc.name, start_s=round(pc.start_s, 3), end_s=round(pc.end_s, 3)))
                continue
            windows = [(pc.start_s + r.t_up - 0.5, pc.start_s + r.t_end + 0.5) for r in pc.motion.reps]
            times = rep_times(t, np.nan_to_num(p), windows)
            rr = []
            for r, tm in zip(pc.motion.reps, times):
                rr.append(dict(n=r.n, side=r.side, **tm, faults=sorted(r.faults),
                               phases=dict(up_start_s=round(pc.start_s + r.t_up, 3),
                                           down_end_s=round(pc.start_s + r.t_end, 3))))
            segs.append(dict(exercise=pc.name, start_s=round(pc.start_s, 3), end_s=round(pc.end_s, 3),
                             rep_count=len(rr), reps=rr,
                             faults=sorted({f.code for f in pc.motion.faults})))
            reps += [dict(exercise=pc.name, **r) for r in rr]
        return dict(segments=segs, other=other, reps=reps, duration_s=round(self.duration, 3),
                    pieces=[(pc.kind, pc.name, round(pc.start_s, 3), round(pc.end_s, 3)) for pc in self.pieces])


DEFAULT_BLOCKS = [Block("bird_dog", 3), Block("prone_arm_lift", 2), Block("bridge", 3), Block("wall_slide", 2)]
