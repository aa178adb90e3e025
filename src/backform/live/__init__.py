"""``backform live``: coaching in real time from a webcam (or a video played as a fake camera).

- :mod:`.session`: :class:`LiveSession`, the wiring of the threads and :meth:`LiveSession.run`;
- :mod:`.threads`: slots, the capture thread, the feed of frames to the pipeline, the published result;
- :mod:`.sets`: set bookkeeping and walking through a programme;
- :mod:`.window`: display detection, keys and the display loop (drawing: :mod:`backform.render.live_view`);
- :mod:`.stats`: timing figures; :mod:`.options`: :class:`LiveOptions` and the errors.

What is said, and when, is :mod:`backform.coaching` 's (:class:`~backform.coaching.policy.CoachSink`).
"""
from ..render.live_view import mirror_pose
from .options import CameraLost, InferenceError, LiveOptions, NoDisplayError, exercise_params
from .session import LiveSession
from .stats import LiveStats
from .threads import Captured, Published, Slot
from .window import HELP_LINE, KEYS, WINDOW, display_problem

__all__ = ["CameraLost", "Captured", "HELP_LINE", "InferenceError", "KEYS", "LiveOptions", "LiveSession",
           "LiveStats", "NoDisplayError", "Published", "Slot", "WINDOW", "display_problem", "exercise_params",
           "mirror_pose"]
