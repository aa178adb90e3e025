"""The pose pass of a recorded video in chunks, so that two pose models can run at once, one per core.

The pose model follows the person from frame to frame (VIDEO mode), so one model cannot be split across cores.
The analysed frames are cut instead into chunks of at most ``chunk_s`` seconds (always an even number of
them, at least two once the video lasts ``min_split_s``); each chunk gets a fresh model that first sees the
``overlap_s`` seconds before the chunk (tracking and smoothing settle there; those poses are not used). The
checker then reads the chunks' PoseFrames in order, as it read one model's.

The plan depends only on the video (its frame count, rate and the analysis stride), never on how it is run:

- in parallel (:class:`ChunkedPoses` with ``workers`` >= 2 and PyAV's reader, which can start decoding in
  the middle of a file): each worker thread decodes, poses and outlines its chunks; the frames the annotated
  video needs, already at its size, wait in a temporary file until the checker reaches them (at most
  ``workers`` chunks ahead of it);
- one after the other (no PyAV, or one worker): one decoder, and while the frames of a chunk's overlap go
  by, the next chunk's model is fed them too.

Both give the same PoseFrames (tests/test_parallel.py), so a session does not depend on the machine, the
number of workers or whether PyAV is installed, and ``batch`` equals ``analyze``. bench/speed.py measures it;
bench/accuracy.py poses its clips through it.
"""
from __future__ import annotations

import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from ..io import video_out
from ..io.sources import threaded
from ..types import Frame, PoseFrame
from .estimator import PoseConfig, PoseEstimator

log = logging.getLogger(__name__)

ENABLED = False     # off: one model over the whole video (one chunk); see README "Speed" for why
CHUNK_S = 30.0      # longest chunk: bounds what waits on disk for the checker (2-3 chunks of annotated frames)
OVERLAP_S = 1.0     # frames before a chunk that its fresh model sees first
MIN_SPLIT_S = 8.0   # shorter videos are one chunk
WORKERS = 2         # worker threads (a pose model each) when the video can be read from the middle


@dataclass(frozen=True)
class Chunk:
    """Source frames ``[start, stop)`` (``stop`` None: to the end) posed by one model that first sees the frames
    from ``warm``. All three are multiples of the analysis stride."""
    warm: int
    start: int
    stop: int | None


def plan(frame_count: int, fps: float, stride: int, chunk_s: float | None = None, overlap_s: float | None = None,
         min_split_s: float | None = None) -> list[Chunk]:
    """The chunks of a video of ``frame_count`` frames at ``fps``, analysed every ``stride``-th frame (None: the
    module's ``CHUNK_S``, ``OVERLAP_S``, ``MIN_SPLIT_S``; one chunk unless ``ENABLED``)."""
    chunk_s = CHUNK_S if chunk_s is None else chunk_s
    overlap_s = OVERLAP_S if overlap_s is None else overlap_s
    min_split_s = MIN_SPLIT_S if min_split_s is None else min_split_s
    analysed = -(-frame_count // stride) if frame_count > 0 else 0
    dur = frame_count / fps if fps > 0 else 0.0
    if not ENABLED or analysed < 2 or dur < min_split_s or chunk_s <= 0:
        return [Chunk(0, 0, None)]
    n = 2 * int(np.ceil(dur / (2 * chunk_s)))
    overlap = int(np.ceil(overlap_s * fps / stride))  # analysed frames
    bounds = [round(k * analysed / n) for k in range(n + 1)]
    out = []
    for k in range(n):
        start = bounds[k] * stride
        # never back past the previous chunk's start: one pass feeds at most two models at a time
        warm = max(bounds[k - 1] * stride if k else 0, start - overlap * stride)
        out.append(Chunk(warm, start, None if k == n - 1 else bounds[k + 1] * stride))
    return out


class _Spill:
    """One chunk's output: PoseFrames in memory, their annotated-video frames in an unlinked temporary file,
    appended by the worker and read in order by the checker's thread while it is still being written."""

    def __init__(self, keep_images: bool):
        self.items: list[tuple[PoseFrame, tuple[int, tuple] | None]] = []
        self.done = False
        self.error: BaseException | None = None
        self.cv = threading.Condition()
        self.file = tempfile.TemporaryFile(prefix="backform-chunk-") if keep_images else None
        self.size = 0

    def put(self, pf: PoseFrame, image: np.ndarray | None) -> None:
        ref = None
        if image is not None and self.file is not None:
            data = np.ascontiguousarray(image)
            view, off = memoryview(data).cast("B"), self.size
            while view:
                n = os.pwrite(self.file.fileno(), view, self.size)
                view, self.size = view[n:], self.size + n
            ref = (off, image.shape)
        with self.cv:
            self.items.append((pf, ref))
            self.cv.notify_all()

    def finish(self, error: BaseException | None = None) -> None:
        with self.cv:
            self.done, self.error = True, error
            self.cv.notify_all()

    def __iter__(self) -> Iterator[tuple[PoseFrame, np.ndarray | None]]:
        i = 0
        while True:
            with self.cv:
                self.cv.wait_for(lambda: i < len(self.items) or self.done)
                if self.error is not None:
                    raise self.error
                if i >= len(self.items):
                    return
                pf, ref = self.items[i]
            image = None
            if ref is not None:
                buf = bytearray(int(np.prod(ref[1])))
                os.preadv(self.file.fileno(), [buf], ref[0])
                image = np.frombuffer(buf, np.uint8).reshape(ref[1])
            yield pf, image
            i += 1

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


def sequential(frames: Iterator[Frame], chunks: list[Chunk],
               new_model: Callable[[], PoseEstimator]) -> Iterator[tuple[PoseFrame, np.ndarray | None]]:
    """The chunks' PoseFrames from one pass over ``frames``: the next chunk's model sees the overlap's frames
    beside the current one. ``(pose_frame, image)`` per analysed frame."""
    k, cur, nxt = 0, new_model(), None
    try:
        for fr in frames:
            while k + 1 < len(chunks) and fr.index >= chunks[k + 1].start:
                cur.close()
                cur, nxt, k = nxt or new_model(), None, k + 1
            if k + 1 < len(chunks) and fr.index >= chunks[k + 1].warm:
                nxt = nxt or new_model()
                nxt.infer(fr)  # warming up: the pose is not used
            yield cur.outline(*cur.infer(fr)), fr.image
    finally:
        for m in (cur, nxt):
            if m is not None:
                m.close()


class ChunkedPoses:
    """A video source's PoseFrames by :func:`plan`, with the image each came from (``image_size``: resized to
    the annotated video's size in the worker; None: no images). Iterate for ``(pose_frame, image)``; the
    source's attributes (fps, width, stride, info(), ...) pass through, so it stands in for the source."""

    yields_pose_images = True

    def __init__(self, source, model=None, config: PoseConfig | None = None, workers: int | None = None,
                 image_size: tuple[int, int] | None = None, chunk_s: float | None = None,
                 overlap_s: float | None = None, min_split_s: float | None = None):
        self.source = source
        self.config = config or PoseConfig()
        first = PoseEstimator(model, self.config)  # a bad model fails here
        # the model's name and digest as the estimator found them (later chunks' models load the same file)
        self.model_path, self.model_name, self.model_sha256 = first.model_path, first.model_name, first.model_sha256
        self.header = {"model": self.model_name, "model_sha256": self.model_sha256}
        self.workers = max(1, int(WORKERS if workers is None else workers))
        self.image_size = image_size
        self.chunks = plan(source.frame_count, source.fps, source.stride, chunk_s, overlap_s, min_split_s)
        self._lock = threading.Lock()
        self._first: PoseEstimator | None = first

    def close(self) -> None:
        """Close the model made up front if no chunk took it."""
        with self._lock:
            first, self._first = self._first, None
        if first is not None:
            first.close()

    def __getattr__(self, key):
        return getattr(self.source, key)

    def info(self) -> dict:
        return self.source.info()

    def new_model(self) -> PoseEstimator:
        """A fresh model (the first call gets the one made up front: it has seen no frame)."""
        with self._lock:
            first, self._first = self._first, None
        return first or PoseEstimator(self.model_path, self.config)

    def _image(self, image: np.ndarray | None) -> np.ndarray | None:
        if image is None or self.image_size is None:
            return None
        w, h = self.image_size
        if image.shape[1] == w and image.shape[0] == h:
            return image
        return video_out.shrink(image, (w, h))

    def __iter__(self) -> Iterator[tuple[PoseFrame, np.ndarray | None]]:
        try:
            yield from self._poses()
        finally:
            self.close()

    def _poses(self) -> Iterator[tuple[PoseFrame, np.ndarray | None]]:
        reader = getattr(self.source, "pyav_reader", lambda: None)()
        if self.workers < 2 or len(self.chunks) < 2 or reader is None:
            log.debug("pose pass: %d chunk(s), one after the other", len(self.chunks))
            keep = self.image_size is not None  # the annotated video's writer resizes them on its thread
            for pf, image in threaded(sequential(iter(self.source), self.chunks, self.new_model), 4, name="pose",
                                      background=False):
                yield pf, image if keep else None
            return
        log.debug("pose pass: %d chunks on %d workers", len(self.chunks), self.workers)
        yield from _Parallel(self, reader).run()


class _Parallel:
    """Worker threads over the chunks (worker w: chunks w, w + workers, ...), each at most ``workers`` chunks
    ahead of the one the checker reads."""

    def __init__(self, poses: ChunkedPoses, reader):
        self.poses, self.reader = poses, reader
        self.spills = [_Spill(poses.image_size is not None) for _ in poses.chunks]
        self.reading = 0  # the chunk the checker reads
        self.stop = threading.Event()
        self.cv = threading.Condition()

    def _chunk(self, k: int) -> None:
        p, c, spill = self.poses, self.poses.chunks[k], self.spills[k]
        model = p.new_model()
        try:
            for i, t, img in self.reader.frames(p.source.stride, c.warm, c.stop):
                if self.stop.is_set():
                    break
                pf, mask = model.infer(p.source.frame(i, t, img))
                if i >= c.start:
                    spill.put(model.outline(pf, mask), p._image(img))
        finally:
            model.close()

    def _work(self, w: int) -> None:
        for k in range(w, len(self.spills), self.poses.workers):
            with self.cv:
                self.cv.wait_for(lambda: k < self.reading + self.poses.workers or self.stop.is_set())
            if self.stop.is_set():
                self.spills[k].finish()
                continue
            try:
                self._chunk(k)
                self.spills[k].finish()
            except BaseException as e:  # handed to the checker's thread
                self.spills[k].finish(e)

    def run(self) -> Iterator[tuple[PoseFrame, np.ndarray | None]]:
        threads = [threading.Thread(target=self._work, args=(w,), name=f"pose-{w}", daemon=True)
                   for w in range(min(self.poses.workers, len(self.spills)))]
        for th in threads:
            th.start()
        try:
            for k, spill in enumerate(self.spills):
                with self.cv:
                    self.reading = k
                    self.cv.notify_all()
                yield from spill
                spill.close()  # finished: its worker is done with the file
        finally:
            self.stop.set()
            with self.cv:
                self.cv.notify_all()
            for th in threads:
                th.join()
            for spill in self.spills:
                spill.close()
