"""Whole sessions: which exercise is being done, when it starts and ends, and what was not an exercise.

- :func:`recognise` (batch, :mod:`.segments`): a recording's PoseFrames -> segments (exercise, start, end,
  frames, sets) and ``other`` stretches; :func:`check` runs each segment through a fresh checker;
  :func:`session_of` puts the result into the typed session.
- :class:`Recognizer` (live, :mod:`.live`): ``update(pose_frame) -> Recognition(label, confidence)``.
- :mod:`.posture`: the posture of a frame and the movement figures; :mod:`.smoothing`: runs, minimum
  durations, hysteresis; :mod:`.model`: nearest-prototype choice between exercises of one posture.

Everything about an exercise comes from ``backform.exercises.spec(name)`` (its posture) and its own checker;
nothing here lists exercises. See docs/recognition.md.
"""
from .live import Recognition, Recognizer
from .posture import movement, posture_of, postures
from .segments import Found, Segmentation, candidates, check, recognise, session_of
from .sink import FrameCollector
from .smoothing import Hysteresis, Run, runs, smooth

__all__ = ["Recognition", "Recognizer", "movement", "posture_of", "postures", "Found", "Segmentation",
           "candidates", "check", "recognise", "session_of", "FrameCollector", "Hysteresis", "Run", "runs", "smooth"]
