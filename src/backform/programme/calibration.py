"""Calibration: the person's own neutral postures and comfortable range, and where the camera stands.

``backform calibrate SOURCE`` runs the pose model over a short recording (or the camera) of the person
resting in one of the programme's starting postures (standing, lying on the back, lying face down, on hands
and knees), optionally doing one or two comfortable reps, and saves a profile (TOML) under ``calibration/``.

For every exercise that starts in that posture, the exercise's own checker is run over the recording, so the
neutral figures are measured exactly as the checks measure them:

- ``neutral``: the median of the checker's figures while the person rests in the start position (the
  longest stretch the checker calls "start"; the stillest second if it never reaches it); for the record and
  the therapist (and the camera check).
- ``reference``: the metrics of the reps done during calibration (the person's comfortable range), for the
  exercise performed (named with ``--exercise``, else the checker of that posture that counted the most reps).
- ``baseline``: what the checker compares against (passed as ``exercises.get(..., baseline=...)``), the
  figures named by the exercise's ``baseline_keys`` at the top of the person's own clean calibration rep:
  prone exercises ``chin_deg`` (this person's head-neck angle at the top: a stooped posture that pushes the
  head down at rest, or holds it forward, is not a chin poke on every rep), bird dog ``trunk_bow`` (the back
  outline at the top), bridge ``belly_bow`` and ``belly_rise`` (the belly outline at the top).
- ``thresholds``: suggested per-person overrides derived from the comfortable range by the exercise's
  ``range_thresholds`` (a bridge whose clean top is short of a straight line, a wall slide that cannot go
  fully overhead), so the same limitation is not a fault on every rep. The programme's own thresholds win
  over these.
- ``camera``: view (side/diagonal/front), the side facing the camera, how much of the frame the body fills,
  whether it is all in the picture, and the tilt of the floor line.

Which exercises a posture calibrates, their baseline figures and range thresholds are the exercises' own
attributes (``backform.exercises.spec(name)``: ``posture``, ``baseline_keys``, ``range_thresholds``): no
table here lists exercises. This module does not import the programme module (the programme loads
profiles): a programme passed to :func:`calibrate` is used only through ``exercises``,
``block(name).params()`` and ``patient``.

Profile format ``backform.calibration/1``: see ``calibration/README.md``. The TOML is written by tomli-w:
``None`` values are left out (TOML has no null), NaN and infinities are TOML's own ``nan`` / ``inf`` (read
back as the same floats).
"""
from __future__ import annotations

import logging
import math
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import tomli_w

from ..errors import BackformError
from ..exercises import get, names as exercise_names, params_defaults, spec
from ..exercises.counting import frame_view
from ..io.files import write_text_atomic
from ..io.tomlfile import read_toml
from ..pipeline import Pipeline
from ..pose import geometry as g
from ..pose.landmarks import L, side as S
from ..types import Phase, PoseFrame

log = logging.getLogger(__name__)

SCHEMA = "backform.calibration/1"
# the postures :func:`frame_posture` tells apart, in the order the CLI lists them
DETECTED_POSTURES = ("standing", "supine", "prone", "quadruped")


def postures() -> tuple[str, ...]:
    """The postures a profile may hold: those :func:`frame_posture` detects, then any other posture a
    registered exercise starts in (given with ``--posture``)."""
    extra = {spec(n).posture for n in exercise_names()} - set(DETECTED_POSTURES) - {""}
    return DETECTED_POSTURES + tuple(sorted(extra))


def posture_exercises(posture: str) -> list[str]:
    """The exercises that start in ``posture``, the most demanding of the camera first (fewest supported
    views, then by name): the first one measured gives the rest frames the camera placement is measured on
    and the views the camera advice asks for (prone: the back extension, side or diagonal, before the arm
    lift, which may also be seen from the front)."""
    return sorted((n for n in exercise_names() if spec(n).posture == posture), key=lambda n: (len(spec(n).views), n))


POSTURES = postures()
HEADER = ("# backform calibration profile (backform.calibration/1), written by `backform calibrate`.\n"
          "# One [posture.*] section per recorded posture; [baseline.*] and [thresholds.*] per exercise.\n"
          "# Edit by hand only to delete a section; re-run `backform calibrate` to update one.\n")


class CalibrationError(BackformError):
    """A calibration recording or profile that cannot be used; the message says why and what to do."""


# --- posture of a frame --------------------------------------------------------------------------------------
def _mid(P: np.ndarray, part: str) -> np.ndarray:
    a, b = P[S(part, "left")], P[S(part, "right")]
    return np.nanmean(np.stack([a, b]), axis=0)


def frame_posture(pf: PoseFrame) -> str | None:
    """standing / supine / prone / quadruped for one frame (None without a pose or when unclear).

    Trunk steep on screen -> standing. Trunk roughly level: on hands and knees when the shoulders sit well
    above the wrists and the hips above the knees; else lying: on the back when the knees are up (bridge
    start) or the face points up (nose above the ears), face down otherwise."""
    if pf.landmarks is None:
        return None
    P = pf.pixels()
    sh, hip, kn, wr = _mid(P, "shoulder"), _mid(P, "hip"), _mid(P, "knee"), _mid(P, "wrist")
    ear, nose = _mid(P, "ear"), P[L.NOSE]
    torso = g.length(sh, hip)
    if not np.isfinite(torso) or torso < 1:
        return None
    trunk = abs(g.elevation(hip, sh))
    if not np.isfinite(trunk):
        return None
    if trunk > 55:
        return "standing"
    if trunk > 40:
        return None
    if (wr[1] - sh[1]) > 0.5 * torso and (kn[1] - hip[1]) > 0.5 * torso:
        return "quadruped"
    if (hip[1] - kn[1]) > 0.3 * torso:
        return "supine"  # knees up: lying on the back with the knees bent
    if np.isfinite(nose).all() and np.isfinite(ear).all():
        return "supine" if (ear[1] - nose[1]) > 0.08 * torso else "prone"
    return None


def camera_placement(frames: list[PoseFrame]) -> dict:
    """Where the camera is, from the frames at rest: view, near side, body size in the picture, whether the
    whole body is inside it, and the tilt of the body's long axis (a level floor shows as ~0 lying down).
    A view or side that was never seen is left out (a profile holds no empty values)."""
    posed = [pf for pf in frames if pf.has_pose]
    if not posed:
        return {}
    views = Counter(v for v in (frame_view(pf) for pf in posed) if v)
    sides = Counter(s for s in (g.near_side(pf) for pf in posed) if s)
    ext_w, ext_h, inside, tilt = [], [], [], []
    body = [L.NOSE] + [S(p, s) for p in ("shoulder", "hip", "knee", "ankle", "wrist") for s in ("left", "right")]
    for pf in posed:
        lm = pf.landmarks
        xy = lm[body, :2]
        ext_w.append(float(np.ptp(xy[:, 0])))
        ext_h.append(float(np.ptp(xy[:, 1])))
        inside.append(bool(g.in_frame(lm, body, margin=0.0, min_vis=0.0)))
        P = pf.pixels()
        tilt.append(g.elevation(_mid(P, "hip"), _mid(P, "ankle")))
    cam: dict = {}
    if views:
        cam["view"] = views.most_common(1)[0][0]
    if sides:
        cam["near_side"] = sides.most_common(1)[0][0]
    return {**cam, "width": posed[0].width, "height": posed[0].height,
            "body_width_frac": round(float(np.median(ext_w)), 3),
            "body_height_frac": round(float(np.median(ext_h)), 3),
            "whole_body_in_frame": round(float(np.mean(inside)), 3),
            "body_axis_tilt_deg": round(g.robust_median(tilt), 1)}


def _camera_advice(cam: dict, posture: str, views: tuple[str, ...]) -> list[str]:
    tips = []
    if cam.get("view") and cam["view"] not in views:
        tips.append(f"the camera sees you from the {cam['view']}; for these exercises place it to see you "
                    f"from the {' or '.join(views)}")
    if cam.get("whole_body_in_frame", 1.0) < 0.8:
        tips.append("part of the body is out of the picture: move the camera back")
    if max(cam.get("body_width_frac", 1.0), cam.get("body_height_frac", 1.0)) < 0.4:
        tips.append("you are small in the picture: move the camera closer")
    return tips


# --- the profile ----------------------------------------------------------------------------------------------
@dataclass
class Calibration:
    """A calibration profile: per posture what was recorded, per exercise the baseline and overrides."""

    patient: str = ""
    postures: dict = field(default_factory=dict)     # posture -> {source, camera, frames, still_s, advice}
    neutral: dict = field(default_factory=dict)      # exercise -> {figure: value}
    reference: dict = field(default_factory=dict)    # exercise -> {metric: value}
    baseline: dict = field(default_factory=dict)     # exercise -> {key: value}  (exercises.get(baseline=))
    thresholds: dict = field(default_factory=dict)   # exercise -> {param: value}  (suggested overrides)
    path: Path | None = None

    def baseline_for(self, exercise: str) -> dict | None:
        b = self.baseline.get(exercise)
        return dict(b) if b else None

    def params_for(self, exercise: str) -> dict:
        return dict(self.thresholds.get(exercise, {}))

    def merge(self, other: "Calibration") -> "Calibration":
        """``other``'s postures and exercises replace this profile's (a re-calibration of that posture)."""
        out = Calibration(patient=other.patient or self.patient, path=self.path or other.path)
        for name in ("postures", "neutral", "reference", "baseline", "thresholds"):
            d = dict(getattr(self, name))
            d.update(getattr(other, name))
            setattr(out, name, d)
        return out

    def to_toml_dict(self) -> dict:
        d: dict = {"calibration": {"schema": SCHEMA}}
        if self.patient:
            d["calibration"]["patient"] = self.patient
        for name in ("postures", "neutral", "reference", "baseline", "thresholds"):
            sec = {k: v for k, v in getattr(self, name).items() if v}
            if sec:
                d["posture" if name == "postures" else name] = sec
        return d

    def save(self, path: str | os.PathLike) -> Path:
        p = Path(path)
        write_text_atomic(p, dumps(self))
        self.path = p
        return p


def load(path: str | os.PathLike) -> Calibration:
    p = Path(path)
    if p.is_dir():
        p = p / "default.toml"
    if not p.is_file():
        raise CalibrationError(f"calibration profile not found: {p} (make one with `backform calibrate`)")
    data = read_toml(p, CalibrationError, "calibration profile")
    head = data.get("calibration", {})
    if head.get("schema") != SCHEMA:
        raise CalibrationError(f"{p} is not a backform calibration profile (expected schema {SCHEMA!r})")
    allowed = ("calibration", "posture", "neutral", "reference", "baseline", "thresholds")
    for k in data:
        if k not in allowed:
            raise CalibrationError(f"{p}: unknown section [{k}]; allowed: {', '.join(allowed)}")
    valid = set(exercise_names())
    for sec in ("neutral", "reference", "baseline", "thresholds"):
        for ex in data.get(sec, {}):
            if ex not in valid:
                raise CalibrationError(f"{p}: [{sec}.{ex}]: unknown exercise; allowed: {', '.join(sorted(valid))}")
    allowed_postures = postures()
    for post in data.get("posture", {}):
        if post not in allowed_postures:
            raise CalibrationError(f"{p}: [posture.{post}]: unknown posture; allowed: {', '.join(allowed_postures)}")
    for ex, over in data.get("thresholds", {}).items():
        allowed_p = params_defaults(ex)
        for k in over:
            if k not in allowed_p:
                raise CalibrationError(f"{p}: [thresholds.{ex}]: unknown parameter {k!r}; "
                                       f"allowed: {', '.join(allowed_p)}")
    for sec in ("baseline", "thresholds"):  # what the checkers use: numbers they can compare with
        for ex, figures in data.get(sec, {}).items():
            for k, v in figures.items():
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                    raise CalibrationError(f"{p}: [{sec}.{ex}]: {k} = {v!r} is not valid; allowed: a finite number")
    return Calibration(patient=head.get("patient", ""), postures=data.get("posture", {}),
                       neutral=data.get("neutral", {}), reference=data.get("reference", {}),
                       baseline=data.get("baseline", {}), thresholds=data.get("thresholds", {}), path=p)


# --- measuring ----------------------------------------------------------------------------------------------------
def _longest_run(flags: list[bool]) -> tuple[int, int]:
    best, cur, start, best_at = 0, 0, 0, (0, 0)
    for i, f in enumerate(flags + [False]):
        if f:
            if cur == 0:
                start = i
            cur += 1
        else:
            if cur > best:
                best, best_at = cur, (start, i)
            cur = 0
    return best_at


def _stillest(frames: list[PoseFrame], window_s: float = 1.0) -> tuple[int, int]:
    """Index range of the ``window_s`` of posed frames with the least landmark motion."""
    idx = [i for i, pf in enumerate(frames) if pf.has_pose]
    if len(idx) < 2:
        return (idx[0], idx[0] + 1) if idx else (0, 0)
    motion = [0.0]
    for a, b in zip(idx, idx[1:]):
        pa, pb = frames[a].pixels(), frames[b].pixels()
        sc = g.body_scale(pb) or 1.0
        motion.append(float(np.nanmedian(np.linalg.norm(pb - pa, axis=1)) / sc))
    ts = [frames[i].t_s for i in idx]
    best, best_at = math.inf, (idx[0], idx[0] + 1)
    j = 0
    for i in range(len(idx)):
        while j < len(idx) and ts[j] - ts[i] <= window_s:
            j += 1
        if j - i >= 3:
            m = float(np.mean(motion[i + 1:j])) if j > i + 1 else math.inf
            if m < best:
                best, best_at = m, (idx[i], idx[j - 1] + 1)
    return best_at


def _median_figures(results: list[dict]) -> dict:
    keys = sorted({k for r in results for k in r})
    out = {}
    for k in keys:
        v = np.array([r.get(k) if r.get(k) is not None else np.nan for r in results], dtype=np.float64)
        v = v[np.isfinite(v)]
        if v.size:
            out[k] = round(float(np.median(v)), 4)
    return out


def measure_exercise(name: str, frames: list[PoseFrame], params: dict | None = None) -> dict:
    """Run checker ``name`` over ``frames``: its figures at rest (neutral), its reps' metrics (reference)."""
    ex = get(name, params=params)
    pipe = Pipeline(None, ex)
    results = [res for _pf, res, _image in pipe.run(frames)]
    pipe.finish()
    at_rest = [r.phase == Phase.START and bool(r.angles) for r in results]
    i0, i1 = _longest_run(at_rest)
    how = "start position"
    if i1 - i0 < 3:
        i0, i1 = _stillest(frames)
        how = "stillest second"
    neutral = _median_figures([r.angles for r in results[i0:i1] if r.angles])
    reps = [r.metrics for r in ex.reps]
    reference = _median_figures(reps) if reps else {}
    span = (frames[i0].t_s, frames[i1 - 1].t_s) if i1 > i0 else (None, None)
    return {"neutral": neutral, "reference": reference, "reps": len(ex.reps), "rest_from": how,
            "rest_s": [round(x, 2) if x is not None else None for x in span],
            "view": ex.viewer.session_view(), "views": tuple(ex.views)}


def _performed(measured: dict, named: bool) -> set[str]:
    """The exercise(s) the calibration reps belong to. Named on the command line: those. Otherwise, of the
    checkers run in this posture, the one that counted the most reps (the prone extension's chest lift also
    moves the arms: the arm-lift checker may count a rep in it); a tie is ambiguous: none (say --exercise)."""
    if named:
        return set(measured)
    counts = {n: m["reps"] for n, m in measured.items() if m["reps"]}
    if not counts:
        return set()
    best = max(counts.values())
    top = [n for n, c in counts.items() if c == best]
    if len(top) > 1:
        log.warning("calibration: %s all counted %d reps; name the exercise performed with --exercise to use "
                    "them as the reference", " and ".join(top), best)
        return set()
    return set(top)


def calibrate(frames: Iterable[PoseFrame], posture: str | None = None, exercises: Iterable[str] | None = None,
              source: str = "", programme: Any = None, patient: str = "") -> Calibration:
    """A profile from one recording of the person in one posture (detected when ``posture`` is None).
    ``exercises`` limits which checkers are calibrated (default: the programme's exercises in that posture,
    or every exercise in that posture). ``programme`` (a :class:`backform.programme.programme.Programme`)
    gives the exercises, their parameters and the patient."""
    frames = list(frames)
    posed = [pf for pf in frames if pf.has_pose]
    if not posed:
        raise CalibrationError(f"no person found in {source or 'the recording'}: the whole body must be in the picture")
    seen = Counter(p for p in (frame_posture(pf) for pf in posed) if p)
    detected = seen.most_common(1)[0][0] if seen else None
    if posture is None:
        if detected is None:
            raise CalibrationError("cannot tell the posture from the recording; give it with --posture "
                                   f"({', '.join(POSTURES)})")
        posture = detected
    elif posture not in postures():
        raise CalibrationError(f"unknown posture {posture!r}; allowed: {', '.join(postures())}")
    elif detected and detected != posture and seen[detected] > 0.6 * len(posed):
        log.warning("calibration: asked for %s but the recording looks like %s", posture, detected)
    names = list(exercises) if exercises else posture_exercises(posture)
    if programme is not None and not exercises:
        names = [e for e in programme.exercises if spec(e).posture == posture] or names
    cal = Calibration(patient=patient or (programme.patient if programme is not None else ""))
    views: tuple[str, ...] = ()
    rest_frames: list[PoseFrame] = []
    measured = {}
    for name in names:
        params = None
        if programme is not None and name in programme.exercises:
            params = programme.block(name).params()
        measured[name] = m = measure_exercise(name, frames, params)
        views = views or m["views"]
        if m["rest_s"][0] is not None and not rest_frames:
            rest_frames = [pf for pf in frames if m["rest_s"][0] <= pf.t_s <= m["rest_s"][1]]
        cal.neutral[name] = m["neutral"]
    performed = _performed(measured, named=bool(exercises))
    for name, m in measured.items():
        base, over = {}, {}
        if name in performed and m["reference"]:
            cal.reference[name] = {"reps": m["reps"], **m["reference"]}
            for key in spec(name).baseline_keys:
                v = m["reference"].get(key)
                if v is not None and np.isfinite(v):
                    base[key] = v
            defaults = params_defaults(name)
            for metric, param, margin in spec(name).range_thresholds:
                v = m["reference"].get(metric)
                if v is not None and np.isfinite(v) and v - margin < defaults[param]:
                    over[param] = round(float(v - margin), 1)
        if base:
            cal.baseline[name] = base
        if over:
            cal.thresholds[name] = over
        log.info("calibration %s: rest from %s %s, %d reps%s, baseline %s, thresholds %s", name, m["rest_from"],
                 m["rest_s"], m["reps"], "" if name in performed else " (not the exercise performed)", base, over)
    cam = camera_placement(rest_frames or posed)
    cal.postures[posture] = {"source": Path(source).name if source else "", "frames": len(frames),
                             "pose_frames": len(posed), "detected": detected or "",
                             "exercises": names, "camera": cam,
                             "advice": _camera_advice(cam, posture, views or ("side",))}
    return cal


# --- writing ---------------------------------------------------------------------------------------------------
def _plain(v):
    """``v`` as TOML can hold it: ``None`` left out (of tables and arrays), tuples as arrays, numpy scalars as
    Python ones. Non-finite floats stay floats (TOML ``nan`` / ``inf``)."""
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items() if x is not None}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v if x is not None]
    if isinstance(v, np.generic):
        return v.item()
    return v


def dumps(cal: Calibration) -> str:
    """The profile's text: the header comment, then the TOML of :meth:`Calibration.to_toml_dict`."""
    return HEADER + "\n" + tomli_w.dumps(_plain(cal.to_toml_dict()))
