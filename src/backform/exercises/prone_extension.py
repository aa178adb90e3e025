"""Prone back extension: face down over pillows, arms by the sides not touching the floor, lift the chest
with the chin tucked, hold 5-10 s; 5 reps.

Seen from the side (a diagonal view counts reps and sees the arms, not the chin). Lift signal: the
near hip->ear line's angle above the image horizontal, relative to the person's rest (real clips: +10 to
+19 deg at the top; the superman variant lifts the legs too, which does not change it). The hip->shoulder
line (``chest_lift_deg``, +9 to +15) was the signal first, but MediaPipe's shoulder stops rising before the
chest does: on rendered lifts it reached its plateau at 75-80% of the true lift and left it late on the way
down, so the "top" (92% of the range) came ~0.3 s early and the hold read up to 0.48 s long. The ear follows
the whole lift (rendered holds within 0.18 s of the truth; real clips: median error 0.11 s, as before).

Checks:
- ``chin_not_tucked``: head pitch at the top (near ear -> nose against the hip -> shoulder line,
  :func:`backform.pose.geometry.chin_angle`) above the person's reference by more than ``chin_poke_deg``: their
  calibrated clean top (``baseline={"chin_deg": ...}``), else the rest just before the rep corrected for the
  chest lift (:func:`chin_excess`; an absolute neutral does not work: rendered bodies' clean tops measured -69
  in DESIGN and -90 here). Without a calibration a poke also needs the face turned forward of perpendicular
  to the trunk line at the top (``chin_top_max``): the excess over the rest alone read clean reps +9..+15 from
  some rendered views. Side view only (the rep's own top frames side-on, not just the clip's tracker); not
  checked when the face is hidden behind the arm (superman variant: arms forward, in line with the head) or
  the head is seen end-on (ear->nose shorter than ``face_min_len``: its pitch on screen is noise).
- ``arms_on_floor``: at the top the near wrist sits at floor level, well below the near knee's centre
  (``floor_clearance``), after taking off a looking-down camera's parallax (``floor_parallax``: the wrist lies
  outside the knee, nearer the camera). Side view only, arms by the sides only (hands by the shoulders or arms
  forward: the wrist is no longer level with the knee; not checked).
- ``short_hold``: the hold under the target minus ``short_hold_under_s`` (5 s: 4.0 s, the middle of the clinic
  truth's grey zone between clean, 0.3 s short, and a fault, 40% short), confirmed on the rep's plateau (a brief spike of the signal must not set the top).
  The rep's top and lower are re-timed on that plateau when a spike set them (``refine_window``). Not checked
  when the body's size on screen jumps over the rep (``size_jump``: the pose model lost the person).

Reps need the exercise (``movement``): pushing the chest up on the hands (a cobra: hands planted by the chest,
straight arms pointing down to the floor, or planted hands with the elbows opening or the upper arm nearly
vertical) is not a prone extension; arms by the sides (no hand to push with), forward or hands by the
shoulders (hovering: they rise with the chest) are. Read first in world landmarks (:func:`world_cobra`: the
wrists' rise along the shoulders' rise, the 3-D elbow opening and the shoulder-wrist distance; the same from
every camera), the screen-plane arm rules only where world landmarks are absent or their reading is in between;
those are skipped with the arms by the sides, on screen or in world landmarks (``world_sides_ahead``: from behind
the screen foreshortens the wrist's offset behind the shoulder).

Confidence (see :mod:`.checks`): margin to the threshold over ``NOISE`` (chin excess 3 deg, wrist over knee
0.05 body sizes, hold 0.1 s) x landmark visibility x view stability.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..pose import geometry as g
from ..types import PoseFrame
from .counting import CounterParams, RepWindow, frame_view, level_crossing, median3
from ..pose.landmarks import L, side as S
from .base import Exercise, Panel, register
from .checks import RepContext, Status, judge, lm_in_frame, not_checked, plateau_span


@dataclass(frozen=True)
class ProneExtensionParams:
    reps: int = 5                   # programme: 5 reps
    hold_s: float = 5.0             # programme: hold 5-10 s
    hold_tolerance_s: float = 0.15  # labels: >0.3 s under target is short, within 0.3 s either is right
    short_hold_under_s: float = 1.0  # short_hold: the hold this far under the target (5 s: below 4.0 s), as the
    #                                  prone arm lift's. The target minus hold_tolerance_s (4.85 s) sat inside the
    #                                  clinic truth's clean zone (clean from 0.3 s short = 4.7 s, a fault from 40%
    #                                  short = 3.0 s): clean holds read 4.37 and 4.82 s were flagged (c5632,
    #                                  c5617). Midway between the bounds; clinic short holds read <= 2.97 s
    start_delta_deg: float = 3.0    # rest jitter of the lift angle ~0.5 deg on the real clips
    rest_delta_deg: float = 1.5
    min_range_deg: float = 8.0      # real head lifts: 10.5-19 deg (be23_super, merged_superman both views); clinic
    #                                 full lifts 12.7-22, partial (either) 8.5-11.3, aborted lifts (12-38% of the
    #                                 range: not reps) 6.6 -> 8 (an aborted 38% of an 18-deg lift reads 6.8)
    spike_pct: float = 90.0         # refine_window: the plateau's level (a held rep spends most of its time there)
    spike_hold_frac: float = 0.5    # ... and a counted hold under this share of the plateau's was set by a spike
    chin_neutral_deg: float = -69.0  # DESIGN (rendered bodies, side camera): neutral head about -69 deg; used
    #                                  only without a calibration baseline and without rest frames before the rep
    chin_poke_deg: float = 8.0      # DESIGN: a 10 deg chin poke shows as ~+7.5, 20 deg as +17. Rendered bodies:
    #                                 clean reps +0.5/+1, a 25 deg poke +11 (after the lift compensation)
    chin_lift_comp: float = 1.1     # deg of head pitch per deg of chest lift with a neutral neck (rendered
    #                                 clean prone extension: +15.5 deg for a 13.4 deg lift)
    chin_top_max: float = -88.0     # without a calibration: a poke also needs the face turned forward of
    #                                 perpendicular to the trunk line at the top (head pitch above this). The
    #                                 relative excess alone misread clean reps by -25..+15 deg from view to view
    #                                 (clinic tuning+test1, side view, arms by the sides: +9..+15 on 5 clean reps);
    #                                 their tops read -123..-90, pokes of 19-24 deg -68..-78, the sample render's
    #                                 25-deg poke -83.5. A tucked face at or past perpendicular is not poked
    face_min_len: float = 0.10      # ear->nose under this (body sizes) at the top or the rest: the head is seen
    #                                 end-on (foreshortened; clinic: 0.06-0.09 where the pitch read +14..+34 on
    #                                 clean reps), its pitch not measurable. Side profiles: 0.11-0.20
    face_clear: float = 0.15        # nose/ear closer than this (body sizes) to the near arm: face hidden
    cobra_elbow_deg: float = 140.0  # near arm straight on screen at the top ...
    cobra_arm_deg: float = -55.0    # ... and its upper arm pointing down steeper than this: pushing up (a cobra).
    planted_rise_max: float = 0.06  # a cobra on bent arms: the hands stay where they are (wrist rise top - rest below
    #                                 this, body sizes) while the near elbow opens by cobra_open_deg or more. Clinic
    #                                 tuning range: cobra (c1054) wrist -0.02..+0.02, elbow +13..+32; hands-by-the-
    #                                 shoulders variant (8 clips) wrist +0.12..+0.39, elbow -22..+5; arms by the
    #                                 sides (3 clips) elbow straight, -3..+6
    cobra_open_deg: float = 10.0
    cobra_arm_steep_deg: float = -70.0  # ... or, seen obliquely (the elbow's angle on screen then says little), its
    #                                 upper arm pointing nearly straight down at the top (clinic c5027, a cobra from
    #                                 behind: -78, elbow 122-139 on screen, wrist -0.42/-0.13 under its rest)
    hands_by_sides: float = -0.6    # a cobra's hands are planted by the chest: the near wrist at most this far
    #                                 behind the near shoulder (body sizes; clinic cobras -0.38..+0.25). Arms by the
    #                                 sides (-0.84..-1.2) rotate with the thorax and may sink while the elbow reads
    #                                 straighter: not a cobra (clinic c5117, c5122 were rejected so)
    world_sides_ahead: float = -0.6  # the same in world landmarks (view-independent): the wrists' mid-point along
    #                                 the hip->shoulder axis from the shoulders, over the axis's length, at rest
    #                                 (0 = level with the shoulders, -1 = with the hips). Midway between hands by
    #                                 the chest (clinic cobras, every view: -0.12..-0.42) and arms by the sides
    #                                 (~-1). From behind the screen's wrist offset is foreshortened (arms by the
    #                                 sides -0.45..-0.49 on screen, -0.63..-0.92 in world: c5487, c5742, c5587)
    body_steep_deg: float = 20.0    # the hip->ankle line this steep on screen: seen from the feet or the head (clinic
    #                                 side and diagonal views -5..-9; from behind -31..-54). Arms by the sides then
    #                                 point down the screen like a cobra's (clinic c5207, c5222: -58..-85 deg, the
    #                                 wrist hidden); without the wrist in sight the straight-arm cobra rule is off
    body_max_deg: float = 50.0      # start position: the hip->ankle line within this of the image horizontal. Seen
    #                                 from a high back diagonal a prone body reads -41..-43 (clinic c5112)
    #                                 Real and sample prone extensions at the top: upper arm -32..+12 deg (arms
    #                                 by the sides, forward, or on the floor), elbow 159-178
    sides_max_ahead: float = -0.3   # arms_on_floor is judged with the arms by the sides: the near wrist behind the
    #                                 shoulder (body sizes; sample renders -0.83..-1.06). Hands by the shoulders
    #                                 (clinic tuning c1007: +0.29) and superman arms (real: +0.75..+0.97) are not
    floor_clearance: float = -0.15  # wrist centre this far below the near knee's centre (body sizes): on the
    #                                 floor. Rendered bodies: hands on the floor -0.30; hovering -0.05..+0.07
    floor_parallax: float = 0.6     # the near wrist's offset outside the near knee over the hips' width (arms by
    #                                 the sides: ~0.1-0.15 m outside the knee, hip joints ~0.2 m apart). A camera
    #                                 looking down shows the far hip higher than the near one by the hips' width x
    #                                 sin(depression) and the wrist lower than the knee by this share of it. Clinic
    #                                 side views: far hip 0-0.17 body sizes up; a 1.18-m high camera read clean
    #                                 hovering hands -0.21 (c5282), a 0.30-m one hands on the floor -0.27
    parallax_cap: float = 0.25      # body sizes: more is the far hip mislocated, not the camera
    # the world-landmark push test (:func:`world_push`, view-independent: metric 3-D, any camera). Clinic
    # tuning+test1+test2+test3, reps read at the movement test, bent arms at rest (mean 3-D elbow < 140 deg):
    # cobras' wrists rise -0.23..+0.48 of the shoulders' rise (11 clips), clean hands-by-the-shoulders reps
    # +0.57..+4.5 (median ~1.2: the hands rise with the chest); cobras' elbows open +6..+34 deg and the
    # shoulder-wrist distance grows +0.03..+0.11 m, clean reps -17..+15 deg (a few +20..+30 with the wrists
    # rising as fast as the shoulders), -0.06..+0.07 m
    world_bent_deg: float = 140.0   # mean 3-D elbow angle at rest under this: bent arms (hands by the chest/shoulders);
    #                                 arms by the sides or forward read 150-177
    world_min_rise_m: float = 0.05  # the shoulders' rise (m) needed to read the wrists against it (clean 0.06-0.21)
    planted_frac: float = 0.3       # the wrists rising under this share of the shoulders' rise: planted (a cobra) ...
    planted_push_frac: float = 0.6  # ... or under this one while the arms push: elbows open >= cobra_open_deg (mean
    #                                 of both arms) or the shoulder-wrist distance grows >= push_dist_m
    push_dist_m: float = 0.04
    world_body_max_deg: float = 30.0  # the cobra side only with the hip->ankle line within this of the image
    #                                 horizontal: seen along the body the pose model's arm depth is a guess (clinic
    #                                 c5362, arms by the sides from behind, -43 deg: elbows 102-125, wrists +0.2 of
    #                                 the rise). Cobras read -1..+21 (c5502, 57-deg diagonal), clean reps to -18
    hover_frac: float = 0.8         # the wrists rising at least this share with the elbows not opening (or half the
    #                                 shoulders' rise with the elbows closing and the shoulder-wrist distance not
    #                                 growing: nothing pushes): the hands rise with the chest (not a cobra), whatever
    #                                 the screen's arm angles say (clinic c5497: 0.57 / 0.79, elbows -14..-17 deg)
    hover_fold_frac: float = 0.5    # (cobras whose elbows read closing: wrists -0.23..+0.36 of the shoulders' rise)
    min_lowering_s: float = 0.15    # a completed rep's lowering (last top sample -> back at rest) under this: the signal
    #                                 jumped (a view flip read the lift upside down), no chest comes down that fast.
    #                                 Clinic truth lowerings >= 0.31 s (305 reps); counted reps matching one >= 0.24 s,
    #                                 except a 0.09-s blip before an upside-down rep (c5247); c5778 (cobra) 0.03 s.
    #                                 A rep "ended" by a scene cut the driver missed has no lowering either
    #                                 (tests/test_cuts.py)
    size_jump: float = 1.3          # the body's size on screen (p90 / p10 over the rep and its rest) above this: the
    #                                 pose model lost the person and fitted another outline (a static camera and a
    #                                 prone body: the size changes by a few % at most). The rep's timing then says
    #                                 nothing about the hold: short_hold not checked. Clinic tuning+test1+test2:
    #                                 clean reps 1.01-1.14; lost-pose reps 1.44-2.76 (their "holds" 0.15-0.9 s of
    #                                 6.4-8 s holds)


def prone_measures(pf: PoseFrame, side: str, face_clear: float) -> dict:
    """Figures shared by the prone exercises (chest lift, head pitch, face occlusion, near-wrist height)."""
    P = pf.pixels()
    sh, hip = P[S("shoulder", side)], P[S("hip", side)]
    ear, nose = P[S("ear", side)], P[L.NOSE]
    el, wr = P[S("elbow", side)], P[S("wrist", side)]
    scale = g.body_scale(P)
    d = min(g.point_segment_distance(p, a, b) for p in (ear, nose) for a, b in ((sh, el), (el, wr)))
    # the face crossed by the near forearm on screen: the nose/ear this close to the forearm (body sizes),
    # the forearm in front of the face (between the ear and the nose along the body's axis)
    d_fore = min(g.point_segment_distance(p, el, wr) for p in (ear, nose))
    return {"chest_lift_deg": g.elevation(hip, sh),
            # the hip->ear line: the prone extension's lift signal (see its module doc)
            "head_lift_deg": g.elevation(hip, ear),
            "chin_deg": g.chin_angle(ear, nose, hip, sh),
            "face_hidden": float(d / scale < face_clear) if np.isfinite(d) and scale > 0 and face_clear > 0
            else (0.0 if face_clear <= 0 else float("nan")),
            "face_forearm": d_fore / scale if scale > 0 else float("nan"),
            "face_vis": min(pf.visibility(L.NOSE), pf.visibility(S("ear", side))),
            "wrist_height": (hip[1] - wr[1]) / scale if lm_in_frame(pf, ("wrist",), side) else float("nan"),
            # near wrist above the near knee's centre (body sizes): a wrist lying on the floor sits ~0.05-0.1
            # below it (joint centres: knee ~7 cm, wrist ~3 cm above the floor)
            "wrist_over_knee": (P[S("knee", side)][1] - wr[1]) / scale
            if lm_in_frame(pf, ("wrist", "knee"), side) else float("nan"),
            "body_deg": g.elevation(hip, P[S("ankle", side)]) if lm_in_frame(pf, ("ankle",), side)
            else g.elevation(hip, P[S("knee", side)]),
            "head_on": float(frame_view(pf) == "front"),
            # the near arm pushing the chest up (a cobra): straight on screen and pointing down to the floor
            # the near wrist ahead of the near shoulder, toward the head (body sizes): arms by the sides < 0,
            # hands by the shoulders or arms forward (superman) >= 0
            "wrist_ahead": (wr[0] - sh[0]) * (1.0 if ear[0] >= hip[0] else -1.0) / scale
            if scale > 0 and lm_in_frame(pf, ("wrist",), side) else float("nan"),
            "elbow_2d_near": g.joint_angle(sh, el, wr),
            "upper_arm_elev": g.elevation(sh, el)}


def _world_arms(recs) -> dict | None:
    """Median over ``recs`` of the world-landmark arms: both elbows' 3-D angles, the shoulder->wrist distances
    (m) and the shoulders' / wrists' mid-points (hip-centred, m). None without world landmarks."""
    rows = []
    for r in recs:
        W = r.pf.world if r.pf is not None else None
        if W is None:
            continue
        W = np.asarray(W, dtype=np.float64)[:, :3]
        sh = [W[S("shoulder", s)] for s in ("left", "right")]
        el = [W[S("elbow", s)] for s in ("left", "right")]
        wr = [W[S("wrist", s)] for s in ("left", "right")]
        rows.append(([g.joint_angle(sh[i], el[i], wr[i]) for i in (0, 1)],
                     [float(np.linalg.norm(sh[i] - wr[i])) for i in (0, 1)],
                     (sh[0] + sh[1]) / 2.0, (wr[0] + wr[1]) / 2.0,
                     (W[S("hip", "left")] + W[S("hip", "right")]) / 2.0))
    if not rows or not all(np.isfinite(np.concatenate([r[2], r[3]])).all() for r in rows):
        return None
    return {"elbow": np.nanmedian([r[0] for r in rows], axis=0), "dist": np.nanmedian([r[1] for r in rows], axis=0),
            "sh": np.median([r[2] for r in rows], axis=0), "wr": np.median([r[3] for r in rows], axis=0),
            "hip": np.median([r[4] for r in rows], axis=0)}


def world_push(rest, top) -> dict | None:
    """The arms between the rest and the top in world landmarks (metric, hip-centred: the same for every
    camera). ``rise``: how far the shoulders' mid-point moved (m; its direction is "up" for a chest lifted about
    the hips); ``frac``: the wrists' mid-point's move along that direction over it (hands rising with the
    chest ~1, planted hands pushing the chest up ~0); ``opened``: mean 3-D elbow opening (deg); ``push``: mean
    growth of the shoulder-wrist distance (m); ``bent``: mean 3-D elbow angle at rest (deg). None without
    world landmarks at rest or at the top."""
    a, b = _world_arms(rest), _world_arms(top)
    if a is None or b is None:
        return None
    u = b["sh"] - a["sh"]
    rise = float(np.linalg.norm(u))
    frac = float((b["wr"] - a["wr"]) @ u) / rise ** 2 if rise > 0 else float("nan")
    axis = a["sh"] - a["hip"]
    n = float(np.linalg.norm(axis))
    ahead = float((a["wr"] - a["sh"]) @ axis) / n ** 2 if n > 0 else float("nan")
    return {"rise": rise, "frac": frac, "ahead": ahead, "opened": float(np.mean(b["elbow"] - a["elbow"])),
            "push": float(np.mean(b["dist"] - a["dist"])), "bent": float(np.mean(a["elbow"]))}


def world_cobra(ctx: RepContext, p: ProneExtensionParams):
    """The cobra test in world landmarks (:func:`world_push`), first; None leaves it to the screen rules
    (no world landmarks, arms not bent at rest, a chest rise too small to read the wrists against, or a
    reading between the two). With the arms bent at rest: elbows closing by ``cobra_open_deg`` and the
    shoulder-wrist distance shrinking (the arms fold: nothing pushes) is a prone extension; the wrists
    rising under ``planted_frac`` of the shoulders' rise, or under ``planted_push_frac`` with the arms pushing (elbows opening / shoulder-wrist
    distance growing), is a cobra; at least ``hover_frac`` with the elbows not opening is the hands rising
    with the chest: a prone extension (clinic c5497: the screen's steep upper arm and small wrist rise from a
    rest read with the hands still up rejected a clean rep). The cobra side is judged only where most of the
    top is seen from the side or a diagonal: from behind or the front the pose model's far arm and its depth
    are guesses; nor with the body running up the screen (``world_body_max_deg``)."""
    wp = world_push(ctx.rest or ctx.frames[:2], ctx.top)
    if wp is None or not wp["bent"] < p.world_bent_deg or not wp["rise"] >= p.world_min_rise_m \
            or not np.isfinite(wp["frac"]):
        return None
    if wp["opened"] <= -p.cobra_open_deg and wp["push"] <= -p.push_dist_m / 2:
        return None, 1.0   # the arms fold as the chest rises: nothing pushes (clinic c5082: -43 deg, -0.10 m)
    top = ctx.top
    profile = sum(r.view in ("side", "diagonal") for r in top) / len(top) if top else 0.0
    pushing = wp["opened"] >= p.cobra_open_deg or wp["push"] >= p.push_dist_m
    along = abs(ctx.stat("body_deg")) > p.world_body_max_deg   # seen from the feet or the head
    planted = wp["frac"] < p.planted_frac or (wp["frac"] < p.planted_push_frac and pushing)
    if profile >= 0.5 and not along and planted:
        return "the hands stay planted while the chest rises away from them (a cobra): not a prone back " \
               "extension", 0.0
    if (wp["frac"] >= p.hover_frac and wp["opened"] < p.cobra_open_deg) or \
            (wp["frac"] >= p.hover_fold_frac and wp["opened"] <= 0 and wp["push"] <= p.push_dist_m / 2):
        return None, 1.0
    return None


def prone_start(m: dict, body_max: float = 35.0) -> str | None:
    if m.get("head_on") == 1.0:  # seen from the head (or feet): the body runs up the screen; angles say nothing
        return None
    if not (abs(m["chest_lift_deg"]) < 30 and (not np.isfinite(m["body_deg"]) or abs(m["body_deg"]) < body_max)):
        return "Lie face down, arms by your sides"
    return None


def chin_excess(ex: Exercise, ctx: RepContext, neutral: float, lift_comp: float) -> float:
    """How far the head is pitched up (chin poked) at the top beyond the person's reference, degrees.

    Reference, in order: the head pitch at the top of the person's clean calibration rep
    (``baseline={"chin_deg": ...}``); else the same rep's rest just before it, plus ``lift_comp`` degrees per
    degree of chest lift (with a neutral neck the ear-nose line still turns with the upper thorax more than
    the hip-shoulder chord: +15-16 deg for a 13-deg lift on a rendered body); else ``neutral`` (DESIGN)."""
    top = ctx.stat("chin_deg")
    base = ex.baseline.get("chin_deg")
    if base is not None:
        return top - base
    rest = ctx.stat("chin_deg", frames=ctx.rest)
    if not np.isfinite(rest):
        return top - neutral
    lift = ctx.stat("chest_lift_deg") - ctx.stat("chest_lift_deg", frames=ctx.rest)
    return (top - rest) - lift_comp * (lift if np.isfinite(lift) else 0.0)


def chin_verdict(ex: Exercise, ctx: RepContext, neutral: float, poke: float, lift_comp: float = 1.1,
                 forearm_clear: float = 0.0):
    """``chin_not_tucked``; not checked when the face is hidden at the top: behind the arm (``face_hidden``)
    or, with ``forearm_clear`` > 0, crossed on screen by the near forearm (``face_forearm`` below it, median
    over the top): the landmarks then read the forearm's outline, not the head's pitch."""
    hidden = ctx.values("face_hidden")
    if hidden.size and np.isfinite(hidden).any() and np.nanmean(hidden) > 0.5:
        return not_checked("chin_not_tucked", "the face is hidden behind the arm at the top")
    if forearm_clear > 0 and ctx.stat("face_forearm") < forearm_clear:
        return not_checked("chin_not_tucked", "the near forearm passes in front of the face at the top")
    d = chin_excess(ex, ctx, neutral, lift_comp)
    return judge("chin_not_tucked", d, d > poke, poke)


@register("prone_extension")
class ProneExtension(Exercise):
    Params = ProneExtensionParams
    views = ("side", "diagonal")
    label = "prone back extension"
    posture = "prone"
    baseline_keys = ("chin_deg",)
    panels = (Panel("Lift (hip-ear and hip-shoulder lines above horizontal)", "deg",
                    ("head_lift_deg", "chest_lift_deg")),
              Panel("Head pitch (ear-nose vs hip-shoulder)", "deg", ("chin_deg",), (("chin poke above", "chin_limit"),)),
              Panel("Near wrist height", "body sizes", ("wrist_height",)))
    CUES = {
        "chin_not_tucked": "Tuck your chin, look at the floor",
        "arms_on_floor": "Lift your hands just off the floor",
        "short_hold": "Hold for 5 seconds",
    }
    CHECK_VIEWS = {"chin_not_tucked": ("side",), "arms_on_floor": ("side",)}
    JOINTS = {"chin_not_tucked": ("ear", "nose"), "arms_on_floor": ("wrist",), "short_hold": ("shoulder",)}
    SEVERITY = {"chin_not_tucked": 2, "arms_on_floor": 1, "short_hold": 1}
    # spread on clean reps (confidence, see checks.py): the chin excess, rendered clean +0.5/+1 and DESIGN's
    # 10-deg poke at +7.5 -> 3 deg; the wrist over the knee: rendered hovering -0.05..+0.07 -> 0.05; hold 0.1 s
    NOISE = {"chin_not_tucked": 3.0, "arms_on_floor": 0.05, "short_hold": 0.1}

    def counter_params(self) -> CounterParams:
        p = self.params
        return CounterParams(start_delta=p.start_delta_deg, rest_delta=p.rest_delta_deg, min_range=p.min_range_deg)

    def measure(self, pf: PoseFrame, side: str) -> dict:
        m = prone_measures(pf, side, self.params.face_clear)
        P = pf.pixels()
        scale = g.body_scale(P)
        # the ear->nose line's length on screen (body sizes): short when the head is seen end-on
        m["face_len"] = float(np.hypot(*(P[L.NOSE] - P[S("ear", side)]))) / scale if scale > 0 else float("nan")
        far = "right" if side == "left" else "left"
        # the far hip this far above the near one on screen (body sizes): the camera looks down on the body
        m["far_hip_above"] = (P[S("hip", side)][1] - P[S("hip", far)][1]) / scale \
            if scale > 0 and lm_in_frame(pf, ("hip",), side) and lm_in_frame(pf, ("hip",), far, min_vis=0.0) \
            else float("nan")
        m["body_size"] = scale   # pixels: a jump says the pose model lost the person (``size_jump``)
        return m

    def signal(self, m: dict) -> float:
        return m["head_lift_deg"]

    def refine_window(self, ctx: RepContext) -> RepWindow:
        """A brief spike of the lift signal above the hold (an oblique view's ear jumping: clinic c5092, a
        5.6-s hold counted 0.53 s) must not set the rep's top. When the counted hold is shorter than
        ``spike_hold_frac`` of the plateau's (the first..last sample at 92% of the way from the rest to the
        signal's ``spike_pct`` percentile over the rep), that plateau's first and last times are the top and
        the lower (clinic c5092: hold error -5.03 -> +0.14 s; no other rep of tuning+test1 is re-timed)."""
        w, p = ctx.window, self.params
        recs = ctx.rest + ctx.frames
        t = np.array([r.t for r in recs], dtype=np.float64)
        v = median3(np.array([r.m.get("head_lift_deg", np.nan) for r in recs], dtype=np.float64))
        inside = (t >= w.start_s - 1e-9) & np.isfinite(v)
        if inside.sum() < 5 or not np.isfinite(w.rest):
            return w
        cap = float(np.percentile(v[inside], p.spike_pct))
        lvl = w.rest + self.counter.p.top_frac * (cap - w.rest)
        a = level_crossing(t[inside], v[inside], lvl, first=True)
        b = level_crossing(t[inside], v[inside], lvl, first=False)
        if a is None or b is None or w.hold_s >= p.spike_hold_frac * (b - a):
            return w
        if not w.start_s < a <= b < w.end_s:
            return w
        return dataclasses.replace(w, top_s=a, lower_s=b, hold_s=b - a)

    def start_position(self, m: dict) -> str | None:
        return prone_start(m, self.params.body_max_deg)

    def movement(self, ctx: RepContext):
        """A prone extension lifts the chest with the back muscles: arms by the sides, forward (superman) or
        hands by the shoulders. Pushing the chest up on straight arms (a cobra: the near arm straight on
        screen, ``cobra_elbow_deg`` or more, its upper arm pointing down to the floor steeper than
        ``cobra_arm_deg``; or, on bent arms, the hands staying planted while the near elbow opens) is not one."""
        p = self.params
        win = ctx.window
        if p.min_lowering_s > 0 and win.complete and win.lowering_s < p.min_lowering_s:
            # from the top back to the rest between two samples: the signal jumped, the chest did not come down
            # (a cobra from the front read upside down: its rest between two push-ups counted as a rep, c5778)
            return f"the lift signal fell from the top to the rest in {win.lowering_s:.2f} s (a jump, not a " \
                   "lowering of the chest): not a prone back extension", 0.0
        w = world_cobra(ctx, p)
        if w is not None:
            return w
        e, a = ctx.stat("elbow_2d_near"), ctx.stat("upper_arm_elev")
        ahead = ctx.stat("wrist_ahead")
        wp = world_push(ctx.rest or ctx.frames[:2], ctx.top)
        # arms by the sides: no hand to push with (on screen, or in world landmarks where the screen foreshortens)
        sides = ahead < p.hands_by_sides or (wp is not None and wp["ahead"] < p.world_sides_ahead)
        # the body running up the screen (seen from the feet or the head) and the near wrist out of sight: an arm
        # along the body points down the screen too, so its direction cannot tell a push from arms by the sides
        along = not np.isfinite(ahead) and abs(ctx.stat("body_deg")) > p.body_steep_deg
        if not sides and not along and np.isfinite(e) and np.isfinite(a) and e >= p.cobra_elbow_deg \
                and a <= p.cobra_arm_deg:
            return "the arms push the chest up (a cobra): not a prone back extension", 0.0
        opened = e - ctx.stat("elbow_2d_near", frames=ctx.rest or ctx.frames[:2])
        rise = self._wrist_rise(ctx)
        if not sides and np.isfinite(rise) and rise < p.planted_rise_max and \
                ((np.isfinite(opened) and opened >= p.cobra_open_deg) or (np.isfinite(a) and a <= p.cobra_arm_steep_deg)):
            return "the hands stay planted and the elbows open as the chest rises (a cobra): not a prone back " \
                   "extension", 0.0
        return None, 1.0 if np.isfinite(e) and np.isfinite(a) else 0.7

    def _chin(self, ctx: RepContext):
        """``chin_not_tucked`` (:func:`chin_verdict`), not checked when the head is seen end-on
        (``face_min_len``); without a calibration the excess over the rest is also capped by the face's turn
        at the top (``chin_top_max``): value = min(excess, poke + (top - chin_top_max)), a fault above poke."""
        p = self.params
        v = chin_verdict(self, ctx, p.chin_neutral_deg, p.chin_poke_deg, p.chin_lift_comp)
        if v.value is None:
            return v
        lens = [ctx.stat("face_len")] + ([ctx.stat("face_len", frames=ctx.rest)] if ctx.rest else [])
        if any(np.isfinite(x) and x < p.face_min_len for x in lens):
            return not_checked("chin_not_tucked", "the head is seen end-on (ear and nose overlap): its pitch is "
                                                  "not measurable")
        top = ctx.stat("chin_deg")
        if self.baseline.get("chin_deg") is not None or not np.isfinite(top):
            return v
        d = min(v.value, p.chin_poke_deg + (top - p.chin_top_max))
        return judge("chin_not_tucked", d, d > p.chin_poke_deg, p.chin_poke_deg)

    @staticmethod
    def _size_jump(ctx: RepContext) -> float:
        """The body's size on screen over the rep and its rest: 90th over 10th percentile (1 = steady)."""
        v = ctx.values("body_size", ctx.rest + ctx.frames)
        v = v[np.isfinite(v) & (v > 0)]
        return float(np.percentile(v, 90) / np.percentile(v, 10)) if v.size >= 3 else 1.0

    def _wrist_rise(self, ctx: RepContext) -> float:
        return ctx.stat("wrist_height") - ctx.stat("wrist_height", frames=ctx.rest or ctx.frames[:2])

    def _wrist_clear(self, ctx: RepContext) -> float:
        """The near wrist over the near knee at the top, corrected for a camera looking down on the body: the
        wrist lies outside the knee (closer to the camera), so it reads lower the steeper the camera looks
        down; ``floor_parallax`` x the far hip's height over the near one (the hips' width seen from above)."""
        c, up = ctx.stat("wrist_over_knee"), ctx.stat("far_hip_above")
        if np.isfinite(c) and np.isfinite(up):
            c += self.params.floor_parallax * min(max(up, 0.0), self.params.parallax_cap)
        return c

    def metrics(self, ctx: RepContext) -> dict:
        chest_rest = ctx.stat("chest_lift_deg", frames=ctx.rest or ctx.frames[:2])
        return {"head_lift_deg": ctx.window.range,
                "peak_chest_lift_deg": ctx.stat("chest_lift_deg", "max", frames=ctx.frames) - chest_rest,
                "chin_deg": ctx.stat("chin_deg"),
                "chin_excess_deg": chin_excess(self, ctx, self.params.chin_neutral_deg, self.params.chin_lift_comp),
                "wrist_rise": self._wrist_rise(ctx),
                "wrist_over_knee": self._wrist_clear(ctx)}

    def checks(self, ctx: RepContext):
        p = self.params
        if ctx.view == "side" and ctx.view_share("side") < 0.5:   # (NaN without a top: judged)
            # the view tracker still said "side" (early in a clip) while this rep's top was seen obliquely: the
            # side-only checks' landmarks (face pitch, wrist vs knee height) do not hold there (clinic c5122)
            why = "this rep's top was seen from a diagonal, not the side"
            yield not_checked("chin_not_tucked", why)
            yield not_checked("arms_on_floor", why)
            yield self._hold(ctx)
            return
        yield self._chin(ctx)
        # on the floor = the hand sits at floor level, well below the knee's centre (arms by the sides rotate
        # with the thorax and may even sink relative to the hip while hovering, so their rise says little)
        c = self._wrist_clear(ctx)
        if ctx.stat("wrist_ahead") > p.sides_max_ahead:
            yield not_checked("arms_on_floor", "the hands are by the shoulders or forward, not by the sides")
        elif np.isfinite(c):
            yield judge("arms_on_floor", c, c < p.floor_clearance, p.floor_clearance)
        else:
            yield not_checked("arms_on_floor", "the near hand or knee is out of the picture")
        yield self._hold(ctx)

    def _hold(self, ctx: RepContext):
        """``short_hold``; a short hold is confirmed on the rep's plateau (:func:`.checks.plateau_span`): the time
        between the first and the last frame at 92% of the way from the rest to the signal's 80th percentile. A brief spike of the
        lift signal above a long plateau (an oblique view's ear jumping, clinic c5092: 0.5 s "hold" of a 5.6-s
        one) sets the counter's top; the plateau then still holds the programme's time."""
        v = self.hold_verdict(ctx)
        if v.status != Status.FAULT:
            return v
        if self._size_jump(ctx) > self.params.size_jump:
            return not_checked("short_hold", "the body's size on screen jumped during the rep (the pose was lost): "
                                             "the hold is not measurable")
        span = plateau_span(ctx, "head_lift_deg")
        plateau = span[1] - span[0] if span else 0.0
        if plateau >= v.threshold:
            return judge("short_hold", plateau, False, v.threshold)
        return v
