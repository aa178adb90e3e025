"""Sets of a live session, and walking through a programme.

- :class:`SetBook`: the checker of the open set and a typed :class:`~backform.session.LiveSet` for each set.
- :class:`ProgrammeWalker`: a programme's steps (sets, rests, the end), when each is due, and the progress
  written to ``session.json`` (:class:`~backform.session.ProgrammeInfo`).
- :class:`SetFlow`: what happens between sets: opening and closing them, the keys' commands (pause, restart,
  switch, skip), the programme's steps, following what the person does (a :class:`~.follow.Follow`: without
  ``--exercise`` the set switches to the exercise recognised; with a programme, the next block's exercise
  recognised moves the programme on); it tells the pipeline which checker to run and the coach what to say.
"""
from __future__ import annotations

import logging
from typing import Callable

from msgspec import UNSET

from .. import session as S
from ..coaching.policy import CoachSink
from ..exercises import get, spec
from ..programme.programme import Block, resolve, score
from ..types import FrameResult, Phase
from .follow import Follow
from .options import LiveOptions, exercise_params

log = logging.getLogger(__name__)


def score_block(block: Block, reps: list[S.Rep], params: dict) -> S.Score:
    """``block``'s score (as ``analyze --program`` writes it) from the reps of its live sets."""
    return score(S.Session(exercise=block.exercise, reps=list(reps), params=params), block)


class SetBook:
    """The open set's checker, and a record of every set (``make(name)`` builds a set's checker)."""

    def __init__(self, make: Callable[[str], object]):
        self.make = make
        self.closed: list[S.LiveSet] = []
        self.name = ""
        self.exercise = None
        self.set_no = 0
        self.start_s = 0.0
        self.is_open = False

    def open(self, name: str, t_s: float):
        self.name, self.exercise = name, self.make(name)
        self.is_open = True
        self.set_no = len(self.closed) + 1
        self.start_s = t_s
        log.info("set %d: %s (reps %s, hold %.1f s)", self.set_no, name, self.exercise.reps_target,
                 self.exercise.hold_target_s)
        return self.exercise

    def finish(self, t_s: float) -> FrameResult | None:
        """End the open set's checker: a rep on its way down counts (as in analyze); returns it as a result
        to announce, or None."""
        ex = self.exercise
        rep = ex.finish(t_s)
        if rep is None:
            return None
        faults = tuple(f for f in ex.faults if f.rep == rep.n)
        return FrameResult(index=-1, t_s=t_s, phase=Phase.START, rep_count=len(ex.reps),
                           side_counts=ex.side_counts(), faults=faults, completed=rep)

    def record(self, step, end_s: float | None = None, cut_s: float | None = None) -> S.LiveSet:
        """The open set as ``session.json`` lists it; with a programme ``step``, which set of it this is.
        ``cut_s``: the reps begun from then on (and their faults) were another exercise's, and are left out."""
        ex = self.exercise
        reps = [r for r in ex.reps if cut_s is None or r.start_s < cut_s]
        kept = {r.n for r in reps}
        faults = [f for f in ex.faults if cut_s is None or (f.rep in kept if f.rep is not None else f.t_s < cut_s)]
        s = S.LiveSet(set=self.set_no, exercise=self.name, start_s=round(self.start_s, 3), end_s=end_s,
                      rep_count=len(reps), reps=[S.convert(r.to_json(), S.Rep) for r in reps],
                      faults=[S.convert(f.to_json(), S.FaultEvent) for f in faults])
        if step is not None and step.kind == "set":  # which set of the programme this is, and whether it was done
            s.block, s.block_set, s.block_sets = step.block, step.set, step.sets
            s.reps_prescribed, s.per_side, s.complete = step.reps, step.per_side, step.target_met(ex)
        return s

    def close(self, t_s: float, step, cut: bool = False) -> None:
        self.is_open = False
        self.closed.append(self.record(step, end_s=round(t_s, 3), cut_s=t_s if cut else None))

    def all(self, final: bool, step) -> list[S.LiveSet]:
        return self.closed + ([] if final or not self.is_open else [self.record(step)])


class ProgrammeWalker:
    """Where a live session is in its programme: the current step and when it began (frame time)."""

    def __init__(self, programme):
        self.programme = programme
        # (params, baseline) per exercise: calibration-derived thresholds under the programme's, as analyze
        self.resolved = {b.exercise: resolve(programme, b.exercise)[1:] for b in programme.blocks}
        self._steps = programme.steps()
        self.step = next(self._steps)
        self.start_s = 0.0

    def make(self, name: str):
        params, baseline = self.resolved[name]
        return get(name, params=params, baseline=baseline)

    def advance(self, t_s: float):
        self.step = next(self._steps, self.step)
        self.start_s = t_s
        log.info("programme step: %s %s set %s", self.step.kind, self.step.exercise, self.step.set)
        return self.step

    def ahead(self, name: str) -> int | None:
        """The block ``name`` (an exercise recognised) moves on to: the next block when it is ``name``'s (during
        the rest before a block: that block); None otherwise."""
        st, blocks = self.step, self.programme.blocks
        if st.kind == "done" or name == (st.exercise if st.kind == "set" or st.set != 1 else None):
            return None
        if st.kind == "rest" and st.set == 1:  # the rest before block st.block: its exercise started early
            return st.block if st.exercise == name else None
        return st.block + 1 if st.block < len(blocks) and blocks[st.block].exercise == name else None

    def skip_to(self, block: int, t_s: float):
        """Advance (as the skip key does) to the first set of ``block``."""
        while not (self.step.kind == "set" and self.step.block == block) and self.step.kind != "done":
            self.advance(t_s)
        return self.step

    def due(self, t_s: float, exercise) -> bool:
        """A set ends when its reps are done, a rest when its time (frame timestamps) is up."""
        st = self.step
        return (st.kind == "set" and st.target_met(exercise)) or (st.kind == "rest" and t_s - self.start_s >= st.rest_s)

    def banner(self, t_s: float) -> str | None:
        """What the window shows during a rest (a countdown) and at the end."""
        st = self.step
        if st.kind == "set":
            return None
        left = max(0.0, st.rest_s - (t_s - self.start_s))
        return f"Rest {left:.0f} s, then {st.exercise.replace('_', ' ')}" if st.kind == "rest" else "Programme done"

    def info(self, sets: list[S.LiveSet], params: dict, exercise_name: str) -> S.ProgrammeInfo:
        """Progress against the programme: per exercise the same ``score`` as ``analyze --program`` writes
        (from the reps of that exercise's live sets), with the sets taken from the live session's own sets
        rather than split by pauses; and the steps done vs prescribed."""
        prog = self.programme
        exercises = []
        for b in prog.blocks:
            bs = [s for s in sets if s.block == b.index]
            sc = score_block(b, [r for s in bs for r in s.reps], params if b.exercise == exercise_name else {})
            sc.done.sets = len(bs)
            sc.done.sets_complete = sum(bool(s.complete) for s in bs)
            sc.done.reps_per_set = [s.rep_count for s in bs]
            if b.per_side:
                sc.done.sides_per_set = [{k: sum(r.side == k for r in s.reps) for k in ("left", "right")} for s in bs]
            exercises.append(S.ProgrammeExercise(block=S.convert(b.to_json(), S.ProgrammeBlockInfo), score=sc))
        st = self.step
        return S.ProgrammeInfo(
            name=prog.title, patient=prog.patient, path=str(prog.path) if prog.path else None,
            sets_prescribed=sum(b.sets for b in prog.blocks), sets_done=sum(bool(s.complete) for s in sets),
            step=S.ProgrammeStep(kind=st.kind, exercise=st.exercise, block=st.block, set=st.set, sets=st.sets),
            complete=st.kind == "done", exercises=exercises)


class SetFlow:
    """Sets, commands and programme steps of a live session (``opts.exercise``, or ``walker``'s programme).
    ``pipeline.exercise`` is always the open set's
    checker (None during a programme's rest: nothing is counted); ``save()`` rewrites ``session.json``;
    ``finished()`` is called when the programme is done."""

    def __init__(self, opts: LiveOptions, walker: ProgrammeWalker | None, pipeline, coach: CoachSink,
                 save: Callable[[], None], finished: Callable[[], None]):
        self.opts, self.walker, self.pipeline, self.coach = opts, walker, pipeline, coach
        self.save, self.finished = save, finished
        self.book = SetBook(self.walker.make if self.walker is not None else self._make)
        self.paused = False
        self.follow: Follow | None = None  # set by the session when it follows what the person does
        if opts.exercise is not None or self.walker is not None:
            self._open(opts.exercise, 0.0)
        else:  # waiting for an exercise to be recognised: no checker; the coach gives set-up advice only
            self.pipeline.exercise = None
        if self.walker is not None:
            self.coach.announce(self.walker.step.say, 0.0)

    def _make(self, name: str):
        return get(name, params=exercise_params(name, self.opts.reps, self.opts.hold) or None)

    @property
    def step(self):
        """The programme step being done (a ``Step``), None without a programme."""
        return self.walker.step if self.walker is not None else None

    @property
    def exercise_name(self) -> str:
        """The open (or last) set's exercise; "" while waiting for the first one to be recognised."""
        return self.book.name

    @property
    def waiting(self) -> bool:
        """No exercise given and none recognised yet."""
        return self.walker is None and not self.book.name

    @property
    def exercise(self):
        return self.book.exercise

    @property
    def set_no(self) -> int:
        return self.book.set_no

    def log_fields(self) -> dict:
        """The live extra fields of each session-log record: set, exercise and (with a programme) the step."""
        st = self.step
        return {"set": self.set_no, "exercise": self.exercise_name or None, **({"step": st.kind} if st is not None else {})}

    def _open(self, name: str, t_s: float) -> None:
        ex = self.book.open(name, t_s)
        self.pipeline.exercise = ex
        self.coach.start_set(name, ex, self.book.set_no)

    def close(self, t_s: float) -> None:
        """Close the open set (a programme's rest has none): a rep on its way down is counted and announced."""
        if not self.book.is_open:
            return
        res = self.book.finish(t_s)
        if res is not None:
            self.coach.result(res)
        self.book.close(t_s, self.step)

    def sets(self, final: bool) -> list[S.LiveSet]:
        return self.book.all(final, self.step)

    def programme_info(self, sets: list[S.LiveSet], session: S.Session) -> S.ProgrammeInfo:
        params = {} if session.params is UNSET else (session.params or {})
        return self.walker.info(sets, params, self.exercise_name)

    def banner(self, t_s: float) -> str | None:
        if self.waiting:
            return "Start one of your exercises"
        return self.walker.banner(t_s) if self.walker is not None else None

    # -- between frames -----------------------------------------------------------------------------------------
    def after_frame(self, t_s: float) -> None:
        """After each analysed frame: with a programme, the next step once this one is done."""
        if self.follow is not None:
            self._follow(t_s)
        if self.walker is not None and self.walker.due(t_s, self.exercise):
            self.next_step(t_s)

    def _follow(self, t_s: float) -> None:
        """An exercise recognised: without a programme, a set of it (unless it is the open set's); with one,
        the next block's exercise moves the programme on. The new set begins where the recognition's evidence
        began, and the frames since then go through its checker, so the reps recognised are counted."""
        name = self.follow.recognised(t_s)
        if name is None or (name == self.book.name and self.book.is_open):
            return
        first = self.follow.rec.first_rep_s(name)
        if self.book.is_open and (first is None or first < self.book.start_s):
            return  # its evidence is older than the open set: the open set's exercise came after it
        block = self.walker.ahead(name) if self.walker is not None else None
        if self.walker is not None and block is None:
            return
        if self.book.is_open:  # never before what the open set counted before the new exercise's first rep
            floor = max([self.book.start_s] + [r.end_s for r in self.book.exercise.reps
                                               if first is None or r.end_s <= first])
        else:
            floor = (self.book.closed[-1].end_s or 0.0) if self.book.closed else 0.0
        start = self.follow.start_s(name, floor)
        if self.book.is_open and start <= self.book.start_s:
            return  # a switch never empties the open set (no flip-flop between two exercises of one posture)
        if self.book.is_open:  # its reps from ``start`` on were the new exercise's movements: left out
            self.book.close(start, self.step, cut=True)
        if self.walker is not None:
            step = self.walker.skip_to(block, start)
            self._open(step.exercise, start)
        else:
            self._open(name, start)
        ex = self.book.exercise
        for pf in self.follow.since(start):
            ex.update(pf)
        log.info("recognised %s: set %d from %.1f s, %d reps so far", name, self.set_no, start, len(ex.reps))
        self.paused = False
        label = spec(name).label
        if self.walker is not None:
            self.coach.announce(f"Now {label}. {self.walker.step.say}", t_s)
        else:
            self.coach.status_text(f"Now {label}", t_s)
        self.save()

    def next_step(self, t_s: float) -> None:
        """Close the current set (if one is open) and begin the programme's next step: a set, a rest or the end."""
        self.close(t_s)
        step = self.walker.advance(t_s)
        if step.kind == "set":
            self._open(step.exercise, t_s)
            self.paused = False
        else:
            self.pipeline.exercise = None
        self.coach.announce(step.say, t_s)
        if step.kind == "done":
            self.finished()
        self.save()

    def apply(self, cmd: tuple, t_s: float) -> None:
        """A key's command (see ``live.window.KEYS``), applied between two analysed frames."""
        what = cmd[0]
        if what == "pause":
            self.paused = not self.paused
            self.coach.status_text("Paused" if self.paused else "Go on", t_s)
        elif what == "skip":
            if self.step is not None and self.step.kind != "done":
                self.next_step(t_s)
        elif what in ("restart", "switch"):
            if self.step is not None and (what == "switch" or self.step.kind != "set"):
                return  # a programme sets the exercise (n skips to the next step)
            name = cmd[1] if what == "switch" else self.exercise_name
            if (name == self.exercise_name and what == "switch") or not name:
                return  # (nothing to restart while waiting for an exercise)
            self.close(t_s)
            self._open(name, t_s)
            self.paused = False  # (a programme's set restarted keeps its step: same block and set)
            self.coach.status_text("Starting the set again" if what == "restart" else f"Now {name.replace('_', ' ')}",
                                   t_s)
            self.save()
        elif what == "mute":
            self.coach.speaker.toggle_mute()
