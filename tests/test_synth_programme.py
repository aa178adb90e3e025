"""The rendered-programme timeline (backform.synth.programme): truth consistent with the motion, no pose jumps.

Pure numpy on a toy rig (no anny, no rendering)."""
from __future__ import annotations

import numpy as np
import pytest

from backform.exercises import spec
from backform.synth.motion import FaultSpec, state_at
from backform.synth.programme import DEFAULT_BLOCKS, Block, Programme, deltas, slerp
from backform.synth.rig import Rig, rx, rz

from test_synth_clinic import toy_rig

RIG: Rig = toy_rig()
WALL_FIRST = [Block("wall_slide", 2), Block("bird_dog", 2, (FaultSpec("back_sag", 25.0, (2,)),), "right"),
              Block("prone_arm_lift", 2), Block("bridge", 2)]


@pytest.fixture(scope="module", params=["mat_first", "wall_first"])
def prog(request) -> Programme:
    return Programme(RIG, DEFAULT_BLOCKS if request.param == "mat_first" else WALL_FIRST)


def _progress(prog: Programme, t: np.ndarray) -> np.ndarray:
    """The exercises' progress at ``t`` straight from their motion plans (nan outside the blocks)."""
    p = np.full(len(t), np.nan)
    for pc in prog.pieces:
        if pc.kind == "exercise":
            m = (t >= pc.start_s) & (t < pc.end_s)
            p[m] = [state_at(pc.motion, float(x - pc.start_s))["p"] for x in t[m]]
    return p


def _joints(prog: Programme, times) -> np.ndarray:
    """Bone heads in the room (root x, y from the programme; dropped onto the floor as the renderer does)."""
    out = []
    for x in times:
        bp = prog.pose_at(float(x))
        h = RIG.fk(bp.W)
        h[:, :2] += bp.xy
        h[:, 2] -= h[:, 2].min()
        out.append(h)
    return np.stack(out)


def test_pieces_tile_the_timeline(prog):
    assert prog.pieces[0].start_s == 0.0
    for a, b in zip(prog.pieces, prog.pieces[1:]):
        assert b.start_s == pytest.approx(a.end_s)
        assert b.end_s > b.start_s
    assert prog.pieces[-1].end_s == pytest.approx(prog.duration)
    names = [pc.name for pc in prog.pieces if pc.kind == "transition"]
    for want in ("get down", "lower to prone", "roll over"):
        assert want in names
    assert ("walk to the wall" in names) or ("walk to the mat" in names)
    for pc in prog.pieces:
        if pc.kind == "transition":
            assert 1.9 <= pc.end_s - pc.start_s <= 8.0, pc


def test_truth_consistent_with_motion(prog):
    t = np.arange(int(prog.duration * 15) + 1) / 15
    truth = prog.truth(t, _progress(prog, t))
    ex = [pc for pc in prog.pieces if pc.kind == "exercise"]
    assert [g["exercise"] for g in truth["segments"]] == [pc.name for pc in ex]
    spans = sorted([(g["start_s"], g["end_s"]) for g in truth["segments"]]
                   + [(o["start_s"], o["end_s"]) for o in truth["other"]])
    assert spans[0][0] == 0 and spans[-1][1] == pytest.approx(prog.duration, abs=1e-3)
    assert all(b[0] == pytest.approx(a[1], abs=1e-3) for a, b in zip(spans, spans[1:]))  # no gap, no overlap
    assert len(truth["reps"]) == sum(g["rep_count"] for g in truth["segments"])
    for g, pc in zip(truth["segments"], ex):
        assert g["rep_count"] == len(pc.motion.reps) >= 2
        for r, mr in zip(g["reps"], pc.motion.reps):
            up, top = pc.start_s + mr.t_up, pc.start_s + mr.t_top
            down, end = pc.start_s + mr.t_down, pc.start_s + mr.t_end
            assert g["start_s"] < up < r["start_s"] < r["top_s"] <= top + 1e-3  # 8% / 92% of the way up
            assert down - 1e-3 <= r["lower_s"] < r["end_s"] < end < g["end_s"]
            assert r["side"] == mr.side
            # the pose the renderer draws holds the same progress as the truth's timeline
            assert prog.pose_at(up - 0.05).p == pytest.approx(0.0, abs=1e-6)
            assert prog.pose_at(0.5 * (top + down)).p == pytest.approx(1.0)
            assert prog.pose_at(end + 0.05).p == pytest.approx(0.0, abs=1e-6)
    for o in truth["other"]:
        assert np.isnan(prog.pose_at(0.5 * (o["start_s"] + o["end_s"])).p)


def test_each_block_starts_in_its_exercise_posture(prog):
    for pc in prog.pieces:
        if pc.kind == "exercise":
            assert prog._posture_of(prog.pose_at(pc.start_s + 0.01)) == spec(pc.name).posture


def test_transitions_are_continuous(prog):
    """No jump at any boundary between pieces, and transitions move at human speeds (frames at 30 fps)."""
    dt = 1 / 30
    for pc in prog.pieces[1:]:
        h = _joints(prog, [pc.start_s - dt, pc.start_s - 1e-6, pc.start_s + 1e-6, pc.start_s + dt])
        step = np.linalg.norm(np.diff(h, axis=0), axis=2).max(1)
        assert step[1] < 0.01, (pc.name, step)  # across the boundary itself
        assert step.max() < 0.12, (pc.name, step)
        W0, W1 = prog.pose_at(pc.start_s - 1e-6).W, prog.pose_at(pc.start_s + 1e-6).W
        ang = np.degrees(np.arccos(np.clip((np.einsum("bji,bji->b", W0, W1) - 1) / 2, -1, 1)))
        assert ang.max() < 1.0, (pc.name, ang.max())
    for pc in prog.pieces:
        if pc.kind == "exercise":
            continue
        h = _joints(prog, np.arange(pc.start_s, pc.end_s, dt))
        v = np.linalg.norm(np.diff(h, axis=0), axis=2).max(1) / dt
        assert v.max() < 4.0, (pc.name, v.max())  # m/s: a swinging foot, not a teleport
        assert h[:, :, 2].min() >= -1e-9


def test_deltas_and_slerp():
    Wa = np.stack([rz(10.0 * i) @ rx(5.0 * i) for i in range(len(RIG.labels))])
    Wb = np.stack([rx(-20.0) @ w for w in Wa])
    D = deltas(RIG, Wa)
    posture = {lab: ("d", D[i]) for i, lab in enumerate(RIG.labels)}
    assert np.allclose(RIG.resolve(posture)[0], Wa, atol=1e-9)
    assert np.allclose(slerp(Wa, Wb, 0.0), Wa, atol=1e-9) and np.allclose(slerp(Wa, Wb, 1.0), Wb, atol=1e-9)
    mid = slerp(Wa, Wb, 0.5)
    assert np.allclose(mid, np.stack([rx(-10.0) @ w for w in Wa]), atol=1e-9)


def test_quaternions_round_trip():
    from backform.synth.programme import _mat, _quat
    from backform.synth.rig import axis_angle
    rng = np.random.default_rng(0)
    R = np.stack([axis_angle(rng.normal(size=3), float(a)) for a in rng.uniform(-180, 180, 200)]
                 + [rz(180.0), rx(180.0), np.eye(3)])
    assert np.allclose(_mat(_quat(R)), R, atol=1e-9)
