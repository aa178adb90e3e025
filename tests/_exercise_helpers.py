"""Shared helpers of the per-exercise tests: run a kinematic plan through a checker, compare with truth."""
from __future__ import annotations

import numpy as np
from kinematics import Camera, Plan, Rep, frames, run

from backform.pose.landmarks import side as _side


def check(exercise: str, reps: list[Rep], *, yaw: float = 0.0, noise_px: float = 0.5, params=None,
          baseline=None, dropouts=(), fps: float = 15.0, contour: bool = True):
    plan = Plan(exercise, reps)
    ex = run(exercise, frames(plan, fps=fps, cam=Camera(yaw=yaw, noise_px=noise_px, seed=3), dropouts=dropouts,
                               contour=contour), params=params, baseline=baseline)
    return ex, plan.truth()


def assert_matches(ex, truth, hold_tol: float = 0.3, ignore: tuple[str, ...] = ()):
    """Exact rep count, faults exactly as injected (per rep), holds within ``hold_tol`` of the truth."""
    assert len(ex.reps) == len(truth), [r.to_json() for r in ex.reps]
    for r, t in zip(ex.reps, truth):
        got = sorted(set(r.faults) - set(ignore))
        assert got == sorted(set(t["faults"]) - set(ignore)), (r.n, r.to_json(), t)
        assert abs(r.hold_s - t["hold_s"]) <= hold_tol, (r.n, r.hold_s, t["hold_s"])
        assert abs(r.start_s - t["start_s"]) <= 0.3 and abs(r.end_s - t["end_s"]) <= 0.3, (r.to_json(), t)
        if t["side"] is not None:
            assert r.side == t["side"]


def prone_world(shoulder, elbow, wrist) -> np.ndarray:
    """Hip-centred world landmarks of a prone body (y down, head toward +x), both arms mirrored across z."""
    W = np.zeros((33, 3), dtype=np.float32)
    for s, k in (("left", 1.0), ("right", -1.0)):
        for name, p in (("shoulder", shoulder), ("elbow", elbow), ("wrist", wrist)):
            W[_side(name, s)] = (p[0], p[1], k * p[2])
        W[_side("hip", s)] = (0.0, 0.0, k * 0.1)
    return W
