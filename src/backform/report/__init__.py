"""Session reports for the therapist: ``report.html`` beside ``session.json``, and a trend page over sessions.

The report is one self-contained HTML file (inline CSS, inline SVG plots, JPEG stills as data URIs, a few
lines of inline JavaScript): it opens offline from a USB stick or an e-mail attachment, nothing is fetched.
Every figure in it comes from ``session.json`` (reps, holds, faults) or from ``session.log.jsonl`` (the
per-frame angles), so the report and the JSON always agree.

A session whose ``session.json`` is missing, or older than its log (the analysis was killed), is rebuilt from
the log's rep events (:func:`rebuild_session`): the report then shows the reps completed before the kill.

Privacy: the still frames of fault moments follow the session's privacy mode (``none``: as recorded,
``blur``: face blurred, ``skeleton``: skeleton on a blank background; ``blur`` when unknown). The video itself
is never embedded unless asked (``embed_video=True``: the annotated video, in its own privacy mode).
"""
from __future__ import annotations

import base64
import html
import json
import logging
import math
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..io.files import write_text_atomic

log = logging.getLogger(__name__)

REPORT_NAME = "report.html"
SESSION_NAME = "session.json"
LOG_NAME = "session.log.jsonl"
MAX_STILLS = 30

# the figures plotted per exercise: (panel title, unit, series keys, threshold lines: (label, param or callable))
PANELS = {
    "bridge": [("Hip lift (shoulder-hip line above horizontal)", "deg", ["hip_lift_deg"], []),
               ("Hip extension (shoulder-hip-knee)", "deg", ["hip_extension_deg"],
                [("hips low below", "min_hip_extension_deg"), ("hips high above", "max_hip_extension_deg")])],
    "bird_dog": [("Arm + opposite leg raise", "deg", ["pair_left_deg", "pair_right_deg"], []),
                 ("Working arm and lifted leg to horizontal (during reps)", "deg", ["working_arm_deg",
                                                                                    "lifted_leg_deg"],
                  [("arm low below", "arm_low_deg"), ("leg high above", "leg_high_deg")]),
                 ("Trunk roll", "deg", ["trunk_roll_deg"], [])],
    "prone_extension": [("Lift (hip-ear and hip-shoulder lines above horizontal)", "deg",
                         ["head_lift_deg", "chest_lift_deg"], []),
                        ("Head pitch (ear-nose vs hip-shoulder)", "deg", ["chin_deg"],
                         [("chin poke above", "chin_limit")]),
                        ("Near wrist height", "body sizes", ["wrist_height"], [])],
    "prone_arm_lift": [("Arm height above the shoulders", "body sizes", ["arm_height"], []),
                       ("Elbow angle on screen (the better-seen arm)", "deg", ["elbow_2d_deg"],
                        [("straight above", "max_elbow_2d_deg")]),
                       ("Head pitch (ear-nose vs hip-shoulder)", "deg", ["chin_deg"],
                        [("chin poke above", "chin_limit")])],
    "wall_slide": [("Shoulder flexion (hip-shoulder-elbow)", "deg", ["shoulder_flex_deg"],
                    [("overhead from", "min_overhead_deg")]),
                   ("Trunk tilt back against the thigh", "deg", ["trunk_back_deg"], [])],
}
SERIES_COLOURS = ["#1f6fb2", "#d9822b", "#2f9e44", "#9c36b5"]
PER_SIDE = {"bird_dog"}


# --- reading a session ------------------------------------------------------------------------------------------
@dataclass
class LogData:
    """What the report needs from ``session.log.jsonl``."""

    header: dict = field(default_factory=dict)
    t: list = field(default_factory=list)              # seconds, per analysed frame
    index: list = field(default_factory=list)          # source frame index
    angles: dict = field(default_factory=dict)         # key -> list (None where not measured)
    lm: list = field(default_factory=list)             # (33, 5) array or None, per frame
    reps: list = field(default_factory=list)           # rep JSON of the frames where a rep ended
    frames: int = 0
    pose_frames: int = 0
    truncated: bool = False

    def nearest(self, t_s: float, with_pose: bool = True) -> int | None:
        best, best_d = None, math.inf
        for i, t in enumerate(self.t):
            if with_pose and self.lm[i] is None:
                continue
            d = abs(t - t_s)
            if d < best_d:
                best, best_d = i, d
        return best


def read_log(path: str | os.PathLike) -> LogData:
    """The session log, tolerating a truncated last line (a killed writer)."""
    p = Path(path)
    out = LogData()
    with open(p, encoding="utf-8") as f:
        first = f.readline()
        try:
            out.header = json.loads(first)
        except ValueError:
            return out
        n_keys: set = set()
        for line in f:
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                out.truncated = True
                log.warning("%s: ignoring a truncated line", p)
                break
            i = len(out.t)
            out.t.append(float(rec.get("t_ms", 0.0)) / 1000.0)
            out.index.append(int(rec.get("i", i)))
            lm = rec.get("lm")
            out.lm.append(np.asarray(lm, dtype=np.float32) if lm is not None else None)
            out.frames += 1
            out.pose_frames += lm is not None
            res = rec.get("result") or {}
            ang = res.get("angles") or {}
            for k in ang:
                if k not in n_keys:
                    n_keys.add(k)
                    out.angles[k] = [None] * i
            for k in n_keys:
                out.angles[k].append(ang.get(k))
            if res.get("rep"):
                out.reps.append(res["rep"])
    return out


def _cues(exercise: str | None) -> dict:
    if not exercise:
        return {}
    try:
        from ..exercises.base import _REGISTRY  # noqa: PLC2701
        from ..exercises import names  # noqa: F401
        return dict(_REGISTRY[exercise].CUES)
    except (KeyError, ImportError):
        return {}


def rebuild_session(folder: str | os.PathLike, logdata: LogData | None = None) -> dict:
    """A ``session.json``-shaped dict from the session log alone (a killed analysis): the reps completed
    before the log ends, their faults, tracking counts. Marked ``"partial": true``."""
    folder = Path(folder)
    lp = folder / LOG_NAME
    if not lp.is_file():
        from ..errors import BackformError
        raise BackformError(f"{folder}: neither {SESSION_NAME} nor {LOG_NAME} found: not a session folder")
    ld = logdata or read_log(lp)
    h = ld.header
    ex = h.get("exercise")
    cues = _cues(ex)
    reps = sorted({r["n"]: r for r in ld.reps}.values(), key=lambda r: r["n"])
    faults = [{"code": c, "rep": r["n"], "t_s": r.get("lower_s") or r.get("end_s"), "message": cues.get(c, c)}
              for r in reps for c in r.get("faults", [])]
    src = {"path": h.get("source"), "fps": h.get("fps"), "frames": h.get("frames"), "width": h.get("width"),
           "height": h.get("height")}
    sess = {"schema": "backform.session/1", "exercise": ex, "source": src,
            "tracking": {"frames": ld.frames, "pose_frames": ld.pose_frames,
                         "pose_found_rate": round(ld.pose_frames / ld.frames, 4) if ld.frames else 0.0,
                         "analysis_fps": h.get("analysis_fps")},
            "rep_count": len(reps), "reps": reps, "faults": faults,
            "partial": True,
            "recovered": {"from": LOG_NAME, "frames": ld.frames, "last_t_s": round(ld.t[-1], 3) if ld.t else None,
                          "truncated_line": ld.truncated}}
    if ex:
        try:
            from ..exercises import get
            e = get(ex)
            s = e.summary()
            sess.update({"targets": s.get("targets"), "params": s.get("params"), "cues": s.get("cues"),
                         "checks": s.get("checks")})
            if ex in PER_SIDE:
                sess["side_counts"] = {k: sum(r.get("side") == k for r in reps) for k in ("left", "right")}
        except Exception as e:  # noqa: BLE001 - a report of a partial session must not fail on this
            log.warning("cannot describe exercise %r: %s", ex, e)
    return sess


def load_session(folder: str | os.PathLike) -> tuple[dict, LogData | None]:
    """``(session, log)`` of a session folder; the session rebuilt from the log when ``session.json`` is
    missing or older than the log (a later analysis into the same folder was killed)."""
    folder = Path(folder)
    sp, lp = folder / SESSION_NAME, folder / LOG_NAME
    ld = read_log(lp) if lp.is_file() else None
    if sp.is_file():
        stale = lp.is_file() and lp.stat().st_mtime > sp.stat().st_mtime + 2.0
        if not stale:
            try:
                return json.loads(sp.read_text(encoding="utf-8")), ld
            except ValueError as e:
                log.warning("%s unreadable (%s); rebuilding from the log", sp, e)
        else:
            log.warning("%s is older than %s: the last analysis did not finish; rebuilding from the log", sp, lp)
    return rebuild_session(folder, ld), ld


# --- small formatting helpers ---------------------------------------------------------------------------------
def esc(x) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def fmt(v, nd: int = 2, unit: str = "") -> str:
    """The one number format shared by the report and its tests."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v}{unit}"
    return f"{float(v):.{nd}f}{unit}"


def _json_script(obj, id_: str) -> str:
    s = json.dumps(obj, separators=(",", ":"), allow_nan=False, default=str).replace("</", "<\\/")
    return f'<script type="application/json" id="{id_}">{s}</script>'


def _clean(o):
    """JSON-safe copy (NaN -> None)."""
    if isinstance(o, dict):
        return {k: _clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean(v) for v in o]
    if isinstance(o, float) and not math.isfinite(o):
        return None
    return o


# --- SVG plots ------------------------------------------------------------------------------------------------
def _nice_range(vals: list[float], extra: list[float]) -> tuple[float, float]:
    v = [x for x in vals + extra if x is not None and math.isfinite(x)]
    if not v:
        return 0.0, 1.0
    lo, hi = min(v), max(v)
    if hi - lo < 1e-6:
        lo, hi = lo - 1, hi + 1
    pad = 0.06 * (hi - lo)
    return lo - pad, hi + pad


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    span = hi - lo
    step = 10 ** math.floor(math.log10(span / n)) if span > 0 else 1
    for m in (1, 2, 5, 10):
        if span / (step * m) <= n:
            step *= m
            break
    start = math.ceil(lo / step) * step
    return [start + k * step for k in range(int((hi - start) / step) + 1)]


def svg_plot(title: str, unit: str, t: list, series: dict, reps: list, faults: list, lines: list,
             t_end: float, key: str, width: int = 960, height: int = 230) -> str:
    """One panel: series over time, rep spans shaded (hold darker), faults marked, threshold lines dashed."""
    ml, mr, mt, mb = 56, 14, 26, 30
    pw, ph = width - ml - mr, height - mt - mb
    allv = [x for s in series.values() for x in s if x is not None]
    lo, hi = _nice_range(allv, [v for _, v in lines])
    T = max(t_end, t[-1] if t else 0.0, 1e-3)
    X = lambda s: ml + pw * s / T  # noqa: E731
    Y = lambda v: mt + ph * (1 - (v - lo) / (hi - lo))  # noqa: E731
    o = [f'<svg class="plot" data-key="{esc(key)}" data-series="{esc(",".join(series))}" '
         f'data-points="{sum(1 for s in series.values() for x in s if x is not None)}" data-reps="{len(reps)}" '
         f'data-faults="{len(faults)}" viewBox="0 0 {width} {height}" width="100%" role="img" '
         f'aria-label="{esc(title)}" xmlns="http://www.w3.org/2000/svg">',
         f'<text x="{ml}" y="16" class="pt">{esc(title)} ({esc(unit)})</text>',
         f'<rect x="{ml}" y="{mt}" width="{pw}" height="{ph}" class="frame"/>']
    for r in reps:
        s0, s1 = r.get("start_s"), r.get("end_s")
        if s0 is None:
            continue
        s1 = s1 if s1 is not None else T
        o.append(f'<rect class="rep-band" data-n="{r["n"]}" x="{X(s0):.1f}" y="{mt}" width="{max(1, X(s1) - X(s0)):.1f}" '
                 f'height="{ph}"><title>rep {r["n"]}: {fmt(s0)}-{fmt(s1)} s</title></rect>')
        if r.get("top_s") is not None and r.get("lower_s") is not None:
            o.append(f'<rect class="hold-band" data-n="{r["n"]}" x="{X(r["top_s"]):.1f}" y="{mt}" '
                     f'width="{max(1, X(r["lower_s"]) - X(r["top_s"])):.1f}" height="{ph}">'
                     f'<title>rep {r["n"]} hold {fmt(r.get("hold_s"))} s</title></rect>')
        o.append(f'<text class="rn" x="{X(s0) + 2:.1f}" y="{mt + 11}">{r["n"]}{esc((r.get("side") or "")[:1].upper())}</text>')
    for v in _ticks(lo, hi):
        o.append(f'<line class="grid" x1="{ml}" x2="{ml + pw}" y1="{Y(v):.1f}" y2="{Y(v):.1f}"/>'
                 f'<text class="tk" x="{ml - 6}" y="{Y(v) + 4:.1f}" text-anchor="end">{v:g}</text>')
    for v in _ticks(0, T, 10):
        o.append(f'<text class="tk" x="{X(v):.1f}" y="{mt + ph + 16}" text-anchor="middle">{v:g}</text>')
    o.append(f'<text class="tk" x="{ml + pw}" y="{height - 2}" text-anchor="end">time (s)</text>')
    for label, v in lines:
        o.append(f'<line class="thr" x1="{ml}" x2="{ml + pw}" y1="{Y(v):.1f}" y2="{Y(v):.1f}"/>'
                 f'<text class="thl" x="{ml + pw - 4}" y="{Y(v) - 3:.1f}" text-anchor="end">{esc(label)} {v:g}</text>')
    for ci, (k, vals) in enumerate(series.items()):
        col = SERIES_COLOURS[ci % len(SERIES_COLOURS)]
        segs, cur = [], []
        for tt, v in zip(t, vals):
            if v is None or not math.isfinite(v):
                if cur:
                    segs.append(cur)
                cur = []
            else:
                cur.append(f"{X(tt):.1f},{Y(v):.1f}")
        if cur:
            segs.append(cur)
        for sg in segs:
            if len(sg) == 1:
                x, y = sg[0].split(",")
                o.append(f'<circle class="series" data-key="{esc(k)}" cx="{x}" cy="{y}" r="1.5" fill="{col}"/>')
            else:
                o.append(f'<polyline class="series" data-key="{esc(k)}" fill="none" stroke="{col}" '
                         f'stroke-width="1.6" points="{" ".join(sg)}"/>')
        if len(series) > 1:
            o.append(f'<text x="{ml + 8 + 150 * ci}" y="{mt + ph - 6}" class="lg" fill="{col}">{esc(k)}</text>')
    for f in faults:
        ts = f.get("t_s")
        if ts is None:
            continue
        x = X(ts)
        o.append(f'<path class="fault-mark" data-code="{esc(f["code"])}" data-rep="{esc(f.get("rep"))}" '
                 f'd="M{x:.1f},{mt + 1} l-5,-9 h10 z"><title>rep {esc(f.get("rep"))}: {esc(f["code"])} at '
                 f'{fmt(ts)} s: {esc(f.get("message"))}</title></path>')
    o.append(f'<line class="cursor" x1="-10" x2="-10" y1="{mt}" y2="{mt + ph}"/>')
    o.append("</svg>")
    return "".join(o)


def _panel_lines(session: dict, spec: list) -> list[tuple[str, float]]:
    params = session.get("params") or {}
    base = session.get("baseline") or {}
    out = []
    for label, key in spec:
        if key == "chin_limit":
            neutral = base.get("chin_deg", params.get("chin_neutral_deg"))
            poke = params.get("chin_poke_deg")
            v = neutral + poke if neutral is not None and poke is not None else None
        else:
            v = params.get(key)
        if isinstance(v, (int, float)) and math.isfinite(v):
            out.append((label, float(v)))
    return out


def _derived_series(exercise: str | None, ld: LogData, reps: list) -> dict:
    """Bird dog: the working arm's and the lifted (opposite) leg's angle to the horizontal, inside each rep
    only (outside a rep the limbs hang down and the figure means nothing)."""
    if exercise != "bird_dog":
        return {}
    arm: list = [None] * len(ld.t)
    leg: list = [None] * len(ld.t)
    for r in reps:
        s = r.get("side")
        if s not in ("left", "right") or r.get("start_s") is None:
            continue
        o = "right" if s == "left" else "left"
        a, lg = ld.angles.get(f"{s}_arm_deg"), ld.angles.get(f"{o}_leg_deg")
        end = r.get("end_s") if r.get("end_s") is not None else math.inf
        for i, t in enumerate(ld.t):
            if r["start_s"] <= t <= end:
                arm[i] = a[i] if a else None
                leg[i] = lg[i] if lg else None
    return {"working_arm_deg": arm, "lifted_leg_deg": leg}


def plots_html(session: dict, ld: LogData | None) -> str:
    if ld is None or not ld.t:
        return '<p class="note">No session log: no plots.</p>'
    ex = session.get("exercise")
    panels = PANELS.get(ex)
    if panels is None:  # unknown exercise: the first three figures logged
        keys = [k for k in ld.angles if any(v is not None for v in ld.angles[k])][:3]
        panels = [(k, "", [k], []) for k in keys]
    out = []
    t_end = ld.t[-1]
    reps = session.get("reps") or []
    faults = session.get("faults") or []
    derived = _derived_series(ex, ld, reps)
    for title, unit, keys, lines in panels:
        series = {k: (derived[k] if k in derived else ld.angles[k]) for k in keys if k in ld.angles or k in derived}
        if not series or all(v is None for s in series.values() for v in s):
            continue
        out.append(svg_plot(title, unit, ld.t, series, reps, faults, _panel_lines(session, lines), t_end,
                            key=keys[0]))
    return "\n".join(out) or '<p class="note">The log holds no angles (no exercise was checked).</p>'


# --- stills of fault moments -----------------------------------------------------------------------------------
def _fault_joints(exercise: str, code: str, side: str):
    from ..pose.landmarks import L, side as side_lm
    try:
        from ..exercises.base import _REGISTRY  # noqa: PLC2701
        from ..exercises import names  # noqa: F401
        names_ = _REGISTRY[exercise].JOINTS.get(code, ())
    except KeyError:
        return ()
    out = []
    for n in names_:
        try:
            out.append(L[n.upper()])
        except KeyError:
            out.append(side_lm(n, side))
    return tuple(out)


class _Frames:
    """Random access to the source video's frames (sequential reads when going forward)."""

    def __init__(self, path: Path):
        import cv2
        self.cap = cv2.VideoCapture(str(path))
        self.ok = self.cap.isOpened()
        self.pos = 0

    def get(self, index: int):
        import cv2
        if not self.ok:
            return None
        if index < self.pos or index - self.pos > 90:
            self.cap.set(cv2.CAP_PROP_POS_FRAMES, index)
            self.pos = index
        img = None
        while self.pos <= index:
            ok, img = self.cap.read()
            if not ok:
                return None
            self.pos += 1
        return img

    def close(self):
        if self.ok:
            self.cap.release()


def fault_stills(session: dict, ld: LogData | None, folder: Path, privacy: str = "blur",
                 max_stills: int = MAX_STILLS, width: int = 560) -> list[dict]:
    """One JPEG (data URI) per rep with faults: the frame in the middle of its top, skeleton drawn, the
    fault joints ringed with their cue. ``privacy`` as for the annotated video; a session analysed from a
    landmarks file (or whose video is gone) gets the skeleton on a blank background."""
    import cv2
    from ..pose import geometry as g
    from ..render import overlay
    from ..types import Fault, FrameResult, Phase, PoseFrame

    if ld is None or not ld.t:
        return []
    ex = session.get("exercise") or ""
    by_rep: dict = {}
    for f in session.get("faults") or []:
        by_rep.setdefault(f.get("rep"), []).append(f)
    reps = {r["n"]: r for r in session.get("reps") or []}
    src = (session.get("source") or {}).get("path")
    video = None
    if privacy != "skeleton" and src and not str(src).endswith((".jsonl", ".jsonl.gz")):
        p = Path(src)
        if not p.is_absolute() and not p.exists():
            p = folder / p
        if p.is_file():
            video = _Frames(p)
    out = []
    w0, h0 = int(ld.header.get("width") or 640), int(ld.header.get("height") or 480)
    try:
        for rep_n in sorted(by_rep, key=lambda n: (n is None, n or 0))[:max_stills]:
            fs = by_rep[rep_n]
            r = reps.get(rep_n, {})
            if r.get("top_s") is not None and r.get("lower_s") is not None:
                t = (r["top_s"] + r["lower_s"]) / 2.0
            else:
                t = fs[0].get("t_s") or 0.0
            i = ld.nearest(t)
            if i is None:
                continue
            pf = PoseFrame(index=ld.index[i], timestamp_ms=ld.t[i] * 1000.0, width=w0, height=h0,
                           landmarks=ld.lm[i])
            img = video.get(ld.index[i]) if video is not None else None
            mode = privacy if img is not None else "skeleton"
            s = min(1.0, width / max(w0, 1))
            size = (max(2, int(round(w0 * s))), max(2, int(round(h0 * s))))
            if img is None:
                img = np.full((size[1], size[0], 3), 32, np.uint8)
            else:
                img = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
                if mode == "blur":
                    overlay.blur_face(img, pf)
            side = g.near_side(pf) or "left"
            faults = tuple(Fault(code=f["code"], message=f.get("message") or f["code"], t_s=t, rep=rep_n,
                                 joints=_fault_joints(ex, f["code"], side)) for f in fs)
            overlay.draw_pose(img, pf, show_face=mode == "none")
            res = FrameResult(index=pf.index, t_s=pf.t_s, phase=Phase.HOLD, rep_count=rep_n or 0, faults=faults)
            overlay.draw_result(img, pf, res, ex)
            overlay.draw_time(img, pf.t_s, f"rep {rep_n}")
            ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 80])
            if not ok:
                continue
            out.append({"rep": rep_n, "t_s": round(pf.t_s, 3), "codes": [f["code"] for f in fs], "mode": mode,
                        "uri": "data:image/jpeg;base64," + base64.b64encode(buf.tobytes()).decode("ascii")})
    finally:
        if video is not None:
            video.close()
    return out


# --- the session report ---------------------------------------------------------------------------------------
CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2733;background:#f5f7fa}
main{max-width:1000px;margin:0 auto;padding:18px 22px 40px;background:#fff}
h1{font-size:22px;margin:4px 0 2px}h2{font-size:17px;margin:26px 0 8px;border-bottom:1px solid #dde3ea;padding-bottom:3px}
.sub{color:#5b6b7c;margin:0 0 10px}.note{color:#5b6b7c;font-size:13px}
.banner{background:#fff3cd;border:1px solid #e0c36a;padding:8px 12px;border-radius:6px;margin:10px 0}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #e6ebf0;padding:4px 6px;text-align:right}
th{background:#f0f3f7;font-weight:600}td.l,th.l{text-align:left}tr.fault td{background:#fff5f5}tr.hl td{background:#e7f1fb}
.ok{color:#2b8a3e;font-weight:600}.bad{color:#c92a2a;font-weight:600}.code{font-family:ui-monospace,monospace;font-size:12px}
.kpis{display:flex;gap:10px;flex-wrap:wrap}.kpi{flex:1 1 120px;border:1px solid #dde3ea;border-radius:8px;padding:8px 10px}
.kpi b{display:block;font-size:22px}.kpi span{color:#5b6b7c;font-size:12px}
svg.plot{display:block;margin:8px 0 14px;background:#fff}svg .frame{fill:none;stroke:#c5ced8}
svg .rep-band{fill:#dbe9f7;opacity:.55}svg .hold-band{fill:#9cc3ea;opacity:.6}svg .rep-band.hl{fill:#ffd8a8}
svg .grid{stroke:#eef1f4}svg .tk{font-size:10px;fill:#6b7a89}svg .pt{font-size:12px;font-weight:600;fill:#1d2733}
svg .rn{font-size:9px;fill:#1f4e79}svg .thr{stroke:#c92a2a;stroke-dasharray:5 4;stroke-width:1}
svg .thl{font-size:10px;fill:#c92a2a}svg .fault-mark{fill:#e03131}svg .lg{font-size:11px;font-weight:600}
svg .cursor{stroke:#555;stroke-width:.7}
.stills{display:flex;flex-wrap:wrap;gap:12px}.stills figure{margin:0;flex:0 1 460px}
.stills img{width:100%;border-radius:4px;border:1px solid #dde3ea}figcaption{font-size:12px;color:#3b4a59}
footer{margin-top:28px;font-size:11px;color:#7b8a99}
"""

JS = """
(function(){
  var data = JSON.parse(document.getElementById('session-data').textContent);
  // self-check: the table shows exactly the reps of session.json
  var rows = document.querySelectorAll('#reps tbody tr'), ok = rows.length === data.reps.length;
  rows.forEach(function(tr, i){
    var r = data.reps[i]; if (!r) { ok = false; return; }
    var n = tr.querySelector('[data-field=n]').textContent.trim();
    var h = tr.querySelector('[data-field=hold_s]').textContent.trim();
    if (String(r.n) !== n || (r.hold_s == null ? '\\u2013' : r.hold_s.toFixed(2)) !== h) ok = false;
  });
  document.body.setAttribute('data-check', ok ? 'ok' : 'mismatch');
  document.body.setAttribute('data-plots', String(document.querySelectorAll('svg.plot').length));
  // hovering a rep row highlights its span in every plot
  rows.forEach(function(tr){
    var n = tr.getAttribute('data-n');
    tr.addEventListener('mouseenter', function(){
      tr.classList.add('hl');
      document.querySelectorAll('svg .rep-band[data-n="'+n+'"]').forEach(function(b){ b.classList.add('hl'); });
    });
    tr.addEventListener('mouseleave', function(){
      tr.classList.remove('hl');
      document.querySelectorAll('svg .rep-band.hl').forEach(function(b){ b.classList.remove('hl'); });
    });
  });
  // a time cursor follows the mouse across the plots
  document.querySelectorAll('svg.plot').forEach(function(svg){
    svg.addEventListener('mousemove', function(e){
      var pt = svg.createSVGPoint(); pt.x = e.clientX; pt.y = e.clientY;
      var p = pt.matrixTransform(svg.getScreenCTM().inverse());
      document.querySelectorAll('svg.plot .cursor').forEach(function(c){ c.setAttribute('x1', p.x); c.setAttribute('x2', p.x); });
    });
  });
})();
"""


def _kpi(value: str, label: str, cls: str = "", attr: str = "") -> str:
    return f'<div class="kpi" {attr}><b class="{cls}">{value}</b><span>{esc(label)}</span></div>'


def _score_block(session: dict, programme=None) -> tuple[dict, object]:
    from ..programme.programme import score
    block = None
    if programme is not None:
        try:
            block = programme.block(session.get("exercise"))
        except Exception:  # noqa: BLE001 - an exercise not in the programme: score against the checker's targets
            block = None
    return score(session, block), block


def summary_html(session: dict, sc: dict, block, programme) -> str:
    pr, dn = sc["prescribed"], sc["done"]
    per_side = pr["per_side"]
    o = []
    src = "the programme" + (f" “{esc(programme.title)}”" if programme is not None else "") if block is not None \
        else "the checker's default targets (no programme given)"
    o.append(f'<p class="sub">Prescribed by {src}: {pr["sets"]} × {fmt(pr["reps_per_set"])} reps'
             f'{" per side" if per_side else ""}, hold {fmt(pr["hold_s"], 1)} s'
             f'{", rest " + fmt(pr["rest_s"], 0) + " s between sets" if pr["sets"] > 1 else ""}.</p>')
    kp = []
    if per_side:
        for s in ("left", "right"):
            d = dn.get(s, {})
            good = pr["reps"] is not None and d.get("reps", 0) >= pr["reps"]
            kp.append(_kpi(f'{d.get("reps", 0)} / {fmt(pr["reps"])}', f"reps, {s} arm",
                           "ok" if good else "bad", f'data-kpi="reps_{s}"'))
    else:
        good = pr["reps"] is not None and dn["reps"] >= pr["reps"]
        kp.append(_kpi(f'{dn["reps"]} / {fmt(pr["reps"])}', "reps done / prescribed", "ok" if good else "bad",
                       'data-kpi="reps"'))
    kp.append(_kpi(f'{dn["holds_met"]} / {dn["reps"]}', f"holds of {fmt(pr['hold_s'], 1)} s met "
                   f"(within {fmt(pr['hold_tolerance_s'])} s)", "", 'data-kpi="holds_met"'))
    kp.append(_kpi(fmt(dn["mean_hold_s"], 2, " s"), "average hold", "", 'data-kpi="mean_hold_s"'))
    kp.append(_kpi(f'{dn["reps_with_faults"]} / {dn["reps"]}', "reps with a fault", "", 'data-kpi="reps_with_faults"'))
    kp.append(_kpi(f'{dn["sets"]} / {pr["sets"]}', "sets seen / prescribed", "", 'data-kpi="sets"'))
    o.append('<div class="kpis">' + "".join(kp) + "</div>")
    rows = [("Sets", pr["sets"], dn["sets"]),
            ("Reps" + (" per side" if per_side else ""), pr["reps"],
             f'L {dn["left"]["reps"]} · R {dn["right"]["reps"]}' if per_side else dn["reps"]),
            ("Reps per set" + (" per side" if per_side else ""), pr["reps_per_set"],
             (", ".join(f'L {x["left"]} · R {x["right"]}' for x in dn["sides_per_set"]) if per_side
              else ", ".join(str(x) for x in dn["reps_per_set"])) or "–"),
            ("Hold target (s)", fmt(pr["hold_s"], 1), f'{dn["holds_met"]} reps met it'
             + (f' (L {dn["left"]["holds_met"]} · R {dn["right"]["holds_met"]})' if per_side else "")),
            ("Average hold (s)", "", fmt(dn["mean_hold_s"])),
            ("Completion", "", f'{sc["completion"] * 100:.0f}%' if sc.get("completion") is not None else "–")]
    o.append('<table id="programme"><thead><tr><th class="l"></th><th>prescribed</th><th>done</th></tr></thead><tbody>')
    for label, a, b in rows:
        o.append(f'<tr><td class="l">{esc(label)}</td><td>{esc(fmt(a) if isinstance(a, (int, float)) else a)}</td>'
                 f'<td>{esc(b)}</td></tr>')
    o.append("</tbody></table>")
    if block is not None and block.thresholds:
        o.append('<p class="note">Per-patient thresholds: ' + ", ".join(
            f'<span class="code">{esc(k)} = {esc(v)}</span>' for k, v in block.thresholds.items()) + "</p>")
    if session.get("baseline"):
        o.append('<p class="note">Calibration baseline: ' + ", ".join(
            f'<span class="code">{esc(k)} = {esc(fmt(v))}</span>' for k, v in session["baseline"].items()) + "</p>")
    return "\n".join(o)


def faults_summary_html(session: dict) -> str:
    faults = session.get("faults") or []
    cues = session.get("cues") or _cues(session.get("exercise"))
    counts: dict = {}
    for f in faults:
        counts.setdefault(f["code"], []).append(f.get("rep"))
    o = ['<table id="fault-counts"><thead><tr><th class="l">fault</th><th class="l">cue</th><th>reps</th>'
         '<th class="l">which</th></tr></thead><tbody>']
    for code, reps in sorted(counts.items(), key=lambda kv: -len(kv[1])):
        o.append(f'<tr data-code="{esc(code)}"><td class="l code">{esc(code)}</td><td class="l">{esc(cues.get(code, ""))}</td>'
                 f'<td data-field="count">{len(reps)}</td><td class="l">{esc(", ".join(str(r) for r in reps))}</td></tr>')
    if not counts:
        o.append('<tr><td class="l" colspan="4">No faults.</td></tr>')
    o.append("</tbody></table>")
    nc = session.get("not_checked") or {}
    if nc:
        reasons = session.get("not_checked_reasons") or {}
        o.append('<p class="note">Not checked (neither passed nor failed): ' + "; ".join(
            f'<span class="code">{esc(k)}</span> on reps {esc(", ".join(map(str, v)))}'
            f'{" (" + esc(reasons[k]) + ")" if k in reasons else ""}' for k, v in nc.items()) + ".</p>")
    return "\n".join(o)


def _metric_keys(reps: list) -> list[str]:
    keys: list[str] = []
    for r in reps:
        for k in (r.get("metrics") or {}):
            if k not in keys:
                keys.append(k)
    return keys


def reps_table_html(session: dict, target_hold: float, tol: float) -> str:
    reps = session.get("reps") or []
    per_side = session.get("exercise") in PER_SIDE
    mk = _metric_keys(reps)
    head = ["#"] + (["side"] if per_side else []) + ["start s", "top s", "lower s", "end s", "hold s"] + mk + \
        ["faults", "not checked"]
    o = ['<table id="reps"><thead><tr>' + "".join(
        f'<th class="{"l" if h in ("faults", "not checked", "side") else ""}">{esc(h.replace("_", " "))}</th>'
        for h in head) + "</tr></thead><tbody>"]
    for r in reps:
        hold = r.get("hold_s")
        met = hold is not None and hold >= target_hold - tol - 1e-9
        cells = [f'<td data-field="n">{r["n"]}</td>']
        if per_side:
            cells.append(f'<td class="l" data-field="side">{esc(r.get("side") or "–")}</td>')
        for k in ("start_s", "top_s", "lower_s", "end_s"):
            cells.append(f'<td data-field="{k}">{fmt(r.get(k))}</td>')
        cells.append(f'<td data-field="hold_s" class="{"ok" if met else "bad"}">{fmt(hold)}</td>')
        for k in mk:
            cells.append(f'<td data-field="m:{esc(k)}">{fmt((r.get("metrics") or {}).get(k))}</td>')
        cells.append(f'<td class="l code" data-field="faults">{esc(", ".join(r.get("faults") or [])) or "–"}</td>')
        cells.append(f'<td class="l code" data-field="not_checked">{esc(", ".join(r.get("not_checked") or [])) or "–"}</td>')
        o.append(f'<tr data-n="{r["n"]}" class="{"fault" if r.get("faults") else ""}">' + "".join(cells) + "</tr>")
    if not reps:
        o.append(f'<tr><td class="l" colspan="{len(head)}">No completed reps.</td></tr>')
    o.append("</tbody></table>")
    return "\n".join(o)


def live_sets_html(session: dict) -> str:
    """A live session of several sets (a programme, or sets restarted by hand): every set, with its exercise,
    reps, holds and faults. The rest of the page (reps table, charts) is the last set's."""
    sets = (session.get("live") or {}).get("sets") or []
    if len(sets) < 2:
        return ""
    rows = []
    for st in sets:
        reps = st.get("reps") or []
        done = f'{st.get("rep_count", len(reps))}'
        if st.get("reps_prescribed") is not None:
            done += f' / {st["reps_prescribed"]}' + (" per side" if st.get("per_side") else "")
        which = (f'{st["block_set"]} of {st["block_sets"]}' if st.get("block_set") is not None else "–")
        holds = ", ".join(fmt(r.get("hold_s"), 1, " s") for r in reps) or "–"
        faults = "; ".join(f'rep {f.get("rep")}: {esc(f.get("code"))}' for f in st.get("faults") or []) or "none"
        complete = {True: "yes", False: "no"}.get(st.get("complete"), "–")
        rows.append(f'<tr data-set="{esc(st.get("set"))}"><td>{esc(st.get("set"))}</td>'
                    f'<td>{esc(str(st.get("exercise") or "").replace("_", " "))}</td><td>{which}</td>'
                    f'<td>{fmt(st.get("start_s"), 1, " s")} – {fmt(st.get("end_s"), 1, " s")}</td><td>{done}</td>'
                    f'<td>{holds}</td><td>{faults}</td><td>{complete}</td></tr>')
    return ('<table class="sets" id="live-sets"><thead><tr><th>set</th><th>exercise</th><th>programme set</th>'
            '<th>time</th><th>reps</th><th>holds</th><th>faults</th><th>target met</th></tr></thead><tbody>'
            + "".join(rows) + "</tbody></table>"
            + f'<p class="note">The sections below show the last set ({esc(str(sets[-1].get("exercise") or "").replace("_", " "))}, '
              f'set {esc(sets[-1].get("set"))}); session.json holds every set under <code>live.sets</code>.</p>')


def stills_html(stills: list[dict], privacy: str) -> str:
    if not stills:
        return '<p class="note">No fault moments to show.</p>'
    modes = {s["mode"] for s in stills}
    what = {"none": "as recorded", "blur": "face blurred", "skeleton": "skeleton only (no video pixels)"}[privacy]
    if privacy != "skeleton" and modes == {"skeleton"}:
        what = "skeleton only (the video of this session is not available)"
    o = [f'<p class="note">One frame from the middle of the top of each rep with a fault; privacy: {esc(what)}.</p>',
         '<div class="stills">']
    for s in stills:
        o.append(f'<figure class="still" data-rep="{esc(s["rep"])}" data-mode="{esc(s["mode"])}">'
                 f'<img alt="rep {esc(s["rep"])} at {fmt(s["t_s"])} s" src="{s["uri"]}"/>'
                 f'<figcaption>Rep {esc(s["rep"])} at {fmt(s["t_s"])} s: '
                 f'<span class="code">{esc(", ".join(s["codes"]))}</span></figcaption></figure>')
    o.append("</div>")
    return "\n".join(o)


def render_session(session: dict, ld: LogData | None, folder: Path, programme=None, privacy: str | None = None,
                   embed_video: bool = False) -> str:
    """The report's HTML (a string)."""
    privacy = privacy or session.get("privacy") or "blur"
    if privacy not in ("none", "blur", "skeleton"):
        raise ValueError(f"unknown privacy mode {privacy!r}; choose one of none, blur, skeleton")
    sc, block = _score_block(session, programme)
    ex = session.get("exercise") or "(no exercise)"
    label = ex.replace("_", " ")
    src = session.get("source") or {}
    tr = session.get("tracking") or {}
    title = f"{label} – {Path(str(src.get('path') or folder.name)).name}"
    o = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
         '<meta name="viewport" content="width=device-width, initial-scale=1">',
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
         "media-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">",
         f"<title>backform report: {esc(title)}</title><style>{CSS}</style></head><body>", "<main>"]
    o.append(f"<h1>{esc(label.capitalize())}: session report</h1>")
    who = []
    if programme is not None:
        if programme.patient:
            who.append(f"patient {esc(programme.patient)}")
        who.append(f"programme {esc(programme.title)}")
    o.append(f'<p class="sub">{esc(Path(str(src.get("path") or "")).name)} · '
             f'{fmt(tr.get("frames"))} frames analysed, pose found on {fmt((tr.get("pose_found_rate") or 0) * 100, 0)}% · '
             f'view {esc(session.get("view") or "–")}{" · " + " · ".join(who) if who else ""}</p>')
    if session.get("partial"):
        rec = session.get("recovered") or {}
        o.append(f'<div class="banner" id="partial">This session did not finish (the analysis stopped at '
                 f'{fmt(rec.get("last_t_s"))} s). Shown: the <b>{session.get("rep_count", 0)}</b> reps completed before '
                 f'that, recovered from {esc(rec.get("from", LOG_NAME))}.</div>')
    if session.get("view_supported") is False:
        o.append(f'<div class="banner">The camera saw the person from the {esc(session.get("view"))}; this exercise '
                 f'is checked from the {esc(" or ".join(session.get("supported_views") or []))}.</div>')
    if programme is not None and programme.notes:
        o.append(f'<p class="note">{esc(programme.notes)}</p>')
    sets_html = live_sets_html(session)
    if sets_html:
        o.append(f"<h2>Sets in this live session ({len(session['live']['sets'])})</h2>")
        o.append(sets_html)
    o.append("<h2>Against the programme</h2>")
    o.append(summary_html(session, sc, block, programme))
    o.append("<h2>Faults</h2>")
    o.append(faults_summary_html(session))
    o.append("<h2>Reps</h2>")
    o.append(reps_table_html(session, sc["prescribed"]["hold_s"], sc["prescribed"]["hold_tolerance_s"]))
    o.append("<h2>Angles over time</h2>")
    o.append('<p class="note">Shaded: each rep (darker: the hold at the top). Red triangles: faults '
             '(hover for the cue). Dashed red: thresholds.</p>')
    o.append(plots_html(session, ld))
    o.append("<h2>Fault moments</h2>")
    o.append(stills_html(fault_stills(session, ld, folder, privacy), privacy))
    if embed_video:
        vp = folder / "annotated.mp4"
        if vp.is_file():
            o.append("<h2>Annotated video</h2>")
            o.append('<video controls width="100%" src="data:video/mp4;base64,'
                     + base64.b64encode(vp.read_bytes()).decode("ascii") + '"></video>')
    model = tr.get("model") or {}
    o.append(f'<footer>backform · {esc(session.get("schema"))} · model {esc(model.get("name", "–"))} '
             f'{esc((model.get("sha256") or "")[:12])} · all analysis ran on this computer; nothing was uploaded.'
             f'</footer>')
    data = {"exercise": session.get("exercise"), "rep_count": session.get("rep_count"),
            "reps": [{"n": r["n"], "side": r.get("side"), "hold_s": r.get("hold_s"), "faults": r.get("faults")}
                     for r in session.get("reps") or []], "score": sc}
    o.append(_json_script(_clean(data), "session-data"))
    o.append(f"<script>{JS}</script>")
    o.append("</main></body></html>")
    return "\n".join(o)


def write_report(session_dir: str | os.PathLike, programme=None, privacy: str | None = None,
                 embed_video: bool = False, out: str | os.PathLike | None = None) -> Path:
    """Write ``report.html`` beside ``session.json`` (atomically) and return its path. With a
    ``programme`` (a :class:`backform.programme.programme.Programme`), also record the score against it in
    ``session.json`` (``"programme"``), so the report and the JSON carry the same figures."""
    folder = Path(session_dir)
    session, ld = load_session(folder)
    changed = False
    if privacy is not None and session.get("privacy") != privacy:
        session["privacy"] = privacy  # later reports (`backform report DIR`) keep to the same mode
        changed = True
    if programme is not None:
        sc, block = _score_block(session, programme)
        if block is not None:
            session["programme"] = {"name": programme.title, "patient": programme.patient,
                                    "path": str(programme.path) if programme.path else None,
                                    "block": block.to_json(), "score": sc}
            changed = True
    if changed and not session.get("partial"):  # a partial session is not dressed up as a finished one
        from .. import session as S
        S.write(folder / SESSION_NAME, S.convert(session))
    page = render_session(session, ld, folder, programme, privacy, embed_video)
    dest = Path(out) if out else folder / REPORT_NAME
    write_text_atomic(dest, page)
    log.info("wrote %s (%d reps)", dest, session.get("rep_count", 0))
    return dest


# --- the trend page over sessions -----------------------------------------------------------------------------
DATE_RE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})(?:[T_ -]?(\d{2})[:h-]?(\d{2}))?")


def session_date(folder: Path) -> tuple[str, float]:
    """``(label, sort key)``: a date in the folder name (YYYY-MM-DD[_HHMM]) wins; else when the log was
    last written."""
    m = DATE_RE.search(folder.name)
    if m:
        y, mo, d, hh, mm = m.groups()
        try:
            ts = time.mktime((int(y), int(mo), int(d), int(hh or 0), int(mm or 0), 0, 0, 0, -1))
            return (f"{y}-{mo}-{d}" + (f" {hh}:{mm}" if hh else "")), ts
        except (OverflowError, ValueError):
            pass
    for name in (LOG_NAME, SESSION_NAME):
        p = folder / name
        if p.is_file():
            ts = p.stat().st_mtime
            return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts)), ts
    return folder.name, 0.0


def trend_rows(dirs: list, programme=None) -> list[dict]:
    rows = []
    for i, d in enumerate(dirs):
        folder = Path(d)
        session, _ = load_session(folder)
        sc, block = _score_block(session, programme)
        label, key = session_date(folder)
        faults: dict = {}
        for f in session.get("faults") or []:
            faults[f["code"]] = faults.get(f["code"], 0) + 1
        rows.append({"folder": str(folder), "name": folder.name, "date": label, "key": (key, i),
                     "exercise": session.get("exercise"), "score": sc, "faults": faults,
                     "partial": bool(session.get("partial")),
                     "report": (folder / REPORT_NAME) if (folder / REPORT_NAME).is_file() else None})
    rows.sort(key=lambda r: r["key"])
    return rows


def svg_trend(title: str, labels: list[str], series: dict, unit: str = "", width: int = 960, height: int = 200,
              key: str = "", ymin0: bool = True, target: float | None = None) -> str:
    ml, mr, mt, mb = 56, 14, 26, 42
    pw, ph = width - ml - mr, height - mt - mb
    vals = [v for s in series.values() for v in s if v is not None]
    lo, hi = _nice_range(vals + ([0.0] if ymin0 else []), [target] if target is not None else [])
    n = max(len(labels), 1)
    X = lambda i: ml + (pw * (i + 0.5) / n)  # noqa: E731
    Y = lambda v: mt + ph * (1 - (v - lo) / (hi - lo))  # noqa: E731
    o = [f'<svg class="trend" data-key="{esc(key)}" data-sessions="{len(labels)}" viewBox="0 0 {width} {height}" '
         f'width="100%" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{esc(title)}">',
         f'<text x="{ml}" y="16" class="pt">{esc(title)}{(" (" + esc(unit) + ")") if unit else ""}</text>',
         f'<rect x="{ml}" y="{mt}" width="{pw}" height="{ph}" class="frame"/>']
    for v in _ticks(lo, hi):
        o.append(f'<line class="grid" x1="{ml}" x2="{ml + pw}" y1="{Y(v):.1f}" y2="{Y(v):.1f}"/>'
                 f'<text class="tk" x="{ml - 6}" y="{Y(v) + 4:.1f}" text-anchor="end">{v:g}</text>')
    for i, lab in enumerate(labels):
        o.append(f'<text class="tk" x="{X(i):.1f}" y="{mt + ph + 14}" text-anchor="middle">{esc(lab)}</text>')
    if target is not None:
        o.append(f'<line class="thr" x1="{ml}" x2="{ml + pw}" y1="{Y(target):.1f}" y2="{Y(target):.1f}"/>'
                 f'<text class="thl" x="{ml + pw - 4}" y="{Y(target) - 3:.1f}" text-anchor="end">target {target:g}</text>')
    for ci, (name, vs) in enumerate(series.items()):
        col = SERIES_COLOURS[ci % len(SERIES_COLOURS)]
        pts = [(X(i), Y(v), v) for i, v in enumerate(vs) if v is not None]
        if len(pts) > 1:
            o.append(f'<polyline fill="none" stroke="{col}" stroke-width="2" points="'
                     + " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in pts) + '"/>')
        for x, y, v in pts:
            o.append(f'<circle class="pt-{ci}" cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{col}"><title>{esc(name)}: '
                     f'{v:g}</title></circle>')
        if len(series) > 1:
            o.append(f'<text x="{ml + 8 + 120 * ci}" y="{mt + 14}" class="lg" fill="{col}">{esc(name)}</text>')
    o.append("</svg>")
    return "".join(o)


def render_trend(rows: list[dict], programme=None, base: Path | None = None) -> str:
    o = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
         "style-src 'unsafe-inline'\">",
         f"<title>backform progress</title><style>{CSS}</style></head><body><main>",
         "<h1>Progress over sessions</h1>"]
    who = f" · patient {esc(programme.patient)}" if programme is not None and programme.patient else ""
    o.append(f'<p class="sub">{len(rows)} sessions{who}'
             f'{" · programme " + esc(programme.title) if programme is not None else ""}. Per exercise: reps '
             f'completed, average hold and the share of reps with a fault, session by session.</p>')
    exercises = []
    for r in rows:
        if r["exercise"] not in exercises:
            exercises.append(r["exercise"])
    for ex in exercises:
        rs = [r for r in rows if r["exercise"] == ex]
        per_side = ex in PER_SIDE
        o.append(f'<h2 id="ex-{esc(ex)}">{esc((ex or "no exercise").replace("_", " ").capitalize())}</h2>')
        labels = [r["date"].split(" ")[0] for r in rs]
        pres = rs[-1]["score"]["prescribed"]
        if per_side:
            reps_series = {s: [r["score"]["done"].get(s, {}).get("reps", 0) for r in rs] for s in ("left", "right")}
        else:
            reps_series = {"reps": [r["score"]["done"]["reps"] for r in rs]}
        o.append(svg_trend("Reps completed" + (" per side" if per_side else ""), labels, reps_series,
                           key=f"{ex}:reps", target=pres.get("reps")))
        o.append(svg_trend("Average hold", labels, {"hold": [r["score"]["done"]["mean_hold_s"] for r in rs]}, "s",
                           key=f"{ex}:hold", target=pres.get("hold_s") or None))
        o.append(svg_trend("Reps with a fault", labels,
                           {"fault rate": [None if r["score"]["fault_rate"] is None else
                                           round(100 * r["score"]["fault_rate"], 1) for r in rs]}, "%",
                           key=f"{ex}:faults"))
        o.append(f'<table class="trend-table" data-exercise="{esc(ex)}"><thead><tr><th class="l">session</th>'
                 f'<th class="l">date</th><th>reps{" (L/R)" if per_side else ""}</th><th>prescribed</th>'
                 '<th>holds met</th><th>average hold s</th><th>fault rate</th><th class="l">faults</th></tr></thead><tbody>')
        for r in rs:
            d = r["score"]["done"]
            reps_txt = f'{d["left"]["reps"]}/{d["right"]["reps"]}' if per_side else str(d["reps"])
            link = esc(r["name"])
            if r["report"] is not None:
                href = os.path.relpath(r["report"], base) if base else str(r["report"])
                link = f'<a href="{esc(href)}">{esc(r["name"])}</a>'
            fr = r["score"]["fault_rate"]
            o.append(f'<tr data-folder="{esc(r["name"])}"><td class="l">{link}{" (partial)" if r["partial"] else ""}</td>'
                     f'<td class="l">{esc(r["date"])}</td><td data-field="reps">{reps_txt}</td>'
                     f'<td>{fmt(r["score"]["prescribed"]["reps"])}</td><td data-field="holds_met">{d["holds_met"]}</td>'
                     f'<td data-field="mean_hold_s">{fmt(d["mean_hold_s"])}</td>'
                     f'<td data-field="fault_rate">{"–" if fr is None else f"{100 * fr:.0f}%"}</td>'
                     f'<td class="l code">{esc(", ".join(f"{k} ×{v}" for k, v in sorted(r["faults"].items())))}</td></tr>')
        o.append("</tbody></table>")
    o.append('<footer>backform · all analysis ran on this computer; nothing was uploaded.</footer>')
    o.append("</main></body></html>")
    return "\n".join(o)


def write_trend(dirs: list, out: str | os.PathLike, programme=None) -> Path:
    out = Path(out)
    rows = trend_rows(dirs, programme)
    write_text_atomic(out, render_trend(rows, programme, base=out.parent.resolve()))
    return out
