"""Frame sources: webcam, video file, folder of images, landmarks file. Each is an iterable of frames.

Every frame carries its index in the source and ``timestamp_ms``: from the container for files, from a
monotonic clock for webcams, from a nominal rate for image folders; always strictly increasing.
Video files can be read at a capped analysis rate (``max_fps``): frames in between are skipped with
``grab()`` (no colour conversion) and decoding runs in a background thread, so the pose model on the main
thread never waits for the decoder. With PyAV installed (the ``fast`` extra) the same frames are read without
decoding the skipped pictures no other picture refers to (:mod:`backform.io.decode`).
"""
from __future__ import annotations

import logging
import math
import os
import queue
import threading
import time
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from ..types import Frame
from ..errors import SourceError
from . import decode
from .recording import LandmarksSource

log = logging.getLogger(__name__)

IMAGE_EXTS = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
LANDMARK_EXTS = (".jsonl", ".jsonl.gz")


def stride_for(fps: float, max_fps: float | None) -> int:
    """Keep every n-th frame so that at most ``max_fps`` frames a second are analysed."""
    if not max_fps or not fps or fps <= max_fps:
        return 1
    return int(math.ceil(fps / max_fps - 1e-6))


class _Monotonic:
    """Makes timestamps strictly increasing (containers sometimes repeat or reorder them)."""

    def __init__(self, step_ms: float):
        self.last = -math.inf
        self.step = step_ms

    def __call__(self, t: float) -> float:
        if not (t > self.last):
            t = self.last + self.step if math.isfinite(self.last) else 0.0
        self.last = t
        return t


class VideoFileSource:
    """Frames of a video file, timed by the container, optionally thinned to ``max_fps``."""

    def __init__(self, path: str | os.PathLike, max_fps: float | None = None, prefetch: int = 8,
                 rgb_max_side: int | None = 960, decoder: str = "auto"):
        self.path = Path(path)
        if not self.path.exists():
            raise SourceError(f"video not found: {self.path}")
        if self.path.is_dir():
            raise SourceError(f"{self.path} is a folder, not a video (use a folder of images with --images)")
        if self.path.stat().st_size == 0:
            raise SourceError(f"video is empty (0 bytes): {self.path}")
        cap = cv2.VideoCapture(str(self.path))
        ok = cap.isOpened()
        first = cap.read()[0] if ok else False
        if not ok or not first:
            cap.release()
            raise SourceError(f"cannot read video {self.path}: not a video file or an unsupported/corrupt one")
        self.fps = float(cap.get(cv2.CAP_PROP_FPS)) or 30.0
        self.width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        self.height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        self.frame_count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        cap.release()
        self.stride = stride_for(self.fps, max_fps)
        self.prefetch = prefetch
        self.rgb_max_side = rgb_max_side  # prepare the pose input in the decoding thread (None: don't)
        if decoder not in ("auto", "opencv"):
            raise ValueError(f"decoder must be 'auto' or 'opencv', not {decoder!r}")
        self.decoder = decoder
        self._reader: decode.PyAvReader | None | bool = False  # not looked for yet

    def pyav_reader(self) -> decode.PyAvReader | None:
        """PyAV's reader of this file when it gives OpenCV's frames (numbered alike), else None: OpenCV reads."""
        if self._reader is False:
            r = decode.open_reader(self.path) if self.decoder == "auto" else None
            if r is not None and r.frame_count != self.frame_count:
                log.debug("%s: %d frames by their timestamps, %d by OpenCV: OpenCV reads it", self.path,
                          r.frame_count, self.frame_count)
                r = None
            self._reader = r
        return self._reader

    @property
    def duration_s(self) -> float:
        return self.frame_count / self.fps if self.fps else 0.0

    @property
    def analysis_fps(self) -> float:
        return self.fps / self.stride

    def info(self) -> dict:
        return {"path": str(self.path), "fps": round(self.fps, 3), "frames": self.frame_count,
                "width": self.width, "height": self.height}

    def frame(self, index: int, timestamp_ms: float, image: np.ndarray) -> Frame:
        """A decoded frame as this source yields it (with the pose input prepared, unless off)."""
        rgb = None if self.rgb_max_side is None else pose_input(image, self.rgb_max_side)
        return Frame(index=index, timestamp_ms=timestamp_ms, image=image, rgb=rgb)

    def _read(self) -> Iterator[Frame]:
        reader = self.pyav_reader()
        if reader is not None:
            mono = _Monotonic(1000.0 / self.fps)
            for i, t, img in reader.frames(self.stride):
                yield self.frame(i, mono(t), img)
            return
        cap = cv2.VideoCapture(str(self.path))
        mono = _Monotonic(1000.0 / self.fps)
        i = 0
        try:
            while True:
                if i % self.stride:
                    if not cap.grab():
                        return
                    i += 1
                    continue
                ok, img = cap.read()
                if not ok:
                    return
                t = cap.get(cv2.CAP_PROP_POS_MSEC)
                if not math.isfinite(t) or t < 0:
                    t = i * 1000.0 / self.fps
                yield self.frame(i, mono(t), img)
                i += 1
        finally:
            cap.release()

    def __iter__(self) -> Iterator[Frame]:
        if self.prefetch <= 0:
            yield from self._read()
            return
        yield from threaded(self._read(), self.prefetch)

    def read(self, indices) -> dict[int, np.ndarray]:
        """The BGR images of the source frames at ``indices`` (a report's stills), whatever ``max_fps``: only
        these are converted (with PyAV, decoding starts at the key frame before the first and skips what
        nothing refers to). Indices past the end are left out."""
        want = set(indices)
        if not want:
            return {}
        reader = self.pyav_reader()
        if reader is not None:
            return {i: img for i, _, img in reader.frames(only=want)}
        out: dict[int, np.ndarray] = {}
        cap = cv2.VideoCapture(str(self.path))
        try:
            last, i = max(want), 0
            while i <= last and cap.grab():
                if i in want:
                    ok, img = cap.retrieve()
                    if ok:
                        out[i] = img
                i += 1
        finally:
            cap.release()
        return out


def pose_input(bgr: np.ndarray, max_side: int) -> np.ndarray:
    """The pose model's input: RGB, downscaled so that its longer side is at most ``max_side`` (0: never)."""
    h, w = bgr.shape[:2]
    if max_side and max(h, w) > max_side:
        s = max_side / max(h, w)
        bgr = cv2.resize(bgr, (int(round(w * s)), int(round(h * s))), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


_END = object()


def lower_thread_priority(niceness: int = 10) -> None:
    """Lower the calling thread's scheduling priority (Linux: per-thread nice; threads it starts inherit it).

    Decoding and encoding run ahead in buffered queues, so they can yield the CPU to the pose model's thread.
    """
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
    except (AttributeError, OSError):
        pass


def threaded(it: Iterator, size: int, name: str = "decode", background: bool = True) -> Iterator:
    """Run iterator ``it`` in a daemon thread with a bounded queue (OpenCV decoding and MediaPipe inference
    release the GIL, so the consumer's Python work overlaps them). ``background`` lowers the thread's priority."""
    q: queue.Queue = queue.Queue(maxsize=size)
    stop = threading.Event()
    err: list[BaseException] = []

    def work():
        if background:
            lower_thread_priority()
        try:
            for item in it:
                while not stop.is_set():
                    try:
                        q.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
        except BaseException as e:  # handed to the consumer
            err.append(e)
        finally:
            q.put(_END)

    th = threading.Thread(target=work, name=name, daemon=True)
    th.start()
    try:
        while True:
            item = q.get()
            if item is _END:
                break
            yield item
        if err:
            raise err[0]
    finally:
        stop.set()
        while th.is_alive():
            try:
                q.get_nowait()
            except queue.Empty:
                th.join(0.05)


class ImageFolderSource:
    """Images of a folder in name order, timed at a nominal ``fps``."""

    def __init__(self, folder: str | os.PathLike, fps: float = 30.0):
        self.path = Path(folder)
        if not self.path.is_dir():
            raise SourceError(f"image folder not found: {self.path}")
        self.files = sorted(p for p in self.path.iterdir() if p.suffix.lower() in IMAGE_EXTS)
        if not self.files:
            raise SourceError(f"no images ({', '.join(sorted(IMAGE_EXTS))}) in {self.path}")
        first = cv2.imread(str(self.files[0]))
        if first is None:
            raise SourceError(f"cannot read image {self.files[0]}")
        self.fps = fps
        self.height, self.width = first.shape[:2]
        self.frame_count = len(self.files)
        self.stride = 1
        self.analysis_fps = fps
        self.duration_s = self.frame_count / fps

    def info(self) -> dict:
        return {"path": str(self.path), "fps": self.fps, "frames": self.frame_count,
                "width": self.width, "height": self.height}

    def __iter__(self) -> Iterator[Frame]:
        for i, f in enumerate(self.files):
            img = cv2.imread(str(f))
            if img is None:
                log.warning("skipping unreadable image %s", f)
                continue
            yield Frame(index=i, timestamp_ms=i * 1000.0 / self.fps, image=img)


class WebcamSource:
    """Frames of a camera by index, timed by a monotonic clock from the first frame.

    Raises :class:`SourceError` when the camera cannot be opened; iteration ends (with ``self.lost`` set)
    when the camera stops delivering frames mid-session, so the caller can save and report it.
    """

    def __init__(self, index: int = 0, width: int = 640, height: int = 480, fps: float = 30.0,
                 read_timeout_s: float = 2.0):
        self.index = index
        cap = cv2.VideoCapture(index)
        if not cap.isOpened():
            raise SourceError(f"cannot open camera {index}")
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        cap.set(cv2.CAP_PROP_FPS, fps)
        self.cap = cap
        self.fps = float(cap.get(cv2.CAP_PROP_FPS)) or fps
        self.width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)) or width
        self.height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)) or height
        self.frame_count = 0
        self.stride = 1
        self.analysis_fps = self.fps
        self.read_timeout_s = read_timeout_s
        self.lost = False

    def info(self) -> dict:
        return {"path": f"camera:{self.index}", "fps": self.fps, "frames": self.frame_count,
                "width": self.width, "height": self.height}

    def __iter__(self) -> Iterator[Frame]:
        t0 = None
        mono = _Monotonic(1.0)
        i = 0
        fails_since = None
        try:
            while True:
                ok, img = self.cap.read()
                now = time.monotonic()
                if not ok or img is None:
                    fails_since = fails_since or now
                    if now - fails_since > self.read_timeout_s:
                        if i == 0:
                            raise SourceError(f"camera {self.index} opened but delivers no frames")
                        self.lost = True
                        log.warning("camera %s stopped delivering frames", self.index)
                        return
                    time.sleep(0.01)
                    continue
                fails_since = None
                t0 = now if t0 is None else t0
                self.frame_count = i + 1
                yield Frame(index=i, timestamp_ms=mono((now - t0) * 1000.0), image=img)
                i += 1
        finally:
            self.cap.release()


def open_source(spec: str, max_fps: float | None = None):
    """Open a source from a CLI argument: a camera index ("0"), an image folder, a landmarks file or a video."""
    if spec.isdigit():
        return WebcamSource(int(spec))
    p = Path(spec)
    if spec.endswith(LANDMARK_EXTS):
        return LandmarksSource(p)
    if p.is_dir():
        return ImageFolderSource(p)
    return VideoFileSource(p, max_fps=max_fps)


def blank_frame(width: int, height: int) -> np.ndarray:
    return np.zeros((height, width, 3), np.uint8)
