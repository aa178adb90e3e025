"""The posture maths of the synthetic renderer on a toy chain (pure numpy, no body model needed)."""
from __future__ import annotations

import numpy as np
import pytest

from backform.synth.rig import Rig, aim, rx, rz, sagittal


def toy():
    # root at the origin, a "thigh" going down 0.4 m, a "shin" another 0.4 m, a "foot" 0.1 m forward
    return Rig(["root", "hip", "knee", "ankle", "toe"], np.array([-1, 0, 1, 2, 3]),
               np.array([[0, 0, 0], [0.1, 0, 0], [0.1, 0, -0.4], [0.1, 0, -0.8], [0.1, -0.1, -0.8]], float))


def test_world_spec_overrides_parent_and_deltas_compose():
    rig = toy()
    # thigh flexed 90 deg (to the front, -y), shin given as a delta of +90 about x: back to hanging down
    W, D = rig.resolve({"hip": ("w", rx(-90)), "knee": ("d", rx(90))})
    p = rig.fk(W)
    np.testing.assert_allclose(p[2], [0.1, -0.4, 0.0], atol=1e-12)  # knee in front at hip height
    np.testing.assert_allclose(p[3], [0.1, -0.4, -0.4], atol=1e-12)  # shin hangs down again
    # world of a child = parent world @ delta
    np.testing.assert_allclose(W[2], W[1] @ D[2], atol=1e-12)
    # a world spec on the knee ignores the thigh
    W2, D2 = rig.resolve({"hip": ("w", rx(-90)), "knee": ("w", np.eye(3))})
    np.testing.assert_allclose(W2[2], np.eye(3), atol=1e-12)
    np.testing.assert_allclose(W2[1] @ D2[2], np.eye(3), atol=1e-12)


def test_aim_and_sagittal():
    for u, v in (([0, 0, -1], [0, -1, 0]), ([0.3, -0.1, -0.9], [0, 0, 1]), ([0, 0, 1], [0, 0, -1])):
        R = aim(u, v)
        np.testing.assert_allclose(R @ (np.array(u) / np.linalg.norm(u)), np.array(v) / np.linalg.norm(v), atol=1e-9)
        np.testing.assert_allclose(R.T @ R, np.eye(3), atol=1e-9)
        assert np.linalg.det(R) == pytest.approx(1.0)
    np.testing.assert_allclose(sagittal(0), [0, 0, -1], atol=1e-12)
    np.testing.assert_allclose(sagittal(90), [0, -1, 0], atol=1e-12)  # to the front
    np.testing.assert_allclose(sagittal(180), [0, 0, 1], atol=1e-12)  # overhead
    # a twist about the target keeps the aimed direction
    R = aim([0, 0, -1], [0, -1, 0], twist_deg=40)
    np.testing.assert_allclose(R @ [0, 0, -1], [0, -1, 0], atol=1e-9)
    np.testing.assert_allclose(rz(90) @ [1, 0, 0], [0, 1, 0], atol=1e-12)


def test_planner_and_registry():
    """Progress starts and ends at rest and reaches the top; every exercise has a kinematic description."""
    from backform.synth.motion import REGISTRY, plan_motion, state_at

    m = plan_motion("bridge", 1)
    ps = [state_at(m, t)["p"] for t in np.arange(0, m.duration, 0.1)]
    assert ps[0] == 0 and max(ps) == 1 and ps[-1] == 0
    assert set(REGISTRY) == {"bridge", "bird_dog", "prone_extension", "prone_arm_lift", "wall_slide"}
