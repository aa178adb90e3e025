"""A whole recording -> segments (exercise, start, end, sets) and what was not an exercise.

1. Posture per frame (:func:`.posture.postures`), smoothed to stretches of at least :data:`MIN_POSTURE_S`
   (:func:`.smoothing.smooth`).
2. In each stretch, the checker of every exercise that starts in that posture (``spec(name).posture``) runs
   over the stretch's frames (``Pipeline(None, get(name)).run``): its reps are the evidence. Reps of
   different checkers that overlap in time form one *slot* (one movement). The checkers start at the
   stretch's first frame or, when they find no exercise from there, at the first of every
   :data:`SEARCH_STEP_S` over its first :data:`SEARCH_S` from which they do (a stretch often begins inside
   a transition, the walk to the wall or the lowering from hands and knees, where a checker takes a wrong
   start position and misses the reps that follow; :func:`_start`). When the stretch holds more than one
   exercise, fresh checkers run again from the end of the first one's last rep (:func:`_run_groups`).
3. A slot claimed by several checkers (:func:`decide`) goes to an exercise meant for the camera view it
   was seen from (``spec(name).views``), then to the checker that counted the most reps in it, then to the
   exercise whose usual movement it resembles most (:mod:`.model`). A slot claimed by one checker is that
   exercise's (the shape does not veto a checker: real people's movements are further from the synthetic
   prototypes than the prototypes are from each other, see docs/recognition.md). A lone slot between two
   slots of one exercise takes their label.
4. Consecutive slots of one exercise form a segment when its checker counted at least :data:`MIN_REPS`
   reps in them; fewer is not an exercise (a look-alike's stray rep). The segment reaches back to the start
   of the posture stretch (or half-way to the previous segment) when that is within :data:`LEAD_S` of its
   first rep, else :data:`PAD_S` before it; the same after its last rep. Segments of one exercise less
   than :data:`MERGE_GAP_S` apart with nothing recognised between them are one segment (several sets).
5. Everything else is ``other``: no person, changing position, or a posture without an exercise's reps.

:func:`check` then runs each segment's frames (the first segment of a stretch from the start kept in step 2)
through a fresh checker (the one pipeline) for its reps and faults, and :func:`session_of` puts them into the
typed session.
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from .. import session as S
from ..exercises import get, names, spec
from ..exercises.counting import frame_view
from ..pipeline import Pipeline, build_session
from ..programme.programme import split_sets
from ..types import PoseFrame, RepEvent
from . import model as M
from .posture import movement, postures, window_shape
from .smoothing import Run, smooth

log = logging.getLogger(__name__)

MIN_POSTURE_S = 3.0    # a posture held for less is a flicker or a transition
MIN_REPS = 2           # fewer reps of an exercise in a row is not that exercise
LEAD_S = 10.0          # a segment takes in the posture stretch before its first rep up to this long ...
TAIL_S = 10.0          # ... and after its last
PAD_S = 3.0            # ... else this much
MERGE_GAP_S = 90.0     # one exercise's segments closer than this, nothing between: one segment
SET_GAP_S = 30.0       # a pause longer than this between reps starts a new set
SEARCH_S = 15.0        # a stretch's checkers also start every SEARCH_STEP_S over its first SEARCH_S ...
SEARCH_STEP_S = 1.0
SEARCH_LEFT_S = 5.0    # ... while at least this much of the stretch is left after the start


@dataclass
class Slot:
    """One movement: overlapping reps of one or more candidate checkers."""

    start_s: float
    end_s: float
    reps: dict[str, list[RepEvent]] = field(default_factory=dict)
    label: str | None = None
    confidence: float = 0.0


@dataclass
class Found:
    """A recognised segment: ``exercise`` from ``start_s`` to ``end_s`` (frames ``i0 .. i1-1``); its checker
    starts at frame ``c0`` (>= ``i0``: the start kept for its posture stretch, see :func:`_start`)."""

    exercise: str
    start_s: float
    end_s: float
    i0: int = 0
    i1: int = 0
    c0: int = 0
    confidence: float = 0.0
    slots: list[Slot] = field(default_factory=list)


@dataclass
class Segmentation:
    segments: list[Found]
    other: list[S.Interval]
    postures: list[Run[str]]


def candidates(posture: str | None, exercises: Sequence[str] | None = None) -> list[str]:
    """The exercises that start in ``posture`` (their declared ``spec(name).posture``)."""
    if posture is None:
        return []
    return [n for n in (exercises if exercises is not None else names()) if spec(n).posture == posture]


def run_checker(name: str, frames: Sequence[PoseFrame], make: Callable[[str], object] = get):
    """A fresh checker of ``name`` run over ``frames`` through the one pipeline; returns the checker."""
    pipe = Pipeline(None, make(name))
    for _ in pipe.run(frames):
        pass
    pipe.finish()
    return pipe.exercise


def slots_of(reps: dict[str, list[RepEvent]]) -> list[Slot]:
    """Reps of several checkers grouped into slots: a rep that starts before the current slot ends joins it."""
    flat = sorted(((r.start_s, r.end_s, n, r) for n, rs in reps.items() for r in rs), key=lambda x: (x[0], x[1], x[2]))
    out: list[Slot] = []
    for a, b, n, r in flat:
        if out and a < out[-1].end_s:
            out[-1].end_s = max(out[-1].end_s, b)
        else:
            out.append(Slot(a, b))
        out[-1].reps.setdefault(n, []).append(r)
    return out


def decide(claims: dict[str, int], view: str | None, shape: np.ndarray | None,
           protos: M.Prototypes) -> tuple[str, float]:
    """Whose movement it is, among the checkers that counted a rep in it (name -> reps counted): first the
    exercises meant for the camera view it was seen from (``spec(name).views``; all of them if none is),
    then those that counted the most reps in it, then the movement's shape (:mod:`.model`). The confidence
    is 1 for a lone claimant, the shape's (0.5-1) when the shape decided, else the winner's share of the
    reps (at least 0.5)."""
    names_ = sorted(claims)
    fit = [n for n in names_ if view is None or view in spec(n).views] or names_
    most = max(claims[n] for n in fit)
    top = [n for n in fit if claims[n] == most]
    best, conf = protos.choose(top, shape)
    if len(top) == 1:
        conf = 1.0 if len(names_) == 1 else max(0.5, claims[best] / sum(claims.values()))
    return best, conf


def _view(views: Sequence[str | None], i0: int, i1: int) -> str | None:
    seen = Counter(v for v in views[i0:i1] if v)
    return seen.most_common(1)[0][0] if seen else None


def label_slots(slots: list[Slot], times: np.ndarray, feats: np.ndarray, views: Sequence[str | None],
                protos: M.Prototypes) -> None:
    for sl in slots:
        spans = [(r.start_s, r.end_s) for rs in sl.reps.values() for r in rs]
        view = _view(views, _index(times, sl.start_s), _index(times, sl.end_s) + 1)
        sl.label, sl.confidence = decide({n: len(rs) for n, rs in sl.reps.items()}, view,
                                         window_shape(times, feats, spans), protos)
    # a lone slot between two slots of one exercise is that exercise's (if its checker counted it)
    for k in range(1, len(slots) - 1):
        a, b, c = slots[k - 1], slots[k], slots[k + 1]
        if a.label == c.label and b.label != a.label and a.label in b.reps:
            b.label, b.confidence = a.label, 0.5
    absorb_lone(slots)


def absorb_lone(slots: list[Slot]) -> None:
    """A slot whose exercise has no slot next to it and fewer than :data:`MIN_REPS` reps in it, beside a run
    of at least :data:`MIN_REPS` slots of another exercise whose checker counted it too, is that exercise's
    (the run before it first): alone it is no segment and its rep would be lost, although the checker of the exercise done around it counts it
    (``--exercise`` would). The superman's first rep on be23_super, which the movement's shape gave to the
    arm lift by a hair (0.51) once the pose pass changed slightly, and the superman's other reps its own."""
    labels = [s.label for s in slots]

    def run_len(k: int, step: int) -> int:
        n, j = 0, k
        while 0 <= j < len(labels) and labels[j] == labels[k]:
            n, j = n + 1, j + step
        return n

    for k, sl in enumerate(slots):
        if sl.label is None or len(sl.reps.get(sl.label, ())) >= MIN_REPS \
                or any(0 <= j < len(slots) and labels[j] == sl.label for j in (k - 1, k + 1)):
            continue
        for j, step in ((k - 1, -1), (k + 1, 1)):
            if 0 <= j < len(slots) and labels[j] is not None and labels[j] in sl.reps \
                    and run_len(j, step) >= MIN_REPS:
                sl.label, sl.confidence = labels[j], 0.5
                break


@dataclass
class _Group:
    """Consecutive slots given to one exercise; ``first``/``last`` are its own reps' start and end."""

    label: str
    slots: list[Slot]

    @property
    def reps(self) -> list[RepEvent]:
        return [r for s in self.slots for r in s.reps.get(self.label, ())]

    @property
    def first(self) -> float:
        return min(r.start_s for r in self.reps)

    @property
    def last(self) -> float:
        return max(r.end_s for r in self.reps)


def _first_group(slots: list[Slot]) -> tuple[_Group | None, bool]:
    """The first run of slots of one exercise, and whether it holds every labelled slot."""
    labelled = [s for s in slots if s.label is not None]
    if not labelled:
        return None, True
    g = _Group(labelled[0].label, [])
    for s in labelled:
        if s.label != g.label:
            return g, False
        g.slots.append(s)
    return g, True


def _index(times: np.ndarray, t: float) -> int:
    return int(np.searchsorted(times, t - 1e-9))


def _first_pass(i: int, run: Run[str], cands: list[str], frames: Sequence[PoseFrame], times: np.ndarray,
                feats: np.ndarray, views: Sequence[str | None],
                protos: M.Prototypes) -> tuple[_Group | None, bool]:
    """Fresh candidate checkers from frame ``i`` to the stretch's end: the first run of slots of one
    exercise, and whether it holds every labelled slot."""
    slots = slots_of({n: list(run_checker(n, frames[i:run.i1]).reps) for n in cands})
    label_slots(slots, times, feats, views, protos)
    return _first_group(slots)


def _start(run: Run[str], cands: list[str], frames: Sequence[PoseFrame], times: np.ndarray, feats: np.ndarray,
           views: Sequence[str | None], protos: M.Prototypes) -> tuple[int, _Group | None, bool]:
    """Where the stretch's checkers start: the first of its first frame and a frame every
    :data:`SEARCH_STEP_S` over its first :data:`SEARCH_S` (while :data:`SEARCH_LEFT_S` of the stretch is
    left) from which the checkers find an exercise (:data:`MIN_REPS` reps of one); if none does, the one
    whose first exercise got the most reps (ties: the earliest). A stretch often begins inside a transition
    (the walk to the wall, the lowering from hands and knees): a checker started there takes a wrong start
    position and can miss every rep that follows. Later starts are tried only while nothing is found: each
    costs a pass, and in a stretch of two exercises of one posture a later start can let the second one's
    checker fold the first one's reps into its own (the "most reps over every start" rule did that on
    bench/recognition.py --joined). Returns the start and its :func:`_first_pass`."""
    t0, last = times[run.i0], times[run.i1 - 1]
    best: tuple[int, _Group | None, bool] | None = None
    best_n, tried = -1, set()
    for k in np.arange(0.0, SEARCH_S, SEARCH_STEP_S):
        if k and t0 + k >= last - SEARCH_LEFT_S:
            break
        i = max(run.i0, _index(times, t0 + k))
        if i in tried or i >= run.i1:
            continue
        tried.add(i)
        g, whole = _first_pass(i, run, cands, frames, times, feats, views, protos)
        n = len(g.reps) if g is not None else 0
        if n > best_n:
            best, best_n = (i, g, whole), n
        if n >= MIN_REPS:
            break
    return best


def _run_groups(run: Run[str], cands: list[str], frames: Sequence[PoseFrame], times: np.ndarray,
                feats: np.ndarray, views: Sequence[str | None],
                protos: M.Prototypes) -> tuple[int, list[_Group]]:
    """The start kept for the stretch (:func:`_start`) and the exercises done one after the other from
    there. Fresh candidate checkers run from a cursor to the stretch's end; the first run of slots of one
    exercise is taken and the cursor moves to the end of its last rep, so that the next exercise's reps are
    counted by checkers that did not see the previous one (a checker kept running across a change of
    exercise can fold the first rep of the next one into a long false rep)."""
    out: list[_Group] = []
    start, g, whole = _start(run, cands, frames, times, feats, views, protos)
    i = start
    while g is not None:
        if len(g.reps) >= MIN_REPS:
            out.append(g)
        i = max(i + 1, _index(times, g.last))
        if whole or i >= run.i1:
            break
        g, whole = _first_pass(i, run, cands, frames, times, feats, views, protos)
    return start, out


def _place(groups: list[_Group], run: Run[str], c0: int) -> list[Found]:
    """Each group's segment (see the module's step 4); the first one's checker starts at frame ``c0``."""
    found = []
    for k, g in enumerate(groups):
        first, last = g.first, g.last
        lo = run.start_s if k == 0 else 0.5 * (groups[k - 1].last + first)
        hi = run.end_s if k == len(groups) - 1 else 0.5 * (last + groups[k + 1].first)
        start = lo if first - lo <= LEAD_S else first - PAD_S
        end = hi if hi - last <= TAIL_S else last + PAD_S
        found.append(Found(g.label, start, end, c0=c0 if k == 0 else 0,
                           confidence=float(np.mean([s.confidence for s in g.slots])), slots=list(g.slots)))
    return found


def _merge(found: list[Found]) -> list[Found]:
    out: list[Found] = []
    for f in found:
        if out and out[-1].exercise == f.exercise and f.start_s - out[-1].end_s <= MERGE_GAP_S:
            p = out[-1]
            out[-1] = Found(p.exercise, p.start_s, f.end_s, c0=p.c0, confidence=min(p.confidence, f.confidence),
                            slots=p.slots + f.slots)
        else:
            out.append(f)
    return out


def _other(runs_: list[Run[str]], found: list[Found], frames: Sequence[PoseFrame], labels: list,
           t_end: float) -> list[S.Interval]:
    """The complement of the segments, cut at posture changes."""
    cuts = sorted({r.start_s for r in runs_} | {t_end} | {x for f in found for x in (f.start_s, f.end_s)})
    times = np.array([pf.t_s for pf in frames])
    out: list[S.Interval] = []
    for a, b in zip(cuts, cuts[1:]):
        if b - a <= 1e-6 or any(f.start_s <= a and b <= f.end_s for f in found):
            continue
        i0, i1 = _index(times, a), _index(times, b)
        seen = [labels[i] for i in range(i0, i1)]
        posed = sum(frames[i].has_pose for i in range(i0, i1))
        posture = Counter(p for p in seen if p).most_common(1)
        posture = posture[0][0] if posture and posture[0][1] * 2 >= max(len(seen), 1) else None
        if posed * 2 < max(len(seen), 1):
            reason = "no person in view"
        elif posture is None:
            reason = "changing position"
        elif not candidates(posture):
            reason = f"{posture}: no exercise starts in this posture"
        else:
            reason = f"{posture}: none of its exercises ({', '.join(candidates(posture))}) recognised"
        if out and out[-1].posture == posture and out[-1].reason == reason and abs(out[-1].end_s - a) < 1e-6:
            out[-1].end_s = round(b, 3)
        else:
            out.append(S.Interval(start_s=round(a, 3), end_s=round(b, 3), posture=posture, reason=reason))
    return out


def recognise(frames: Sequence[PoseFrame], exercises: Sequence[str] | None = None,
              protos: M.Prototypes | None = None) -> Segmentation:
    """Segments of a whole recording (see the module's steps). ``exercises`` limits the candidates."""
    frames = list(frames)
    if not frames:
        return Segmentation([], [], [])
    protos = protos if protos is not None else M.load()
    times = np.array([pf.t_s for pf in frames])
    labels = postures(frames)
    runs_ = smooth(times, labels, MIN_POSTURE_S)
    feats = movement(frames)
    views = [frame_view(pf) for pf in frames]
    found: list[Found] = []
    for run in runs_:
        cands = candidates(run.label, exercises)
        if not cands:
            continue
        c0, groups = _run_groups(run, cands, frames, times, feats, views, protos)
        found += _place(groups, run, c0)
    found = _merge(found)
    for f in found:
        f.i0, f.i1 = _index(times, f.start_s), _index(times, f.end_s)
        f.c0 = min(max(f.i0, f.c0), f.i1)
    return Segmentation(found, _other(runs_, found, frames, labels, runs_[-1].end_s), runs_)


def check(frames: Sequence[PoseFrame], seg: Segmentation,
          make: Callable[[str], object] = get) -> list[tuple[Found, object]]:
    """Each segment's frames from ``c0`` (the start kept for its posture stretch) through a fresh checker
    (``make(name)``, default ``exercises.get``)."""
    return [(f, run_checker(f.exercise, frames[f.c0:f.i1], make)) for f in seg.segments]


def _rep_sets(reps: list[S.Rep]) -> list[S.RepSet]:
    out = []
    for k, rs in enumerate(split_sets(reps, SET_GAP_S), 1):
        sides = Counter(r.side for r in rs)
        out.append(S.RepSet(n=k, start_s=rs[0].start_s or 0.0, end_s=rs[-1].end_s or rs[-1].start_s or 0.0,
                            reps=len(rs), left=sides.get("left", 0), right=sides.get("right", 0)))
    return out


def segment_of(f: Found, checker) -> S.Segment:
    reps = [S.convert(r.to_json(), S.Rep) for r in checker.reps]
    return S.Segment(exercise=f.exercise, start_s=round(f.start_s, 3), end_s=round(f.end_s, 3),
                     rep_count=len(reps), reps=reps,
                     faults=[S.convert(x.to_json(), S.FaultEvent) for x in checker.faults],
                     confidence=round(f.confidence, 3), sets=_rep_sets(reps))


def session_of(base: S.Session, checked: list[tuple[Found, object]], other: list[S.Interval]) -> S.Session:
    """``base`` (the pose pass's session, no exercise) with the segments and what was not an exercise. With
    exactly one segment the top level is that segment's checker's, as ``--exercise`` would give; with
    several, the top level names no exercise and holds no reps (each segment holds its own)."""
    if len(checked) == 1:
        f, ex = checked[0]
        s = build_session(f.exercise, S.to_builtins(base.source), base.tracking, ex)
    else:
        s = S.convert(S.to_builtins(base), S.Session)
    s.segments = [segment_of(f, ex) for f, ex in checked]
    s.other = other
    return s
