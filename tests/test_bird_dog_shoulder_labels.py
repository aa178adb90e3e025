"""Bird dog trunk_rotation reads the working arm's shoulder against the other one by the shoulders' own labels,
not through the near side: the side tracker can flip within a rep seen nearly head-on (clinic c5466, az 61:
the near/far difference went -0.39 -> +0.37 within one hold) and the rise's sign flipped with it (clean reps
read -0.42/-0.21, a false trunk_rotation; by labels +0.31/+0.23)."""

import numpy as np

from backform.exercises.bird_dog import BirdDog, frame_measures
from backform.exercises.checks import FrameRecord, RepContext
from backform.exercises.counting import RepWindow
from backform.types import PoseFrame
from backform.pose.landmarks import L


def pose(left_y: float, right_y: float) -> PoseFrame:
    lm = np.zeros((33, 5), dtype=np.float32)
    lm[:, 0], lm[:, 1], lm[:, 3], lm[:, 4] = 0.5, 0.5, 1.0, 1.0
    lm[L.LEFT_SHOULDER, :2], lm[L.RIGHT_SHOULDER, :2] = (0.30, left_y), (0.32, right_y)
    lm[L.LEFT_HIP, :2], lm[L.RIGHT_HIP, :2] = (0.70, 0.50), (0.72, 0.50)
    return PoseFrame(index=0, timestamp_ms=0.0, width=640, height=480, landmarks=lm)


def test_the_shoulder_difference_does_not_depend_on_the_near_side():
    a = frame_measures(pose(0.40, 0.45), "left", 200)
    b = frame_measures(pose(0.40, 0.45), "right", 200)
    assert a["left_shoulder_up"] == b["left_shoulder_up"] > 0      # the left shoulder is higher on screen
    assert a["far_shoulder_up"] == -b["far_shoulder_up"]            # the near/far one flips with the side


def rise(rep_side: str, near_side_at_top: str, near_side_of_rep: str) -> float:
    """The right arm raised; its shoulder rises 0.1 torso lengths against the left one from rest to top."""
    def rec(t, up, near):
        m = frame_measures(pose(0.40, 0.40 - up), near, 200)
        return FrameRecord(t=t, m=m, pf=None, side=near, view="diagonal")
    rest = [rec(0.1 * i, 0.0, "left") for i in range(10)]
    frames = [rec(1.0 + 0.1 * i, 0.04, near_side_at_top) for i in range(30)]
    win = RepWindow(start_s=1.0, top_s=1.2, lower_s=3.8, end_s=4.0, hold_s=2.6, rest=10.0, peak=85.0)
    ctx = RepContext(n=1, window=win, frames=frames, rest=rest, view="diagonal", side=near_side_of_rep,
                     rep_side=rep_side)
    return BirdDog()._arm_shoulder_rise(ctx)


def test_the_working_shoulders_rise_keeps_its_sign_when_the_side_tracker_flips():
    values = [rise("right", top, rep) for top in ("left", "right") for rep in ("left", "right")]
    assert all(v > 0 for v in values)
    assert max(values) - min(values) < 1e-9
    assert rise("left", "right", "left") < 0     # the other arm's shoulder sank against it
