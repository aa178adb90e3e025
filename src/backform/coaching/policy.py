"""The coach and the speaker as a pipeline sink: what to say about each analysed frame, and when.

:class:`CoachSink` takes each frame's pose, result and image (the sink protocol of :mod:`backform.pipeline`):
it checks the camera set-up (:mod:`.setup_check`), asks :class:`SetupSpeech` whether set-up advice is due,
asks the set's :class:`~.coach.Coach` what to say about the result, and hands every utterance to the
:class:`~.speech.Speaker`, keeping each as a typed :class:`~backform.session.Announcement` (with the set it
belongs to) for ``session.json``.
"""
from __future__ import annotations

import dataclasses
import logging

import numpy as np

from .. import session as S
from ..types import FrameResult, PoseFrame
from .coach import Coach, Utterance
from .setup_check import SetupCheck, SetupStatus, brightness

log = logging.getLogger(__name__)


class SetupSpeech:
    """When to say set-up advice aloud: "ready" when the set-up first turns good; before that, the advice
    until the first rep (while the exercise waits for its start position); afterwards only when the set-up
    has been wrong for ``patience_s`` while at rest."""

    def __init__(self, patience_s: float = 3.0):
        self.patience_s = patience_s
        self.bad_since: float | None = None

    def reset(self) -> None:
        self.bad_since = None

    def update(self, st: SetupStatus, res: FrameResult, t_s: float, ok_at: float | None, reps_done: bool,
               coach: Coach) -> list[Utterance]:
        if st.ok and ok_at == t_s:
            return coach.say("Good. Start when you are ready", "ready", t_s)
        if not st.ok:
            if not reps_done and res.phase.value == "setup":
                return coach.setup(st.messages, t_s)
        elif not st.good:
            self.bad_since = self.bad_since or t_s
            if t_s - self.bad_since > self.patience_s and res.phase.value in ("setup", "start"):
                return coach.setup(st.messages, t_s)
        else:
            self.bad_since = None
        return []


class CoachSink:
    """Set-up check, coach and speaker for a live session, one set at a time (:meth:`start_set`)."""

    def __init__(self, speaker, setup_check: bool = True):
        self.speaker = speaker
        self.check_setup = setup_check
        self.announcements: list[S.Announcement] = []
        self.setup: SetupCheck | None = None
        self.policy = SetupSpeech()
        self.status: SetupStatus | None = None  # the last frame's set-up status (None: not checked)
        self.coach: Coach | None = None
        self.exercise = None
        self.exercise_name = ""
        self.set_no = 0

    def start_set(self, name: str, exercise, set_no: int) -> None:
        """A new set of ``exercise`` (the checker): a fresh coach; the set-up check carries over within the
        same exercise."""
        self.exercise, self.exercise_name, self.set_no = exercise, name, set_no
        self.coach = Coach(reps_target=exercise.reps_target)
        if self.setup is None or self.setup.name != name:
            self.setup = SetupCheck(name, tuple(exercise.views))
        self.policy.reset()

    @property
    def setup_ok_s(self) -> float | None:
        return self.setup.ok_at if self.setup is not None else None

    def write(self, pf: PoseFrame, res: FrameResult | None, image: np.ndarray | None) -> None:
        """One analysed frame (``res`` None: a programme's rest, nothing is checked or said)."""
        counting = res is not None
        st = self.setup.update(pf, brightness(image)) if self.check_setup and counting else None
        self.status = st
        if st is not None:
            self.say(self.policy.update(st, res, pf.t_s, self.setup.ok_at, bool(self.exercise.reps), self.coach))
        if res is not None:
            self.result(res)

    def result(self, res: FrameResult) -> None:
        """What the coach says about ``res`` (also a rep counted when a set is closed)."""
        self.say(self.coach.update(res))

    def say(self, utts: list[Utterance]) -> None:
        for u in utts:
            self.announcements.append(S.Announcement(t_s=round(u.t_s, 3), text=u.text, kind=u.kind,
                                                     set=self.set_no, exercise=self.exercise_name,
                                                     muted=self.speaker.muted))
            self.speaker.say(u)

    def status_text(self, text: str, t_s: float) -> None:
        """A status message (pause, restart, switch), said at once."""
        self.say(self.coach.say(text, "status", t_s))

    def announce(self, text: str, t_s: float) -> None:
        """A programme transition, said ahead of rep and fault cues still waiting."""
        self.say([dataclasses.replace(u, priority=3) for u in self.coach.say(text, "programme", t_s)])

    def close(self, drain_s: float = 0.0) -> None:
        self.speaker.close(drain_s=drain_s)
