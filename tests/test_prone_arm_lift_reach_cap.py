"""Prone arm lift: an outline reaching farther out than arms can (``max_arm_reach_w`` shoulder widths) is not
the hands: elbows_straight is not checked (clinic test5 c5773, camera at the feet: 7.1 widths on a W)."""
from types import SimpleNamespace

import numpy as np

from backform.exercises.checks import Status
from backform.exercises.prone_arm_lift import ProneArmLiftParams, elbows_verdict


def _ctx(reach, rest_reach=1.2):
    def stat(key, how="median", frames=None, min_frac=None):
        if key == "arm_reach":
            return reach
        if key == "ol_arm_reach":
            return rest_reach
        if key == "hip_offset_w":
            return 0.3
        if key == "reach_cut":
            return 0.0
        return float("nan")
    return SimpleNamespace(stat=stat, rest=[])


def test_an_outline_wider_than_arms_is_not_judged():
    p = ProneArmLiftParams()
    assert elbows_verdict(_ctx(7.1), p).status == Status.NOT_CHECKED
    assert elbows_verdict(_ctx(7.1, rest_reach=4.0), p).status == Status.NOT_CHECKED
    assert elbows_verdict(_ctx(3.5), p).status == Status.FAULT      # a T (wanshape: 3.2-4.2)
    assert elbows_verdict(_ctx(1.5), p).status == Status.OK         # a W
    assert np.isfinite(p.max_arm_reach_w) and p.max_arm_reach_w > 4.2
