"""A live session's sets as the segments of ``session.json`` (the report's session timeline), as ``analyze``
without ``--exercise`` writes them for a recording: consecutive sets of one exercise are one segment with
several sets (its reps numbered through, the faults following them); the stretches between segments are
``other`` (waiting for an exercise to be recognised, a programme's rests, changing exercise)."""
from __future__ import annotations

import msgspec

from .. import session as S

MIN_GAP_S = 0.5  # shorter stretches between segments are not listed


def _set_counts(s: S.LiveSet, n: int, end_s: float) -> S.RepSet:
    sides = {k: sum(r.side == k for r in s.reps) for k in ("left", "right")}
    return S.RepSet(n=n, start_s=s.start_s, end_s=end_s, reps=s.rep_count, **sides)


def segments(sets: list[S.LiveSet], now_s: float) -> list[S.Segment]:
    """One segment per run of consecutive sets of one exercise; an open set ends at ``now_s``."""
    out: list[S.Segment] = []
    for s in sets:
        end = s.end_s if s.end_s is not None else max(now_s, s.start_s)
        seg = out[-1] if out and out[-1].exercise == s.exercise else None
        if seg is None:
            seg = S.Segment(exercise=s.exercise, start_s=s.start_s, end_s=end, sets=[])
            out.append(seg)
        k = seg.rep_count
        seg.reps = seg.reps + [msgspec.structs.replace(r, n=r.n + k) for r in s.reps]
        seg.faults = seg.faults + [msgspec.structs.replace(f, rep=f.rep + k if f.rep is not None else None)
                                   for f in s.faults]
        seg.rep_count = k + s.rep_count
        seg.end_s = end
        seg.sets.append(_set_counts(s, len(seg.sets) + 1, end))
    return out


def other(segs: list[S.Segment], now_s: float, programme: bool) -> list[S.Interval]:
    """What lies between the segments (and before the first, and after the last when the session went on)."""
    out: list[S.Interval] = []
    t = 0.0
    for i, seg in enumerate(segs + [None]):
        end = seg.start_s if seg is not None else now_s
        if end - t >= MIN_GAP_S:
            reason = ("waiting for an exercise" if i == 0 else "after the last set" if seg is None
                      else "rest" if programme else "changing exercise")
            out.append(S.Interval(start_s=round(t, 3), end_s=round(end, 3), reason=reason))
        if seg is not None:
            t = seg.end_s
    return out
