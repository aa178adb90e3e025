"""Annotated-video export on a background thread: drawing and encoding run beside the pose model.

Uses the ``ffmpeg`` program (H.264, plays in browsers) when it is installed, otherwise OpenCV's MPEG-4
writer. Privacy modes: ``none`` (the video as recorded), ``blur`` (face blurred), ``skeleton`` (skeleton on a
blank background, no pixels of the person).
"""
from __future__ import annotations

import logging
import os
import queue
import shutil
import subprocess
import threading
from pathlib import Path

import cv2
import numpy as np

from ..render import overlay
from ..types import FrameResult, PoseFrame
from .sources import lower_thread_priority

log = logging.getLogger(__name__)
PRIVACY = ("none", "blur", "skeleton")


def _lower_priority() -> None:
    try:
        os.nice(10)
    except OSError:
        pass


def _even(n: int) -> int:
    return max(2, n - n % 2)


def shrink(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``image`` resized to ``size`` for the annotated video. An integer factor (1080p -> 540p, 960 -> 480)
    averages pixel blocks (INTER_AREA's fast path); any other factor is bilinear: INTER_AREA's general path
    cost 10.4 ms per 1080p -> 720p frame here, bilinear 2.5 ms (bench/speed.py), and the pose model never sees
    these pixels (its input is made in the decoder thread, unchanged)."""
    h, w = image.shape[:2]
    integer = w % size[0] == 0 and h % size[1] == 0 and w // size[0] == h // size[1]
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA if integer or w < size[0] else cv2.INTER_LINEAR)


class _Encoder:
    def __init__(self, path: Path, fps: float, size: tuple[int, int]):
        self.path, self.size = path, size
        self.proc = None
        self.writer = None
        ff = shutil.which("ffmpeg")
        if ff:
            cmd = [ff, "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{size[0]}x{size[1]}",
                   "-r", f"{fps:.4f}", "-i", "-", "-an", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "28",
                   "-pix_fmt", "yuv420p", "-threads", "1", "-movflags", "+faststart", str(path)]
            # one encoder thread at lower priority: the pose model's inference thread comes first
            self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE,
                                         preexec_fn=_lower_priority if os.name == "posix" else None)
        else:
            self.writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
            if not self.writer.isOpened():
                raise OSError(f"cannot write video {path}")

    def write(self, img: np.ndarray) -> None:
        if self.proc:
            self.proc.stdin.write(np.ascontiguousarray(img).tobytes())
        else:
            self.writer.write(img)

    def close(self) -> None:
        if self.proc:
            self.proc.stdin.close()
            err = self.proc.stderr.read().decode(errors="replace").strip()
            if self.proc.wait() != 0:
                raise OSError(f"ffmpeg failed writing {self.path}: {err.splitlines()[-1] if err else '?'}")
        elif self.writer:
            self.writer.release()


class AnnotatedVideoWriter:
    """``update(image, pose_frame, result)`` queues a frame; a worker thread draws and encodes it."""

    def __init__(self, path: str | os.PathLike, fps: float, width: int, height: int, exercise: str = "",
                 privacy: str = "none", max_side: int = 1280, queue_size: int = 16):
        if privacy not in PRIVACY:
            raise ValueError(f"unknown privacy mode {privacy!r}; choose one of {', '.join(PRIVACY)}")
        s = min(1.0, max_side / max(width, height))
        self.size = (_even(int(round(width * s))), _even(int(round(height * s))))
        self.path = Path(path)
        self.tmp = self.path.with_name(self.path.stem + ".part" + self.path.suffix)
        self.exercise, self.privacy = exercise, privacy
        self._enc = _Encoder(self.tmp, fps, self.size)
        self._q: queue.Queue = queue.Queue(maxsize=queue_size)
        self._err: list[BaseException] = []
        self._th = threading.Thread(target=self._run, name="encode", daemon=True)
        self._th.start()
        self.frames = 0

    def write(self, pf: PoseFrame, res: FrameResult | None = None, image: np.ndarray | None = None) -> None:
        """A pipeline sink: queue one frame for drawing and encoding on the writer's thread."""
        if self._err:
            raise self._err[0]
        self._q.put((image, pf, res))

    def render(self, image: np.ndarray | None, pf: PoseFrame, res: FrameResult | None) -> np.ndarray:
        w, h = self.size
        if image is None or self.privacy == "skeleton":
            img = np.full((h, w, 3), 32, np.uint8)
        else:
            img = image if image.shape[1] == w and image.shape[0] == h else shrink(image, (w, h))
            img = img.copy() if img is image else img
            if self.privacy == "blur":
                overlay.blur_face(img, pf)
        overlay.draw_pose(img, pf, show_face=self.privacy == "none")
        if res is not None:
            overlay.draw_result(img, pf, res, self.exercise)
        overlay.draw_time(img, pf.t_s, "" if pf.has_pose else "no pose")
        return img

    def _run(self) -> None:
        lower_thread_priority()
        while True:
            item = self._q.get()
            if item is None:
                return
            if self._err:
                continue
            try:
                self._enc.write(self.render(*item))
                self.frames += 1
            except BaseException as e:
                self._err.append(e)

    def close(self) -> Path:
        self._q.put(None)
        self._th.join()
        self._enc.close()
        if self._err:
            raise OSError(f"writing {self.path} failed: {self._err[0]}")
        os.replace(self.tmp, self.path)
        return self.path

    def abort(self) -> None:
        """Stop and delete the partial file (does nothing after :meth:`close`)."""
        if not self._th.is_alive() and not self.tmp.exists():
            return
        self._q.put(None)
        self._th.join()
        try:
            self._enc.close()
        except OSError:
            pass
        self.tmp.unlink(missing_ok=True)
