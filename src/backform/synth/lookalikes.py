"""Look-alike exercises: movements a user may wrongly analyse as one of the five (negatives: 0 reps, no fault).

Pure numpy, on the same rig and posture helpers as ``motion.py``. Each class reads the planner's state
(``p`` 0 rest .. 1 end of the movement, ``side``, ``faults`` = its own drawn parameters, ``t``) and returns a
``motion.Pose``. ``ANALYSED_AS`` names the exercise a user would pick by mistake (a tuple: one drawn per clip).

What tells each one apart from the exercise it is taken for (``tests/test_synth_clinic.py`` checks these on
the rig):

- donkey kick (bird dog): one leg kicks back and up with the knee bent ~90 deg; both hands stay on the floor.
- fire hydrant (bird dog): one bent leg opens sideways (hip abduction 40-75 deg); both hands stay down.
- cat-cow (bird dog): the spine rounds and hollows (15-30 deg lumbar, plus thoracic and neck); no limb lifts.
- plank (bird dog or prone extension): forearms and toes, the body straight; hip shifts of 2-5 deg only.
- clamshell (bridge): lying on one side, hips and knees bent, the top knee opens (feet together); the
  pelvis does not lift off the floor.
- pelvic tilt (bridge): hook-lying, the pelvis tilts back (6-15 deg of lumbar flexion); hips rise < 2 cm.
- dead bug (bridge): lying on the back, arms up and knees at 90/90; one arm goes overhead while the opposite
  leg straightens; the hips stay down.
- cobra (prone extension): hands planted by the shoulders, the arms push the chest high (25-45 deg of spinal
  extension); hips stay on the floor.
- arm circles (wall slide): standing away from any wall, arms out to the sides circling (small circles at
  shoulder height, or big windmills through overhead); no forearms on a wall.
"""
from __future__ import annotations

import math

import numpy as np

from .motion import (G_PRONE, G_STAND, G_SUPINE, LUMBAR, NECK, SIDES, THORACIC, BirdDog, Bridge, Exercise,
                     Pose, Posture, _bisect, _lat)
from .rig import axis_angle, rx, sagittal

G_SIDE_R = np.array([[0.0, 0, -1], [0, 1, 0], [1, 0, 0]])    # lying on the right side: body left up, face to -Y
G_SIDE_L = np.array([[0.0, 0, -1], [0, -1, 0], [-1, 0, 0]])  # lying on the left side: body right up, face to +Y


class LookAlike(Exercise):
    floor = True
    up, hold, down = 1.2, 1.0, 1.2   # clean tempo (s) of one movement
    alternate = False                 # sides alternate between movements
    continuous = False                # short rests between movements
    left_y = -1.0                     # world y of the subject's left (the camera's near side)

    def draw(self, rng) -> dict:
        return {}

    def world_left_y(self, ctx: dict) -> float:
        return self.left_y


def _quad_rest(P: Posture, skip_leg: str | None = None):
    """Hands and knees, as the bird dog's rest (world directions: planted)."""
    G = G_PRONE
    for s in "LR":
        P.upperarm(s, G, sagittal(90.0, 0.12 * _lat(s)))
        P.forearm(s, G, sagittal(90.0, 0.10 * _lat(s)))
        P.hand(s, G, sagittal(180.0, 0.05 * _lat(s)))
        if s != skip_leg:
            P.thigh(s, G, sagittal(90.0, 0.10 * _lat(s)))
            P.shin(s, G, sagittal(0.0, 0.06 * _lat(s)))
            P.foot(s, G, sagittal(-5.0, 0.0))


def _quad_pose(rig, P: Posture, support: str, kin: dict) -> Pose:
    W, _ = rig.resolve(P.d)
    heads = rig.fk(W)
    knee = heads[rig.index[f"lowerleg01.{support}"]]
    T = np.array([0.45, -0.1 * (1 if support == "L" else -1), 0.0]) - knee
    return Pose(P.d, T, "min", kin)


class DonkeyKick(LookAlike):
    name = "donkey_kick"
    up, hold, down = 0.9, 0.6, 0.9
    continuous = True

    def prepare(self, rig, motion, body):
        return BirdDog().prepare(rig, motion, body)

    def draw(self, rng):
        return {"kick": float(rng.uniform(-25.0, 5.0))}   # thigh's end angle (0 = horizontal back, - = higher)

    def posture(self, rig, st, ctx):
        p, k = st["p"], st["faults"]
        leg = SIDES[st["side"] or "left"]
        P = Posture(rig)
        G = G_PRONE
        P.world("root", G @ rx(-ctx["pitch"]))
        P.spread(NECK, 6.0)
        _quad_rest(P, skip_leg=leg)
        psi = 90.0 + p * (k.get("kick", 0.0) - 90.0)
        P.thigh(leg, G, sagittal(psi, 0.10 * _lat(leg)))
        P.shin(leg, G, sagittal(psi - 90.0, 0.06 * _lat(leg)))   # the knee stays bent ~90 deg
        P.foot(leg, G, sagittal(psi - 95.0, 0.0))
        support = "R" if leg == "L" else "L"
        return _quad_pose(rig, P, support, dict(p=p, thigh_deg=psi))


class FireHydrant(LookAlike):
    name = "fire_hydrant"
    up, hold, down = 1.0, 0.8, 1.0
    continuous = True

    def prepare(self, rig, motion, body):
        return BirdDog().prepare(rig, motion, body)

    def draw(self, rng):
        return {"abduction": float(rng.uniform(40.0, 75.0))}

    def posture(self, rig, st, ctx):
        p, k = st["p"], st["faults"]
        leg = SIDES[st["side"] or "left"]
        P = Posture(rig)
        G = G_PRONE
        P.world("root", G @ rx(-ctx["pitch"]))
        P.spread(NECK, 6.0)
        _quad_rest(P, skip_leg=leg)
        a = math.radians(p * k.get("abduction", 60.0))
        thigh = math.cos(a) * sagittal(90.0, 0.0) + math.sin(a) * np.array([_lat(leg), 0.0, 0.0])
        P.thigh(leg, G, thigh)
        P.shin(leg, G, sagittal(0.0, 0.06 * _lat(leg)) + np.array([0.6 * math.sin(a) * _lat(leg), 0, 0]))
        P.foot(leg, G, sagittal(-5.0, 0.0))
        support = "R" if leg == "L" else "L"
        return _quad_pose(rig, P, support, dict(p=p, abduction_deg=math.degrees(a)))


class CatCow(LookAlike):
    name = "cat_cow"
    up, hold, down = 1.6, 1.0, 1.6
    alternate = True   # "left" = cow (hollow back), "right" = cat (rounded)

    def prepare(self, rig, motion, body):
        return BirdDog().prepare(rig, motion, body)

    def draw(self, rng):
        return {"bend": float(rng.uniform(15.0, 30.0))}

    def posture(self, rig, st, ctx):
        p, k = st["p"], st["faults"]
        sign = 1.0 if (st["side"] or "left") == "left" else -1.0
        bend = p * sign * k.get("bend", 20.0)   # + = extension (cow)
        G = G_PRONE
        tilt = BirdDog()._pelvis_tilt(rig, G, ctx, 0.0, bend)
        P = Posture(rig)
        P.world("root", G @ rx(-ctx["pitch"]) @ rx(tilt))
        P.spread(LUMBAR, -bend)
        P.spread(THORACIC, -0.5 * bend)
        P.spread(NECK, 6.0 - 0.8 * bend)
        _quad_rest(P)
        return _quad_pose(rig, P, "L", dict(p=p, lumbar_ext_deg=bend))


class Plank(LookAlike):
    name = "plank"
    up, hold, down = 1.5, 2.5, 1.5
    continuous = True
    alternate = True

    def prepare(self, rig, motion, body):
        # shoulders an upper arm above the floor, ankles a (near vertical) foot above it: toes and elbows down
        Lu = rig.dist("upperarm01.L", "lowerarm01.L")
        foot = rig.dist("foot.L", "toe2-1.L") * math.sin(math.radians(80.0))
        L = float(np.linalg.norm(rig.head("upperarm01.L") - rig.head("foot.L")))
        return dict(theta=math.degrees(math.asin(min(0.6, max(0.0, (Lu + 0.03 - foot) / L)))))

    def draw(self, rng):
        return {"shift": float(rng.uniform(2.0, 5.0))}   # a held position: small hip shifts only

    def posture(self, rig, st, ctx):
        p, k = st["p"], st["faults"]
        sign = 1.0 if (st["side"] or "left") == "left" else -1.0
        hips = p * sign * k.get("shift", 5.0)   # + = hips up (pike), - = sag
        G = G_PRONE
        Gt = G @ rx(-ctx["theta"])
        P = Posture(rig)
        P.world("root", Gt)
        P.spread(NECK, 4.0)
        for s in "LR":
            P.upperarm(s, G, sagittal(90.0, 0.10 * _lat(s)))
            P.forearm(s, G, sagittal(180.0, 0.08 * _lat(s)))
            P.hand(s, G, sagittal(180.0, 0.0))
            P.thigh(s, Gt, sagittal(-hips, 0.04 * _lat(s)))
            P.shin(s, Gt, sagittal(-0.5 * hips, 0.03 * _lat(s)))
            P.foot(s, G, sagittal(80.0, 0.0))
        return Pose(P.d, np.zeros(3), "min", dict(p=p, hip_pike_deg=hips))


class Cobra(LookAlike):
    name = "cobra"
    up, hold, down = 1.8, 2.0, 1.8

    def prepare(self, rig, motion, body):
        front = body["front_depth"]
        P, heads = self._base(rig, 0.0, 0.0)
        hands = {}
        for s in "LR":
            S = heads[rig.index[f"upperarm01.{s}"]]
            hands[s] = np.array([S[0] + 0.06, S[1] - 0.13 * _lat(s), 0.025 - front])   # root-relative, on floor
        return dict(front=front, hands=hands)

    def draw(self, rng):
        return {"ext": float(rng.uniform(25.0, 45.0)), "neck": float(rng.uniform(0.0, 20.0))}

    @staticmethod
    def _base(rig, ext, neck):
        P = Posture(rig)
        P.world("root", G_PRONE @ rx(2.0))
        P.spread(("spine04", "spine03", "spine02", "spine01"), -ext)
        P.spread(NECK, -neck)
        for s in "LR":
            P.thigh(s, G_PRONE, sagittal(2.0, 0.07 * _lat(s)))
            P.shin(s, G_PRONE, sagittal(2.0, 0.07 * _lat(s)))
            P.foot(s, G_PRONE, sagittal(-8.0, 0.0))
        W, _ = rig.resolve(P.d)
        return P, rig.fk(W)

    def posture(self, rig, st, ctx):
        p, k = st["p"], st["faults"]
        ext = p * k.get("ext", 35.0)
        P, heads = self._base(rig, ext, p * k.get("neck", 10.0))
        L1 = rig.dist("upperarm01.L", "lowerarm01.L")
        L2 = rig.dist("lowerarm01.L", "wrist.L")
        for s in "LR":
            S = heads[rig.index[f"upperarm01.{s}"]]
            H = ctx["hands"][s]
            E = two_bone(S, H, L1, L2, np.array([1.0, 0.4 * _lat(s) * -1.0, 0.6]))
            P.upperarm(s, np.eye(3), E - S)
            P.forearm(s, np.eye(3), H - E)
            P.hand(s, np.eye(3), np.array([-1.0, 0.0, -0.05]))
        return Pose(P.d, np.array([0.0, 0.0, ctx["front"]]), "fixed", dict(p=p, spine_ext_deg=ext))


def two_bone(S, H, L1, L2, bend) -> np.ndarray:
    """Elbow (or knee) of a two-bone chain from ``S`` reaching ``H``, bending toward ``bend``."""
    d = H - S
    dist = float(np.linalg.norm(d))
    dist = min(max(dist, abs(L1 - L2) + 1e-6), L1 + L2 - 1e-6)
    u = d / max(np.linalg.norm(d), 1e-9)
    a = (L1 ** 2 - L2 ** 2 + dist ** 2) / (2 * dist)
    h = math.sqrt(max(L1 ** 2 - a ** 2, 0.0))
    b = bend - np.dot(bend, u) * u
    b /= max(np.linalg.norm(b), 1e-9)
    return S + a * u + h * b


class DeadBug(LookAlike):
    name = "dead_bug"
    up, hold, down = 1.5, 0.6, 1.5
    alternate = True

    def posture(self, rig, st, ctx):
        p = st["p"]
        arm = SIDES[st["side"] or "left"]
        leg = "R" if arm == "L" else "L"
        G = G_SUPINE
        P = Posture(rig)
        P.world("root", G)
        P.world("neck01", G @ rx(-4.0))
        for s in "LR":
            flex = 90.0 + (p * 75.0 if s == arm else 0.0)
            P.upperarm(s, G, sagittal(flex, 0.10 * _lat(s)))
            P.forearm(s, G, sagittal(flex, 0.08 * _lat(s)))
            P.hand(s, G, sagittal(flex, 0.0))
            th = 90.0 - (p * 65.0 if s == leg else 0.0)
            sh = p * 25.0 if s == leg else 0.0
            P.thigh(s, G, sagittal(th, 0.08 * _lat(s)))
            P.shin(s, G, sagittal(sh, 0.05 * _lat(s)))
            P.foot(s, G, sagittal(sh + 80.0, 0.0))
        return Pose(P.d, np.zeros(3), "min", dict(p=p))


class PelvicTilt(Bridge, LookAlike):
    name = "pelvic_tilt"
    up, hold, down = 1.2, 1.5, 1.2
    left_y = 1.0

    def draw(self, rng):
        return {"tilt": float(rng.uniform(6.0, 15.0)), "rise": float(rng.uniform(0.0, 0.015))}

    def posture(self, rig, st, ctx):
        p, k = st["p"], st["faults"]
        beta = -p * k.get("tilt", 10.0)
        target = ctx["h0"] + p * k.get("rise", 0.0)
        alpha = 0.0 if p <= 0 else ctx.get("solve", _bisect)(lambda a: ctx["hip_h"](a, beta) - target, -20.0, 40.0)
        P, heads, T = self._build(rig, alpha, beta)
        self._legs(rig, P, heads, T, ctx["ankle"])
        return Pose(P.d, T, "min", dict(p=p, lumbar_ext_deg=beta, trunk_lift_deg=alpha))


class Clamshell(LookAlike):
    name = "clamshell"
    up, hold, down = 1.0, 0.8, 1.0
    continuous = True

    def prepare(self, rig, motion, body):
        moves = getattr(motion, "moves", None) or []
        lie = (moves[0].kin.get("lie") if moves else None) or "right"
        return dict(lie=lie)

    def world_left_y(self, ctx: dict) -> float:
        return -1.0 if ctx["lie"] == "right" else 1.0   # the near side "left" = the face side

    def draw(self, rng):
        return {"open": float(rng.uniform(25.0, 55.0)), "lie": "right" if rng.random() < 0.5 else "left"}

    def posture(self, rig, st, ctx):
        p, k = st["p"], st["faults"]
        lie = ctx["lie"]
        G = G_SIDE_R if lie == "right" else G_SIDE_L
        top = "L" if lie == "right" else "R"
        P = Posture(rig)
        P.world("root", G)
        Lt = rig.dist("upperleg01.L", "lowerleg01.L")
        Ls = rig.dist("lowerleg01.L", "foot.L")
        for s in "LR":
            t0, s0 = sagittal(50.0, 0.0), sagittal(-40.0, 0.0)
            if s == top:
                axis = Lt * t0 + Ls * s0
                R = axis_angle(axis, -_lat(s) * p * k.get("open", 40.0))
                if (R @ t0)[0] * _lat(s) < 0:
                    R = R.T
                t0, s0 = R @ t0, R @ s0
            P.thigh(s, G, t0)
            P.shin(s, G, s0)
            P.foot(s, G, sagittal(40.0, 0.0))
            if s == top:
                P.upperarm(s, G, sagittal(60.0, 0.0))
                P.forearm(s, G, sagittal(90.0, -0.5 * _lat(s)))
                P.hand(s, G, sagittal(90.0, -0.5 * _lat(s)))
            else:
                P.upperarm(s, G, sagittal(170.0, 0.0))
                P.forearm(s, G, sagittal(120.0, 0.0))
                P.hand(s, G, sagittal(120.0, 0.0))
        return Pose(P.d, np.zeros(3), "min", dict(p=p, knee_open_deg=p * k.get("open", 40.0)))


class ArmCircles(LookAlike):
    name = "arm_circles"
    floor = False
    up, hold, down = 0.8, 4.0, 0.8

    def draw(self, rng):
        return {"radius": float(rng.uniform(10.0, 25.0)), "hz": float(rng.uniform(0.6, 1.4)),
                "big": float(rng.random() < 0.35)}

    def posture(self, rig, st, ctx):
        p, k, t = st["p"], st["faults"], st.get("t", 0.0)
        G = G_STAND
        P = Posture(rig)
        P.world("root", G)
        phase = 2 * math.pi * k.get("hz", 1.0) * t
        for s in "LR":
            lat = _lat(s)
            down = sagittal(0.0, 0.15 * lat)
            if k.get("big"):   # windmill in the frontal plane: out, overhead, out, down
                a = math.radians(90.0 + 80.0 * math.sin(phase))
                circ = np.array([lat * math.sin(a), -0.15, -math.cos(a)])
            else:
                r = math.radians(k.get("radius", 15.0))
                circ = np.array([lat, -math.sin(r) * math.cos(phase), math.sin(r) * math.sin(phase)])
            circ = circ / np.linalg.norm(circ)
            d = (1 - p) * down + p * circ
            d = d / np.linalg.norm(d)
            P.upperarm(s, G, d)
            P.forearm(s, G, d)
            P.hand(s, G, d)
            P.thigh(s, G, sagittal(0.0, 0.06 * lat))
            P.shin(s, G, sagittal(0.0, 0.05 * lat))
            P.foot(s, G, sagittal(95.0, 0.12 * lat))
        return Pose(P.d, np.zeros(3), "min", dict(p=p))


LOOKALIKES: dict[str, LookAlike] = {
    c.name: c for c in (DonkeyKick(), FireHydrant(), CatCow(), Plank(), Cobra(), DeadBug(), PelvicTilt(),
                        Clamshell(), ArmCircles())
}
ANALYSED_AS: dict[str, str | tuple[str, ...]] = {
    "donkey_kick": "bird_dog", "fire_hydrant": "bird_dog", "cat_cow": "bird_dog",
    "plank": ("bird_dog", "prone_extension"), "clamshell": "bridge", "pelvic_tilt": "bridge", "dead_bug": "bridge",
    "cobra": "prone_extension", "arm_circles": "wall_slide",
}
