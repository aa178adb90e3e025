"""The live session's plumbing between threads: one-item slots (newest wins), the capture thread, the feed of
frames to the model (commands applied between frames, none while paused) and the latest published result."""
from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, Iterator

from ..coaching.setup_check import SetupStatus
from ..types import Frame, FrameResult, PoseFrame
from .stats import LiveStats

log = logging.getLogger(__name__)


class Slot:
    """A one-item mailbox: ``put`` replaces the item (returns True when the replaced one was never taken),
    ``take`` removes it, ``peek_newer`` reads it without removing. Items carry an increasing sequence number."""

    def __init__(self):
        self._cv = threading.Condition()
        self._item = None
        self._seq = 0
        self._taken = True

    def put(self, item) -> bool:
        with self._cv:
            dropped = not self._taken
            self._item, self._taken = item, False
            self._seq += 1
            self._cv.notify_all()
            return dropped

    def take(self, timeout: float):
        with self._cv:
            if self._taken and not self._cv.wait_for(lambda: not self._taken, timeout):
                return None
            self._taken = True
            return self._item

    def peek_newer(self, seq: int, timeout: float):
        """(seq, item) once an item newer than ``seq`` is there, else (seq, None) after ``timeout``."""
        with self._cv:
            if self._seq <= seq and not self._cv.wait_for(lambda: self._seq > seq, timeout):
                return seq, None
            return self._seq, self._item

    def repost(self) -> None:
        """Announce the current item again (a new result to draw on the same frame)."""
        with self._cv:
            if self._item is not None:
                self._seq += 1
                self._cv.notify_all()

    def wake(self) -> None:
        with self._cv:
            self._cv.notify_all()


@dataclass(frozen=True)
class Captured:
    frame: Frame
    t_capture: float  # time.monotonic() when the frame was read


@dataclass(frozen=True)
class Published:
    """The latest result, as the display draws it."""

    seq: int
    captured: Captured
    pf: PoseFrame
    res: FrameResult | None
    setup: SetupStatus | None
    exercise: str
    set_no: int
    t_ready: float


class Board:
    """The latest :class:`Published` result: written by the inference thread, read by the display."""

    def __init__(self):
        self._lock = threading.Lock()
        self._latest: Published | None = None

    def publish(self, captured: Captured, pf: PoseFrame, res: FrameResult | None, setup: SetupStatus | None,
                exercise: str, set_no: int, t_ready: float) -> Published:
        with self._lock:
            seq = (self._latest.seq + 1) if self._latest else 1
            self._latest = Published(seq, captured, pf, res, setup, exercise, set_no, t_ready)
            return self._latest

    def latest(self) -> Published | None:
        with self._lock:
            return self._latest


class Capture:
    """The capture thread's work: read the camera at its own rate; offer every ``stride``-th frame to the model
    (a frame replaced before the model took it is counted as dropped) and every frame to the display."""

    def __init__(self, source, stride: int, stats: LiveStats, frames: Slot, display: Slot, stop: threading.Event,
                 errors: list):
        self.source, self.stride, self.stats = source, stride, stats
        self.frames, self.display, self.stop, self.errors = frames, display, stop, errors
        self.done = threading.Event()
        self.last_frame_wall = time.monotonic()

    def run(self) -> None:
        try:
            for fr in self.source:
                now = time.monotonic()
                self.last_frame_wall = now
                c = Captured(fr, now)
                self.stats.captured += 1
                if fr.index % self.stride == 0:  # the analysis rate, as in analyze (--max-fps)
                    self.stats.offered += 1
                    if self.frames.put(c):
                        self.stats.dropped += 1
                self.display.put(c)
                if self.stop.is_set():
                    break
        except BaseException as e:  # noqa: BLE001 - handed to the main thread
            self.errors.append(e)
        finally:
            self.done.set()
            self.frames.wake()
            self.display.wake()


class FrameFeed:
    """The frames the model takes, as an iterator for ``Pipeline.run``: always the newest offered frame.

    Between two frames it applies the commands queued by the keys (``apply(command, t_s)``, with the new
    frame's time), once every frame handed out before has been through its checks (so a command never lands
    between a frame's pose and its checks); paused, it hands out nothing. The iterator runs on the pipeline's
    pose thread; the consumer calls :meth:`taken` for each result (in order) and :meth:`done` when through."""

    def __init__(self, slot: Slot, capture_done: threading.Event, stop: threading.Event,
                 apply: Callable[[tuple, float], None], paused: Callable[[], bool]):
        self.slot, self.capture_done, self.stop = slot, capture_done, stop
        self.apply, self.paused = apply, paused
        self.commands: queue.Queue = queue.Queue()
        self._out: deque[tuple[Captured, float]] = deque()
        self._cv = threading.Condition()
        self._given = self._done = 0
        self._abort = threading.Event()

    def __iter__(self) -> Iterator[Frame]:
        while not self._ended():
            c = self.slot.take(timeout=0.1)
            if c is None:
                if self.capture_done.is_set():
                    return
                continue
            if not self.commands.empty():
                if not self._drain():
                    return
                while not self.commands.empty():
                    self.apply(self.commands.get_nowait(), c.frame.t_s)
            if self.paused():
                continue
            self._out.append((c, time.monotonic()))
            with self._cv:
                self._given += 1
            yield c.frame

    def _ended(self) -> bool:
        return self.stop.is_set() or self._abort.is_set()

    def _drain(self) -> bool:
        """Wait until every frame handed out has been through its checks; False when the session ends."""
        with self._cv:
            while self._done < self._given:
                if self._ended():
                    return False
                self._cv.wait(0.1)
        return True

    def taken(self) -> tuple[Captured, float]:
        """The next result's captured frame, and when the model took it (monotonic seconds)."""
        return self._out.popleft()

    def done(self) -> None:
        with self._cv:
            self._done += 1
            self._cv.notify_all()

    def abort(self) -> None:
        """The consumer stopped: end the iterator (and any wait in it)."""
        self._abort.set()
        with self._cv:
            self._cv.notify_all()
