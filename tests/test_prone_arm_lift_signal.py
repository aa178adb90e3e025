"""Prone arm lift's counting signal: the arms above the shoulders plus a small share of the chest's rise, and
no signal while the pose model settles on a person just found (issue 12, round 2)."""
from __future__ import annotations

import dataclasses

import pytest
from kinematics import Camera, Plan, Rep, frames, run

from backform.exercises.prone_arm_lift import chest_share
from backform.pose.landmarks import L


def test_chest_share_counts_a_small_rise_and_fades_out_on_a_chest_lift():
    g = 0.09
    assert chest_share(float("nan"), g) == 0.0
    assert chest_share(-0.05, g) == 0.0
    assert chest_share(0.05, g) == pytest.approx(0.05)          # an arm lift's chest rise: all of it
    assert chest_share(g, g) == pytest.approx(g)
    assert 0.0 < chest_share(1.2 * g, g) < g                    # fading out
    assert chest_share(1.5 * g, g) == 0.0                       # a prone extension's chest lift: nothing
    assert chest_share(0.3, g) == 0.0


def test_a_prone_extensions_chest_lift_adds_nothing_to_the_arm_signal():
    """The chest lifts far more than in an arm lift while the arms stay by the sides: its rise above the
    hips must not join the signal (it did when the arm lift counted on the arms above the hips throughout),
    so the extension counts no more arm lifts than on the arms above the shoulders alone."""
    plan = Plan("prone_extension", [Rep(up=1.2, hold=5.5, down=1.2) for _ in range(2)])
    fr = frames(plan, fps=15.0, cam=Camera(yaw=0.0, noise_px=0.5, seed=3))
    ex = run("prone_arm_lift", fr)
    gate = ex.params.chest_gate
    held = [r for r in ex._history if r.m["chest_rise"] >= 1.5 * gate]
    assert len(held) > 100        # the holds: the chest well up
    for r in held:
        assert ex.signal(r.m) == pytest.approx(r.m["arm_height_lm"])
    alone = run("prone_arm_lift", fr, params={"chest_gate": 0.0})
    assert len(ex.reps) <= len(alone.reps)


def _low_first_frames(fr, n: int, drop: float):
    """The first ``n`` frames with the elbows and wrists read ``drop`` (normalised) lower than they are, as
    MediaPipe's first detections of a clip often read them (clinic test1 c5118)."""
    out = []
    for i, pf in enumerate(fr):
        if i < n and pf.landmarks is not None:
            lm = pf.landmarks.copy()
            for k in (L.LEFT_ELBOW, L.RIGHT_ELBOW, L.LEFT_WRIST, L.RIGHT_WRIST):
                lm[k, 1] += drop
            pf = dataclasses.replace(pf, landmarks=lm)
        out.append(pf)
    return out


@pytest.mark.parametrize("settle_s, counted", [(0.4, 2), (0.0, None)])
def test_arms_read_low_on_the_first_frames_do_not_set_the_rest(settle_s, counted):
    """A short first rep (held 2 s) whose lowering ends a little above the rest: with the rest level taken
    from the first frames (read far too low) it stays open into the second rep; the frames of the first
    ``settle_s`` give no signal, so both count."""
    plan = Plan("prone_arm_lift", [Rep(up=0.6, hold=2.0, down=0.8, rest=1.5),
                                   Rep(up=1.2, hold=5.5, down=1.2, rest=1.5)])
    fr = _low_first_frames(frames(plan, fps=15.0, cam=Camera(yaw=0.0, noise_px=0.5, seed=3)), 5, 0.12)
    ex = run("prone_arm_lift", fr, params={"settle_s": settle_s})
    if counted is None:     # the failure this guards against (if the model does not reproduce it, say so)
        assert len(ex.reps) != 2 or pytest.skip("the kinematic body does not reproduce the merge")
    else:
        assert len(ex.reps) == counted, [r.to_json() for r in ex.reps]
