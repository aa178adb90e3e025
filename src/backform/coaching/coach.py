"""What to say, and when: the :class:`Coach` turns the stream of :class:`~backform.types.FrameResult` (and
set-up messages) into :class:`Utterance` s. Pure logic, no sound (how it is said: :mod:`.speech`).

"hold" and a count through each hold, "lower slowly" when the hold target is reached, the rep count when a rep
ends, then the cue of its most important fault, set-up advice. Time comes from the frames (``t_s``), so it is
deterministic on a recording. It never chatters: one message at a time, a minimum gap between messages (hold
counts excepted, they are the timing), and the same text is not repeated within ``repeat_s``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..types import FrameResult, Phase


@dataclass(frozen=True)
class Utterance:
    """One message. ``kind``: setup, ready, hold, count, lower, rep, fault, set_done, status.
    ``priority``: higher is said first and may replace a pending lower one."""

    text: str
    kind: str
    t_s: float
    priority: int = 1

    def to_json(self) -> dict:
        return {"t_s": round(self.t_s, 3), "kind": self.kind, "text": self.text}


PRIORITY = {"hold": 4, "count": 4, "lower": 4, "set_done": 3, "rep": 3, "fault": 2, "ready": 2, "setup": 1,
            "status": 1}
_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
          "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"]


def number_word(n: int) -> str:
    return _WORDS[n] if 0 <= n < len(_WORDS) else str(n)


@dataclass
class CoachParams:
    gap_s: float = 1.2           # minimum time between two messages (hold counts excepted)
    repeat_s: float = 12.0       # the same text is not said again within this time
    fault_repeat_s: float = 20.0  # the same fault cue (code) at most this often
    setup_repeat_s: float = 8.0  # set-up advice repeated at most this often
    hold_count: bool = True      # count the seconds of a hold aloud (else only "hold" and "lower slowly")
    min_confidence: float = 0.7  # a fault is spoken only when its check is at least this sure (issue 12);
    #                              the report shows the others greyed, the session keeps them all


class Coach:
    """FrameResults in, Utterances out. Call :meth:`update` once per analysed frame."""

    def __init__(self, params: CoachParams | None = None, reps_target: int | dict | None = None,
                 per_side: bool = False):
        self.p = params or CoachParams()
        if isinstance(reps_target, dict):  # bird dog: {"per_side": n, ...}
            per_side = per_side or "per_side" in reps_target
            reps_target = reps_target.get("per_side", reps_target.get("reps"))
        self.reps_target = int(reps_target) if reps_target is not None else None
        self.per_side = per_side
        self.reset()

    def reset(self) -> None:
        self._last_phase: Phase | None = None
        self._last_any = -math.inf
        self._said: dict[str, float] = {}
        self._fault_said: dict[str, float] = {}
        self._hold_counted = 0
        self._lower_said = False
        self._set_done = False
        self.history: list[Utterance] = []

    def _emit(self, out: list, text: str, kind: str, t: float, force: bool = False) -> bool:
        if not force:
            if t - self._last_any < self.p.gap_s:
                return False
            if t - self._said.get(text, -math.inf) < self.p.repeat_s:
                return False
        u = Utterance(text, kind, t, PRIORITY.get(kind, 1))
        out.append(u)
        self.history.append(u)
        self._last_any = t
        self._said[text] = t
        return True

    def say(self, text: str, kind: str, t_s: float, force: bool = True) -> list[Utterance]:
        """An utterance from outside the rep logic (set-up ready, pause, switch exercise ...)."""
        out: list[Utterance] = []
        self._emit(out, text, kind, t_s, force=force)
        return out

    def setup(self, messages, t_s: float) -> list[Utterance]:
        """Set-up advice (most important first): says the first one, at most every ``setup_repeat_s``."""
        out: list[Utterance] = []
        if messages:
            text = messages[0]
            if t_s - self._said.get(text, -math.inf) >= self.p.setup_repeat_s:
                self._emit(out, text, "setup", t_s, force=t_s - self._last_any >= self.p.gap_s)
        return out

    def update(self, res: FrameResult) -> list[Utterance]:
        out: list[Utterance] = []
        t = res.t_s
        ph = res.phase
        if ph == Phase.HOLD and self._last_phase != Phase.HOLD:
            if self._hold_counted == 0 and not self._lower_said:
                self._emit(out, "Hold", "hold", t, force=True)
        if ph in (Phase.HOLD,) and res.hold_target_s > 0:
            k = int(math.floor(res.hold_s + 1e-6))
            target = int(math.ceil(res.hold_target_s - 1e-6))
            if k > self._hold_counted and k >= 1:
                self._hold_counted = k
                if k >= target and not self._lower_said:
                    self._lower_said = True
                    text = (f"{number_word(k)}, lower slowly" if self.p.hold_count else "and lower slowly")
                    self._emit(out, text, "lower", t, force=True)
                elif k < target and self.p.hold_count:
                    self._emit(out, number_word(k), "count", t, force=True)
        if ph in (Phase.START, Phase.SETUP) and self._last_phase not in (Phase.START, Phase.SETUP, None):
            self._hold_counted, self._lower_said = 0, False
        if res.completed is not None:
            self._hold_counted, self._lower_said = 0, False
            rep = res.completed
            side = rep.side
            n = res.side_counts.get(side, rep.n) if (side and res.side_counts) else res.rep_count
            text = f"{side} {number_word(n)}" if side and res.side_counts else number_word(n)
            done = self.reps_target is not None and not self._set_done and (
                (min(res.side_counts.get("left", 0), res.side_counts.get("right", 0)) >= self.reps_target)
                if (self.per_side and res.side_counts) else res.rep_count >= self.reps_target)
            if done:
                self._set_done = True
                self._emit(out, f"{text}. Set complete, well done", "set_done", t, force=True)
            else:
                self._emit(out, text, "rep", t, force=True)
            unsure = {f.code for f in res.faults if f.confidence is not None and f.confidence < self.p.min_confidence}
            spoken = [c for c in rep.faults if c not in unsure]  # sorted by severity, most important first
            if spoken:
                code = spoken[0]
                cue = next((f.message for f in res.faults if f.code == code), None) or code.replace("_", " ")
                if t - self._fault_said.get(code, -math.inf) >= self.p.fault_repeat_s:
                    self._fault_said[code] = t
                    # said right after the count: force past the gap, the speaker queues it behind the count
                    self._emit(out, cue, "fault", t, force=True)
        self._last_phase = ph
        return out
