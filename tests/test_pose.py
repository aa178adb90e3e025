"""The pose stage's tracking cross-check: the disagreement measure, and when the IMAGE-mode result is used."""
from types import SimpleNamespace

import numpy as np
import pytest

from backform.pose.landmarks import L
from backform.pose.estimator import PoseConfig, PoseEstimator, skeleton_disagreement

# a body lying on its side-view floor, normalised coordinates (x, y); torso length 0.25
BODY = {"SHOULDER": (0.30, 0.50), "HIP": (0.55, 0.50), "KNEE": (0.70, 0.40), "ANKLE": (0.85, 0.50),
        "ELBOW": (0.35, 0.55), "WRIST": (0.40, 0.60)}


def _landmarks(dx: float = 0.0, swap: bool = False, vis: float = 0.9):
    pts = [SimpleNamespace(x=0.2 + dx, y=0.5, z=0.0, visibility=vis, presence=vis) for _ in L]
    for joint, (x, y) in BODY.items():
        for s, dy in (("LEFT", 0.0), ("RIGHT", 0.02)):
            if swap:
                dy = 0.02 - dy
            pts[L[f"{s}_{joint}"]] = SimpleNamespace(x=x + dx, y=y + dy, z=0.0, visibility=vis, presence=vis)
    return pts


def _rows(pts, w=100, h=100):
    return np.array([[p.x * w, p.y * h, p.z, p.visibility] for p in pts])


def test_disagreement_in_body_sizes():
    a = _rows(_landmarks())
    assert skeleton_disagreement(a, a) == 0.0
    assert skeleton_disagreement(a, _rows(_landmarks(dx=0.25))) == pytest.approx(1.0)  # moved by one torso
    assert skeleton_disagreement(a, _rows(_landmarks(dx=0.125))) == pytest.approx(0.5)


def test_left_right_swap_is_not_a_disagreement():
    assert skeleton_disagreement(_rows(_landmarks()), _rows(_landmarks(swap=True))) == pytest.approx(0.0)


def test_unseen_landmarks_are_not_compared():
    a, b = _rows(_landmarks()), _rows(_landmarks(dx=0.25, vis=0.2))
    assert np.isnan(skeleton_disagreement(a, b))


class _Fake:
    """A landmarker that answers from a list of skeletons, one per call."""

    def __init__(self, answers):
        self.answers, self.calls = list(answers), 0

    def detect(self, image):
        self.calls += 1
        return SimpleNamespace(pose_landmarks=[self.answers.pop(0)], pose_world_landmarks=[], segmentation_masks=[])


def _estimator(image_answers, every=1.0):
    pe = PoseEstimator.__new__(PoseEstimator)
    pe.config = PoseConfig(crosscheck_s=every)
    pe._image_landmarker = _Fake(image_answers)
    pe._last_check_ts, pe._locked, pe._had_pose, pe.crosschecks, pe.crosscheck_replaced = None, False, False, 0, 0
    pe._last_rows = None
    return pe


def _tracked(pts):
    return SimpleNamespace(pose_landmarks=[pts], pose_world_landmarks=[], segmentation_masks=[])


def test_locked_tracker_is_replaced_until_it_agrees_then_checked_once_a_second():
    wrong, right = _landmarks(dx=0.25), _landmarks()
    pe = _estimator([right, right, right, right])
    # 0 ms: first check, the tracker holds another skeleton -> the fresh detection is used
    assert pe._crosscheck(None, 0, _tracked(wrong), 100, 100).pose_landmarks[0] is not wrong
    # while locked, every frame is checked
    assert pe._crosscheck(None, 67, _tracked(wrong), 100, 100).pose_landmarks[0] is not wrong
    # the tracker agrees again: its own result, and no check until a second later
    assert pe._crosscheck(None, 133, _tracked(right), 100, 100).pose_landmarks[0] is right
    drift = _landmarks(dx=0.1)  # 0.4 body sizes in a frame: under a jump (0.5), which would be checked
    assert pe._crosscheck(None, 200, _tracked(drift), 100, 100).pose_landmarks[0] is drift  # not checked
    assert pe._image_landmarker.calls == 3 and pe.crosscheck_replaced == 2
    assert pe._crosscheck(None, 1133, _tracked(right), 100, 100).pose_landmarks[0] is right
    assert pe._image_landmarker.calls == 4 and pe.crosschecks == 4


def test_a_pose_found_again_is_checked_at_once():
    wrong, right = _landmarks(dx=0.25), _landmarks()
    pe = _estimator([right, right], every=5.0)
    assert pe._crosscheck(None, 0, _tracked(right), 100, 100).pose_landmarks[0] is right
    assert pe._crosscheck(None, 67, SimpleNamespace(pose_landmarks=[]), 100, 100).pose_landmarks == []  # lost
    assert pe._crosscheck(None, 133, _tracked(wrong), 100, 100).pose_landmarks[0] is not wrong  # re-detected
    assert pe._image_landmarker.calls == 2


def test_a_skeleton_that_jumps_is_checked_at_once():
    """A scene cut: the tracker carries the old scene's skeleton over and moves it to the new person over a
    few frames; a frame where the tracked trunk jumped (cuts.tracker_jumped: 0.5 body sizes) is checked, and
    the fresh detection is used until the tracker agrees."""
    old, between, new = _landmarks(), _landmarks(dx=0.15), _landmarks(dx=0.3)  # body 0.25 of the frame
    pe = _estimator([old, new, new], every=5.0)
    assert pe._crosscheck(None, 0, _tracked(old), 100, 100).pose_landmarks[0] is old  # first pose: checked
    assert pe._crosscheck(None, 67, _tracked(old), 100, 100).pose_landmarks[0] is old  # not due
    assert pe._image_landmarker.calls == 1
    assert pe._crosscheck(None, 133, _tracked(between), 100, 100).pose_landmarks[0] is not between  # jumped
    assert pe._crosscheck(None, 200, _tracked(new), 100, 100).pose_landmarks[0] is new  # agrees again
    assert pe._image_landmarker.calls == 3
    assert pe._crosscheck(None, 267, _tracked(new), 100, 100).pose_landmarks[0] is new
    assert pe._image_landmarker.calls == 3


def test_crosscheck_off():
    pe = _estimator([], every=0.0)
    wrong = _landmarks(dx=0.25)
    assert pe._crosscheck(None, 0, _tracked(wrong), 100, 100).pose_landmarks[0] is wrong
    assert pe._image_landmarker.calls == 0
