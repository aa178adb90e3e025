"""Page assembly: the session report and the trend page from the Jinja2 templates in ``templates/``.

Autoescaping is on: every value from the session, the programme or the log is escaped by the template engine;
the only markup passed in is the hand-built SVG (escaped by :class:`markupsafe.Markup` formatting) and the
JSON for the page script (:func:`~.formatting.json_for_script`). The pages are self-contained: inline CSS,
SVG, JPEG stills as data URIs and a few lines of script under a CSP that forbids fetching anything.
"""
from __future__ import annotations

import base64
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from msgspec import UNSET

from .. import session as S
from ..pipeline import LOG_NAME
from .formatting import fmt, json_for_script, opt
from .load import LogData, cues_of, per_side
from .scoring import score_block
from .stills import PRIVACY_MODES, fault_stills
from .svg import plots
from .timeline import segment_views, svg_timeline, timeline_rows
from .trend import TrendRow, session_overview, trend_sections

TEMPLATES = Path(__file__).resolve().parent / "templates"
PRIVACY_TEXT = {"none": "as recorded", "blur": "face blurred", "skeleton": "skeleton only (no video pixels)"}


def _finalize(v):
    """What a template prints for a missing value: nothing (not "None" or "UNSET")."""
    return "" if v is None or v is UNSET else v


env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                  trim_blocks=True, lstrip_blocks=True, finalize=_finalize)
env.filters["fmt"] = fmt
env.filters["json_script"] = json_for_script
env.filters["label"] = lambda ex: str(ex or "").replace("_", " ")
SURE = 0.7  # faults below this confidence are greyed here and not spoken live (coaching.coach.CoachParams)


def fault_confidence(rep, code: str) -> float | None:
    """The confidence of ``code``'s verdict on ``rep`` (None when the session has no verdicts)."""
    for v in rep.verdicts or ():
        if v.code == code:
            return v.confidence
    return None


env.filters["fault_confidence"] = fault_confidence
env.globals["SURE"] = SURE


def check_privacy(privacy: str) -> str:
    if privacy not in PRIVACY_MODES:
        raise ValueError(f"unknown privacy mode {privacy!r}; choose one of {', '.join(PRIVACY_MODES)}")
    return privacy


def _summary_rows(sc: S.Score) -> list[tuple[str, str, str]]:
    """The "prescribed / done" table of the programme section."""
    pr, dn = sc.prescribed, sc.done
    ps = pr.per_side
    cell = lambda a: fmt(a) if isinstance(a, (int, float)) else ("" if a is None else a)  # noqa: E731
    per_set = (", ".join(f'L {x["left"]} · R {x["right"]}' for x in (opt(dn.sides_per_set) or [])) if ps
               else ", ".join(str(x) for x in dn.reps_per_set)) or "–"
    completion = opt(sc.completion)
    rows = [("Sets", pr.sets, dn.sets),
            ("Reps" + (" per side" if ps else ""), pr.reps,
             f"L {dn.left.reps} · R {dn.right.reps}" if ps else dn.reps),
            ("Reps per set" + (" per side" if ps else ""), pr.reps_per_set, per_set),
            ("Hold target (s)", fmt(pr.hold_s, 1), f"{dn.holds_met} reps met it"
             + (f" (L {dn.left.holds_met} · R {dn.right.holds_met})" if ps else "")),
            ("Average hold (s)", "", fmt(dn.mean_hold_s)),
            ("Completion", "", f"{completion * 100:.0f}%" if completion is not None else "–")]
    return [(label, cell(a), str(b)) for label, a, b in rows]


def _kpis(sc: S.Score) -> list[dict]:
    pr, dn = sc.prescribed, sc.done
    out = []
    if pr.per_side:
        for s in ("left", "right"):
            reps = getattr(dn, s).reps if getattr(dn, s) else 0
            out.append({"key": f"reps_{s}", "value": f"{reps} / {fmt(pr.reps)}", "label": f"reps, {s} arm",
                        "cls": "ok" if pr.reps is not None and reps >= pr.reps else "bad"})
    else:
        out.append({"key": "reps", "value": f"{dn.reps} / {fmt(pr.reps)}", "label": "reps done / prescribed",
                    "cls": "ok" if pr.reps is not None and dn.reps >= pr.reps else "bad"})
    out += [{"key": "holds_met", "value": f"{dn.holds_met} / {dn.reps}", "cls": "",
             "label": f"holds of {fmt(pr.hold_s, 1)} s met (within {fmt(pr.hold_tolerance_s)} s)"},
            {"key": "mean_hold_s", "value": fmt(dn.mean_hold_s, 2, " s"), "label": "average hold", "cls": ""},
            {"key": "reps_with_faults", "value": f"{dn.reps_with_faults} / {dn.reps}", "label": "reps with a fault",
             "cls": ""},
            {"key": "sets", "value": f"{dn.sets} / {pr.sets}", "label": "sets seen / prescribed", "cls": ""}]
    return out


def _fault_counts(session: S.Session) -> list[tuple[str, list]]:
    counts: dict = {}
    for f in session.faults:
        counts.setdefault(f.code, []).append(f.rep)
    return sorted(counts.items(), key=lambda kv: -len(kv[1]))


def _metric_keys(reps: list[S.Rep]) -> list[str]:
    keys: list[str] = []
    for r in reps:
        for k in r.metrics:
            if k not in keys:
                keys.append(k)
    return keys


def _live_sets(session: S.Session) -> list[S.LiveSet]:
    """A live session of several sets (a programme, or sets restarted by hand) lists every set; the rest of the
    page (reps table, charts) is the last set's."""
    sets = session.live.sets if session.live else []
    return sets if len(sets) >= 2 else []


def _page_data(session: S.Session, sc: S.Score) -> dict:
    """What the page script checks the reps table against."""
    return {"exercise": session.exercise, "rep_count": session.rep_count,
            "reps": [{"n": r.n, "side": r.side, "hold_s": r.hold_s, "faults": r.faults} for r in session.reps],
            "score": S.to_builtins(sc)}


def render_session(session: S.Session, ld: LogData | None, folder: Path, programme=None, privacy: str | None = None,
                   embed_video: bool = False) -> str:
    """The report's HTML (a string)."""
    privacy = check_privacy(privacy or opt(session.privacy) or "blur")
    sc, block = score_block(session, programme)
    segments = segment_views(session, programme)
    ex = session.exercise or "(no exercise)"
    label = ex.replace("_", " ")
    if session.exercise is None and segments:  # a whole session: its exercises
        label = ", ".join(dict.fromkeys(g.label for g in segments))
    folder = Path(folder)
    stills = fault_stills(session, ld, folder, privacy)
    what = PRIVACY_TEXT[privacy]
    if stills and privacy != "skeleton" and {s.mode for s in stills} == {"skeleton"}:
        what = "skeleton only (the video of this session is not available)"
    video = None
    if embed_video and (folder / "annotated.mp4").is_file():
        video = "data:video/mp4;base64," + base64.b64encode((folder / "annotated.mp4").read_bytes()).decode("ascii")
    has_log = ld is not None and bool(ld.t)
    pr = sc.prescribed
    model = session.tracking.model
    rows = timeline_rows(session, segments)
    if len(rows) < 2:  # one segment and nothing else (a one-set live session): no timeline, the page as before
        rows = []
    return env.get_template("report.html").render(
        segments=segments, timeline_rows=rows, many_segments=len(segments) >= 2, reps_id="reps",
        timeline=svg_timeline(session, segments) if rows else None,
        s=session, sc=sc, block=block, programme=programme, label=label,
        title=f"{label} – {Path(str(session.source.path or folder.name)).name}",
        source_name=Path(str(session.source.path or "")).name,
        last_t_s=ld.last_t_s if ld is not None else None, log_name=LOG_NAME,
        live_sets=_live_sets(session), kpis=_kpis(sc), summary_rows=_summary_rows(sc),
        fault_counts=_fault_counts(session), cues=session.cues or cues_of(session.exercise),
        per_side=per_side(session.exercise), metric_keys=_metric_keys(session.reps),
        hold_floor=pr.hold_s - pr.hold_tolerance_s - 1e-9,
        has_log=has_log, plots=plots(session, ld) if has_log else [], stills=stills, privacy_text=what,
        video=video, model_name=model.name if model else "–",
        model_sha=((model.sha256 if model else None) or "")[:12],
        data=_page_data(session, sc))


def render_trend(rows: list[TrendRow], programme=None, base: Path | None = None) -> str:
    return env.get_template("trend.html").render(rows=rows, programme=programme, overview=session_overview(rows, base),
                                                 sessions=len({r.folder for r in rows}),
                                                 sections=trend_sections(rows, base))
