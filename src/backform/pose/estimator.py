"""MediaPipe Tasks ``PoseLandmarker`` in VIDEO mode, one person -> :class:`PoseFrame`.

Frames go in unmirrored (mirroring swaps left and right; only the display is mirrored). With segmentation
on, the person's mask is turned into a silhouette outline (``PoseFrame.contour``, normalised polyline) so that
outline-based checks (bridge lumbar arch, bird-dog sag) work on landmark recordings without pixels.
"""
from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import mediapipe as mp
import numpy as np
from mediapipe.tasks.python import BaseOptions, vision

from . import geometry as g
from .cuts import tracker_jumped
from ..types import Frame, PoseFrame
from .landmarks import SIDES, other, side
from ..io.sources import pose_input
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
    # Tracking cross-check. VIDEO mode can lock onto a wrong skeleton and keep it while the person lies still
    # (a rendered bridge at rest: shoulders and hips placed on the thighs from the first frame until the
    # lift 2 s later, while an IMAGE-mode detection of the same frames was right, and the first rep was lost).
    # The first frame with a pose, the first after frames without one, and then one frame every
    # ``crosscheck_s`` seconds also go through IMAGE mode; when the two trunks and legs disagree by more than
    # ``crosscheck_tol`` body sizes, the IMAGE result is used and the check repeats on every frame until they
    # agree. Measured (trunk and legs, landmarks seen in both at visibility >= 0.5, left/right swap allowed,
    # a check every 0.7 s): the locked bridge 0.62-0.74; the 30 sample clips and the real side and diagonal
    # clips at most 0.34 even without the visibility gate (0.04-0.11 with it on the ones that came close); the
    # real floor-level front view (wanshape_prone_t_raises: the hips hidden behind the head) 0.26-0.72, so a
    # check can fire there (3 frames replaced at one check a second, no result changed; none at every 5 or
    # 10 s). Lock-ins start at a detection (the first pose, or after a loss): those frames are always checked;
    # the periodic check is the safety net. An IMAGE-mode inference costs ~1.8x a tracked one (33 vs 18 ms
    # here): one every 10 s is ~1% of the pipeline at 20 poses/s (bench/throughput.py, 8-s clip: 1%, ratio to
    # the bare model 0.90 with it, 0.91 without). 0: off.
    crosscheck_s: float = 10.0
    crosscheck_tol: float = 0.5
    # Zoom fallback (:class:`ZoomFallback`), only on frames where the tracker finds nobody: the person may be
    # too small for the detector, which sees the whole frame at 224x224 (a wall slide filmed from 5-7 m at
    # 480-560 px: 0% found; an IMAGE-mode detection of a square crop twice the body's size: 100%, landmarks
    # 0.07-0.08 torso lengths from the truth; lowering the detection threshold to 0.2: still 0%; bench/pose_loss.py).
    # Nobody known: one crop a frame from ``zoom_scan`` (x0, y0, x1, y1 frame fractions, in turn); once found,
    # a square ``zoom_roi`` times the body's longer side around the last body found (tracker or fallback) within
    # ``zoom_follow_s`` seconds. Costs one IMAGE-mode inference per frame without a pose, none otherwise.
    zoom_fallback: bool = True
    zoom_scan: tuple = field(default=((0.2, 0.2, 0.8, 0.8), (0.25, 0.25, 0.75, 0.75), (0.0, 0.0, 0.6, 0.6),
                                      (0.4, 0.0, 1.0, 0.6), (0.0, 0.4, 0.6, 1.0), (0.4, 0.4, 1.0, 1.0)))
    zoom_roi: float = 1.5
    zoom_follow_s: float = 1.0
    # Scanning (nobody known) tries one crop at most every ``zoom_scan_every_s`` seconds; following a body just
    # lost stays every frame. 0: every frame (files: the analysis is not real-time, every frame may find
    # someone). Live sets 0.3 (``cli.options.pose_config(args, live=True)``): with nobody in view a scan every frame costs one
    # IMAGE-mode inference (~33 ms here) on top of the tracker's ~18 ms, every frame; one every 0.3 s is one
    # frame in 6-9 at 20-30 frames/s, and someone too small for the tracker is found within about 2 s (six
    # crops; the tracker itself still looks at every frame).
    zoom_scan_every_s: float = 0.0
    # A skeleton spanning less than this share of the crop's longer side is dropped: the detector finds a body
    # that fills its input; the tiny skeletons a crop produced were wrong (a prone extension from a floor-level
    # camera: 0.07-0.2 of the frame inside 0.5-0.6 crops, 1.0-1.2 torso lengths off; the body found right
    # fills ~0.7 of its crop). Without it, the crop that followed such a skeleton shrank with it.
    zoom_min_fill: float = 0.25


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


def _landmark_rows(landmarks) -> np.ndarray:
    """MediaPipe landmarks -> (33, 5) rows as ``PoseFrame.landmarks``: normalised x, y, z, visibility, presence."""
    return np.array([[p.x, p.y, p.z, p.visibility or 0.0, p.presence or 0.0] for p in landmarks], dtype=np.float32)


def _pixel_rows(landmarks, w: int, h: int) -> np.ndarray:
    """The same rows with x, y in pixels."""
    rows = _landmark_rows(landmarks).astype(np.float64)
    rows[:, :2] *= (w, h)
    return rows


_TRUNK_LEGS = [(j, s) for j in ("shoulder", "hip", "knee", "ankle") for s in SIDES]


def skeleton_disagreement(a: np.ndarray, b: np.ndarray, min_vis: float = 0.5, min_points: int = 4) -> float:
    """How far apart two skeletons' trunks and legs are: mean distance of shoulders, hips, knees and ankles
    seen (visibility >= ``min_vis``) in both, in body sizes of ``b``; the smaller of as-is and with ``b``'s
    left and right swapped (a side view may swap them; that is not a lock-on). ``a``/``b``: (33, >=4) rows
    laid out as ``PoseFrame.landmarks`` (visibility in column 3) with x, y in pixels. NaN when fewer than
    ``min_points`` are seen in both."""
    idx = np.array([side(j, s) for j, s in _TRUNK_LEGS])
    swp = np.array([side(j, other(s)) for j, s in _TRUNK_LEGS])
    scale = g.body_scale(b[:, :2])
    if not scale > 0:
        return float("nan")
    ds = []
    for ib in (idx, swp):
        seen = (a[idx, 3] >= min_vis) & (b[ib, 3] >= min_vis)
        if seen.sum() >= min_points:
            ds.append(float(np.mean(np.linalg.norm(a[idx][seen, :2] - b[ib][seen, :2], axis=1)) / scale))
    return min(ds, default=float("nan"))


def body_box(rows: np.ndarray) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of a skeleton's 33 landmarks (normalised rows as ``PoseFrame.landmarks``)."""
    lo, hi = rows[:, :2].min(0), rows[:, :2].max(0)
    return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])


def roi_box(box, k: float, w: int, h: int) -> tuple[float, float, float, float]:
    """A square ``k`` times ``box``'s longer side (in pixels of a ``w`` x ``h`` frame) around its centre, kept
    inside the frame (as frame fractions)."""
    cx, cy = 0.5 * (box[0] + box[2]) * w, 0.5 * (box[1] + box[3]) * h
    half = 0.5 * k * max((box[2] - box[0]) * w, (box[3] - box[1]) * h)
    return (max(0.0, (cx - half) / w), max(0.0, (cy - half) / h), min(1.0, (cx + half) / w), min(1.0, (cy + half) / h))


class ZoomFallback:
    """IMAGE-mode detection on a crop of a frame where the tracker found nobody (see ``PoseConfig.zoom_fallback``).
    ``find`` -> (landmarks, world, contour) in full-frame terms, or None."""

    def __init__(self, landmarker, config: PoseConfig):
        self._lm = landmarker
        self.config = config
        self._box: tuple | None = None     # the last body found (normalised box) and when
        self._box_ts = 0
        self._scan = 0
        self._scan_ts: int | None = None   # when the last scan crop was tried
        self.tried = self.found = 0

    def seen(self, rows: np.ndarray, ts: int) -> None:
        """A body found at ``ts`` (ms): where to look when it is lost."""
        self._box, self._box_ts = body_box(rows), ts

    def crop(self, ts: int, w: int, h: int) -> tuple[float, float, float, float] | None:
        """The crop to try at ``ts`` (frame fractions), or None: a scan is not due yet."""
        c = self.config
        if self._box is not None and ts - self._box_ts <= c.zoom_follow_s * 1000.0:
            return roi_box(self._box, c.zoom_roi, w, h)
        if self._scan_ts is not None and ts - self._scan_ts < c.zoom_scan_every_s * 1000.0:
            return None
        self._scan_ts = ts
        self._scan += 1
        return c.zoom_scan[(self._scan - 1) % len(c.zoom_scan)]

    def find(self, rgb: np.ndarray, ts: int):
        h, w = rgb.shape[:2]
        box = self.crop(ts, w, h)
        if box is None:
            return None
        x0, y0, x1, y1 = int(box[0] * w), int(box[1] * h), int(round(box[2] * w)), int(round(box[3] * h))
        if x1 - x0 < 16 or y1 - y0 < 16:
            return None
        self.tried += 1
        res = self._lm.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb[y0:y1, x0:x1])))
        if not res.pose_landmarks:
            return None
        cw, ch = x1 - x0, y1 - y0
        lm = _landmark_rows(res.pose_landmarks[0])
        lo, hi = lm[:, :2].min(0), lm[:, :2].max(0)
        if max((hi[0] - lo[0]) * cw, (hi[1] - lo[1]) * ch) < self.config.zoom_min_fill * max(cw, ch):
            log.debug("zoom fallback at %.2f s: a skeleton too small for its crop, dropped", ts / 1000.0)
            return None
        self.found += 1
        lm[:, 0] = (lm[:, 0] * cw + x0) / w
        lm[:, 1] = (lm[:, 1] * ch + y0) / h
        lm[:, 2] *= cw / w              # z is on the scale of the image's width
        self.seen(lm, ts)
        world = None
        if res.pose_world_landmarks:
            world = np.array([[p.x, p.y, p.z] for p in res.pose_world_landmarks[0]], dtype=np.float32)
        contour = None
        if self.config.segmentation and self.config.contour_points and res.segmentation_masks:
            m = res.segmentation_masks[0].numpy_view()
            contour = mask_contour(m[..., 0] if m.ndim == 3 else m, self.config.contour_points)
            if contour is not None:
                contour = ((contour * (cw, ch) + (x0, y0)) / (w, h)).astype(np.float32)
        return lm, world, contour


class PoseEstimator:
    """Wraps one ``PoseLandmarker`` (VIDEO mode). ``update(frame)`` -> ``PoseFrame``. Close it when done."""

    def __init__(self, model_path: str | os.PathLike | None = None, config: PoseConfig = PoseConfig()):
        self._mp = mp
        self.config = config
        self.model_path = Path(ensure_model(model_path))
        self.model_sha256 = sha256_file(self.model_path)
        self.model_name = MODEL_NAME if model_path is None else self.model_path.stem
        self._landmarker = self._create(vision.RunningMode.VIDEO)
        # IMAGE mode, for the tracking cross-check (loaded with the tracker, so that no frame waits for it)
        self._image_landmarker = (self._create(vision.RunningMode.IMAGE)
                                  if config.crosscheck_s or config.zoom_fallback else None)
        self._zoom = ZoomFallback(self._image_landmarker, config) if config.zoom_fallback else None
        self._last_ts = -1
        self._last_check_ts: int | None = None
        self._locked = False            # the tracker disagreed with the last cross-check
        self._had_pose = False          # the previous frame had a pose
        self._last_rows: np.ndarray | None = None  # the tracker's landmarks (pixels) on the previous frame
        self.crosschecks = 0            # cross-checks made, and frames that took the IMAGE-mode result
        self.crosscheck_replaced = 0

    def _create(self, mode):
        c = self.config
        opts = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=mode,
            num_poses=1,
            min_pose_detection_confidence=c.min_pose_detection_confidence,
            min_pose_presence_confidence=c.min_pose_presence_confidence,
            min_tracking_confidence=c.min_tracking_confidence,
            output_segmentation_masks=c.segmentation,
        )
        try:
            with _quiet_stderr():
                return vision.PoseLandmarker.create_from_options(opts)
        except Exception as e:  # mediapipe raises RuntimeError/ValueError with long native messages
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise ModelError(f"cannot load pose model {self.model_path}: {first}") from None

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
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb)
        res = self._crosscheck(image, ts, self._landmarker.detect_for_video(image, ts), w, h)
        if not res.pose_landmarks:
            found = self._zoom.find(rgb, ts) if self._zoom is not None else None
            if found is None:
                return PoseFrame(frame.index, frame.timestamp_ms, w, h), None
            lm, world, contour = found
            return PoseFrame(frame.index, frame.timestamp_ms, w, h, landmarks=lm, world=world, contour=contour), None
        lm = _landmark_rows(res.pose_landmarks[0])
        if self._zoom is not None:
            self._zoom.seen(lm, ts)
        world = None
        if res.pose_world_landmarks:
            world = np.array([[p.x, p.y, p.z] for p in res.pose_world_landmarks[0]], dtype=np.float32)
        mask = None
        if self.config.segmentation and self.config.contour_points and res.segmentation_masks:
            mask = res.segmentation_masks[0]
        return PoseFrame(frame.index, frame.timestamp_ms, w, h, landmarks=lm, world=world), mask

    def _crosscheck(self, image, ts: int, res, w: int, h: int):
        """``res`` (the tracker's result), or the IMAGE-mode result of the same frame when the tracker holds a
        different skeleton (see ``PoseConfig.crosscheck_s``)."""
        every = self.config.crosscheck_s
        had_pose, self._had_pose = self._had_pose, bool(res.pose_landmarks)
        rows = _pixel_rows(res.pose_landmarks[0], w, h) if res.pose_landmarks and every else None
        last, self._last_rows = self._last_rows, rows
        if not every or self._image_landmarker is None or not self._had_pose:
            return res
        # checked: the first pose, and the first after frames without one (a new detection is where a wrong
        # skeleton gets locked in), a frame where the tracked skeleton jumped (a scene cut: the tracker
        # carries the old scene's skeleton over for a few frames, cuts.tracker_jumped), every frame while
        # locked, and otherwise every ``every`` seconds
        due = self._last_check_ts is None or ts - self._last_check_ts >= every * 1000.0
        jumped = last is not None and rows is not None and tracker_jumped(last, rows)
        if not (self._locked or due or not had_pose or jumped):
            return res
        self._last_check_ts = ts
        fresh = self._image_landmarker.detect(image)
        self.crosschecks += 1
        d = float("nan")
        if fresh.pose_landmarks:
            d = skeleton_disagreement(_pixel_rows(res.pose_landmarks[0], w, h),
                                      _pixel_rows(fresh.pose_landmarks[0], w, h))
        locked = bool(np.isfinite(d) and d > self.config.crosscheck_tol)
        if locked != self._locked:
            log.info("pose tracking %s at %.2f s (%.2f body sizes from a fresh detection)",
                     "locked on another skeleton: using fresh detections" if locked else "agrees again", ts / 1000.0, d)
        self._locked = locked
        if locked:
            self.crosscheck_replaced += 1
            return fresh
        return res

    def outline(self, pf: PoseFrame, mask) -> PoseFrame:
        """``pf`` with the silhouette outline traced from ``mask`` (unchanged when there is no mask)."""
        if mask is None:
            return pf
        m = mask.numpy_view()
        return replace(pf, contour=mask_contour(m[..., 0] if m.ndim == 3 else m, self.config.contour_points))

    def close(self) -> None:
        for attr in ("_landmarker", "_image_landmarker"):
            lm = getattr(self, attr, None)
            setattr(self, attr, None)
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


__all__ = ["PoseEstimator", "PoseConfig", "ZoomFallback", "ModelError", "check_model_file", "mask_contour", "skeleton_disagreement"]
