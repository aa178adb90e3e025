"""A fake camera: plays a video file at real-time pace, through the same interface as ``WebcamSource``.

``backform live --video FILE`` and the tests and benchmarks use it in place of a webcam: it is iterated by
the same capture thread, delivers every decoded frame when its time comes (it never waits for the consumer,
like a camera), optionally loops the clip and letterboxes it to a webcam's size (640x480 by default in the
benchmark). Timestamps are the container's (continued across loops), so rep times compare with
``backform analyze`` on the same file; pacing uses the monotonic clock.
"""
from __future__ import annotations

import logging
import math
import os
import time
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from ..types import Frame
from ..errors import SourceError
from .sources import VideoFileSource

log = logging.getLogger(__name__)


def letterbox(img: np.ndarray, width: int, height: int) -> np.ndarray:
    """Scale ``img`` to fit inside width x height keeping its aspect ratio; pad with black."""
    h, w = img.shape[:2]
    if (w, h) == (width, height):
        return img
    s = min(width / w, height / h)
    nw, nh = max(1, int(round(w * s))), max(1, int(round(h * s)))
    small = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    out = np.zeros((height, width, 3), np.uint8)
    x0, y0 = (width - nw) // 2, (height - nh) // 2
    out[y0:y0 + nh, x0:x0 + nw] = small
    return out


class FakeCamera:
    """Frames of ``path`` delivered at real-time pace (``speed`` x), like a webcam.

    - ``loop``: play the clip this many times (``math.inf``: for ever); timestamps keep increasing.
    - ``size``: (width, height) to letterbox every frame to, as a webcam of that resolution would deliver.
    - ``lost_after_s``: stop delivering after this many seconds and set ``lost`` (simulates an unplugged camera).
    ``lost`` is also set if the file stops decoding before its end.
    """

    def __init__(self, path: str | os.PathLike, speed: float = 1.0, loop: float = 1, size: tuple[int, int] | None = None,
                 lost_after_s: float | None = None):
        self.path = Path(path)
        self._video = VideoFileSource(self.path, max_fps=None, prefetch=4, rgb_max_side=None)
        if speed <= 0:
            raise SourceError("fake camera speed must be > 0")
        self.speed = speed
        self.loop = loop
        self.size = size
        self.lost_after_s = lost_after_s
        self.fps = self._video.fps
        self.width, self.height = size if size else (self._video.width, self._video.height)
        self.frame_count = 0
        self.stride = 1
        self.analysis_fps = self.fps
        self.lost = False
        self.index = f"video:{self.path.name}"  # a string: cli's analyze refuses integer-indexed cameras

    @property
    def duration_s(self) -> float:
        return self._video.duration_s

    def info(self) -> dict:
        return {"path": str(self.path), "fps": round(self.fps, 3), "frames": self.frame_count, "width": self.width,
                "height": self.height, "fake_camera": True, "speed": self.speed}

    def __iter__(self) -> Iterator[Frame]:
        t0 = time.monotonic()
        offset_ms = 0.0
        i = 0
        n_loop = 0
        frame_ms = 1000.0 / self.fps
        while n_loop < self.loop:
            last_ms = None
            for fr in self._video:
                ts = fr.timestamp_ms + offset_ms
                if self.lost_after_s is not None and ts / 1000.0 >= self.lost_after_s:
                    self.lost = True
                    log.warning("fake camera %s: simulated loss at %.2f s", self.path.name, ts / 1000.0)
                    return
                due = t0 + ts / 1000.0 / self.speed
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                img = fr.image if self.size is None else letterbox(fr.image, *self.size)
                self.frame_count = i + 1
                yield Frame(index=i, timestamp_ms=ts, image=img)
                i += 1
                last_ms = fr.timestamp_ms
            if last_ms is None:
                self.lost = True
                log.warning("fake camera %s delivered no frame", self.path.name)
                return
            offset_ms += last_ms + frame_ms
            n_loop += 1
            if math.isfinite(self.loop) and n_loop >= self.loop:
                break
