"""The app's hold on a live session: a :class:`~backform.live.LiveSession` run without a window, ended on
request (the page's stop button, its tab closed), and a frame stream that draws each captured frame with the
latest result, as the window would, and hands it on as JPEG for the page.

Nothing here analyses frames: the session's one pipeline does (the same checkers, speech and session files as
``backform live``); this only reads what the session publishes for a display.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

from ..live import LiveSession, Slot
from ..live.threads import Captured, Published
from ..render import overlay
from ..render.live_view import mirror_pose, mirrored

log = logging.getLogger(__name__)


class AppLiveSession(LiveSession):
    """A live session driven by the app: no window (``opts.window`` False), :meth:`end` from any thread."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self._end_asked = threading.Event()

    def end(self, reason: str = "quit") -> None:
        """End the session as the quit key does; ``reason`` is kept as ``live.end`` in session.json."""
        self.end_reason = self.end_reason or reason
        self._end_asked.set()

    def _should_end(self) -> bool:
        return self._end_asked.is_set() or super()._should_end()

    @property
    def display_frames(self) -> Slot:
        """Every captured frame (newest wins): what the window would show."""
        return self._display


@dataclass(frozen=True)
class StreamFrame:
    """One picture for the page: ``n`` counts pictures; ``t_capture`` (monotonic) of its camera frame and
    ``t_result`` of the frame whose result is drawn on it (None: no result yet); ``pose``: a skeleton drawn."""

    n: int
    index: int  # the camera frame's index (a new result on the same frame is a new picture of it)
    t_capture: float
    t_result: float | None
    pose: bool
    jpeg: bytes


def draw(image: np.ndarray, pub: Published | None, paused: bool, width: int = 0) -> tuple[np.ndarray, bool]:
    """The mirrored picture with the skeleton and the faults at their joints (the page shows counters, cue
    and set-up advice in its own large type, so they are not drawn into the picture)."""
    img = mirrored(image, width)
    if pub is None or paused or pub.pf.landmarks is None:
        return img, False
    pf = mirror_pose(pub.pf)
    overlay.draw_pose(img, pf)
    if pub.res is not None:
        for f in pub.res.faults:
            p = pf.landmarks[:, :2] * (img.shape[1], img.shape[0])
            for j in f.joints:
                if np.isfinite(p[j]).all():
                    k = max(0.6, max(img.shape[:2]) / 1280.0)
                    cv2.circle(img, tuple(np.int32(p[j])), int(14 * k), overlay.RED, max(2, int(3 * k)), cv2.LINE_AA)
    return img, True


class FrameStream:
    """A thread's work: for each newly captured frame (and each new result on the same frame) draw, encode and
    ``publish`` a :class:`StreamFrame`. Stops when ``stop`` is set."""

    def __init__(self, session: AppLiveSession, publish: Callable[[StreamFrame], None], quality: int = 80,
                 width: int = 0):
        self.session, self.publish, self.quality, self.width = session, publish, quality, width
        self.stop = threading.Event()
        self.encoded = 0
        self.encode_ms: deque[float] = deque(maxlen=2000)

    def run(self) -> None:
        seq = 0
        slot, board = self.session.display_frames, self.session.board
        while not self.stop.is_set():
            seq, c = slot.peek_newer(seq, timeout=0.1)
            if c is None:
                continue
            try:
                self.publish(self.picture(c, board.latest()))
            except Exception:  # noqa: BLE001 - a bad frame must not stop the picture
                log.exception("cannot draw a frame for the page")
                time.sleep(0.05)

    def picture(self, c: Captured, pub: Published | None) -> StreamFrame:
        t0 = time.monotonic()
        img, pose = draw(c.frame.image, pub, self.session.paused, self.width)
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, self.quality])
        self.encoded += 1
        self.encode_ms.append((time.monotonic() - t0) * 1000.0)
        return StreamFrame(self.encoded, c.frame.index, c.t_capture, pub.captured.t_capture if pub is not None else None, pose,
                           buf.tobytes())
