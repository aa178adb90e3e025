"""Pure geometry helpers: exact values on hand-made points, NaN in -> NaN out."""
import math

import numpy as np
import pytest

from backform.pose import geometry as g
from backform.types import PoseFrame
from backform.pose.landmarks import L

NAN = float("nan")


@pytest.mark.parametrize("a,b,c,expected", [
    ((1, 0), (0, 0), (0, 1), 90.0),
    ((1, 0), (0, 0), (-1, 0), 180.0),
    ((1, 0), (0, 0), (1, 1), 45.0),
    ((1, 0, 0), (0, 0, 0), (0, 0, 1), 90.0),
])
def test_joint_angle(a, b, c, expected):
    assert g.joint_angle(a, b, c) == pytest.approx(expected)


def test_joint_angle_nan_and_degenerate():
    assert math.isnan(g.joint_angle((NAN, 0), (0, 0), (1, 0)))
    assert math.isnan(g.joint_angle((0, 0), (0, 0), (1, 0)))


def test_elevation_image_y_down_and_direction_free():
    assert g.elevation((0, 0), (10, -10)) == pytest.approx(45.0)   # b higher on screen
    assert g.elevation((0, 0), (-10, -10)) == pytest.approx(45.0)  # either way left/right
    assert g.elevation((0, 0), (10, 10)) == pytest.approx(-45.0)
    assert math.isnan(g.elevation((0, 0), (0, 0)))


def test_relative_direction_wraps():
    assert g.relative_direction((0, 0), (0, -1), (0, 0), (1, 0)) == pytest.approx(90.0)
    assert g.wrap180(270.0) == pytest.approx(-90.0)
    assert g.wrap180(-180.0) == 180.0


def test_signed_distance_and_up_sign():
    # y down: the point (0.5, -1) is above the line (0,0)->(1,0) on screen, i.e. on its left with y up
    assert g.signed_distance_to_line((0.5, -1), (0, 0), (1, 0)) == pytest.approx(1.0)
    assert g.up_sign((0, 0), (1, 0)) == 1.0
    assert g.up_sign((1, 0), (0, 0)) == -1.0


def test_roll_deg_world_y_down():
    assert g.roll_deg((0, 0, 0), (1, 0, 0)) == pytest.approx(0.0)
    assert g.roll_deg((0, 0, 0), (1, -1, 0)) == pytest.approx(45.0)   # b higher (y down)
    assert g.roll_deg((0, 0, 0), (0, 1, 1)) == pytest.approx(-45.0)


def test_view_yaw_and_classify():
    w = np.zeros((33, 3))
    w[L.LEFT_SHOULDER], w[L.RIGHT_SHOULDER] = (-0.2, 0, 0), (0.2, 0, 0)
    w[L.LEFT_HIP], w[L.RIGHT_HIP] = (-0.15, 0.5, 0), (0.15, 0.5, 0)
    assert g.view_yaw(w) == pytest.approx(0.0)
    w[:, [0, 2]] = w[:, [2, 0]]
    assert g.view_yaw(w) == pytest.approx(90.0)
    assert g.view_yaw(None) != g.view_yaw(None)  # NaN
    assert g.classify_view(0.1) == "side"
    assert g.classify_view(0.5) == "diagonal"
    assert g.classify_view(1.2) == "front"
    assert g.classify_view(NAN) is None


def test_bow_sagitta_of_a_parabola():
    u = np.linspace(0, 1, 9)
    d = 0.2 + 4 * 0.05 * u * (1 - u)  # bulges 0.05 in the middle
    assert g.bow_sagitta(u, d) == pytest.approx(0.05)
    assert math.isnan(g.bow_sagitta(u[:3], d[:3]))


def test_chord_profile_and_contour_bow():
    # a lens: upper outline bulges 0.1 of the chord above the chord (0,0)->(100,0), y down in pixels
    u = np.linspace(0, 1, 200)
    upper = np.stack([100 * u, -(10 + 40 * u * (1 - u))], 1)
    lower = np.stack([100 * u[::-1], np.full(200, 10.0)], 1)
    c = np.vstack([upper, lower])
    assert g.contour_bow(c, (0, 0), (100, 0), +1) == pytest.approx(0.1, abs=0.01)
    assert g.contour_bow(c, (0, 0), (100, 0), -1) == pytest.approx(0.0, abs=0.01)
    assert g.contour_midline_bow(c, (0, 0), (100, 0)) == pytest.approx(0.05, abs=0.01)


def test_chin_angle_sign_is_mirror_free():
    # head at the right: hip (0,0) -> shoulder (100,0); ear->nose pointing down-forward at -69 deg
    ear = np.array([150.0, 0.0])
    nose = ear + 10 * np.array([math.cos(math.radians(-69)), -math.sin(math.radians(-69))])
    assert g.chin_angle(ear, nose, (0, 0), (100, 0)) == pytest.approx(-69.0)
    # the same body mirrored (head at the left) gives the same value
    m = lambda p: np.array([-p[0], p[1]])  # noqa: E731
    assert g.chin_angle(m(ear), m(nose), m((0, 0)), m((100, 0))) == pytest.approx(-69.0)


def test_point_segment_distance():
    assert g.point_segment_distance((0, 1), (-1, 0), (1, 0)) == pytest.approx(1.0)
    assert g.point_segment_distance((3, 0), (-1, 0), (1, 0)) == pytest.approx(2.0)
    assert math.isnan(g.point_segment_distance((NAN, 0), (0, 0), (1, 0)))


def test_in_frame_margin_and_visibility():
    lm = np.zeros((33, 5), np.float32)
    lm[:, :2], lm[:, 3] = 0.5, 0.9
    lm[L.LEFT_WRIST, :2] = (0.02, 0.5)
    assert g.in_frame(lm, [L.NOSE])
    assert g.in_frame(lm, [L.LEFT_WRIST])
    assert not g.in_frame(lm, [L.LEFT_WRIST], margin=0.05)
    lm[L.NOSE, 3] = 0.1
    assert not g.in_frame(lm, [L.NOSE])
    assert not g.in_frame(None, [L.NOSE])


def test_body_scale_survives_both_views():
    pts = np.zeros((33, 2))
    pts[L.LEFT_SHOULDER], pts[L.RIGHT_SHOULDER] = (0, 0), (0, 0)
    pts[L.LEFT_HIP], pts[L.RIGHT_HIP] = (0, 100), (0, 100)
    assert g.body_scale(pts) == pytest.approx(100.0)   # side view: torso
    pts[L.LEFT_HIP], pts[L.RIGHT_HIP] = (0, 10), (80, 10)
    pts[L.RIGHT_SHOULDER] = (80, 0)
    assert g.body_scale(pts) == pytest.approx(80.0)    # head-on: shoulder width


def test_near_side_prefers_visible():
    lm = np.zeros((33, 5), np.float32)
    lm[:, 3] = 0.5
    for n in ("SHOULDER", "HIP", "KNEE", "ANKLE", "ELBOW", "WRIST"):
        lm[L[f"RIGHT_{n}"], 3] = 0.99
    pf = PoseFrame(0, 0.0, 100, 100, landmarks=lm)
    assert g.near_side(pf) == "right"
    assert g.near_side(PoseFrame(0, 0.0, 100, 100)) is None


def test_depth_below_ends_exact():
    # end peaks (0.2, 0.3) and (0.9, 0.2); the middle points (u 0.5..0.8) lie at 0: the line there averages
    # 0.3 - (0.65 - 0.2) * 0.1 / 0.7, so the middle hangs that far below it
    u = np.round(np.arange(1, 11) / 10, 10)
    d = np.array([0.1, 0.3, 0.2, 0.1, 0.0, 0.0, 0.0, 0.0, 0.2, 0.1])
    assert g.depth_below_ends(u, d) == pytest.approx(-(0.3 - 0.45 * 0.1 / 0.7), abs=1e-12)
    # a hump: the middle 0.05 above flat ends
    assert g.depth_below_ends(u, np.where((u > 0.45) & (u < 0.85), 0.25, 0.2)) == pytest.approx(0.05, abs=1e-12)
    # a straight but tilted profile has no depth
    assert g.depth_below_ends(u, 0.1 + 0.3 * u) == pytest.approx(0.0, abs=1e-12)
    # NaN: no finite point at one end, or too few in the middle
    d2 = d.copy()
    d2[8:] = np.nan
    assert math.isnan(g.depth_below_ends(u, d2))
    d3 = d.copy()
    d3[4:7] = np.nan
    assert math.isnan(g.depth_below_ends(u, d3))


def test_contour_back_depth_exact():
    # chord (0,0)->(100,0), y down in pixels; the back (upper outline) 20 px above the chord at both ends and
    # 10 px above it from x=30 to x=90: the middle lies 0.1 chord lengths below the ends' line
    x = np.arange(0, 101, dtype=float)
    h = np.where((x >= 30) & (x <= 90), 10.0, 20.0)
    upper = np.stack([x, -h], 1)
    lower = np.stack([x[::-1], np.full(x.size, 15.0)], 1)
    c = np.vstack([upper, lower])
    assert g.contour_back_depth(c, (0, 0), (100, 0), +1) == pytest.approx(-0.1, abs=1e-12)
    # a hump: 10 px above the chord, 20 px from x=42 to x=84 (inside the middle, clear of the ends): +0.1
    upper2 = np.stack([x, -np.where((x >= 42) & (x <= 84), 20.0, 10.0)], 1)
    assert g.contour_back_depth(np.vstack([upper2, lower]), (0, 0), (100, 0), +1) == pytest.approx(0.1, abs=1e-12)
    # in chord lengths: the same outline twice the size, elsewhere on screen, gives the same depth
    assert g.contour_back_depth(2 * c + (50, 80), (50, 80), (250, 80), +1) == pytest.approx(-0.1, abs=1e-12)


def test_lateral_spread_and_view_when_world_yaw_overstates_the_side():
    """MediaPipe's world yaw read a camera turned 34 deg off the side as 73 deg (clinic render c1001): the
    shoulders and hips spread across the screen (geometry.lateral_spread) make it a diagonal."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).parent))
    from kinematics import Camera, Plan, Rep, frames

    from backform.exercises.counting import frame_view
    from backform.pose.geometry import lateral_spread

    side = frames(Plan("bird_dog", [Rep()]), cam=Camera(yaw=0.0))[0]
    turned = frames(Plan("bird_dog", [Rep()]), cam=Camera(yaw=30.0))[0]
    assert lateral_spread(side.pixels()) < 0.02 and 0.2 < lateral_spread(turned.pixels()) < 0.5
    # the world landmarks as MediaPipe gives them for such a turn: nearly side-on (yaw ~80 deg)
    w = turned.world.copy()
    w[:, 0] *= 0.3
    import dataclasses
    assert frame_view(dataclasses.replace(turned, world=w)) == "diagonal"
    assert frame_view(side) == "side"
