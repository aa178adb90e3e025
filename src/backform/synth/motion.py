"""Kinematic descriptions of the five exercises: timeline (reps, tempo, holds, sides) and posture per instant.

Pure numpy. ``plan_motion`` turns an exercise name, a rep count and faults into a ``Motion`` (per-rep phase
times); ``Exercise.posture(rig, state)`` turns one instant's state into a posture dict for the rig (see
``rig.py``), a root translation and how to put the body on the floor.

Each fault has a magnitude in a documented unit (``FAULTS``); a fault applies to all reps unless reps are
given (``same_side`` defaults to rep 2).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .rig import Rig, aim, rx, rz, sagittal

EXERCISES = ("bridge", "bird_dog", "prone_extension", "prone_arm_lift", "wall_slide")

# code -> (default magnitude, unit, meaning)
FAULTS: dict[str, dict[str, tuple[float, str, str]]] = {
    "bridge": {
        "lumbar_arch": (30.0, "deg", "hips lifted by lumbar extension of this many degrees (total over the lumbar spine)"),
        "hips_low": (25.0, "deg", "top of the lift short of a straight shoulder-hip-knee line by this many degrees"),
        "short_hold": (0.6, "s", "hold at the top lasts this long (clean: 2.5 s)"),
        "fast_lowering": (0.5, "s", "lowering takes this long (clean: 2.5 s)"),
    },
    "bird_dog": {
        "trunk_rotation": (20.0, "deg", "whole trunk rolls this far, lifted-leg side up"),
        "back_sag": (25.0, "deg", "lumbar extension (belly drops) of this many degrees"),
        "back_arch": (25.0, "deg", "lumbar flexion (back rounds up) of this many degrees"),
        "arm_low": (25.0, "deg", "raised arm this far below horizontal"),
        "arm_high": (25.0, "deg", "raised arm this far above horizontal"),
        "leg_low": (25.0, "deg", "raised leg this far below horizontal"),
        "leg_high": (20.0, "deg", "raised leg this far above horizontal"),
        "short_hold": (0.6, "s", "hold lasts this long (clean: 2.5 s)"),
        "same_side": (1.0, "-", "this rep repeats the previous rep's side instead of alternating"),
    },
    "prone_extension": {
        "chin_not_tucked": (25.0, "deg", "neck extended (chin poked) this many degrees at the top"),
        "arms_on_floor": (1.0, "-", "arms rest on the floor instead of hovering"),
        "short_hold": (2.0, "s", "hold lasts this long (clean: 5 s)"),
    },
    "prone_arm_lift": {
        "chin_not_tucked": (25.0, "deg", "neck extended (chin poked) this many degrees at the top"),
        "elbows_straight": (15.0, "deg", "elbow flexion kept (clean W: 90 deg)"),
        "arms_not_lifted": (3.0, "deg", "arms lift only this far off the floor (clean: 20 deg)"),
        "short_hold": (2.0, "s", "hold lasts this long (clean: 5 s)"),
    },
    "wall_slide": {
        "low_back_arch": (20.0, "deg", "lumbar extension (with anterior pelvic tilt) of this many degrees at the top"),
        "arms_not_overhead": (40.0, "deg", "top arm elevation this far short of full (clean: 170 deg shoulder flexion)"),
        "no_lift_off": (1.0, "-", "hands stay on the wall at the top"),
        "no_pause": (1.0, "-", "no pause at the top"),
        "fast_return": (0.6, "s", "return takes this long (clean: 2.5 s)"),
    },
}

# clean tempo per exercise: seconds
TEMPO = {
    "bridge": dict(up=1.5, hold=2.5, down=2.5, rest=1.2),
    "bird_dog": dict(up=1.5, hold=2.5, down=1.5, rest=1.0),
    "prone_extension": dict(up=1.5, hold=5.0, down=1.5, rest=1.5),
    "prone_arm_lift": dict(up=1.2, hold=5.0, down=1.2, rest=1.5),
    # wall slide: up = slide up, hold = the pause at the top (includes lift-off), down = the return
    "wall_slide": dict(up=2.5, hold=2.0, down=2.5, rest=1.2),
}
LEAD_IN_S = 1.0
TAIL_S = 0.8
LIFT_OFF_S = 0.5  # wall slide: time to lift the hands off the wall (and to put them back)


@dataclass(frozen=True)
class FaultSpec:
    code: str
    magnitude: float
    reps: tuple[int, ...] | None = None  # None: every rep (same_side: rep 2)

    @staticmethod
    def parse(text: str, exercise: str) -> "FaultSpec":
        """``code``, ``code:mag`` or ``code:mag@1,3``."""
        reps = None
        if "@" in text:
            text, r = text.split("@", 1)
            reps = tuple(int(x) for x in r.split(",") if x.strip())
        code, _, mag = text.partition(":")
        code = code.strip()
        table = FAULTS[exercise]
        if code not in table:
            raise ValueError(f"unknown fault {code!r} for {exercise}; valid: {', '.join(table)}")
        m = float(mag) if mag else table[code][0]
        return FaultSpec(code, m, reps)


@dataclass
class Rep:
    n: int
    side: str | None
    t_up: float  # lift starts
    up: float
    hold: float
    down: float
    faults: dict[str, float] = field(default_factory=dict)

    @property
    def t_top(self) -> float:
        return self.t_up + self.up

    @property
    def t_down(self) -> float:
        return self.t_top + self.hold

    @property
    def t_end(self) -> float:
        return self.t_down + self.down


@dataclass
class Motion:
    exercise: str
    reps: list[Rep]
    duration: float
    faults: list[FaultSpec]

    def rep_at(self, t: float) -> Rep | None:
        """The rep whose movement window contains ``t`` (or the last one started)."""
        cur = None
        for r in self.reps:
            if t >= r.t_up - 1e-9:
                cur = r
        return cur


def plan_motion(exercise: str, reps: int = 2, faults: list[FaultSpec] | None = None,
                start_side: str = "left", tempo_scale: float = 1.0) -> Motion:
    if exercise not in EXERCISES:
        raise ValueError(f"unknown exercise {exercise!r}; valid: {', '.join(EXERCISES)}")
    faults = list(faults or [])
    tempo = {k: v * tempo_scale for k, v in TEMPO[exercise].items()}
    out: list[Rep] = []
    t = LEAD_IN_S
    side = start_side
    for n in range(1, reps + 1):
        fr: dict[str, float] = {}
        for f in faults:
            applies = (n in f.reps) if f.reps is not None else (n >= 2 if f.code == "same_side" else True)
            if applies:
                fr[f.code] = f.magnitude
        if exercise == "bird_dog":
            if n > 1 and "same_side" not in fr:
                side = "right" if side == "left" else "left"
        up, hold, down = tempo["up"], tempo["hold"], tempo["down"]
        if "short_hold" in fr:
            hold = fr["short_hold"]
        if "fast_lowering" in fr:
            down = fr["fast_lowering"]
        if "fast_return" in fr:
            down = fr["fast_return"]
        if "no_pause" in fr:
            hold = 0.0
        out.append(Rep(n, side if exercise == "bird_dog" else None, t, up, hold, down, fr))
        t += up + hold + down + tempo["rest"]
    duration = t - tempo["rest"] + TAIL_S
    return Motion(exercise, out, duration, faults)


def ease(x: float) -> float:
    """Smooth 0..1 ramp (cosine), clamped."""
    x = min(max(x, 0.0), 1.0)
    return 0.5 - 0.5 * math.cos(math.pi * x)


def state_at(motion: Motion, t: float) -> dict:
    """The instant's state: ``p`` (0 rest .. 1 top), ``lift`` (wall slide lift-off 0..1), rep, side, faults."""
    r = motion.rep_at(t)
    if r is None:
        first = motion.reps[0]
        return dict(p=0.0, lift=0.0, rep=None, side=first.side, faults=dict(first.faults))
    if t < r.t_top:
        p = ease((t - r.t_up) / r.up)
    elif t < r.t_down:
        p = 1.0
    else:
        p = 1.0 - ease((t - r.t_down) / r.down) if r.down > 0 else 0.0
    lift = 0.0
    if motion.exercise == "wall_slide" and "no_lift_off" not in r.faults and r.hold > 2 * LIFT_OFF_S:
        a = t - r.t_top
        b = r.t_down - t
        if 0 <= a and 0 <= b:
            lift = min(ease(a / LIFT_OFF_S), ease(b / LIFT_OFF_S))
    return dict(p=p, lift=lift, rep=r.n if t <= r.t_end else None, side=r.side, faults=dict(r.faults))


# --------------------------------------------------------------------------------------------- postures

SIDES = {"left": "L", "right": "R"}
G_SUPINE = np.array([[0.0, 0, -1], [1, 0, 0], [0, -1, 0]])  # head to -X, face up, body left to +Y
G_PRONE = np.array([[0.0, 0, -1], [-1, 0, 0], [0, 1, 0]])  # head to -X, face down, body left to -Y
G_STAND = rz(-90.0)  # facing -X, body left to -Y


def _lat(s: str) -> float:
    return 1.0 if s == "L" else -1.0


class Posture:
    """Accumulates a posture dict; limb helpers aim a segment's rest direction at a target."""

    def __init__(self, rig: Rig):
        self.rig = rig
        self.d: dict = {}

    def world(self, bone: str, R: np.ndarray):
        self.d[bone] = ("w", R)

    def delta(self, bone: str, R: np.ndarray):
        self.d[bone] = ("d", R)

    def seg(self, bone: str, child: str, frame: np.ndarray, target, twist: float = 0.0):
        """World rotation of ``bone`` so its rest direction (to ``child``) points along ``frame @ target``."""
        self.world(bone, frame @ aim(self.rig.dir(bone, child), target, twist))

    # limbs: s = "L"/"R"
    def thigh(self, s, frame, target):
        self.seg(f"upperleg01.{s}", f"lowerleg01.{s}", frame, target)

    def shin(self, s, frame, target):
        self.seg(f"lowerleg01.{s}", f"foot.{s}", frame, target)

    def foot(self, s, frame, target):
        self.seg(f"foot.{s}", f"toe2-1.{s}", frame, target)

    def upperarm(self, s, frame, target, twist=0.0):
        self.seg(f"upperarm01.{s}", f"lowerarm01.{s}", frame, target, twist)

    def forearm(self, s, frame, target, twist=0.0):
        self.seg(f"lowerarm01.{s}", f"wrist.{s}", frame, target, twist)

    def hand(self, s, frame, target):
        self.seg(f"wrist.{s}", f"finger3-1.{s}", frame, target)

    def spread(self, bones, total: np.ndarray | float, axis="x"):
        """Distribute a rotation of ``total`` degrees about a body axis over ``bones`` (as deltas)."""
        fn = {"x": rx, "z": rz}[axis]
        for b in bones:
            self.delta(b, fn(total / len(bones)))


LUMBAR = ("spine05", "spine04", "spine03")
THORACIC = ("spine02", "spine01")
NECK = ("neck01", "neck02", "neck03", "head")


def _mid(rig: Rig, heads: np.ndarray, name: str) -> np.ndarray:
    return 0.5 * (heads[rig.index[f"{name}.L"]] + heads[rig.index[f"{name}.R"]])


@dataclass
class Pose:
    posture: dict
    translation: np.ndarray  # added to the root (world metres)
    floor: str  # "min": drop the mesh so its lowest vertex touches z=0; "fixed": keep the translation's z
    kin: dict  # the generating parameters (ground truth)


class Exercise:
    name = ""

    def posture(self, rig: Rig, st: dict, ctx: dict) -> Pose:  # pragma: no cover - interface
        raise NotImplementedError

    def prepare(self, rig: Rig, motion: Motion, body: dict) -> dict:
        """Per-clip constants (closure solutions, anchors). ``body`` holds mesh-derived sizes."""
        return {}


# ---------------------------------------------------------------- bridge
class Bridge(Exercise):
    """Supine bridge: hook-lying, hips rise by hip extension (pivot at the neck base), hold, lower."""

    name = "bridge"
    ANKLE_Z = 0.075
    NECK_Z = 0.09

    def _build(self, rig, alpha_t, beta, ankle=None):
        P = Posture(rig)
        alpha_p = alpha_t - beta
        P.world("root", G_SUPINE @ rx(-alpha_p))
        P.spread(LUMBAR, -beta)
        P.world("neck01", G_SUPINE @ rx(-4.0))
        for s in "LR":
            P.upperarm(s, G_SUPINE, sagittal(4.0, 0.18 * _lat(s)), twist=0.0)
            P.forearm(s, G_SUPINE, sagittal(4.0, 0.05 * _lat(s)))
            P.hand(s, G_SUPINE, sagittal(2.0, 0.0))
            P.foot(s, G_SUPINE, sagittal(0.0, 0.05 * _lat(s)))
        W, _ = rig.resolve(P.d)
        heads = rig.fk(W)
        T = np.array([0.0, 0.0, self.NECK_Z]) - heads[rig.index["neck01"]]
        return P, heads, T

    def _legs(self, rig, P, heads, T, ankle):
        """Knee by two-circle intersection in the X-Z plane (hip moving, ankle fixed); returns S-H-K angle."""
        Lt = rig.dist("upperleg01.L", "lowerleg01.L")
        Ls = rig.dist("lowerleg01.L", "foot.L")
        angles = []
        for s in "LR":
            H = heads[rig.index[f"upperleg01.{s}"]] + T
            A = ankle[s]
            d = np.array([A[0] - H[0], A[2] - H[2]])
            dist = float(np.linalg.norm(d))
            dist = min(max(dist, abs(Lt - Ls) + 1e-6), Lt + Ls - 1e-6)
            a = (Lt ** 2 - Ls ** 2 + dist ** 2) / (2 * dist)
            h = math.sqrt(max(Lt ** 2 - a ** 2, 0.0))
            u = d / np.linalg.norm(d)
            base = np.array([H[0], H[2]]) + a * u
            perp = np.array([-u[1], u[0]])
            k1, k2 = base + h * perp, base - h * perp
            K2 = k1 if k1[1] > k2[1] else k2
            Kx = np.array([K2[0], H[1] + 0.35 * (A[1] - H[1]), K2[1]])
            thigh = Kx - H
            shin = A - Kx
            # world -> supine body frame: body = G^T world
            P.thigh(s, G_SUPINE, G_SUPINE.T @ thigh)
            P.shin(s, G_SUPINE, G_SUPINE.T @ shin)
            S = heads[rig.index[f"upperarm01.{s}"]] + T
            v1, v2 = S - H, Kx - H
            ang = math.degrees(math.acos(np.clip(np.dot(v1, v2) / np.linalg.norm(v1) / np.linalg.norm(v2), -1, 1)))
            z_line = S[2] + (Kx[2] - S[2]) * (H[0] - S[0]) / (Kx[0] - S[0])
            angles.append(ang if H[2] <= z_line else 360.0 - ang)  # > 180: hips above the line
        return float(np.mean(angles))

    def prepare(self, rig, motion, body):
        # hook lying: thigh 45 deg up, ankle on the floor
        P, heads, T = self._build(rig, 0.0, 0.0)
        Lt = rig.dist("upperleg01.L", "lowerleg01.L")
        Ls = rig.dist("lowerleg01.L", "foot.L")
        ankle = {}
        for s in "LR":
            H = heads[rig.index[f"upperleg01.{s}"]] + T
            K = H + Lt * np.array([math.cos(math.radians(47)), 0, math.sin(math.radians(47))])
            dz = K[2] - self.ANKLE_Z
            dx = math.sqrt(max(Ls ** 2 - dz ** 2, 0.0))
            ankle[s] = np.array([K[0] + dx, H[1] + 0.03 * _lat_world_y(s), self.ANKLE_Z])

        def top_angle(alpha):
            P, heads, T = self._build(rig, alpha, 0.0)
            return self._legs(rig, P, heads, T, ankle)

        def hip_h(alpha, beta):
            P, heads, T = self._build(rig, alpha, beta)
            return float(_mid(rig, heads, "upperleg01")[2] + T[2])

        h0 = hip_h(0.0, 0.0)
        tops = {"clean": _bisect(lambda a: top_angle(a) - 176.0, 0.0, 60.0)}
        ctx = dict(ankle=ankle, h0=h0, alpha_clean=tops["clean"], h_clean=hip_h(tops["clean"], 0.0) - h0)
        ctx["top_angle"] = top_angle
        ctx["hip_h"] = hip_h
        return ctx

    def posture(self, rig, st, ctx):
        p, f = st["p"], st["faults"]
        hips_low = f.get("hips_low", 0.0)
        beta = p * f.get("lumbar_arch", 0.0)
        if hips_low:
            key = ("alpha_low", hips_low)
            if key not in ctx:
                ctx[key] = _bisect(lambda a: ctx["top_angle"](a) - (176.0 - hips_low), 0.0, 60.0)
            h_top = ctx["hip_h"](ctx[key], 0.0) - ctx["h0"]
        else:
            h_top = ctx["h_clean"]
        target = ctx["h0"] + p * h_top
        if p <= 0:
            alpha = 0.0
        else:
            alpha = ctx.get("solve", _bisect)(lambda a: ctx["hip_h"](a, beta) - target, -10.0, 80.0)
        P, heads, T = self._build(rig, alpha, beta)
        self._legs(rig, P, heads, T, ctx["ankle"])
        return Pose(P.d, T, "min", dict(p=p, trunk_lift_deg=alpha, lumbar_ext_deg=beta, neck_ext_deg=0.0))


def _lat_world_y(s: str) -> float:
    # supine: body left -> world +Y
    return 1.0 if s == "L" else -1.0


def solve(fn, lo, hi, ftol=1e-9, xtol=1e-9, it=80):
    """The root of ``fn`` in [lo, hi] by Illinois regula falsi: the same root as ``_bisect`` (to ~1e-9) in about
    a quarter of the evaluations; where ``fn`` does not change sign, the endpoint closest to zero, as there.
    Postures use it when their context holds ``ctx["solve"] = solve`` (the clinic's renders); the sample set's
    renders keep ``_bisect``."""
    flo, fhi = fn(lo), fn(hi)
    if flo * fhi > 0:
        return lo if abs(flo) < abs(fhi) else hi
    if flo == 0:
        return lo
    if fhi == 0:
        return hi
    last, x = 0, lo
    for _ in range(it):
        x = (lo * fhi - hi * flo) / (fhi - flo)
        fx = fn(x)
        if abs(fx) <= ftol or hi - lo <= xtol:
            return x
        if (fx > 0) == (fhi > 0):
            hi, fhi = x, fx
            if last == -1:
                flo *= 0.5
            last = -1
        else:
            lo, flo = x, fx
            if last == 1:
                fhi *= 0.5
            last = 1
    return x


def _bisect(fn, lo, hi, it=40):
    flo = fn(lo)
    fhi = fn(hi)
    if flo * fhi > 0:
        return lo if abs(flo) < abs(fhi) else hi
    for _ in range(it):
        mid = 0.5 * (lo + hi)
        fm = fn(mid)
        if (fm > 0) == (flo > 0):
            lo, flo = mid, fm
        else:
            hi = mid
    return 0.5 * (lo + hi)


# ---------------------------------------------------------------- bird dog
class BirdDog(Exercise):
    """Hands and knees; raise the opposite arm and leg to horizontal in line with the trunk.

    ``back_sag`` / ``back_arch``: the lumbar spine extends / flexes by the fault's degrees (spread over the
    three lumbar bones) while hands and knees stay planted: arms and thighs keep their world directions, so
    the shoulder and hip joints must stay where they were. The pelvis tilts (anterior for a sag, posterior
    for a rounded back) by the amount that keeps the hip-joint -> shoulder-joint line at its clean angle
    (solved per frame), and the thorax turns the other way; the lumbar spine between them drops (sag) or
    humps up (rounding). (Tilting pelvis and thorax by half the bend each about the pelvis centre instead
    swung the trunk line by ~8 deg: a rounded back then lifted the support knee 6 cm off the floor and a
    sag lifted the hands, with a flatter back outline than a real rounded back.)
    """

    name = "bird_dog"

    def prepare(self, rig, motion, body):
        arm = rig.dist("upperarm01.L", "wrist.L") + 0.035
        thigh = rig.dist("upperleg01.L", "lowerleg01.L") + 0.055
        trunk = float(rig.head("upperarm01.L")[2] - rig.head("upperleg01.L")[2])
        pitch = math.degrees(math.asin(np.clip((arm - thigh) / trunk, -0.5, 0.5)))
        return dict(pitch=pitch)

    @staticmethod
    def _trunk_tilt(rig, G, pitch, roll, tilt, bend) -> float:
        """Hip-joint -> shoulder-joint line's angle in the body's sagittal plane (deg) for a pelvis tilt."""
        P = Posture(rig)
        P.world("root", G @ rx(-pitch) @ rz(roll) @ rx(tilt))
        P.spread(LUMBAR, -bend)
        W, _ = rig.resolve(P.d)
        heads = rig.fk(W)
        d = _mid(rig, heads, "upperarm01") - _mid(rig, heads, "upperleg01")
        return math.degrees(math.atan2(d[2], -d[0]))

    def _pelvis_tilt(self, rig, G, ctx, roll, bend) -> float:
        """Pelvis tilt (deg about the body's x axis, + = the root's rx) that keeps the trunk line at its
        clean angle with the lumbar spine bent by ``bend`` (0 without a bend: clean postures unchanged)."""
        if bend == 0.0:
            return 0.0
        key = ("tilt", round(roll, 6), round(bend, 6))
        if key not in ctx:
            ref = self._trunk_tilt(rig, G, ctx["pitch"], roll, 0.0, 0.0)
            ctx[key] = ctx.get("solve", _bisect)(lambda a: self._trunk_tilt(rig, G, ctx["pitch"], roll, a, bend) - ref,
                               -abs(bend) - 10.0, abs(bend) + 10.0, it=30)
        return ctx[key]

    def posture(self, rig, st, ctx):
        p, f = st["p"], st["faults"]
        arm_s = SIDES[st["side"] or "left"]
        leg_s = "R" if arm_s == "L" else "L"
        roll = p * f.get("trunk_rotation", 0.0) * (1.0 if leg_s == "L" else -1.0)
        bend = p * (f.get("back_sag", 0.0) - f.get("back_arch", 0.0))  # + = lumbar extension (sag)
        P = Posture(rig)
        G = G_PRONE
        tilt = self._pelvis_tilt(rig, G, ctx, roll, bend)
        P.world("root", G @ rx(-ctx["pitch"]) @ rz(roll) @ rx(tilt))
        P.spread(LUMBAR, -bend)
        P.spread(NECK, 6.0)
        arm_final = 180.0 - f.get("arm_low", 0.0) + f.get("arm_high", 0.0)
        leg_final = f.get("leg_low", 0.0) - f.get("leg_high", 0.0)
        for s in "LR":
            if s == arm_s:
                phi = 90.0 + p * (arm_final - 90.0)
                P.upperarm(s, G, sagittal(phi, 0.12 * _lat(s)))
                P.forearm(s, G, sagittal(phi, 0.10 * _lat(s)))
                hand_phi = 180.0 + p * (phi - 180.0)
                P.hand(s, G, sagittal(hand_phi + 0.0 * p, 0.05 * _lat(s)))
            else:
                P.upperarm(s, G, sagittal(90.0, 0.12 * _lat(s)))
                P.forearm(s, G, sagittal(90.0, 0.10 * _lat(s)))
                P.hand(s, G, sagittal(180.0, 0.05 * _lat(s)))
            if s == leg_s:
                psi = 90.0 + p * (leg_final - 90.0)
                shin = p * leg_final
                P.thigh(s, G, sagittal(psi, 0.10 * _lat(s)))
                P.shin(s, G, sagittal(shin, 0.06 * _lat(s)))
                P.foot(s, G, sagittal(0.0 + p * 75.0 + shin, 0.0))
            else:
                P.thigh(s, G, sagittal(90.0, 0.10 * _lat(s)))
                P.shin(s, G, sagittal(0.0, 0.06 * _lat(s)))
                P.foot(s, G, sagittal(-5.0, 0.0))
        W, _ = rig.resolve(P.d)
        heads = rig.fk(W)
        support = "R" if leg_s == "L" else "L"
        knee = heads[rig.index[f"lowerleg01.{support}"]]
        anchor = np.array([0.45, -0.1 * (1 if support == "L" else -1), 0.0])
        T = anchor - knee
        return Pose(P.d, T, "min", dict(p=p, trunk_roll_deg=roll, lumbar_ext_deg=bend, neck_ext_deg=-6.0,
                                        trunk_pitch_deg=ctx["pitch"]))


# ---------------------------------------------------------------- prone exercises
class _Prone(Exercise):
    PILLOW_TOP = 0.0

    def prepare(self, rig, motion, body):
        return dict(front=body["front_depth"])

    def _base(self, rig, ctx, decline, ext, neck):
        P = Posture(rig)
        G = G_PRONE
        P.world("root", G @ rx(decline))
        P.spread(("spine04", "spine03", "spine02", "spine01"), -ext)
        P.spread(NECK, neck)
        root_z = self.PILLOW_TOP + ctx["front"]  # the belly rests on the pillow (or the floor)
        # legs slope from the hip (about root height) to the floor: plantarflexed ankle about 6.5 cm up
        leg = rig.dist("upperleg01.L", "foot.L")
        drop = math.degrees(math.asin(np.clip((root_z - 0.065) / leg, -0.5, 0.5)))
        for s in "LR":
            P.thigh(s, G, sagittal(drop, 0.07 * _lat(s)))
            P.shin(s, G, sagittal(drop, 0.07 * _lat(s)))
            P.foot(s, G, sagittal(-8.0, 0.0))
        return P, root_z

    def _shoulder_z(self, rig, P, root_z):
        W, _ = rig.resolve(P.d)
        heads = rig.fk(W)
        return W, heads, float(_mid(rig, heads, "upperarm01")[2] + root_z)


class ProneExtension(_Prone):
    """Face down over pillows, arms by the sides off the floor; lift the chest with the chin tucked."""

    name = "prone_extension"
    PILLOW_TOP = 0.13
    EXT_TOP = 24.0

    def posture(self, rig, st, ctx):
        p, f = st["p"], st["faults"]
        ext = p * self.EXT_TOP
        neck = 6.0 - p * f.get("chin_not_tucked", 0.0)  # + = flexion (tucked)
        P, root_z = self._base(rig, ctx, 9.0, ext, neck)
        W, heads, sh_z = self._shoulder_z(rig, P, root_z)
        thorax = W[rig.index["spine01"]]
        L = rig.dist("upperarm01.L", "wrist.L") + 0.06
        arms = (st.get("variant") or {}).get("arms", "sides")
        for s in "LR":
            if arms == "shoulders":   # the accepted variant: hands by the shoulders, hovering with the chest
                P.upperarm(s, thorax, sagittal(40.0, 0.55 * _lat(s)))
                P.forearm(s, thorax, sagittal(170.0, 0.15 * _lat(s)))
                P.hand(s, thorax, sagittal(170.0, 0.0))
            elif "arms_on_floor" in f:
                d = math.degrees(math.asin(np.clip((sh_z - 0.035) / L, -0.9, 0.9)))
                P.upperarm(s, G_PRONE, sagittal(d, 0.22 * _lat(s)))
                P.forearm(s, G_PRONE, sagittal(d, 0.10 * _lat(s)))
                P.hand(s, G_PRONE, sagittal(d + 6.0, 0.0))
            else:
                P.upperarm(s, thorax, sagittal(-3.0, 0.25 * _lat(s)))
                P.forearm(s, thorax, sagittal(-3.0, 0.12 * _lat(s)))
                P.hand(s, thorax, sagittal(0.0, 0.0))
        return Pose(P.d, np.array([0.0, 0.0, root_z]), "fixed",
                    dict(p=p, chest_lift_deg=ext, neck_ext_deg=-neck, lumbar_ext_deg=ext * 0.5))


class ProneArmLift(_Prone):
    """Face down, arms in a W (elbows bent, at shoulder level); lift the arms, chin tucked."""

    name = "prone_arm_lift"
    PILLOW_TOP = 0.0
    LIFT_TOP = 20.0

    def posture(self, rig, st, ctx):
        p, f = st["p"], st["faults"]
        neck = 10.0 - p * (4.0 + f.get("chin_not_tucked", 0.0))
        ext = p * 5.0
        P, root_z = self._base(rig, ctx, 2.0, ext, neck)
        W, heads, sh_z = self._shoulder_z(rig, P, root_z)
        Lu = rig.dist("upperarm01.L", "lowerarm01.L")
        drop = math.degrees(math.asin(np.clip((sh_z - 0.045) / Lu, -0.9, 0.9)))
        lift_top = f.get("arms_not_lifted", self.LIFT_TOP)
        a = -drop + p * lift_top
        flex = f.get("elbows_straight", 90.0)
        for s in "LR":
            lat = _lat(s)
            ua = np.array([lat, 0.0, 0.35])
            ua /= np.linalg.norm(ua)
            R = rz(a * lat)
            fa_dir = np.cos(np.radians(flex)) * ua + np.sin(np.radians(flex)) * np.array([0.0, 0.0, 1.0])
            P.upperarm(s, G_PRONE, R @ ua)
            P.forearm(s, G_PRONE, R @ fa_dir)
            P.hand(s, G_PRONE, R @ fa_dir)
        return Pose(P.d, np.array([0.0, 0.0, root_z]), "fixed",
                    dict(p=p, arm_lift_deg=a, elbow_flex_deg=flex, neck_ext_deg=-neck))


# ---------------------------------------------------------------- wall slide
class WallSlide(Exercise):
    """Standing facing a wall, one foot ahead, forearms on the wall; slide up overhead, lift off, return."""

    name = "wall_slide"
    PHI0, PHI_TOP = 78.0, 168.0
    LIFT_DEG = 9.0

    def _build(self, rig, lean, phi, beta, front):
        P = Posture(rig)
        frame = G_STAND @ rx(lean)
        P.world("root", frame @ rx(beta / 2))
        P.spread(LUMBAR, -1.5 * beta)
        P.spread(NECK, 1.5 * beta * 0.5)
        e = min(max(176.0 - phi, 4.0), 100.0)
        for s in "LR":
            P.upperarm(s, frame, sagittal(phi, 0.16 * _lat(s)))
            P.forearm(s, frame, sagittal(phi + e, 0.06 * _lat(s)))
            P.hand(s, frame, sagittal(phi + e, 0.0))
            if s == front:
                P.thigh(s, G_STAND @ rx(lean), sagittal(12.0, 0.05 * _lat(s)))
                P.shin(s, G_STAND @ rx(lean), sagittal(2.0, 0.04 * _lat(s)))
            else:
                P.thigh(s, G_STAND @ rx(lean), sagittal(-10.0, 0.05 * _lat(s)))
                P.shin(s, G_STAND @ rx(lean), sagittal(-14.0, 0.04 * _lat(s)))
            P.foot(s, G_STAND, sagittal(95.0, 0.12 * _lat(s)))
        W, _ = rig.resolve(P.d)
        heads = rig.fk(W)
        return P, heads

    def prepare(self, rig, motion, body):
        front = "L"
        P, heads = self._build(rig, 3.0, self.PHI0, 0.0, front)
        ankle = heads[rig.index[f"foot.{front}"]].copy()
        anchor = np.array([0.0, 0.0, 0.08])
        T0 = anchor - ankle
        wrist_x = float(_mid(rig, heads, "wrist")[0] + T0[0])
        return dict(front=front, anchor=anchor, wall_x=wrist_x - 0.04)

    def posture(self, rig, st, ctx):
        p, f = st["p"], st["faults"]
        top = self.PHI_TOP - f.get("arms_not_overhead", 0.0)
        phi = self.PHI0 + p * (top - self.PHI0)
        beta = p * f.get("low_back_arch", 0.0)
        front = ctx["front"]

        def wrist_gap(lean):
            P, heads = self._build(rig, lean, phi, beta, front)
            T = ctx["anchor"] - heads[rig.index[f"foot.{front}"]]
            return float(_mid(rig, heads, "wrist")[0] + T[0]) - (ctx["wall_x"] + 0.04)

        lean = ctx.get("solve", _bisect)(wrist_gap, -15.0, 35.0)
        phi_out = phi + st["lift"] * self.LIFT_DEG
        P, heads = self._build(rig, lean, phi_out, beta, front)
        T = ctx["anchor"] - heads[rig.index[f"foot.{front}"]]
        return Pose(P.d, T, "min", dict(p=p, lift=st["lift"], shoulder_flex_deg=phi_out, lean_deg=lean,
                                        lumbar_ext_deg=1.5 * beta - beta / 2, wall_x=ctx["wall_x"]))


REGISTRY: dict[str, Exercise] = {
    e.name: e for e in (Bridge(), BirdDog(), ProneExtension(), ProneArmLift(), WallSlide())
}
