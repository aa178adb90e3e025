"""prone_extension movement: arms by the sides seen from behind. The screen foreshortens the wrist's offset behind
the shoulder (-0.45..-0.49 body sizes, above hands_by_sides) and shows straight arms pointing down the screen like
a cobra's; in world landmarks the wrists sit level with the hips (clinic c5487, c5742, c5587: -0.63..-0.92 of the
hip->shoulder axis; cobras' hands by the chest -0.12..-0.42): no hand to push with, the screen's cobra rules are
off. A cobra with the same screen reading, hands by the chest, stays rejected."""
import numpy as np
from _exercise_helpers import prone_world

from backform.exercises import get
from backform.exercises.checks import FrameRecord, RepContext
from backform.exercises.counting import RepWindow
from backform.exercises.prone_extension import world_push
from backform.types import PoseFrame


def _frames(t0, t1, world, m):
    return [FrameRecord(float(t), dict(m), PoseFrame(i, t * 1000.0, 640, 360, None, world), "left", "diagonal")
            for i, t in enumerate(np.arange(t0, t1, 0.1))]


# straight arms (elbow ~180 deg in 3-D: the world cobra test stays out), wrists level with the hips / the chest
SIDES_REST = prone_world((0.5, 0.0, 0.18), (0.25, 0.0, 0.2), (0.0, 0.0, 0.22))
SIDES_TOP = prone_world((0.48, -0.12, 0.18), (0.24, -0.07, 0.2), (0.0, -0.02, 0.22))
CHEST_REST = prone_world((0.5, 0.0, 0.18), (0.45, 0.12, 0.2), (0.4, 0.25, 0.22))
CHEST_TOP = prone_world((0.48, -0.12, 0.18), (0.44, 0.06, 0.2), (0.4, 0.25, 0.22))
# the screen from behind: straight near arm pointing steeply down, wrist 0.47 body sizes behind the shoulder
SCREEN = {"head_lift_deg": 15.0, "elbow_2d_near": 158.0, "upper_arm_elev": -68.0, "wrist_ahead": -0.47,
          "wrist_height": 0.0, "body_deg": -34.0}


def _ctx(rest, top):
    return RepContext(1, RepWindow(1.0, 1.5, 7.5, 8.0, 6.0, 0.0, 15.0), _frames(1.0, 8.0, top, SCREEN),
                      _frames(0.0, 1.0, rest, SCREEN), "diagonal", "left")


def test_world_ahead_reads_hands_at_the_hips_and_by_the_chest():
    assert world_push(_frames(0, 1, SIDES_REST, {}), _frames(1, 2, SIDES_TOP, {}))["ahead"] < -0.9
    assert world_push(_frames(0, 1, CHEST_REST, {}), _frames(1, 2, CHEST_TOP, {}))["ahead"] > -0.3


def test_arms_by_the_sides_from_behind_count():
    why, _ = get("prone_extension").movement(_ctx(SIDES_REST, SIDES_TOP))
    assert why is None


def test_a_cobra_with_the_same_screen_is_still_rejected():
    why, _ = get("prone_extension").movement(_ctx(CHEST_REST, CHEST_TOP))
    assert why and "cobra" in why
