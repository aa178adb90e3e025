"""A small kinematic body model for tests: PoseFrame sequences with known reps, holds and faults.

Each exercise is a posture function of the lift fraction ``p`` (0 at rest, 1 at the top) and the rep's
faults, built in a sagittal model frame (X along the floor, head or wall toward +X, Y up, Z lateral with the
subject's left side at -Z). An orthographic camera turned by ``yaw`` about the vertical (0 = side view from
the subject's left, 90 = looking along the body) projects it to normalised image landmarks, world
landmarks (hip-centred metres, y down, z away from the camera) and a silhouette outline of the trunk.

Rep timing mirrors the synthetic renderer (``backform.synth.motion``): cosine-eased rise and fall, a hold
at the top, rest between reps; the truth (start/top/lower/end at 8%/92% of the range) is computed from the
same eased profile, as the clip labels define it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from backform.types import PoseFrame
from backform.pose.landmarks import L

W_PX, H_PX = 640, 480


PROFILES = {"cosine": lambda x: 0.5 - 0.5 * math.cos(math.pi * x), "linear": lambda x: x,
            "smoothstep": lambda x: x * x * (3.0 - 2.0 * x), "ease_in": lambda x: x * x,
            "ease_out": lambda x: 1.0 - (1.0 - x) ** 2}


def ease(x: float, profile: str = "cosine") -> float:
    x = min(max(x, 0.0), 1.0)
    return PROFILES[profile](x)


def _x_at(level: float, profile: str = "cosine") -> float:
    """Fraction of an eased ramp at which it reaches ``level``."""
    if profile == "cosine":
        return math.acos(1.0 - 2.0 * level) / math.pi
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if PROFILES[profile](mid) < level else (lo, mid)
    return (lo + hi) / 2


@dataclass(eq=False)
class Rep:
    up: float = 1.5
    hold: float = 2.5
    down: float = 1.5
    rest: float = 1.5
    faults: dict = field(default_factory=dict)  # code -> magnitude (exercise-specific meaning)
    side: str | None = None                       # bird dog: working arm
    profile: str = "cosine"                       # easing of the rise (PROFILES)
    down_profile: str | None = None               # easing of the lowering (default: the rise's)

    def truth(self, t0: float) -> dict:
        """start/top/lower/end and hold as the labels define them (8% / 92% of the range)."""
        dp = self.down_profile or self.profile
        lo, hi = _x_at(0.08, self.profile), _x_at(0.92, self.profile)
        dlo, dhi = _x_at(0.08, dp), _x_at(0.92, dp)
        t_down = t0 + self.up + self.hold
        top, lower = t0 + hi * self.up, t_down + (1 - dhi) * self.down
        return {"start_s": t0 + lo * self.up, "top_s": top, "lower_s": lower, "end_s": t_down + (1 - dlo) * self.down,
                "hold_s": lower - top, "side": self.side, "faults": sorted(self.faults)}


@dataclass
class Plan:
    exercise: str
    reps: list[Rep]
    lead_in: float = 1.5
    tail: float = 1.0

    @property
    def starts(self) -> list[float]:
        out, t = [], self.lead_in
        for r in self.reps:
            out.append(t)
            t += r.up + r.hold + r.down + r.rest
        return out

    @property
    def duration(self) -> float:
        r = self.reps[-1]
        return self.starts[-1] + r.up + r.hold + r.down + self.tail

    def state(self, t: float) -> tuple[float, Rep | None]:
        """(p, rep) at time t: p the eased lift fraction, rep the rep in progress (or the next/last)."""
        for t0, r in zip(self.starts, self.reps):
            if t < t0:
                return 0.0, r
            if t <= t0 + r.up:
                return ease((t - t0) / r.up, r.profile), r
            if t <= t0 + r.up + r.hold:
                return 1.0, r
            if t <= t0 + r.up + r.hold + r.down:
                # the lowering runs its profile backwards in time
                x = (t - t0 - r.up - r.hold) / r.down if r.down > 0 else 1.0
                return ease(1.0 - x, r.down_profile or r.profile), r
        return 0.0, self.reps[-1]

    def truth(self) -> list[dict]:
        return [dict(n=i + 1, **r.truth(t0)) for i, (t0, r) in enumerate(zip(self.starts, self.reps))]


# ----------------------------------------------------------------------------------------- the skeleton
@dataclass(frozen=True)
class Body:
    torso: float = 0.50
    upper_arm: float = 0.30
    forearm: float = 0.27
    thigh: float = 0.45
    shin: float = 0.43
    shoulder_w: float = 0.38
    hip_w: float = 0.28
    thick: float = 0.11  # half the trunk's thickness (for the outline)


def _unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    return v / np.linalg.norm(v)


def _dir2(deg: float) -> np.ndarray:
    """Unit vector in the sagittal plane at ``deg`` from +X toward +Y."""
    return np.array([math.cos(math.radians(deg)), math.sin(math.radians(deg)), 0.0])


class Skeleton:
    """Named 3D joints (per side) and a head; fills the 33 BlazePose landmarks."""

    def __init__(self):
        self.j: dict[str, np.ndarray] = {}

    def both(self, name: str, p, half_w: float) -> None:
        p = np.asarray(p, dtype=np.float64)
        self.j[f"left_{name}"] = p + (0, 0, -half_w)
        self.j[f"right_{name}"] = p + (0, 0, half_w)

    def set(self, name: str, p) -> None:
        self.j[name] = np.asarray(p, dtype=np.float64)

    def head(self, ear_mid, nose) -> None:
        ear_mid, nose = np.asarray(ear_mid, float), np.asarray(nose, float)
        self.j["left_ear"], self.j["right_ear"] = ear_mid + (0, 0, -0.075), ear_mid + (0, 0, 0.075)
        self.j["nose"] = nose
        for s, z in (("left", -1), ("right", 1)):
            self.j[f"{s}_eye"] = 0.35 * ear_mid + 0.65 * nose + (0, 0, 0.035 * z)
            self.j[f"{s}_eye_inner"] = 0.25 * ear_mid + 0.75 * nose + (0, 0, 0.015 * z)
            self.j[f"{s}_eye_outer"] = 0.45 * ear_mid + 0.55 * nose + (0, 0, 0.05 * z)
            self.j[f"mouth_{s}"] = 0.3 * ear_mid + 0.7 * nose + (0, -0.04, 0.025 * z) \
                + 0.02 * _unit(nose - ear_mid)

    def extremities(self, foot_dir=(1.0, 0.0, 0.0)) -> None:
        fd = _unit(foot_dir)
        for s in ("left", "right"):
            el, wr = self.j[f"{s}_elbow"], self.j[f"{s}_wrist"]
            d = _unit(wr - el) if np.linalg.norm(wr - el) > 1e-9 else np.array([1.0, 0, 0])
            self.j[f"{s}_index"] = wr + 0.08 * d
            self.j[f"{s}_pinky"] = wr + 0.07 * d + (0, 0, 0.02)
            self.j[f"{s}_thumb"] = wr + 0.05 * d + (0, 0, -0.02)
            an = self.j[f"{s}_ankle"]
            self.j[f"{s}_heel"] = an - 0.05 * fd + (0, -0.03, 0)
            self.j[f"{s}_foot_index"] = an + 0.17 * fd + (0, -0.02, 0)

    def array(self) -> np.ndarray:
        return np.stack([self.j[m.name.lower()] for m in L])


# --------------------------------------------------------------------------------------- exercise postures
def _circle_knee(hip, ankle, thigh, shin, up=True):
    """Knee position from hip and ankle (2D in X-Y), the solution above the hip-ankle line if ``up``."""
    h, a = np.asarray(hip[:2]), np.asarray(ankle[:2])
    d = np.linalg.norm(a - h)
    d = min(d, thigh + shin - 1e-6)
    x = (thigh ** 2 - shin ** 2 + d ** 2) / (2 * d)
    y = math.sqrt(max(thigh ** 2 - x ** 2, 0.0))
    e = (a - h) / np.linalg.norm(a - h)
    n = np.array([-e[1], e[0]])
    if (n[1] < 0) == up:
        n = -n
    k = h + x * e + y * n
    return np.array([k[0], k[1], 0.0])


def bridge(b: Body, p: float, f: dict, **_) -> tuple[Skeleton, dict]:
    """Supine, head toward +X. p lifts the hips; faults: hips_low (deg short of straight), hips_high (deg
    beyond), lumbar_arch (belly-outline bow, torso lengths)."""
    S = np.array([0.0, 0.10, 0.0])
    ankle = np.array([-1.0, 0.08, 0.0])

    def pose(alpha):
        H = S + b.torso * np.array([-math.cos(math.radians(alpha)), math.sin(math.radians(alpha)), 0.0])
        K = _circle_knee(H, ankle, b.thigh, b.shin, up=True)
        return H, K

    def ext(alpha):
        H, K = pose(alpha)
        u, v = S - H, K - H
        ang = math.degrees(math.acos(np.clip(np.dot(u, v) / np.linalg.norm(u) / np.linalg.norm(v), -1, 1)))
        line_y = S[1] + (K[1] - S[1]) * (H[0] - S[0]) / (K[0] - S[0])
        return 360 - ang if H[1] > line_y else ang  # hip above the shoulder-knee line: beyond 180

    target = 178.0 - f.get("hips_low", 0.0) + f.get("hips_high", 0.0)
    lo, hi = 0.0, 60.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if ext(mid) < target:
            lo = mid
        else:
            hi = mid
    alpha = p * lo
    H, K = pose(alpha)
    sk = Skeleton()
    sk.both("shoulder", S, b.shoulder_w / 2)
    sk.both("hip", H, b.hip_w / 2)
    sk.both("knee", K, b.hip_w / 2)
    sk.both("ankle", ankle, b.hip_w / 2)
    sk.both("elbow", S + (-0.28, -0.05, 0), b.shoulder_w / 2 + 0.05)
    sk.both("wrist", S + (-0.52, -0.06, 0), b.shoulder_w / 2 + 0.07)
    sk.head(S + (0.20, 0.02, 0), S + (0.27, 0.10, 0))
    sk.extremities(foot_dir=(-1.0, 0.0, 0.0))
    return sk, {"chord": ("shoulder", "hip"), "up_bow": 0.02 + p * f.get("lumbar_arch", 0.0), "down_bow": 0.0}


def bird_dog(b: Body, p: float, f: dict, side: str = "left", **_) -> tuple[Skeleton, dict]:
    """Hands and knees, head toward +X; p raises the ``side`` arm and the opposite leg. Faults: arm_low /
    arm_high / leg_low / leg_high (deg off horizontal), trunk_rotation (deg, lifted-leg side up),
    back_sag / back_arch (the low back dropping / humping: height of a bump in the back outline centred on
    the lumbar spine, 0.65 of the way from shoulder to hip, shoulders and hips staying put; torso lengths)."""
    S = np.array([0.50, 0.62, 0.0])
    H = np.array([0.0, 0.62, 0.0])
    arm_top = -f.get("arm_low", 0.0) + f.get("arm_high", 0.0)
    leg_top = -f.get("leg_low", 0.0) + f.get("leg_high", 0.0)
    sk = Skeleton()
    leg_side = "right" if side == "left" else "left"
    for s, z in (("left", -1.0), ("right", 1.0)):
        sh = S + (0, 0, z * b.shoulder_w / 2)
        hp = H + (0, 0, z * b.hip_w / 2)
        sk.set(f"{s}_shoulder", sh)
        sk.set(f"{s}_hip", hp)
        if s == side:
            th = -90.0 + p * (90.0 + arm_top)
            d = _dir2(th)
            sk.set(f"{s}_elbow", sh + b.upper_arm * d)
            sk.set(f"{s}_wrist", sh + (b.upper_arm + b.forearm) * d)
        else:
            sk.set(f"{s}_elbow", sh + (0, -b.upper_arm, 0))
            sk.set(f"{s}_wrist", sh + (0, -b.upper_arm - b.forearm + 0.05, 0))
        if s == leg_side:
            th = -90.0 + p * (90.0 + leg_top)
            d = np.array([-math.cos(math.radians(th)), math.sin(math.radians(th)), 0.0])
            sk.set(f"{s}_knee", hp + b.thigh * d)
            sk.set(f"{s}_ankle", hp + (b.thigh + b.shin) * d)
        else:
            sk.set(f"{s}_knee", hp + (0, -b.thigh + 0.05, 0))
            sk.set(f"{s}_ankle", hp + (-b.shin, -b.thigh + 0.07, 0))
    roll = p * f.get("trunk_rotation", 0.0)
    if roll:  # whole trunk (shoulder and hip girdles) rolls, lifted-leg side up
        up = 1.0 if leg_side == "right" else -1.0  # +Z side up for a right leg
        c, s_ = math.cos(math.radians(roll)), math.sin(math.radians(roll))
        for name in ("shoulder", "hip"):
            for sd in ("left", "right"):
                q = sk.j[f"{sd}_{name}"]
                centre = S if name == "shoulder" else H
                z = q[2] - centre[2]
                sk.j[f"{sd}_{name}"] = np.array([q[0], centre[1] + up * z * s_, z * c])
    sk.head(S + (0.15, 0.08, 0), S + (0.24, 0.02, 0))
    sk.extremities(foot_dir=(-1.0, 0.0, 0.0))
    bow = p * (f.get("back_arch", 0.0) - f.get("back_sag", 0.0))
    return sk, {"chord": ("shoulder", "hip"), "up_bow": bow, "down_bow": -bow, "bump": _lumbar_bump}


def _lumbar_bump(u):
    """Raised cosine on 0.4..0.9 of the shoulder->hip chord, 1 at 0.65 (the lumbar spine)."""
    x = np.clip((np.asarray(u, float) - 0.65) / 0.25, -1.0, 1.0)
    return 0.5 * (1.0 + np.cos(np.pi * x))


def prone_extension(b: Body, p: float, f: dict, **_) -> tuple[Skeleton, dict]:
    """Face down, head toward +X; p lifts the chest 20 deg. Faults: chin_not_tucked (deg of chin poke),
    arms_on_floor (hands stay on the floor)."""
    H = np.array([0.0, 0.14, 0.0])
    beta = 4.0 + p * 20.0
    S = H + b.torso * _dir2(beta)
    sk = Skeleton()
    sk.both("hip", H, b.hip_w / 2)
    sk.both("shoulder", S, b.shoulder_w / 2)
    sk.both("knee", (-0.45, 0.10, 0), b.hip_w / 2)
    sk.both("ankle", (-0.88, 0.06, 0), b.hip_w / 2)
    arm = (b.upper_arm + b.forearm)
    if "arms_on_floor" in f:
        tip = np.array([S[0] - 0.50, 0.0, 0.0])
        d = _unit(tip - S)
    else:  # arms along the trunk, 3 deg toward the floor: they hover and rise with the chest
        d = _dir2(beta + 180.0 + 3.0)
    sk.both("elbow", S + b.upper_arm * d, b.shoulder_w / 2 + 0.03)
    sk.both("wrist", S + arm * d, b.shoulder_w / 2 + 0.05)
    ear = S + 0.16 * _dir2(beta) + (0, 0.05, 0)
    # DESIGN's neutral head pitch; with a neutral neck the ear-nose line still turns with the upper thorax,
    # 1.1 deg per deg of chest lift against the hip-shoulder chord (as measured on a rendered body)
    chin = -69.0 + 1.1 * (beta - 4.0) + p * f.get("chin_not_tucked", 0.0)
    sk.head(ear, ear + 0.10 * _dir2(beta + chin))
    sk.extremities(foot_dir=(-1.0, -0.3, 0.0))
    return sk, {}


def prone_arm_lift(b: Body, p: float, f: dict, **_) -> tuple[Skeleton, dict]:
    """Face down, head toward +X, arms in a W; p rotates the arms up by 20 deg. Faults: elbows_straight
    (elbow flexion kept, deg), arms_not_lifted (lift in deg instead of 20), chin_not_tucked."""
    H = np.array([0.0, 0.13, 0.0])
    S = H + b.torso * _dir2(3.0)
    sk = Skeleton()
    sk.both("hip", H, b.hip_w / 2)
    sk.both("shoulder", S, b.shoulder_w / 2)
    sk.both("knee", (-0.45, 0.08, 0), b.hip_w / 2)
    sk.both("ankle", (-0.88, 0.06, 0), b.hip_w / 2)
    drop = math.degrees(math.asin((S[1] - 0.045) / b.upper_arm))
    lam = math.radians(-drop + p * f.get("arms_not_lifted", 20.0))
    flex = math.radians(90.0 + p * (f.get("elbows_straight", 90.0) - 90.0))  # the arms straighten as they rise
    for s, z in (("left", -1.0), ("right", 1.0)):
        sh = sk.j[f"{s}_shoulder"]
        ua = _unit((0.25, 0.0, z))
        ua = np.array([ua[0], abs(ua[2]) * math.sin(lam), z * abs(ua[2]) * math.cos(lam)])
        fwd = np.array([1.0, 0.0, 0.0])
        fa = _unit(math.cos(flex) * ua + math.sin(flex) * fwd)
        el = sh + b.upper_arm * ua
        sk.set(f"{s}_elbow", el)
        sk.set(f"{s}_wrist", el + b.forearm * fa)
    ear = S + 0.16 * _dir2(3.0) + (0, 0.05, 0)
    chin = -69.0 + p * f.get("chin_not_tucked", 0.0)
    sk.head(ear, ear + 0.10 * _dir2(3.0 + chin))
    sk.extremities(foot_dir=(-1.0, -0.3, 0.0))
    return sk, {}


def wall_slide(b: Body, p: float, f: dict, lift: float = 0.0, **_) -> tuple[Skeleton, dict]:
    """Standing facing a wall at +X; p slides the arms from 78 to 168 deg of shoulder flexion. Faults:
    arms_not_overhead (deg short), low_back_arch (deg the trunk tilts back), no_lift_off (hands stay on the
    wall). ``lift`` (0..1) takes the hands 9 cm back off the wall at the top, with 9 deg more shoulder flexion."""
    arch = p * f.get("low_back_arch", 0.0)
    # arching back with the hands on the wall: the hips come forward toward the wall, the shoulders stay over
    # the feet (otherwise the hands could no longer reach the wall)
    H = np.array([b.torso * math.sin(math.radians(arch)), 0.95, 0.0])
    S = H + b.torso * _dir2(90.0 + arch)
    phi = 78.0 + p * (168.0 - f.get("arms_not_overhead", 0.0) - 78.0)
    if "no_lift_off" not in f:
        phi += 9.0 * lift  # lifting the hands off the wall is more shoulder flexion (as the renderer does it)
    wall_x = 0.33
    sk = Skeleton()
    sk.both("hip", H, b.hip_w / 2)
    sk.both("shoulder", S, b.shoulder_w / 2)
    sk.both("knee", (0.02, 0.50, 0), b.hip_w / 2)
    sk.both("ankle", (0.0, 0.08, 0), b.hip_w / 2)
    d = _dir2(-90.0 + phi)
    el = S + b.upper_arm * d
    dx = min(max(wall_x - el[0], -b.forearm), b.forearm)
    wr = el + np.array([dx, math.sqrt(b.forearm ** 2 - dx ** 2), 0.0])
    if "no_lift_off" not in f:
        wr = wr - np.array([0.09 * lift, 0.0, 0.0])
    sk.both("elbow", el, b.shoulder_w / 2)
    sk.both("wrist", wr, b.shoulder_w / 2 - 0.03)
    ear = S + 0.16 * _dir2(90.0 + arch) + (0.02, 0, 0)
    sk.head(ear, ear + (0.10, -0.02, 0))
    sk.extremities(foot_dir=(1.0, 0.0, 0.0))
    return sk, {}


# ------------------------------------------------------------------------------- look-alike exercises
# Movements that rise like a rep of one of the five but are not it: a checker must count 0 reps and raise no
# fault on them (issue 12). Each is built, like the exercises, so that it WOULD move that exercise's lift
# signal past its minimum range: the test shows the rep is refused for what the movement is, not missed.

def _quadruped(b: Body) -> Skeleton:
    """Hands and knees, head toward +X, every limb down (as bird_dog at p = 0)."""
    sk, _ = bird_dog(b, 0.0, {})
    return sk


def donkey_kick(b: Body, p: float, f: dict, side: str = "left", **_) -> tuple[Skeleton, dict]:
    """Hands and knees; the ``side`` leg's thigh swings back to horizontal with the knee kept bent 90 deg (the
    sole toward the ceiling). Both hands stay on the floor."""
    sk = _quadruped(b)
    hp = sk.j[f"{side}_hip"]
    th = -90.0 + p * 90.0
    d = np.array([-math.cos(math.radians(th)), math.sin(math.radians(th)), 0.0])
    shin = np.array([d[1], -d[0], 0.0])  # the thigh turned 90 deg: back along the floor at rest, up at the top
    sk.set(f"{side}_knee", hp + b.thigh * d)
    sk.set(f"{side}_ankle", hp + b.thigh * d + b.shin * shin)
    sk.extremities(foot_dir=(-1.0, 0.0, 0.0))
    return sk, {"chord": ("shoulder", "hip"), "up_bow": 0.0, "down_bow": 0.0, "bump": _lumbar_bump}


def fire_hydrant(b: Body, p: float, f: dict, side: str = "left", **_) -> tuple[Skeleton, dict]:
    """Hands and knees; the ``side`` knee swings out sideways to hip height, knee bent, shin along the floor."""
    sk = _quadruped(b)
    hp = sk.j[f"{side}_hip"]
    a = math.radians(80.0 * p)
    z = -1.0 if side == "left" else 1.0
    d = np.array([0.0, -math.cos(a), z * math.sin(a)])
    kn = hp + (b.thigh - 0.05) * d
    sk.set(f"{side}_knee", kn)
    sk.set(f"{side}_ankle", kn + (-b.shin, 0.02, 0.0))
    sk.extremities(foot_dir=(-1.0, 0.0, 0.0))
    return sk, {"chord": ("shoulder", "hip"), "up_bow": 0.0, "down_bow": 0.0, "bump": _lumbar_bump}


def cat_cow(b: Body, p: float, f: dict, **_) -> tuple[Skeleton, dict]:
    """Hands and knees; the back rounds up (cat) with the head dropping. No limb leaves the floor."""
    sk = _quadruped(b)
    S = sk.j["left_shoulder"] * (1, 1, 0)
    sk.head(S + (0.15, 0.08 - 0.12 * p, 0), S + (0.22, 0.02 - 0.16 * p, 0))
    return sk, {"chord": ("shoulder", "hip"), "up_bow": 0.08 * p, "down_bow": -0.08 * p, "bump": _lumbar_bump}


def clamshell(b: Body, p: float, f: dict, **_) -> tuple[Skeleton, dict]:
    """Lying on the left side facing the camera (-Z), head toward +X, hips and knees bent; the top (right)
    knee opens 40 deg with the feet together, and the pelvis rolls back a little with it (the hips rise 6 cm
    against the shoulders on screen: past the bridge's minimum lift)."""
    sk = Skeleton()
    y0 = 0.12
    S, H = np.array([0.50, y0, 0.0]), np.array([0.0, y0 + 0.06 * p, 0.0])
    up = np.array([0.0, 1.0, 0.0])
    sk.set("left_shoulder", S)
    sk.set("right_shoulder", S + b.shoulder_w * up)
    sk.set("left_hip", H)
    sk.set("right_hip", H + b.hip_w * up)
    thigh = _unit((-0.7, 0.0, -0.7))
    kl = H + b.thigh * thigh
    o = math.radians(40.0 * p)
    top = _unit((-0.7, math.sin(o), -0.7 * math.cos(o)))
    kr = sk.j["right_hip"] + b.thigh * top
    al = kl + b.shin * _unit((-0.7, 0.0, 0.7))
    sk.set("left_knee", kl)
    sk.set("right_knee", kr)
    sk.set("left_ankle", al)
    sk.set("right_ankle", al + (0.0, 0.10, 0.0))
    sk.set("left_elbow", S + (0.25, -0.05, -0.05))
    sk.set("left_wrist", S + (0.45, 0.05, -0.05))
    sk.set("right_elbow", sk.j["right_shoulder"] + (-0.28, -0.05, -0.05))
    sk.set("right_wrist", sk.j["right_shoulder"] + (-0.50, -0.10, -0.08))
    mid = S + (0.22, b.shoulder_w / 2, 0.0)
    sk.head(mid, mid + (0.05, 0.0, -0.10))
    sk.j["left_ear"], sk.j["right_ear"] = mid - (0, 0.075, 0), mid + (0, 0.075, 0)
    sk.extremities(foot_dir=(-0.7, 0.0, 0.7))
    return sk, {}


def pelvic_tilt(b: Body, p: float, f: dict, **_) -> tuple[Skeleton, dict]:
    """Supine, knees bent, feet planted; the pelvis tilts back and the low back flattens: the hips barely
    rise (1 cm)."""
    sk, meta = bridge(b, 0.0, {})
    for s in ("left", "right"):
        sk.j[f"{s}_hip"] = sk.j[f"{s}_hip"] + (0.0, 0.01 * p, 0.0)
    return sk, {**meta, "up_bow": 0.02 - 0.02 * p}


def dead_bug(b: Body, p: float, f: dict, side: str = "left", **_) -> tuple[Skeleton, dict]:
    """Supine, arms toward the ceiling, hips and knees at 90 deg (table-top); the ``side`` arm lowers
    overhead and the opposite leg straightens out along the floor. The hips stay down."""
    sk, meta = bridge(b, 0.0, {})
    leg = "right" if side == "left" else "left"
    for s in ("left", "right"):
        sh, hp = sk.j[f"{s}_shoulder"], sk.j[f"{s}_hip"]
        a = math.radians(90.0 + (80.0 * p if s == side else 0.0))  # arm: up, then back over the head (+X)
        d = np.array([-math.cos(a), math.sin(a), 0.0])
        sk.set(f"{s}_elbow", sh + b.upper_arm * d)
        sk.set(f"{s}_wrist", sh + (b.upper_arm + b.forearm) * d)
        e = p if s == leg else 0.0
        kn = hp + b.thigh * _unit((-e, 1.0 - e, 0.0))
        sk.set(f"{s}_knee", kn)
        sk.set(f"{s}_ankle", kn + b.shin * np.array([-1.0, 0.0, 0.0]))
    sk.extremities(foot_dir=(-1.0, 0.0, 0.0))
    return sk, meta


def cobra(b: Body, p: float, f: dict, **_) -> tuple[Skeleton, dict]:
    """Face down, hands on the floor just ahead of the shoulders; the arms push the chest up 46 deg until the
    elbows are almost straight; the pelvis stays down."""
    H = np.array([0.0, 0.14, 0.0])
    beta = 4.0 + p * 46.0
    S = H + b.torso * _dir2(beta)
    sk = Skeleton()
    sk.both("hip", H, b.hip_w / 2)
    sk.both("shoulder", S, b.shoulder_w / 2)
    sk.both("knee", (-0.45, 0.10, 0), b.hip_w / 2)
    sk.both("ankle", (-0.88, 0.06, 0), b.hip_w / 2)
    S0 = H + b.torso * _dir2(4.0)
    wr = np.array([S0[0] + 0.10, 0.03, 0.0])
    el = _circle_knee(S, wr, b.upper_arm, b.forearm, up=True)  # the elbow behind and above the hand
    if el[0] > S[0]:
        el = _circle_knee(S, wr, b.upper_arm, b.forearm, up=False)
    sk.both("elbow", el, b.shoulder_w / 2 + 0.03)
    sk.both("wrist", wr, b.shoulder_w / 2 + 0.03)
    ear = S + 0.16 * _dir2(beta) + (0, 0.05, 0)
    sk.head(ear, ear + 0.10 * _dir2(beta - 69.0 + 1.1 * (beta - 4.0)))
    sk.extremities(foot_dir=(-1.0, -0.3, 0.0))
    return sk, {}


def arm_circles(b: Body, p: float, f: dict, **_) -> tuple[Skeleton, dict]:
    """Standing, straight arms swung from forward (90 deg of shoulder flexion: inside the wall slide's start
    range) up overhead and back: no forearms on a wall."""
    sk, meta = wall_slide(b, 0.0, {})
    phi = 90.0 + 80.0 * p
    for s in ("left", "right"):
        sh = sk.j[f"{s}_shoulder"]
        d = _dir2(-90.0 + phi)
        sk.set(f"{s}_elbow", sh + b.upper_arm * d)
        sk.set(f"{s}_wrist", sh + (b.upper_arm + b.forearm) * d)
    sk.extremities(foot_dir=(1.0, 0.0, 0.0))
    return sk, meta


POSTURES = {"bridge": bridge, "bird_dog": bird_dog, "prone_extension": prone_extension,
            "prone_arm_lift": prone_arm_lift, "wall_slide": wall_slide}
LOOK_ALIKES = {"donkey_kick": donkey_kick, "fire_hydrant": fire_hydrant, "cat_cow": cat_cow,
               "clamshell": clamshell, "pelvic_tilt": pelvic_tilt, "dead_bug": dead_bug, "cobra": cobra,
               "arm_circles": arm_circles}
POSTURES.update(LOOK_ALIKES)


# ------------------------------------------------------------------------------------------- the camera
@dataclass
class Camera:
    yaw: float = 0.0         # 0: side view from the subject's left; 90: looking along the body (+X -> camera)
    ppm: float = 200.0       # pixels per metre (2.2 m fit in 480 px: the wall slide's hands overhead)
    cx: float = 320.0
    cy: float = 450.0
    noise_px: float = 0.0    # Gaussian jitter of the image landmarks
    seed: int = 0
    far_visibility: float = 0.6
    swap_far_arm: bool = False  # MediaPipe's mistake from the side: the raised FAR arm's elbow and wrist
    #                             labelled as the near arm's and the other way round (positions, hence z, kept)
    pitch: float = 0.0       # degrees the camera looks down (0: at the body's level); the world landmarks keep
    #                          the body's own frame, as MediaPipe's did on renders from 1.0-1.5 m high


def _outline(sk: Skeleton, meta: dict, b: Body, side: str, n: int = 256) -> np.ndarray | None:
    """Trunk silhouette (model X-Y), ``n`` points: the up and down outlines of the shoulder-hip chord."""
    if "chord" not in meta:
        return None
    a, c = sk.j[f"{side}_{meta['chord'][0]}"][:2], sk.j[f"{side}_{meta['chord'][1]}"][:2]
    e = c - a
    ln = float(np.linalg.norm(e))
    e = e / ln
    nrm = np.array([-e[1], e[0]])
    if nrm[1] < 0:
        nrm = -nrm  # the ceiling side
    u = np.linspace(-0.05, 1.05, n // 2)
    # the bow's shape along the chord: a parabola, unless the posture gives its own (``meta["bump"]``)
    bump = meta["bump"](np.clip(u, 0, 1)) if "bump" in meta else 4 * np.clip(u, 0, 1) * (1 - np.clip(u, 0, 1))
    up = a + np.outer(u * ln, e) + np.outer(b.thick + meta.get("up_bow", 0.0) * ln * bump, nrm)
    down = a + np.outer(u * ln, e) - np.outer(b.thick - meta.get("down_bow", 0.0) * ln * bump, nrm)
    return np.vstack([up, down[::-1]])


def project(sk: Skeleton, meta: dict, b: Body, cam: Camera, rng: np.random.Generator):
    P = sk.array()
    ps = math.radians(cam.yaw)
    X = P[:, 0] * math.cos(ps) + P[:, 2] * math.sin(ps)
    Z = -P[:, 0] * math.sin(ps) + P[:, 2] * math.cos(ps)
    Y = P[:, 1]
    world = np.array([X, -Y, Z]).T
    if cam.pitch:  # looking down: nearer points (smaller Z) lower on screen
        pt = math.radians(cam.pitch)
        Y, Z = Y * math.cos(pt) + Z * math.sin(pt), Z * math.cos(pt) - Y * math.sin(pt)
    px = cam.cx + X * cam.ppm
    py = cam.cy - Y * cam.ppm
    if cam.noise_px:
        px = px + rng.normal(0, cam.noise_px, px.shape)
        py = py + rng.normal(0, cam.noise_px, py.shape)
    lm = np.zeros((33, 5), np.float32)
    lm[:, 0], lm[:, 1] = px / W_PX, py / H_PX
    lm[:, 2] = Z * cam.ppm / W_PX
    near_left = Z[L.LEFT_HIP] <= Z[L.RIGHT_HIP]
    vis = np.full(33, 0.99)
    for m in L:
        nm = m.name.lower()
        if (nm.startswith("right") and near_left) or (nm.startswith("left") and not near_left):
            vis[m] = cam.far_visibility if abs(math.sin(ps)) < 0.9 else 0.95
    lm[:, 3], lm[:, 4] = vis, 0.99
    hip_mid = (world[L.LEFT_HIP] + world[L.RIGHT_HIP]) / 2
    world = (world - hip_mid).astype(np.float32)
    contour = None
    o = _outline(sk, meta, b, "left" if near_left else "right")
    if o is not None:
        zc = sk.j["left_hip"][2] if near_left else sk.j["right_hip"][2]
        ox = o[:, 0] * math.cos(ps) + zc * math.sin(ps)
        contour = np.stack([(cam.cx + ox * cam.ppm) / W_PX, (cam.cy - o[:, 1] * cam.ppm) / H_PX], 1)
        contour = contour.astype(np.float32)
    return lm, world, contour


def _far_side(cam: Camera) -> str:
    """The subject's side away from the camera (yaw 0-90: the camera on the subject's left)."""
    return "right" if math.cos(math.radians(cam.yaw)) >= 0 else "left"


def frames(plan: Plan, fps: float = 15.0, cam: Camera | None = None, body: Body | None = None,
           dropouts: list[tuple[float, float]] = (), contour: bool = True) -> list[PoseFrame]:
    """The PoseFrames of ``plan`` at ``fps``; no pose inside the ``dropouts`` intervals."""
    cam = cam or Camera()
    body = body or Body()
    rng = np.random.default_rng(cam.seed)
    fn = POSTURES[plan.exercise]
    out = []
    n = int(plan.duration * fps)
    for i in range(n):
        t = i / fps
        if any(a <= t < b for a, b in dropouts):
            out.append(PoseFrame(i, t * 1000.0, W_PX, H_PX))
            continue
        p, rep = plan.state(t)
        lift = 0.0
        if plan.exercise == "wall_slide" and rep is not None and p >= 1.0:
            t0 = plan.starts[plan.reps.index(rep)]
            a, b_ = t - (t0 + rep.up), (t0 + rep.up + rep.hold) - t
            lift = min(ease(a / 0.4), ease(b_ / 0.4)) if rep.hold > 0.8 else 0.0
        faults = rep.faults if rep is not None else {}
        sk, meta = fn(body, p, faults, side=(rep.side or "left") if rep else "left", lift=lift)
        if cam.swap_far_arm and rep is not None and (rep.side or "left") == _far_side(cam):
            for part in ("elbow", "wrist", "index", "pinky", "thumb"):
                sk.j[f"left_{part}"], sk.j[f"right_{part}"] = sk.j[f"right_{part}"], sk.j[f"left_{part}"]
        lm, world, cont = project(sk, meta, body, cam, rng)
        out.append(PoseFrame(i, t * 1000.0, W_PX, H_PX, landmarks=lm, world=world,
                             contour=cont if contour else None))
    return out


def run(exercise, plan_frames, params=None, baseline=None):
    """Feed frames through a fresh checker; returns the checker (finished)."""
    from backform.exercises import get
    ex = get(exercise, params=params, baseline=baseline)
    for pf in plan_frames:
        ex.update(pf)
    ex.finish(plan_frames[-1].t_s if plan_frames else 0.0)
    return ex
