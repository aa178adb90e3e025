"""The report's plots: hand-written inline SVG (no plotting library, nothing fetched, a strict CSP).

Their classes and data attributes (``svg.plot[data-key]``, ``.rep-band[data-n]``, ``.fault-mark[data-code]``,
``.cursor``) are what the page script and the tests read. Text goes through :class:`markupsafe.Markup`
formatting, which escapes every argument.

The panels of an exercise are its class's ``panels``, derived series come from its ``report_series``; an
exercise this installation does not know gets its first three logged figures.
"""
from __future__ import annotations

import math

from markupsafe import Markup

from .. import session as S
from ..exercises import Panel
from .formatting import fmt
from .load import LogData, exercise_of

SERIES_COLOURS = ["#1f6fb2", "#d9822b", "#2f9e44", "#9c36b5"]
M = Markup


def nice_range(vals: list[float], extra: list[float]) -> tuple[float, float]:
    v = [x for x in vals + extra if x is not None and math.isfinite(x)]
    if not v:
        return 0.0, 1.0
    lo, hi = min(v), max(v)
    if hi - lo < 1e-6:
        lo, hi = lo - 1, hi + 1
    pad = 0.06 * (hi - lo)
    return lo - pad, hi + pad


def ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    span = hi - lo
    step = 10 ** math.floor(math.log10(span / n)) if span > 0 else 1
    for m in (1, 2, 5, 10):
        if span / (step * m) <= n:
            step *= m
            break
    start = math.ceil(lo / step) * step
    return [start + k * step for k in range(int((hi - start) / step) + 1)]


def _text(x) -> str:
    return "" if x is None else x


def _rep_bands(reps: list[S.Rep], X, T: float, mt: int, ph: int) -> list[Markup]:
    o = []
    for r in reps:
        s0, s1 = r.start_s, r.end_s
        if s0 is None:
            continue
        s1 = s1 if s1 is not None else T
        o.append(M('<rect class="rep-band" data-n="{}" x="{:.1f}" y="{}" width="{:.1f}" height="{}">'
                   '<title>rep {}: {}-{} s</title></rect>').format(r.n, X(s0), mt, max(1, X(s1) - X(s0)), ph, r.n,
                                                                  fmt(s0), fmt(s1)))
        if r.top_s is not None and r.lower_s is not None:
            o.append(M('<rect class="hold-band" data-n="{}" x="{:.1f}" y="{}" width="{:.1f}" height="{}">'
                       '<title>rep {} hold {} s</title></rect>').format(
                r.n, X(r.top_s), mt, max(1, X(r.lower_s) - X(r.top_s)), ph, r.n, fmt(r.hold_s)))
        o.append(M('<text class="rn" x="{:.1f}" y="{}">{}{}</text>').format(X(s0) + 2, mt + 11, r.n,
                                                                            (r.side or "")[:1].upper()))
    return o


def _series_lines(series: dict, t: list, X, Y, ml: int, mt: int, ph: int) -> list[Markup]:
    o = []
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
                o.append(M('<circle class="series" data-key="{}" cx="{}" cy="{}" r="1.5" fill="{}"/>').format(
                    k, x, y, col))
            else:
                o.append(M('<polyline class="series" data-key="{}" fill="none" stroke="{}" stroke-width="1.6" '
                           'points="{}"/>').format(k, col, " ".join(sg)))
        if len(series) > 1:
            o.append(M('<text x="{}" y="{}" class="lg" fill="{}">{}</text>').format(ml + 8 + 150 * ci, mt + ph - 6,
                                                                                   col, k))
    return o


def svg_plot(title: str, unit: str, t: list, series: dict, reps: list[S.Rep], faults: list[S.FaultEvent],
             lines: list, t_end: float, key: str, width: int = 960, height: int = 230) -> Markup:
    """One panel: series over time, rep spans shaded (hold darker), faults marked, threshold lines dashed."""
    ml, mr, mt, mb = 56, 14, 26, 30
    pw, ph = width - ml - mr, height - mt - mb
    allv = [x for s in series.values() for x in s if x is not None]
    lo, hi = nice_range(allv, [v for _, v in lines])
    T = max(t_end, t[-1] if t else 0.0, 1e-3)
    X = lambda s: ml + pw * s / T  # noqa: E731
    Y = lambda v: mt + ph * (1 - (v - lo) / (hi - lo))  # noqa: E731
    o = [M('<svg class="plot" data-key="{}" data-series="{}" data-points="{}" data-reps="{}" data-faults="{}" '
           'viewBox="0 0 {} {}" width="100%" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">').format(
             key, ",".join(series), sum(1 for s in series.values() for x in s if x is not None), len(reps),
             len(faults), width, height, title),
         M('<text x="{}" y="16" class="pt">{} ({})</text>').format(ml, title, unit),
         M('<rect x="{}" y="{}" width="{}" height="{}" class="frame"/>').format(ml, mt, pw, ph)]
    o += _rep_bands(reps, X, T, mt, ph)
    for v in ticks(lo, hi):
        o.append(M('<line class="grid" x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}"/><text class="tk" x="{}" y="{:.1f}" '
                   'text-anchor="end">{:g}</text>').format(ml, ml + pw, Y(v), Y(v), ml - 6, Y(v) + 4, v))
    for v in ticks(0, T, 10):
        o.append(M('<text class="tk" x="{:.1f}" y="{}" text-anchor="middle">{:g}</text>').format(X(v), mt + ph + 16, v))
    o.append(M('<text class="tk" x="{}" y="{}" text-anchor="end">time (s)</text>').format(ml + pw, height - 2))
    for label, v in lines:
        o.append(M('<line class="thr" x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}"/><text class="thl" x="{}" y="{:.1f}" '
                   'text-anchor="end">{} {:g}</text>').format(ml, ml + pw, Y(v), Y(v), ml + pw - 4, Y(v) - 3, label, v))
    o += _series_lines(series, t, X, Y, ml, mt, ph)
    for f in faults:
        if f.t_s is None:
            continue
        x = X(f.t_s)
        o.append(M('<path class="fault-mark" data-code="{}" data-rep="{}" d="M{:.1f},{} l-5,-9 h10 z"><title>rep {}: '
                   '{} at {} s: {}</title></path>').format(f.code, _text(f.rep), x, mt + 1, _text(f.rep), f.code,
                                                          fmt(f.t_s), _text(f.message)))
    o.append(M('<line class="cursor" x1="-10" x2="-10" y1="{}" y2="{}"/>').format(mt, mt + ph))
    o.append(M("</svg>"))
    return M("").join(o)


def panel_lines(session: S.Session, lines: tuple) -> list[tuple[str, float]]:
    """A panel's threshold lines with their values: the session's parameters; ``chin_limit`` is the chin's
    neutral (the person's baseline, else the parameter) plus the allowed poke."""
    params = session.params or {}
    base = session.baseline or {}
    out = []
    for label, key in lines:
        if key == "chin_limit":
            neutral = base.get("chin_deg", params.get("chin_neutral_deg"))
            poke = params.get("chin_poke_deg")
            v = neutral + poke if neutral is not None and poke is not None else None
        else:
            v = params.get(key)
        if isinstance(v, (int, float)) and math.isfinite(v):
            out.append((label, float(v)))
    return out


def panels_of(exercise: str | None, ld: LogData) -> tuple[Panel, ...]:
    cls = exercise_of(exercise)
    if cls is not None and cls.panels:
        return cls.panels
    # unknown exercise: the first three figures logged
    keys = [k for k in ld.angles if any(v is not None for v in ld.angles[k])][:3]
    return tuple(Panel(k, "", (k,)) for k in keys)


def plots(session: S.Session, ld: LogData) -> list[Markup]:
    """The session's plots (none when the log holds no figures)."""
    cls = exercise_of(session.exercise)
    derived = cls.report_series(ld.t, ld.angles, session.reps) if cls is not None else {}
    out = []
    for panel in panels_of(session.exercise, ld):
        series = {k: (derived[k] if k in derived else ld.angles[k]) for k in panel.series
                  if k in ld.angles or k in derived}
        if not series or all(v is None for s in series.values() for v in s):
            continue
        out.append(svg_plot(panel.title, panel.unit, ld.t, series, session.reps, session.faults,
                            panel_lines(session, panel.lines), ld.t[-1], key=panel.series[0]))
    return out
