"""The pose stage's zoom fallback: only on frames where the tracker finds nobody, crops mapped back to the frame."""
from types import SimpleNamespace

import mediapipe as mp
import numpy as np
import pytest

from backform.pose.estimator import PoseConfig, PoseEstimator, ZoomFallback, body_box, roi_box
from backform.types import Frame


def _pts(x0=0.4, y0=0.3, x1=0.6, y1=0.7):
    """33 landmarks spread over the box (x0, y0)-(x1, y1), normalised."""
    xs, ys = np.linspace(x0, x1, 33), np.linspace(y0, y1, 33)[::-1]
    return [SimpleNamespace(x=float(x), y=float(y), z=0.1, visibility=0.9, presence=0.9) for x, y in zip(xs, ys)]


class _Landmarker:
    """Answers each call from a list (None: nobody), and records the image sizes it was given."""

    def __init__(self, answers):
        self.answers, self.sizes = list(answers), []

    def _answer(self, image):
        self.sizes.append((image.width, image.height))
        a = self.answers.pop(0) if self.answers else None
        return SimpleNamespace(pose_landmarks=[a] if a else [], pose_world_landmarks=[], segmentation_masks=[])

    detect = _answer

    def detect_for_video(self, image, ts):
        return self._answer(image)


def test_roi_is_a_square_around_the_body_inside_the_frame():
    box = body_box(np.array([[0.4, 0.3, 0, 1, 1], [0.5, 0.5, 0, 1, 1]]))
    assert box == pytest.approx((0.4, 0.3, 0.5, 0.5))
    x0, y0, x1, y1 = roi_box(box, 1.5, 200, 100)   # body 20 x 20 px -> a 30 px square around (90, 40)
    assert ((x1 - x0) * 200, (y1 - y0) * 100) == pytest.approx((30.0, 30.0))
    assert roi_box((0.0, 0.0, 0.5, 0.5), 4.0, 100, 100) == pytest.approx((0.0, 0.0, 1.0, 1.0))


def test_scan_then_follow_and_map_back_to_the_frame():
    cfg = PoseConfig(zoom_scan=((0.0, 0.0, 0.5, 0.5), (0.5, 0.5, 1.0, 1.0)), zoom_roi=1.5, zoom_follow_s=1.0)
    lm = _Landmarker([None, _pts(0.2, 0.2, 0.6, 0.6), None])
    zf = ZoomFallback(lm, cfg)
    rgb = np.zeros((200, 400, 3), np.uint8)
    assert zf.find(rgb, 0) is None                      # first scan crop: nobody
    rows, world, contour = zf.find(rgb, 50)            # second scan crop (the lower right quarter): found
    assert lm.sizes == [(200, 100), (200, 100)]
    # crop-normalised (0.2 .. 0.6) -> frame: x = 200 + 0.2 * 200 = 240 px of 400 -> 0.6; y: 100 + 20 -> 0.6
    assert rows[:, 0].min() == pytest.approx(0.6) and rows[:, 0].max() == pytest.approx(0.8)
    assert rows[:, 1].min() == pytest.approx(0.6) and rows[:, 1].max() == pytest.approx(0.8)
    assert rows[0, 2] == pytest.approx(0.05)            # z scaled with the crop's width
    assert world is None and contour is None
    zf.find(rgb, 100)                                   # follows: a square 1.5 x the body (80 px) -> 120 px
    assert lm.sizes[-1] == (120, 120)
    assert zf.crop(2000, 400, 200) == (0.0, 0.0, 0.5, 0.5)   # lost for longer than zoom_follow_s: scans again


def _estimator(tracker_answers, image_answers, zoom=True):
    pe = PoseEstimator.__new__(PoseEstimator)
    pe._mp, pe.config = mp, PoseConfig(crosscheck_s=0.0, zoom_fallback=zoom, segmentation=False)
    pe._landmarker, pe._image_landmarker = _Landmarker(tracker_answers), _Landmarker(image_answers)
    pe._zoom = ZoomFallback(pe._image_landmarker, pe.config) if zoom else None
    pe._last_ts, pe._last_check_ts, pe._locked, pe._had_pose, pe._last_rows = -1, None, False, False, None
    pe.crosschecks = pe.crosscheck_replaced = 0
    return pe


def _frames(n):
    return [Frame(i, 50.0 * i, image=np.zeros((100, 100, 3), np.uint8)) for i in range(n)]


def test_fallback_only_where_the_tracker_finds_nobody():
    tracked = _pts()
    on = _estimator([tracked, None, tracked], [_pts(0.1, 0.1, 0.9, 0.9)])
    off = _estimator([tracked, None, tracked], [])
    a = [on.update(f) for f in _frames(3)]
    b = [off.update(f) for f in _frames(3)]
    assert len(on._image_landmarker.sizes) == 1         # called once: on the frame without a tracked pose
    assert np.array_equal(a[0].landmarks, b[0].landmarks) and np.array_equal(a[2].landmarks, b[2].landmarks)
    assert b[1].landmarks is None and a[1].landmarks is not None
    assert on._image_landmarker.sizes[0] == (60, 60)    # 1.5 x the body tracked on the frame before (40 px)


def test_fallback_off_leaves_nobody():
    pe = _estimator([None], [_pts()], zoom=False)
    assert pe.update(_frames(1)[0]).landmarks is None
    assert pe._image_landmarker.sizes == []


def test_a_skeleton_small_in_its_crop_is_dropped_and_not_followed():
    cfg = PoseConfig(zoom_scan=((0.0, 0.0, 1.0, 1.0),), zoom_min_fill=0.25)
    lm = _Landmarker([_pts(0.45, 0.45, 0.55, 0.55), _pts(0.2, 0.1, 0.6, 0.9)])
    zf = ZoomFallback(lm, cfg)
    rgb = np.zeros((100, 100, 3), np.uint8)
    assert zf.find(rgb, 0) is None                      # spans 0.1 of the crop: dropped
    assert zf.crop(50, 100, 100) == (0.0, 0.0, 1.0, 1.0)  # still scanning, not zoomed onto it
    assert zf.find(rgb, 50) is not None                 # spans 0.8: kept
    assert zf.found == 1 and zf.tried == 2


def test_live_scan_tries_one_crop_per_interval_but_follows_every_frame():
    cfg = PoseConfig(zoom_scan=((0.0, 0.0, 0.5, 0.5), (0.5, 0.5, 1.0, 1.0)), zoom_scan_every_s=0.3, zoom_follow_s=1.0)
    lm = _Landmarker([None] * 4 + [_pts(0.2, 0.2, 0.6, 0.6)] + [None] * 4)
    zf = ZoomFallback(lm, cfg)
    rgb = np.zeros((200, 400, 3), np.uint8)
    for ts in range(0, 1000, 50):                       # nobody: 20 frames over 0.95 s
        zf.find(rgb, ts)
    assert zf.tried == 4                                # scans at 0, 300, 600 and 900 ms
    assert zf.find(rgb, 1200) is not None               # the scan due at 1200 ms finds the body ...
    for ts in (1250, 1300, 1350):                       # ... lost again: the crop follows it on every frame
        assert zf.find(rgb, ts) is None
    assert zf.tried == 8


def test_files_scan_every_frame():
    zf = ZoomFallback(_Landmarker([]), PoseConfig())
    rgb = np.zeros((100, 100, 3), np.uint8)
    for ts in range(0, 500, 50):
        zf.find(rgb, ts)
    assert zf.tried == 10
