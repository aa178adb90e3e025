"""prone_extension arms_on_floor: a camera looking down on the body (the far hip seen above the near one) shows
the near wrist, which lies outside the knee, lower than the knee; that parallax is taken off before judging."""
import numpy as np

from backform.exercises import get
from backform.exercises.checks import FrameRecord, RepContext
from backform.exercises.counting import RepWindow


def _ctx(wrist_over_knee: float, far_hip_above: float):
    m = {"head_lift_deg": 15.0, "wrist_over_knee": wrist_over_knee, "far_hip_above": far_hip_above}
    frames = [FrameRecord(float(t), dict(m), None, "left", "side") for t in np.arange(1.0, 8.0, 0.1)]
    return RepContext(1, RepWindow(1.0, 1.5, 7.5, 8.0, 6.0, 0.0, 15.0), frames, [], "side", "left")


def test_a_high_camera_does_not_put_hovering_hands_on_the_floor():
    ex = get("prone_extension")
    thr = ex.params.floor_clearance
    assert ex._wrist_clear(_ctx(-0.21, 0.16)) > thr      # clinic c5282: 1.18-m camera, hands hovering
    assert ex._wrist_clear(_ctx(-0.21, 0.0)) < thr       # the same reading from a level camera: on the floor


def test_the_correction_is_capped_and_never_lowers():
    ex = get("prone_extension")
    assert ex._wrist_clear(_ctx(-0.30, -0.2)) == -0.30    # far hip read below the near one: no correction
    big = ex._wrist_clear(_ctx(-0.40, 5.0))
    assert abs(big - (-0.40 + ex.params.floor_parallax * ex.params.parallax_cap)) < 1e-9
    assert ex._wrist_clear(_ctx(-0.30, float("nan"))) == -0.30
