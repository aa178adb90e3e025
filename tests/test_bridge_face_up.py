"""Bridge: the face-up test that tells lying on the back from a clamshell keeps bridges filmed from high up
(clinic c5915: face_up 0.80-0.90 with the shoulder line tipped, side_lying 0.52-0.59) and still rejects
clamshells (clip medians <= 0.55 over clinic tuning..test5)."""
import numpy as np

from backform.exercises.bridge import BridgeParams, face_up
from backform.pose.landmarks import L
from backform.types import PoseFrame


def _frame(face_deg_from_up: float) -> PoseFrame:
    W = np.zeros((33, 3), np.float32)
    W[L.LEFT_EAR], W[L.RIGHT_EAR] = [-0.75, 0, -0.08], [-0.75, 0, 0.08]
    a = np.radians(face_deg_from_up)
    W[L.NOSE] = np.array([-0.75, 0, 0]) + 0.1 * np.array([np.sin(a), -np.cos(a), 0.0])   # y down: up is -y
    return PoseFrame(0, 0.0, 640, 480, landmarks=np.zeros((33, 5), np.float32), world=W)


def test_face_tipped_like_a_high_camera_diagonal_still_counts_as_lying_on_the_back():
    p = BridgeParams()
    assert abs(face_up(_frame(0.0)) - 1.0) < 1e-6
    # c5915's low readings (0.80): the face 37 deg off the ceiling
    assert face_up(_frame(37.0)) >= p.min_face_up


def test_clamshell_face_stays_under_the_limit_with_margin():
    p = BridgeParams()
    # the most face-up clamshell clip median (0.55) and 0.15 above it stay under the limit
    assert face_up(_frame(float(np.degrees(np.arccos(0.55))))) + 0.15 < p.min_face_up
