"""The trend over sessions: one row per session folder (date order) and its SVG trend lines per exercise.

A whole session of several exercises (``segments``, issue 13) gives one row per segment, each in its own
exercise's section, and the page lists every session's exercises (:func:`session_overview`)."""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from .. import session as S
from ..pipeline import LOG_NAME, SESSION_NAME
from .formatting import fmt
from .load import REPORT_NAME, load_session, per_side
from .scoring import score_block
from .svg import SERIES_COLOURS, nice_range, ticks
from .timeline import label_of, segment_session, segments_of

DATE_RE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})(?:[T_ -]?(\d{2})[:h-]?(\d{2}))?")
M = Markup


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


@dataclass
class TrendRow:
    """One session of the trend."""

    folder: Path
    date: str
    key: tuple
    exercise: str | None
    score: S.Score
    faults: dict[str, int]           # fault code -> how many
    partial: bool
    report: Path | None              # its report.html, when there is one
    segment: int | None = None       # a whole session's segment (1-based), None: the session itself

    @property
    def name(self) -> str:
        return self.folder.name


def trend_rows(dirs: list, programme=None) -> list[TrendRow]:
    rows = []
    for i, d in enumerate(dirs):
        folder = Path(d)
        session, _ = load_session(folder)
        label, key = session_date(folder)
        report = (folder / REPORT_NAME) if (folder / REPORT_NAME).is_file() else None
        segs = segments_of(session)
        parts = [(k, segment_session(g, session)) for k, g in enumerate(segs, 1)] if len(segs) >= 2 else [
            (None, session)]
        for k, part in parts:
            sc, _ = score_block(part, programme)
            faults: dict[str, int] = {}
            for f in part.faults:
                faults[f.code] = faults.get(f.code, 0) + 1
            rows.append(TrendRow(folder=folder, date=label, key=(key, i, k or 0), exercise=part.exercise, score=sc,
                                 faults=faults, partial=bool(session.partial), report=report, segment=k))
    rows.sort(key=lambda r: r.key)
    return rows


def session_overview(rows: list[TrendRow], base: Path | None = None) -> list[dict]:
    """Per session (date order): its exercises with their reps ("bridge 5 · bird dog 4"); empty when no
    session holds several exercises (the page then looks as before)."""
    if not any(r.segment is not None for r in rows):
        return []
    out: dict[Path, dict] = {}
    for r in rows:
        row = out.setdefault(r.folder, {**_table_row(r, False, base), "exercises": []})
        row["exercises"].append(f"{label_of(r.exercise) or 'no exercise'} {r.score.done.reps}")
    return [{**v, "exercises": " · ".join(v["exercises"])} for v in out.values()]


def svg_trend(title: str, labels: list[str], series: dict, unit: str = "", width: int = 960, height: int = 200,
              key: str = "", ymin0: bool = True, target: float | None = None) -> Markup:
    ml, mr, mt, mb = 56, 14, 26, 42
    pw, ph = width - ml - mr, height - mt - mb
    vals = [v for s in series.values() for v in s if v is not None]
    lo, hi = nice_range(vals + ([0.0] if ymin0 else []), [target] if target is not None else [])
    n = max(len(labels), 1)
    X = lambda i: ml + (pw * (i + 0.5) / n)  # noqa: E731
    Y = lambda v: mt + ph * (1 - (v - lo) / (hi - lo))  # noqa: E731
    o = [M('<svg class="trend" data-key="{}" data-sessions="{}" viewBox="0 0 {} {}" width="100%" '
           'xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{}">').format(key, len(labels), width, height,
                                                                                   title),
         M('<text x="{}" y="16" class="pt">{}{}</text>').format(ml, title, f" ({unit})" if unit else ""),
         M('<rect x="{}" y="{}" width="{}" height="{}" class="frame"/>').format(ml, mt, pw, ph)]
    for v in ticks(lo, hi):
        o.append(M('<line class="grid" x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}"/><text class="tk" x="{}" y="{:.1f}" '
                   'text-anchor="end">{:g}</text>').format(ml, ml + pw, Y(v), Y(v), ml - 6, Y(v) + 4, v))
    for i, lab in enumerate(labels):
        o.append(M('<text class="tk" x="{:.1f}" y="{}" text-anchor="middle">{}</text>').format(X(i), mt + ph + 14, lab))
    if target is not None:
        o.append(M('<line class="thr" x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}"/><text class="thl" x="{}" y="{:.1f}" '
                   'text-anchor="end">target {:g}</text>').format(ml, ml + pw, Y(target), Y(target), ml + pw - 4,
                                                                  Y(target) - 3, target))
    for ci, (name, vs) in enumerate(series.items()):
        col = SERIES_COLOURS[ci % len(SERIES_COLOURS)]
        pts = [(X(i), Y(v), v) for i, v in enumerate(vs) if v is not None]
        if len(pts) > 1:
            o.append(M('<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>').format(
                col, " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in pts)))
        for x, y, v in pts:
            o.append(M('<circle class="pt-{}" cx="{:.1f}" cy="{:.1f}" r="3.5" fill="{}"><title>{}: {:g}</title>'
                       '</circle>').format(ci, x, y, col, name, v))
        if len(series) > 1:
            o.append(M('<text x="{}" y="{}" class="lg" fill="{}">{}</text>').format(ml + 8 + 120 * ci, mt + 14, col,
                                                                                   name))
    o.append(M("</svg>"))
    return M("").join(o)


@dataclass
class TrendSection:
    """One exercise of the trend page: its three trend plots and its table rows."""

    exercise: str | None
    per_side: bool
    plots: list[Markup]
    rows: list[dict]


def _side_reps(done: S.Done, side: str) -> int:
    c = getattr(done, side)
    return c.reps if c else 0


def _table_row(r: TrendRow, ps: bool, base: Path | None) -> dict:
    d = r.score.done
    fr = r.score.fault_rate
    href = None
    if r.report is not None:
        href = os.path.relpath(r.report, base) if base else str(r.report)
    return {"name": r.name, "href": href, "partial": r.partial, "date": r.date,
            "reps": f"{_side_reps(d, 'left')}/{_side_reps(d, 'right')}" if ps else str(d.reps),
            "prescribed": fmt(r.score.prescribed.reps), "holds_met": d.holds_met, "mean_hold_s": fmt(d.mean_hold_s),
            "fault_rate": "–" if fr is None else f"{100 * fr:.0f}%",
            "faults": ", ".join(f"{k} ×{v}" for k, v in sorted(r.faults.items()))}


def trend_sections(rows: list[TrendRow], base: Path | None = None) -> list[TrendSection]:
    """Per exercise (in order of first appearance): reps, average hold and fault rate over the sessions."""
    exercises: list = []
    for r in rows:
        if r.exercise not in exercises:
            exercises.append(r.exercise)
    out = []
    for ex in exercises:
        rs = [r for r in rows if r.exercise == ex]
        ps = per_side(ex)
        labels = [r.date.split(" ")[0] for r in rs]
        pres = rs[-1].score.prescribed
        if ps:
            reps_series = {s: [_side_reps(r.score.done, s) for r in rs] for s in ("left", "right")}
        else:
            reps_series = {"reps": [r.score.done.reps for r in rs]}
        plots = [svg_trend("Reps completed" + (" per side" if ps else ""), labels, reps_series, key=f"{ex}:reps",
                           target=pres.reps),
                 svg_trend("Average hold", labels, {"hold": [r.score.done.mean_hold_s for r in rs]}, "s",
                           key=f"{ex}:hold", target=pres.hold_s or None),
                 svg_trend("Reps with a fault", labels,
                           {"fault rate": [None if r.score.fault_rate is None else round(100 * r.score.fault_rate, 1)
                                           for r in rs]}, "%", key=f"{ex}:faults")]
        out.append(TrendSection(exercise=ex, per_side=ps, plots=plots, rows=[_table_row(r, ps, base) for r in rs]))
    return out
