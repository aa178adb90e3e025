"""A whole session's segments (issue 13): the session timeline (hand-written SVG, as :mod:`.svg`) and each
segment as the report shows it (its reps table, scored against its own targets or the programme's block).

Segments come from ``analyze`` without ``--exercise`` (recognised) and from live sessions (the runs of sets of
one exercise); ``other`` are the stretches that were not an exercise, drawn grey with their reason.
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from msgspec import UNSET

from .. import session as S
from ..exercises import get, names
from .formatting import fmt, opt
from .load import exercise_of, per_side
from .scoring import score_block
from .svg import ticks

M = Markup
PALETTE = ["#1f6fb2", "#d9822b", "#2f9e44", "#9c36b5", "#c2255c", "#0c8599", "#5c940d", "#e67700"]
OTHER_FILL = "#ced4da"


def label_of(name: str | None) -> str:
    """An exercise's label (``spec(name).label``); the name with spaces for one this installation lacks."""
    cls = exercise_of(name)
    return cls.label if cls is not None else str(name or "").replace("_", " ")


def colour_of(name: str) -> str:
    known = list(names())
    i = known.index(name) if name in known else len(known) + sum(map(ord, name))
    return PALETTE[i % len(PALETTE)]


def segments_of(session: S.Session) -> list[S.Segment]:
    return list(opt(session.segments) or [])


def other_of(session: S.Session) -> list[S.Interval]:
    return list(opt(session.other) or [])


def segment_session(seg: S.Segment, session: S.Session) -> S.Session:
    """A segment as a one-exercise session (its reps and faults; its checker's default targets, or the
    session's own when the segment is the session's exercise), for scoring."""
    s = S.Session(exercise=seg.exercise, reps=list(seg.reps), faults=list(seg.faults), rep_count=seg.rep_count)
    if seg.exercise == session.exercise and opt(session.targets) is not None:
        s.targets, s.params = session.targets, session.params
    elif exercise_of(seg.exercise) is not None:
        summary = get(seg.exercise).summary()
        s.targets = S.convert(summary["targets"], S.Targets) if "targets" in summary else UNSET
        s.params = summary.get("params", UNSET)
    return s


@dataclass(frozen=True)
class SegmentView:
    """One segment as the report shows it (its reps table reuses ``_reps.html``: ``reps``, ``per_side``,
    ``metric_keys``, ``hold_floor``, ``reps_id``)."""

    n: int
    exercise: str
    label: str
    colour: str
    start_s: float
    end_s: float
    rep_count: int
    reps: list
    faults: list
    sets: list
    confidence: float | None
    per_side: bool
    metric_keys: list
    hold_floor: float
    reps_id: str
    score: S.Score


def _metric_keys(reps: list[S.Rep]) -> list[str]:
    keys: list[str] = []
    for r in reps:
        keys += [k for k in r.metrics if k not in keys]
    return keys


def segment_views(session: S.Session, programme=None) -> list[SegmentView]:
    out = []
    for i, g in enumerate(segments_of(session), 1):
        sc, _ = score_block(segment_session(g, session), programme)
        pr = sc.prescribed
        out.append(SegmentView(n=i, exercise=g.exercise, label=label_of(g.exercise), colour=colour_of(g.exercise),
                               start_s=g.start_s, end_s=g.end_s, rep_count=g.rep_count, reps=list(g.reps),
                               faults=list(g.faults), sets=list(opt(g.sets) or []), confidence=g.confidence,
                               per_side=per_side(g.exercise), metric_keys=_metric_keys(g.reps),
                               hold_floor=pr.hold_s - pr.hold_tolerance_s - 1e-9, reps_id=f"reps-{i}", score=sc))
    return out


def timeline_rows(session: S.Session, views: list[SegmentView]) -> list[dict]:
    """Segments and the stretches between them, in time order, for the table under the timeline."""
    rows = [{"kind": "segment", "start_s": v.start_s, "view": v} for v in views]
    rows += [{"kind": "other", "start_s": o.start_s, "other": o} for o in other_of(session)]
    return sorted(rows, key=lambda r: (r["start_s"], r["kind"] == "segment"))


def svg_timeline(session: S.Session, views: list[SegmentView], width: int = 960, height: int = 78) -> Markup:
    """The session on one time axis: a coloured bar per segment (its label and reps), grey stretches for what
    was not an exercise; hover for the details."""
    others = other_of(session)
    ml, mr, mt, bh = 14, 14, 8, 34
    pw = width - ml - mr
    end = max([v.end_s for v in views] + [o.end_s for o in others] + [1.0])
    X = lambda t: ml + pw * max(0.0, min(t, end)) / end  # noqa: E731
    o = [M('<svg class="timeline" id="timeline" data-segments="{}" data-other="{}" viewBox="0 0 {} {}" width="100%" '
           'xmlns="http://www.w3.org/2000/svg" role="img" aria-label="session timeline">').format(
               len(views), len(others), width, height),
         M('<rect x="{}" y="{}" width="{}" height="{}" class="frame"/>').format(ml, mt, pw, bh)]
    for k, x in enumerate(others):
        what = x.reason or (x.posture or "not an exercise")
        o.append(M('<rect class="other" data-k="{}" data-reason="{}" x="{:.1f}" y="{}" width="{:.1f}" height="{}" '
                   'fill="{}"><title>{}-{} s: {}</title></rect>').format(
                       k, what, X(x.start_s), mt, max(1.0, X(x.end_s) - X(x.start_s)), bh, OTHER_FILL,
                       fmt(x.start_s, 1), fmt(x.end_s, 1), what))
    for v in views:
        x0, w = X(v.start_s), max(1.0, X(v.end_s) - X(v.start_s))
        reps = f"{v.rep_count} rep{'' if v.rep_count == 1 else 's'}"
        o.append(M('<rect class="segment" data-n="{}" data-exercise="{}" data-reps="{}" x="{:.1f}" y="{}" '
                   'width="{:.1f}" height="{}" fill="{}"><title>{}, {}-{} s: {}</title></rect>').format(
                       v.n, v.exercise, v.rep_count, x0, mt, w, bh, v.colour, v.label, fmt(v.start_s, 1),
                       fmt(v.end_s, 1), reps))
        text = f"{v.label}: {v.rep_count}" if w >= 7.0 * (len(v.label) + 4) else (str(v.rep_count) if w >= 14 else "")
        if text:
            o.append(M('<text class="seg-label" x="{:.1f}" y="{}" fill="#fff">{}</text>').format(
                x0 + 4, mt + bh / 2 + 4, text))
    for t in ticks(0.0, end, 8):
        o.append(M('<line class="grid" x1="{:.1f}" x2="{:.1f}" y1="{}" y2="{}"/><text class="tk" x="{:.1f}" y="{}" '
                   'text-anchor="middle">{:g} s</text>').format(X(t), X(t), mt + bh, mt + bh + 5, X(t),
                                                               mt + bh + 18, round(t, 3)))
    o.append(M("</svg>"))
    return M("").join(o)
