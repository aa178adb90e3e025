"""Following what the person does: ``backform live`` without ``--exercise``, and a programme's next block.

:class:`Follow` is a sink of the live session: every analysed frame goes to the recogniser
(:class:`backform.recognition.Recognizer`) and into a buffer of the last ``keep_s`` of PoseFrames. An exercise
is *recognised* once the recogniser's label has had ``confidence`` >= ``min_confidence`` for ``hold_s``
(:meth:`Follow.recognised`). The set flow (:class:`~.sets.SetFlow`) then opens a set of it beginning where its
evidence began (:meth:`Follow.start_s`) and replays the buffered frames since then through the new set's
checker (:meth:`Follow.since`), so that the reps that made the recognition are the set's first reps.

Until something is recognised (the *waiting* state: no set open, no checker) the sink gives set-up advice
only: the camera set-up check of the first exercise of the posture the person is in
(:func:`backform.recognition.candidates`; any exercise when no posture is recognised: light and being in view
are checked the same for all), shown and said at most every few seconds.
"""
from __future__ import annotations

import logging
from collections import deque
from typing import Callable, Sequence

import numpy as np

from ..coaching.coach import Coach
from ..coaching.policy import CoachSink
from ..coaching.setup_check import SetupCheck, brightness
from ..exercises import names, spec
from ..recognition import Recognition, Recognizer, candidates
from ..types import FrameResult, PoseFrame

log = logging.getLogger(__name__)


class Follow:
    """The recogniser as a live sink, with the frames it saw (see the module's doc).

    ``waiting()`` tells whether the session waits for an exercise (then set-up advice goes to ``coach``,
    when ``setup_check``)."""

    def __init__(self, coach: CoachSink, waiting: Callable[[], bool], setup_check: bool = True,
                 exercises: Sequence[str] | None = None, min_confidence: float = 0.5, hold_s: float = 0.5,
                 lead_s: float = 3.0, reach_s: float = 10.0, keep_s: float = 45.0,
                 recognizer: Recognizer | None = None):
        self.coach, self.waiting, self.setup_check = coach, waiting, setup_check
        self.rec = recognizer if recognizer is not None else Recognizer(exercises)
        self.min_confidence, self.hold_s = min_confidence, hold_s
        self.lead_s, self.reach_s, self.keep_s = lead_s, reach_s, keep_s
        self.frames: deque[PoseFrame] = deque()
        self.last: Recognition | None = None
        self._cand: str | None = None
        self._since = 0.0
        self._setup: SetupCheck | None = None
        self._advice = Coach()

    # -- the sink -----------------------------------------------------------------------------------------------
    def write(self, pf: PoseFrame, res: FrameResult | None, image: np.ndarray | None = None) -> None:
        r = self.last = self.rec.update(pf)
        self.frames.append(pf)
        while self.frames and self.frames[0].t_s < pf.t_s - self.keep_s:
            self.frames.popleft()
        label = r.label if r.label is not None and r.confidence >= self.min_confidence else None
        if label != self._cand:
            self._cand, self._since = label, pf.t_s
        if self.waiting() and self.setup_check and image is not None:
            self._advise(pf, image, r.posture)

    def close(self) -> None:
        pass

    def _advise(self, pf: PoseFrame, image: np.ndarray, posture: str | None) -> None:
        name = (candidates(posture) or list(names()))[0]
        if self._setup is None or self._setup.name != name:
            self._setup = SetupCheck(name, tuple(spec(name).views))
        st = self._setup.update(pf, brightness(image))
        self.coach.status = st
        if not st.good:
            self.coach.say(self._advice.setup(st.messages, pf.t_s))

    # -- what the set flow asks ---------------------------------------------------------------------------------
    def recognised(self, t_s: float) -> str | None:
        """The exercise recognised with confidence for ``hold_s`` up to ``t_s`` (None: nothing yet)."""
        if self._cand is not None and t_s - self._since >= self.hold_s:
            return self._cand
        return None

    def start_s(self, name: str, floor: float) -> float:
        """Where a set of ``name`` begins: the start of the posture it is done in when its first rep is within
        ``reach_s`` of it (the recogniser's checkers saw from there), else ``lead_s`` before that rep; never
        before ``floor`` (the end of what the open set counted) nor before the frames kept."""
        first = self.rec.first_rep_s(name)
        since = self.rec.posture_since_s
        if first is None:
            a = since if since is not None else floor
        else:
            a = since if since is not None and first - since <= self.reach_s else first - self.lead_s
        if self.frames:
            a = max(a, self.frames[0].t_s)
        return max(a, floor)

    def since(self, t_s: float) -> list[PoseFrame]:
        """The frames kept from ``t_s`` on, oldest first."""
        return [pf for pf in self.frames if pf.t_s >= t_s]
