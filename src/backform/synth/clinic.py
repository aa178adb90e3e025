"""The synthetic clinic: clips drawn from a seed, randomised beyond bodies and rooms, with per-rep truth.

Pure numpy (no body model): ``sample(seed)`` gives a :class:`ClinicSpec` (what is performed, how, filmed
how), ``state_at(spec, tau)`` the instant's state for the postures in ``motion.py`` / ``lookalikes.py``, and
``truth(spec)`` the small truth document (no per-frame data) that ``bench/clinic.py`` scores against.
``clinic_render.render_clinic`` renders a spec (needs the ``synth`` extra).

What varies, per seed (see sample_videos/README.md, "The synthetic clinic"):

- what: one of the five exercises (80%) or a look-alike exercise (20%) labelled with the exercise a user
  would wrongly analyse it as (``lookalikes.ANALYSED_AS``); accepted variants (wall slide with or without the
  lift-off; prone extension arms by the sides or hands by the shoulders; the W arm lift's elbow bend);
- tempo: a speed factor 0.5-2x, lift and lowering scaled apart (x0.6-1.6 each), easing per phase (cosine,
  linear, ease-in, ease-out, smoothstep) and an overshoot of up to 8% on some lifts, hold jitter, rests
  0.4-1.8 s; breathing sway (0.5-2 deg of thoracic motion at 0.15-0.35 Hz) and fidgets at rest (a head turn,
  a shift of the trunk);
- reps: 2-3 (prone exercises 2), plus aborted reps (a lift to 12-38% of the range, no hold: not a rep) and partial reps (45-75%
  of the range with a hold: counted either way, faults on it either way); recordings that start mid-rep (the
  first rep counts either way) or end mid-rep (before the top: not a rep; after it: either way);
- faults swept over magnitude (:data:`DIMS`): about half the reps are clean (natural variation below the
  ``clean`` bound), the rest carry one or two faults drawn uniformly over each fault's whole range, so the
  truth holds clean, grey-zone and clinically meaningful magnitudes;
- camera: azimuth around the body (-75..+75 deg from the perpendicular side view; wall slide -75..-2, the
  wall being in front, or on 30% of wall slides a front diagonal of 30-50 deg past the end of the wall), height 0.1-1.2 m (floor exercises) / 0.5-1.6 m (standing), distance 1-1.9x the
  closest framing, 15% cut by the frame, a roll of up to 6 deg on half the clips; near side left or right;
- video: 360p-1080p (most 360-480p), 15-60 fps (at most 420 frames a clip: 60 fps on short clips only),
  H.264 crf 18-34.

Truth semantics (per rep; ``labels.json``'s definitions: start/end where the movement crosses 8% of the rep's
own range, top/lower the first/last time at 92% or more, hold = lower - top, computed from the motion itself
on a 2-ms grid, not from frames):

- ``counts``: ``"yes"``, ``"no"`` (aborted, or cut before its top) or ``"either"`` (partial, cut at the start,
  cut after its top); ``rep_count_ok`` lists every count between the yes-reps and yes + either reps.
- ``faults``: codes clinically meaningful at the rep's magnitude (>= ``DIMS[...].fault``): the checker must
  report them; ``either``: grey zone (between ``clean`` and ``fault``), on partial or cut reps every code,
  and accepted variants that a checker may still flag (a wall slide without lift-off: ``no_lift_off``);
  ``magnitudes``: every check's magnitude on that rep in its unit (0 = clean), for the reliability table.
- Look-alike clips: ``rep_count_ok`` [0], no faults; their movements are listed as ``counts: "no"``.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from .lookalikes import ANALYSED_AS, LOOKALIKES
from .motion import EXERCISES, LIFT_OFF_S

SAMPLER = "backform.clinic/1"
FLOOR = ("bridge", "bird_dog", "prone_extension", "prone_arm_lift")
FRAME_BUDGET = 420   # frames per clip at most (60 fps only on short clips)

# hold targets of the programmes (seconds at the top, 92% -> 92%): fixed here so the truth does not move
# when a checker's parameters do (wall slide: the "pause at the top")
HOLD_TARGET = {"bridge": 2.0, "bird_dog": 2.0, "prone_extension": 5.0, "prone_arm_lift": 5.0, "wall_slide": 1.0}
# clean tempo per exercise (s): lift, lowering (the hold comes from HOLD_TARGET and the draw)
TEMPO = {"bridge": (1.5, 2.2), "bird_dog": (1.5, 1.5), "prone_extension": (1.5, 1.5),
         "prone_arm_lift": (1.2, 1.2), "wall_slide": (2.5, 2.5)}


@dataclass(frozen=True)
class Dim:
    """One checked quantity: its magnitude's range, where it is clean and where clinically meaningful."""

    code: str
    lo: float
    hi: float
    fault: float      # magnitude >= fault: the checker must flag it
    clean: float      # magnitude < clean: the checker must not (between: either)
    unit: str
    meaning: str
    timed: bool = False  # derived from the truth times (hold, lowering), not drawn as a posture


# magnitudes: larger = worse for every dimension (times are expressed as shortfalls or as "fast" margins)
DIMS: dict[str, tuple[Dim, ...]] = {
    "bridge": (
        Dim("lumbar_arch", 0, 40, 20, 10, "deg", "lumbar extension at the top"),
        Dim("hips_low", 0, 35, 20, 10, "deg", "top short of a straight shoulder-hip-knee line"),
        Dim("short_hold", 0, 80, 40, 0, "% of target", "hold (92%-92%) short of the 2-s target", True),
        Dim("fast_lowering", 0, 0.45, 0.25, 0.0, "s under 0.6 s", "lowering (92%->8%) quicker than 0.6 s", True),
    ),
    "bird_dog": (
        Dim("arm_low", 0, 35, 20, 10, "deg", "raised arm below horizontal"),
        Dim("arm_high", 0, 35, 20, 10, "deg", "raised arm above horizontal"),
        Dim("leg_low", 0, 35, 20, 10, "deg", "raised leg below horizontal"),
        Dim("leg_high", 0, 35, 20, 10, "deg", "raised leg above horizontal"),
        Dim("back_sag", 0, 30, 20, 10, "deg", "lumbar extension (belly drops)"),
        Dim("back_arch", 0, 30, 20, 10, "deg", "lumbar flexion (back rounds)"),
        Dim("trunk_rotation", 0, 25, 15, 8, "deg", "whole-trunk roll, lifted-leg side up"),
        Dim("short_hold", 0, 80, 40, 0, "% of target", "hold short of the 2-s target", True),
        Dim("same_side", 0, 1, 1, 1, "-", "this rep repeats the previous rep's side", True),
    ),
    "prone_extension": (
        Dim("chin_not_tucked", 0, 30, 15, 7, "deg", "neck extended (chin poked) at the top"),
        Dim("arms_on_floor", 0, 1, 1, 1, "-", "arms rest on the floor (arms-by-the-sides variant)"),
        Dim("short_hold", 0, 80, 40, 0, "% of target", "hold short of the 5-s target", True),
    ),
    "prone_arm_lift": (
        Dim("chin_not_tucked", 0, 30, 15, 7, "deg", "neck extended (chin poked) at the top"),
        Dim("elbows_straight", 0, 90, 60, 30, "deg", "elbow flexion short of the W's 90 deg"),
        Dim("arms_not_lifted", 0, 18, 13, 7, "deg", "arm lift short of 20 deg off the floor"),
        Dim("short_hold", 0, 80, 40, 0, "% of target", "hold short of the 5-s target", True),
    ),
    "wall_slide": (
        Dim("low_back_arch", 0, 30, 20, 10, "deg", "lumbar extension at the top"),
        Dim("arms_not_overhead", 0, 50, 25, 12, "deg", "top shoulder flexion short of 168 deg"),
        Dim("no_lift_off", 0, 1, 2, 0, "-", "hands stay on the wall (an accepted variant: either)"),
        Dim("no_pause", 0, 0.8, 0.55, 0.0, "s under 0.8 s", "pause at the top (92%-92%) shorter than 0.8 s", True),
        Dim("fast_return", 0, 0.6, 0.4, 0.0, "s under 1.0 s", "return (92%->8%) quicker than 1.0 s", True),
    ),
}
MEANINGFUL = {ex: {d.code: d.fault for d in dims} for ex, dims in DIMS.items()}


def dim(exercise: str, code: str) -> Dim:
    return next(d for d in DIMS[exercise] if d.code == code)


def verdict(d: Dim, m: float) -> str:
    """``"fault"``, ``"either"`` or ``"clean"`` for magnitude ``m`` of dimension ``d``."""
    if m >= d.fault:
        return "fault"
    if m < d.clean or (d.clean == 0 and m <= 0):
        return "clean"
    return "either"


# ------------------------------------------------------------------------------------------------ easing
EASINGS = ("cosine", "linear", "ease_in", "ease_out", "smoothstep")


def ease(kind: str, x: float, overshoot: float = 0.0) -> float:
    """0..1 ramp of ``kind`` at ``x`` in 0..1; ``overshoot`` adds a bump that is gone again at x = 1."""
    x = min(max(x, 0.0), 1.0)
    if kind == "linear":
        y = x
    elif kind == "ease_in":
        y = x * x
    elif kind == "ease_out":
        y = 1.0 - (1.0 - x) ** 2
    elif kind == "smoothstep":
        y = x * x * x * (x * (6 * x - 15) + 10)
    else:
        y = 0.5 - 0.5 * math.cos(math.pi * x)
    if overshoot:   # reach 1 + overshoot at 75% of the phase, settle back to 1 by its end
        if x < 0.75:
            return (1.0 + overshoot) * ease(kind, x / 0.75)
        return 1.0 + overshoot * (0.5 + 0.5 * math.cos(math.pi * (x - 0.75) / 0.25))
    return y


# ------------------------------------------------------------------------------------------------ plan
@dataclass
class Move:
    """One movement: a rep, a partial or aborted rep, or a look-alike's cycle (plan time, seconds)."""

    n: int
    kind: str             # full | partial | aborted | lookalike
    amp: float            # fraction of the full range reached
    t_up: float
    up: float
    hold: float
    down: float
    ease_up: str = "cosine"
    ease_down: str = "cosine"
    overshoot: float = 0.0
    side: str | None = None
    kin: dict = field(default_factory=dict)    # posture parameters (motion.FAULTS codes -> kinematic values)
    mags: dict = field(default_factory=dict)   # drawn magnitudes (DIMS units) of the posture dimensions

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
class ClinicSpec:
    seed: int
    motion: str            # what is performed: an exercise or a look-alike (lookalikes.LOOKALIKES)
    exercise: str          # what it is analysed as
    moves: list[Move]
    t0: float              # plan time of the recording's first frame
    duration: float        # seconds recorded
    fps: float
    width: int
    height: int
    crf: int
    near_side: str
    camera: dict           # azimuth_deg, height_m, distance_x, roll_deg, shift (x, y frame fractions)
    variant: dict
    sway: dict             # breath_deg, breath_hz, breath_phase
    fidgets: list          # (plan t, duration, kind, amount)
    cut: dict              # start / end: None or the rep cut

    @property
    def negative(self) -> bool:
        return self.motion != self.exercise

    @property
    def name(self) -> str:
        return f"c{self.seed}_{self.motion}"

    def to_json(self) -> dict:
        d = asdict(self)
        d["negative"] = self.negative
        return d


def _pick(rng, items, p=None):
    return items[int(rng.choice(len(items), p=p))]


def _view(az: float, motion: str) -> str:
    a = abs(az)
    if a < 22.5:
        return "side"
    if a < 60:
        return "diagonal" if az > 0 else "back_diagonal"
    return "front" if az > 0 else "back"


def sample(seed: int) -> ClinicSpec:
    """The clip of ``seed``: deterministic for a given seed and SAMPLER version."""
    rng = np.random.default_rng([seed, 20261207])
    if (seed // 5) % 5 == 0:   # a fifth of the seeds: a look-alike; else the five exercises in turn
        motion = _pick(rng, sorted(LOOKALIKES))
        exercise = ANALYSED_AS[motion]
        if isinstance(exercise, tuple):
            exercise = _pick(rng, exercise)
    else:
        motion = exercise = EXERCISES[seed % 5]
        rng.random()
    negative = motion != exercise
    variant: dict = {}
    if motion == "wall_slide":
        variant["lift_off"] = bool(rng.random() < 0.6)
    if motion == "prone_extension":
        variant["arms"] = "sides" if rng.random() < 0.6 else "shoulders"
    if motion == "bird_dog":
        variant["start_side"] = _pick(rng, ("left", "right"))
    # video
    # cost grows with pixels x frames: most clips 360-480p at 15-30 fps, a few 720p/1080p (at <= 25 fps)
    size = _pick(rng, ((480, 360), (640, 360), (640, 480), (854, 480), (360, 640), (1280, 720), (1920, 1080)),
                 p=(0.32, 0.26, 0.12, 0.14, 0.06, 0.07, 0.03))
    fps = float(_pick(rng, (15, 20, 24, 25, 30, 60), p=(0.5, 0.05, 0.1, 0.1, 0.22, 0.03)))
    if size[0] * size[1] > 640 * 480 and fps > 25:
        fps = 15.0 if size[1] >= 1080 else 25.0
    if fps >= 60 and size[0] * size[1] > 480 * 360:
        size = (480, 360)
    crf = int(rng.integers(18, 35))
    # camera
    floor = (motion in FLOOR) or (motion in LOOKALIKES and LOOKALIKES[motion].floor)
    standing = not floor
    r = rng.random()
    az = float(rng.uniform(-20, 20) if r < 0.55 else (rng.uniform(20, 55) * (1 if rng.random() < 0.6 else -1)
                                                         if r < 0.9 else rng.uniform(55, 75) * (1 if rng.random() < 0.5 else -1)))
    if motion == "wall_slide":   # the wall is in front of the face: cameras from the side or behind
        az = min(az, -2.0)
    h = float(rng.uniform(0.1, 1.2) if floor else rng.uniform(0.5, 1.6))
    cut = rng.random() < 0.15
    camera = dict(azimuth_deg=round(az, 2), height_m=round(h, 3),
                  distance_x=round(float(rng.uniform(0.78, 0.92) if cut else rng.uniform(1.0, 1.9)), 3),
                  roll_deg=round(float(rng.uniform(-6, 6)) if rng.random() < 0.5 else 0.0, 2),
                  shift=(round(float(rng.uniform(-0.08, 0.08)), 3), round(float(rng.uniform(-0.08, 0.08)), 3)),
                  view=_view(az, motion), cut=bool(cut), standing=standing)
    near = _pick(rng, ("left", "right"))
    # tempo
    speed = float(np.exp(rng.uniform(math.log(0.5), math.log(2.0))))
    up_f, down_f = float(rng.uniform(0.6, 1.6)), float(rng.uniform(0.6, 1.6))
    sway = dict(breath_deg=round(float(rng.uniform(0.5, 2.0)), 3), breath_hz=round(float(rng.uniform(0.15, 0.35)), 3),
                breath_phase=round(float(rng.uniform(0, 2 * math.pi)), 3))
    moves = _plan_lookalike(rng, motion, speed) if negative else _plan_reps(rng, motion, speed, up_f, down_f, variant)
    # the cost of a clip is its frames (2 shared cores): at most ~22 s, and at most FRAME_BUDGET frames
    while len(moves) > 2 and moves[-1].t_end > 20.0:
        moves.pop()
    if (moves[-1].t_end + 1.0) * fps > FRAME_BUDGET:
        fps = max(15.0, float(min((f for f in (15, 20, 24, 25, 30) if (moves[-1].t_end + 1.0) * f <= FRAME_BUDGET),
                                  default=15)))
    # recording window
    t0, cut_info = 0.0, {"start": None, "end": None}
    first, last = moves[0], moves[-1]
    end = last.t_end + float(rng.uniform(0.5, 1.5))
    if not negative and rng.random() < 0.12 and first.kind == "full":
        t0 = first.t_up + float(rng.uniform(0.3, 1.0)) * (first.up + first.hold)
        cut_info["start"] = first.n
    if not negative and rng.random() < 0.12 and last.kind == "full" and len(moves) > 1:
        end = last.t_up + float(rng.uniform(0.3, 1.0)) * (last.up + last.hold + 0.5 * last.down)
        cut_info["end"] = last.n
    fidgets = []
    for a, b in zip([0.0] + [m.t_end for m in moves], [m.t_up for m in moves] + [end]):
        if b - a > 1.2 and rng.random() < 0.4:
            dur = float(rng.uniform(0.6, min(1.5, b - a - 0.3)))
            t = float(rng.uniform(a + 0.1, b - dur - 0.1))
            fidgets.append((round(t, 3), round(dur, 3), _pick(rng, ("head", "trunk")),
                            round(float(rng.uniform(-1, 1)), 3)))
    if motion == "wall_slide" and rng.random() < 0.3:
        # a front diagonal: the wall ends 18 cm past the body's midline on the camera's side (a wall's end, a
        # doorway: the near hand at its edge), so a camera 30-50 deg toward the face sees the front past it
        # (drawn last: the other fields of every seed stay as they were)
        az = float(rng.uniform(30.0, 50.0))
        camera.update(azimuth_deg=round(az, 2), view=_view(az, motion), wall_end=True)
    return ClinicSpec(seed, motion, exercise, moves, round(t0, 3), round(end - t0, 3), fps, size[0], size[1], crf,
                      near, camera, variant, sway, fidgets, cut_info)


def _ease_pick(rng):
    return _pick(rng, EASINGS, p=(0.4, 0.15, 0.15, 0.15, 0.15))


def _plan_reps(rng, ex: str, speed: float, up_f: float, down_f: float, variant: dict) -> list[Move]:
    n_full = int(rng.integers(2, 3 if ex in ("prone_extension", "prone_arm_lift") else 4))
    kinds = ["full"] * n_full
    if rng.random() < 0.2:
        kinds.insert(int(rng.integers(0, len(kinds) + 1)), "aborted")
    if rng.random() < 0.15:
        kinds.insert(int(rng.integers(1, len(kinds) + 1)), "partial")
    up0, down0 = TEMPO[ex]
    t = float(rng.uniform(0.5, 1.8))
    moves: list[Move] = []
    side = variant.get("start_side")
    prev_side = None
    for n, kind in enumerate(kinds, 1):
        up = up0 * up_f / speed * float(rng.uniform(0.85, 1.15))
        down = down0 * down_f / speed * float(rng.uniform(0.85, 1.15))
        kin, mags = _draw_faults(rng, ex, n)
        target = HOLD_TARGET[ex]
        if "short_hold" in mags or "no_pause" in mags:   # the timed dimension drawn: hold 20-100% of target
            hold = target * float(rng.uniform(0.2, 1.0)) - 0.3 * (up + down) / 2
            mags.pop("short_hold", None)
            mags.pop("no_pause", None)
        else:
            hold = target * float(rng.uniform(1.0, 1.5)) + 0.1
        if "fast_lowering" in mags or "fast_return" in mags:
            down = float(rng.uniform(0.3, 1.2)) if ex == "bridge" else float(rng.uniform(0.4, 1.6))
            mags.pop("fast_lowering", None)
            mags.pop("fast_return", None)
        amp = 1.0
        if kind == "aborted":
            amp, hold = float(rng.uniform(0.12, 0.38)), float(rng.uniform(0.0, 0.3))
        elif kind == "partial":
            amp = float(rng.uniform(0.45, 0.75))
        hold = max(hold, 0.0)
        over = float(rng.uniform(0.02, 0.08)) if rng.random() < 0.25 else 0.0
        if ex == "bird_dog":
            if prev_side is not None:
                side = prev_side if mags.pop("same_side", 0) else ("right" if prev_side == "left" else "left")
            if kind == "full":
                prev_side = side
        mags.pop("same_side", None)
        m = Move(n, kind, round(amp, 4), round(t, 4), round(up, 4), round(hold, 4), round(down, 4),
                 _ease_pick(rng), _ease_pick(rng), round(over, 4), side if ex == "bird_dog" else None, kin, mags)
        moves.append(m)
        t = m.t_end + float(rng.uniform(0.4, 1.8))
    return moves


def _draw_faults(rng, ex: str, n: int) -> tuple[dict, dict]:
    """(posture parameters, drawn magnitudes) of one rep: ~half clean (variation inside the clean bound),
    the rest one or two dimensions drawn uniformly over their whole range."""
    dims = DIMS[ex]
    chosen: list[Dim] = []
    p_clean = 0.65 if n == 1 else 0.45
    if rng.random() >= p_clean:
        k = 2 if rng.random() < 0.2 else 1
        pool = [d for d in dims if d.code != "no_lift_off" and not (d.code == "same_side" and n == 1)]
        idx = rng.choice(len(pool), size=min(k, len(pool)), replace=False)
        chosen = [pool[int(i)] for i in idx]
        # opposite directions of one quantity exclude each other
        codes = {d.code for d in chosen}
        for a, b in (("arm_low", "arm_high"), ("leg_low", "leg_high"), ("back_sag", "back_arch")):
            if a in codes and b in codes:
                chosen = [d for d in chosen if d.code != b]
    mags: dict = {}
    for d in dims:
        if d.code == "no_lift_off":
            continue
        if d in chosen:
            mags[d.code] = float(rng.uniform(d.lo, d.hi)) if not d.timed else 1.0
        elif not d.timed and d.hi > 1:
            mags[d.code] = float(rng.uniform(0, 0.6 * d.clean))   # natural variation, clean
    picked = {d.code for d in chosen}
    for a, b in (("arm_low", "arm_high"), ("leg_low", "leg_high"), ("back_sag", "back_arch")):
        if a in mags and b in mags:   # one signed quantity: the drawn side, else the larger variation
            keep = a if a in picked else b if b in picked else (a if mags[a] >= mags[b] else b)
            mags[b if keep == a else a] = 0.0
    if ex == "prone_extension":
        mags["arms_on_floor"] = 1.0 if any(d.code == "arms_on_floor" for d in chosen) else 0.0
    return _kin(ex, mags), {k: round(v, 3) for k, v in mags.items()}


def _kin(ex: str, mags: dict) -> dict:
    """Posture parameters (``motion.FAULTS`` codes, kinematic units) for drawn magnitudes."""
    k: dict = {}
    g = mags.get
    if ex == "bridge":
        k = {"lumbar_arch": g("lumbar_arch", 0.0), "hips_low": g("hips_low", 0.0)}
    elif ex == "bird_dog":
        k = {c: g(c, 0.0) for c in ("arm_low", "arm_high", "leg_low", "leg_high", "back_sag", "back_arch",
                                    "trunk_rotation")}
    elif ex == "prone_extension":
        k = {"chin_not_tucked": g("chin_not_tucked", 0.0)}
        if g("arms_on_floor"):
            k["arms_on_floor"] = 1.0
    elif ex == "prone_arm_lift":   # elbow flexion 90 - shortfall (the W); lift 20 - shortfall degrees
        k = {"chin_not_tucked": g("chin_not_tucked", 0.0), "elbows_straight": 90.0 - g("elbows_straight", 0.0),
             "arms_not_lifted": 20.0 - g("arms_not_lifted", 0.0)}
    elif ex == "wall_slide":
        k = {"low_back_arch": g("low_back_arch", 0.0), "arms_not_overhead": g("arms_not_overhead", 0.0)}
    return {c: round(v, 3) for c, v in k.items()}


def _plan_lookalike(rng, motion: str, speed: float) -> list[Move]:
    la = LOOKALIKES[motion]
    n = int(rng.integers(2, 5))
    t = float(rng.uniform(0.5, 1.5))
    out = []
    side = _pick(rng, ("left", "right"))
    for i in range(1, n + 1):
        up = la.up / speed * float(rng.uniform(0.8, 1.25))
        down = la.down / speed * float(rng.uniform(0.8, 1.25))
        hold = la.hold * float(rng.uniform(0.5, 1.5))
        amp = float(rng.uniform(0.7, 1.0))
        m = Move(i, "lookalike", round(amp, 4), round(t, 4), round(up, 4), round(hold, 4), round(down, 4),
                 _ease_pick(rng), _ease_pick(rng), 0.0, side, la.draw(rng), {})
        out.append(m)
        if la.alternate:
            side = "right" if side == "left" else "left"
        t = m.t_end + float(rng.uniform(0.2, 1.5)) * (0.3 if la.continuous else 1.0)
    return out


# ------------------------------------------------------------------------------------------------ state
def move_at(spec: ClinicSpec, tau: float) -> Move | None:
    cur = None
    for m in spec.moves:
        if tau >= m.t_up - 1e-9:
            cur = m
    return cur


def progress(m: Move, tau: float) -> float:
    if tau < m.t_up:
        return 0.0
    if tau < m.t_top:
        return m.amp * ease(m.ease_up, (tau - m.t_up) / m.up, m.overshoot)
    if tau < m.t_down:
        return m.amp
    if tau < m.t_end and m.down > 0:
        return m.amp * (1.0 - ease(m.ease_down, (tau - m.t_down) / m.down))
    return 0.0


def state_at(spec: ClinicSpec, tau: float) -> dict:
    """The state of plan time ``tau``, as the postures read it (``p``, ``lift``, ``side``, ``faults``) plus the
    clinic's extras (``variant``, ``sway``: degrees of breathing and fidget rotations, ``t``)."""
    m = move_at(spec, tau)
    ref = m or spec.moves[0]
    p = progress(m, tau) if m else 0.0
    lift = 0.0
    if spec.motion == "wall_slide" and m is not None and spec.variant.get("lift_off") and m.kind == "full" \
            and m.hold > 2 * LIFT_OFF_S:
        a, b = tau - m.t_top, m.t_down - tau
        if a >= 0 and b >= 0:
            lift = min(ease("cosine", a / LIFT_OFF_S), ease("cosine", b / LIFT_OFF_S))
    sw = spec.sway
    breath = sw["breath_deg"] * math.sin(2 * math.pi * sw["breath_hz"] * tau + sw["breath_phase"])
    head = trunk = 0.0
    for t, dur, kind, amount in spec.fidgets:
        if t <= tau <= t + dur:
            bump = math.sin(math.pi * (tau - t) / dur) ** 2
            if kind == "head":
                head += 15.0 * amount * bump
            else:
                trunk += 4.0 * amount * bump
    return dict(p=p, lift=lift, rep=ref.n if m else None, side=ref.side, faults=dict(ref.kin), t=tau,
                phase_move=ref, variant=spec.variant, sway=dict(breath=breath, head=head, trunk=trunk))


# ------------------------------------------------------------------------------------------------ truth
def move_times(m: Move, dt: float = 0.002) -> dict:
    """labels.json times of one movement from its progress curve (plan time)."""
    tau = np.arange(m.t_up - 0.05, m.t_end + 0.05, dt)
    p = np.array([progress(m, x) for x in tau])
    lo, hi = 0.08 * m.amp, 0.92 * m.amp
    above = np.where(p >= hi)[0]
    top, low = float(tau[above[0]]), float(tau[above[-1]])
    start = float(tau[np.where(p[: above[0]] <= lo)[0][-1]])
    after = np.where(p[above[-1]:] <= lo)[0]
    end = float(tau[above[-1] + after[0]]) if len(after) else float(tau[-1])
    return dict(start_s=start, top_s=top, lower_s=low, end_s=end)


def truth(spec: ClinicSpec) -> dict:
    """The clip's truth document (plan times shifted to the recording's clock; see the module doc)."""
    ex = spec.exercise
    reps = []
    n_yes = n_either = 0
    t_end_rec = spec.duration
    prev_side = last_side = None
    for m in spec.moves:
        tm = move_times(m)
        rt = {k: round(v - spec.t0, 3) for k, v in tm.items()}
        hold = round(tm["lower_s"] - tm["top_s"], 3)
        lowering = round(tm["end_s"] - tm["lower_s"], 3)
        if spec.negative:
            counts = "no"
        elif m.kind == "aborted":
            counts = "no"
        elif m.kind == "partial":
            counts = "either"
        else:
            counts = "yes"
        cut = None
        if spec.cut["start"] == m.n:
            counts, cut = "either", "start"
        if spec.cut["end"] == m.n:
            cut = "end"
            counts = "no" if rt["top_s"] >= t_end_rec else "either"
        if rt["end_s"] < 0:
            continue
        mags = dict(m.mags)
        if ex == "prone_extension" and spec.variant.get("arms") == "shoulders":
            mags["arms_on_floor"] = 0.0   # drawn, but the hands-by-the-shoulders posture never renders it
        faults: list[str] = []
        either: list[str] = []
        if not spec.negative and m.kind != "aborted":
            target = HOLD_TARGET[ex]
            if ex == "wall_slide":
                mags["no_pause"] = round(max(0.0, 0.8 - hold), 3)
                mags["fast_return"] = round(max(0.0, 1.0 - lowering), 3)
                if not spec.variant.get("lift_off") or m.hold <= 2 * LIFT_OFF_S:
                    either.append("no_lift_off")
            else:
                short = max(0.0, 1.0 - hold / target) * 100.0
                mags["short_hold"] = round(short, 1) if hold < target - 0.3 else 0.0
            if ex == "bridge":
                mags["fast_lowering"] = round(max(0.0, 0.6 - lowering), 3)
            if ex == "bird_dog":
                mags["same_side"] = 1.0 if (prev_side is not None and m.side == prev_side) else 0.0
                if not mags["same_side"] and last_side is not None and m.side == last_side:
                    either.append("same_side")   # after a partial or aborted rep of this side: either way
            for d in DIMS[ex]:
                if d.code not in mags:
                    continue
                v = verdict(d, mags[d.code])
                if v == "fault":
                    faults.append(d.code)
                elif v == "either" and d.code not in either:
                    either.append(d.code)
            if counts == "either" or cut:
                either = sorted(set(either) | set(faults) | {d.code for d in DIMS[ex]})
                faults = []
        if ex == "bird_dog" and m.kind == "full" and counts != "no":
            prev_side = m.side
        last_side = m.side
        near_arm = None
        if m.side is not None and spec.motion == "bird_dog":
            near_arm = m.side == spec.near_side
        if counts == "yes":
            n_yes += 1
        elif counts == "either":
            n_either += 1
        reps.append(dict(n=m.n, kind=m.kind, counts=counts, cut=cut, side=m.side, working_arm_near=near_arm,
                         **rt, hold_s=hold, lowering_s=lowering, amp=m.amp,
                         ease=[m.ease_up, m.ease_down], overshoot=m.overshoot,
                         faults=sorted(faults), either=sorted(set(either) - set(faults)),
                         magnitudes={k: round(float(v), 3) for k, v in mags.items()}, kin=m.kin))
    ok = list(range(n_yes, n_yes + n_either + 1))
    return dict(schema="backform.clinic.truth/1", sampler=SAMPLER, seed=spec.seed, clip=spec.name,
                exercise=ex, motion=spec.motion, negative=spec.negative, variant=spec.variant,
                view=spec.camera["view"], camera=spec.camera, near_side=spec.near_side,
                fps=spec.fps, width=spec.width, height=spec.height, crf=spec.crf, duration_s=spec.duration,
                t0_plan_s=spec.t0, cut=spec.cut, sway=spec.sway, fidgets=spec.fidgets,
                rep_count_ok=[0] if spec.negative else ok,
                hold_target_s=None if spec.negative else HOLD_TARGET[ex],
                reps=reps, meaningful=MEANINGFUL.get(ex, {}),
                dims={d.code: dict(unit=d.unit, fault=d.fault, clean=d.clean, meaning=d.meaning)
                      for d in DIMS.get(ex, ())})
