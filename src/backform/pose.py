"""MediaPipe Tasks ``PoseLandmarker`` in VIDEO mode, one person -> :class:`PoseFrame`.

Frames go in unmirrored (mirroring swaps left and right; only the display is mirrored). With segmentation
on, the person's mask is turned into a silhouette outline (``PoseFrame.contour``, normalised polyline) so that
outline-based checks (bridge lumbar arch, bird-dog sag) work on landmark recordings without pixels.
"""
from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from .core import Frame, PoseFrame
from .sources import pose_input
from .model import MODEL_NAME, ModelError, check_model_file, ensure_model, sha256_file

log = logging.getLogger(__name__)

os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@contextlib.contextmanager
def _quiet_stderr(enabled: bool = True):
    """Silence the native (C++) log lines MediaPipe/LiteRT print while a graph is created."""
    if not enabled or log.isEnabledFor(logging.DEBUG):
        yield
        return
    try:
        fd = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(fd, 2)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class PoseConfig:
    # Measured on ../shared/clips with bench/pose_found.py: MediaPipe's default 0.5 presence threshold
    # drops 8% of the in-rep frames of the floor-level front view of a prone T raise (wanshape); 0.3 finds
    # them all (91.7% -> 100%) and changes nothing on the other clips. Lowering the detection threshold
    # instead did not help (0.3: 89%), so the detector keeps its 0.5 and stays strict about new people.
    min_pose_detection_confidence: float = 0.5
    min_pose_presence_confidence: float = 0.3
    min_tracking_confidence: float = 0.5
    segmentation: bool = True   # needed for the outline-based checks; ~3 ms/frame at 640x480
    # Outline resampled to this many points (0: no contour). 96 was too coarse for the bird dog's back
    # sag/arch check (it stayed "not checked"); 256 found the rendered sag with no false fault on real clips.
    contour_points: int = 256
    # The landmark model sees 256x256 and the detector 224x224, so 960 px loses nothing; it makes the mask
    # (and colour conversion) of a 1080p frame ~4x cheaper: 34 -> 23 ms/frame measured on merged_superman.mp4.
    max_side: int = 960         # downscale frames whose longer side exceeds this (0: never)


def mask_contour(mask: np.ndarray, n_points: int, threshold: float = 0.5) -> np.ndarray | None:
    """Outline of the largest blob in a [0,1] person mask, as ``n_points`` (x, y) normalised points."""
    h, w = mask.shape[:2]
    scale = 320.0 / max(h, w)
    if scale < 1.0:
        mask = cv2.resize(mask, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA)
    binary = (mask > threshold).astype(np.uint8)
    contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    c = max(contours, key=cv2.contourArea)[:, 0, :].astype(np.float64)
    if len(c) < 8:
        return None
    # resample evenly along the perimeter
    seg = np.linalg.norm(np.diff(np.vstack([c, c[:1]]), axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    target = np.linspace(0.0, s[-1], n_points, endpoint=False)
    closed = np.vstack([c, c[:1]])
    xs = np.interp(target, s, closed[:, 0])
    ys = np.interp(target, s, closed[:, 1])
    mh, mw = binary.shape
    return np.stack([(xs + 0.5) / mw, (ys + 0.5) / mh], axis=1).astype(np.float32)


class PoseEstimator:
    """Wraps one ``PoseLandmarker`` (VIDEO mode). ``update(frame)`` -> ``PoseFrame``. Close it when done."""

    def __init__(self, model_path: str | os.PathLike | None = None, config: PoseConfig = PoseConfig()):
        import mediapipe as mp
        from mediapipe.tasks.python import BaseOptions, vision

        self._mp = mp
        self.config = config
        self.model_path = Path(ensure_model(model_path))
        self.model_sha256 = sha256_file(self.model_path)
        self.model_name = MODEL_NAME if model_path is None else self.model_path.stem
        opts = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=1,
            min_pose_detection_confidence=config.min_pose_detection_confidence,
            min_pose_presence_confidence=config.min_pose_presence_confidence,
            min_tracking_confidence=config.min_tracking_confidence,
            output_segmentation_masks=config.segmentation,
        )
        try:
            with _quiet_stderr():
                self._landmarker = vision.PoseLandmarker.create_from_options(opts)
        except Exception as e:  # mediapipe raises RuntimeError/ValueError with long native messages
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise ModelError(f"cannot load pose model {self.model_path}: {first}") from None
        self._last_ts = -1

    def model_info(self) -> dict:
        return {"name": self.model_name, "path": str(self.model_path), "sha256": self.model_sha256}

    def update(self, frame: Frame) -> PoseFrame:
        """Landmarks of ``frame`` and, with segmentation on, the silhouette outline."""
        return self.outline(*self.infer(frame))

    def infer(self, frame: Frame) -> tuple[PoseFrame, object | None]:
        """Run the model: the PoseFrame without its outline, and the segmentation mask (an ``mp.Image`` that
        owns its pixels, or None) for :meth:`outline`. Split so that a pipeline can trace the outline on
        another thread while the model works on the next frame."""
        h, w = frame.image.shape[:2]
        ms = self.config.max_side
        rgb = frame.rgb
        if rgb is None or (ms and max(rgb.shape[:2]) > ms):
            rgb = pose_input(frame.image, ms)
        ts = int(round(frame.timestamp_ms))
        if ts <= self._last_ts:  # MediaPipe requires strictly increasing integer milliseconds
            ts = self._last_ts + 1
        self._last_ts = ts
        res = self._landmarker.detect_for_video(self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb), ts)
        if not res.pose_landmarks:
            return PoseFrame(frame.index, frame.timestamp_ms, w, h), None
        lm = np.array([[p.x, p.y, p.z, p.visibility or 0.0, p.presence or 0.0] for p in res.pose_landmarks[0]],
                      dtype=np.float32)
        world = None
        if res.pose_world_landmarks:
            world = np.array([[p.x, p.y, p.z] for p in res.pose_world_landmarks[0]], dtype=np.float32)
        mask = None
        if self.config.segmentation and self.config.contour_points and res.segmentation_masks:
            mask = res.segmentation_masks[0]
        return PoseFrame(frame.index, frame.timestamp_ms, w, h, landmarks=lm, world=world), mask

    def outline(self, pf: PoseFrame, mask) -> PoseFrame:
        """``pf`` with the silhouette outline traced from ``mask`` (unchanged when there is no mask)."""
        if mask is None:
            return pf
        m = mask.numpy_view()
        return replace(pf, contour=mask_contour(m[..., 0] if m.ndim == 3 else m, self.config.contour_points))

    def close(self) -> None:
        lm, self._landmarker = getattr(self, "_landmarker", None), None
        if lm is not None:
            lm.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


__all__ = ["PoseEstimator", "PoseConfig", "ModelError", "check_model_file", "mask_contour"]
