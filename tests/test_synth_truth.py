"""Synthetic ground truth: angle definitions recomputed independently, truth-file schema, motion plans.

Pure numpy: runs without the ``synth`` extra. Checks on rendered truth files use ``sample_videos/`` and are
skipped with a reason when it holds none.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from backform.pose.landmarks import NAMES
from backform.synth.motion import FAULTS, FaultSpec, plan_motion, state_at
from backform.synth.truth import ANGLE_NAMES, SCHEMA, angles, load_truth, rep_times

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_videos"
TRUTHS = sorted(SAMPLES.glob("*.truth.json"))
LABEL_REP_FIELDS = ("n", "side", "start_s", "top_s", "lower_s", "end_s", "hold_s", "faults", "either", "confidence")

needs_samples = pytest.mark.skipif(not TRUTHS, reason="no rendered truth files in sample_videos/ "
                                                      "(render them with `backform synth --all --out sample_videos`)")


def P(name):
    return NAMES.index(name)


# ------------------------------------------------------------------ independent angle computations
def law_of_cosines(a, b, c):
    """Angle at b, from side lengths only (a different route from the dot product)."""
    ab = np.linalg.norm(a - b, axis=-1)
    cb = np.linalg.norm(c - b, axis=-1)
    ac = np.linalg.norm(a - c, axis=-1)
    return np.degrees(np.arccos(np.clip((ab ** 2 + cb ** 2 - ac ** 2) / (2 * ab * cb), -1, 1)))


def elevation_asin(a, b):
    d = b - a
    return np.degrees(np.arcsin(np.clip(d[..., 2] / np.linalg.norm(d, axis=-1), -1, 1)))


def head_neck_frame(J):
    """Head-neck angle via an explicit body frame: e1 = trunk, e3 = left, e2 = e3 x e1."""
    ms = (J[:, P("left_shoulder")] + J[:, P("right_shoulder")]) / 2
    mh = (J[:, P("left_hip")] + J[:, P("right_hip")]) / 2
    me = (J[:, P("left_ear")] + J[:, P("right_ear")]) / 2
    left = J[:, P("left_hip")] - J[:, P("right_hip")]
    left /= np.linalg.norm(left, axis=-1, keepdims=True)
    out = []
    for k in range(len(J)):
        t = ms[k] - mh[k]
        t = t - np.dot(t, left[k]) * left[k]
        e1 = t / np.linalg.norm(t)
        e2 = np.cross(left[k], e1)
        h = J[k, P("nose")] - me[k]
        out.append(math.degrees(math.atan2(np.dot(h, e2), np.dot(h, e1))))
    return np.array(out)


def independent(J):
    out = {}
    for s in ("left", "right"):
        g = lambda n: J[:, P(f"{s}_{n}")]  # noqa: E731
        out[f"hip_angle_{s}"] = law_of_cosines(g("shoulder"), g("hip"), g("knee"))
        out[f"knee_angle_{s}"] = law_of_cosines(g("hip"), g("knee"), g("ankle"))
        out[f"elbow_angle_{s}"] = law_of_cosines(g("shoulder"), g("elbow"), g("wrist"))
        out[f"arm_elevation_{s}"] = elevation_asin(g("shoulder"), g("wrist"))
        out[f"leg_elevation_{s}"] = elevation_asin(g("hip"), g("ankle"))
    # sagittal angles: 2D coordinates in the plane spanned by two axes perpendicular to the hip line
    left = J[:, P("left_hip")] - J[:, P("right_hip")]
    left /= np.linalg.norm(left, axis=-1, keepdims=True)
    a1 = np.cross(left, [0.0, 0.0, 1.0]) + np.cross(left, [1.0, 0.0, 0.0]) * 1e-3
    a1 /= np.linalg.norm(a1, axis=-1, keepdims=True)
    a2 = np.cross(left, a1)
    to2 = lambda v: np.stack([np.sum(v * a1, -1), np.sum(v * a2, -1), np.zeros(len(v))], -1)  # noqa: E731
    for s in ("left", "right"):
        g = lambda n: to2(J[:, P(f"{s}_{n}")])  # noqa: E731
        out[f"hip_angle_sagittal_{s}"] = law_of_cosines(g("shoulder"), g("hip"), g("knee"))
        out[f"knee_angle_sagittal_{s}"] = law_of_cosines(g("hip"), g("knee"), g("ankle"))
    mh = (J[:, P("left_hip")] + J[:, P("right_hip")]) / 2
    ms = (J[:, P("left_shoulder")] + J[:, P("right_shoulder")]) / 2
    out["trunk_elevation"] = elevation_asin(mh, ms)
    out["head_neck"] = head_neck_frame(J)
    out["trunk_rotation"] = elevation_asin(J[:, P("right_shoulder")], J[:, P("left_shoulder")])
    out["pelvis_rotation"] = elevation_asin(J[:, P("right_hip")], J[:, P("left_hip")])
    return out


def standing_joints():
    """A hand-made standing skeleton (x = subject's left, -y front, z up), metres."""
    J = np.zeros((33, 3))
    for s, x in (("left", 1.0), ("right", -1.0)):
        J[P(f"{s}_shoulder")] = (0.18 * x, 0, 1.40)
        J[P(f"{s}_elbow")] = (0.20 * x, 0, 1.12)
        J[P(f"{s}_wrist")] = (0.20 * x, -0.25, 1.12)  # elbow bent 90 deg, forearm forward
        J[P(f"{s}_hip")] = (0.10 * x, 0, 0.90)
        J[P(f"{s}_knee")] = (0.10 * x, 0, 0.48)
        J[P(f"{s}_ankle")] = (0.10 * x, 0, 0.08)
        J[P(f"{s}_ear")] = (0.07 * x, 0.0, 1.60)
        for n in ("eye_inner", "eye", "eye_outer"):
            J[P(f"{s}_{n}")] = (0.03 * x, -0.09, 1.63)
        J[P(f"mouth_{s}")] = (0.02 * x, -0.09, 1.55)
        for n in ("pinky", "index", "thumb"):
            J[P(f"{s}_{n}")] = J[P(f"{s}_wrist")] + (0, -0.05, 0)
        J[P(f"{s}_heel")] = (0.10 * x, 0.05, 0.02)
        J[P(f"{s}_foot_index")] = (0.10 * x, -0.15, 0.02)
    J[P("nose")] = (0, -0.11, 1.60)
    return J[None]


def test_angles_on_a_hand_made_skeleton():
    a = angles(standing_joints())
    assert a["knee_angle_left"][0] == pytest.approx(180.0, abs=1e-6)
    assert 165 < a["hip_angle_right"][0] < 175  # shoulders wider than hips
    assert a["trunk_elevation"][0] == pytest.approx(90.0, abs=1e-6)
    assert a["leg_elevation_left"][0] == pytest.approx(-90.0, abs=1e-6)
    assert a["trunk_rotation"][0] == pytest.approx(0.0, abs=1e-6)
    # elbow: upper arm nearly vertical, forearm forward -> about 90 deg
    assert 85 < a["elbow_angle_left"][0] < 95
    # head: ear -> nose points forward, trunk up: neutral = +90
    assert a["head_neck"][0] == pytest.approx(90.0, abs=0.01)
    # chin poke: nose higher than the ear -> smaller angle
    J = standing_joints()
    J[0, P("nose")] += (0, 0, 0.05)
    assert angles(J)["head_neck"][0] < 70


def test_angles_match_an_independent_computation_on_random_poses():
    rng = np.random.default_rng(0)
    J = standing_joints().repeat(50, axis=0) + rng.normal(0, 0.05, (50, 33, 3))
    a, b = angles(J), independent(J)
    for k in ANGLE_NAMES:
        np.testing.assert_allclose(a[k], b[k], atol=1e-6, err_msg=k)


@needs_samples
@pytest.mark.parametrize("path", TRUTHS, ids=lambda p: p.name.replace(".truth.json", ""))
def test_written_angles_match_joints(path):
    doc = load_truth(path)
    fd = doc["frames_data"]
    J = fd["joints3d"]  # mm-rounded in the file: allow the rounding
    ref = independent(J)
    for k in ANGLE_NAMES:
        got = np.asarray(fd["angles"][k], float)
        ok = np.isfinite(ref[k])
        assert np.nanmax(np.abs(got[ok] - ref[k][ok])) < 1.5, k


@needs_samples
@pytest.mark.parametrize("path", TRUTHS, ids=lambda p: p.name.replace(".truth.json", ""))
def test_truth_schema(path):
    raw = json.loads(path.read_text())
    assert raw["schema"] == SCHEMA
    for key in ("clip", "exercise", "variant", "fps", "width", "height", "frames", "camera", "reps", "faults",
                "landmark_names", "frames_data", "view", "near_side", "rep_count", "seed"):
        assert key in raw, key
    assert raw["exercise"] in FAULTS
    assert raw["landmark_names"] == list(NAMES)
    assert (path.parent / raw["clip"]).is_file()
    n = raw["frames"]
    fd = raw["frames_data"]
    assert len(fd["t_s"]) == n and len(fd["joints3d"]) == n and len(fd["joints2d"]) == n
    assert np.asarray(fd["joints3d"]).shape == (n, 33, 3)
    assert np.asarray(fd["joints2d"]).shape == (n, 33, 2)
    for k in ANGLE_NAMES:
        assert len(fd["angles"][k]) == n
    assert raw["rep_count"] == len(raw["reps"])
    for r in raw["reps"]:
        for f in LABEL_REP_FIELDS:
            assert f in r, f
        assert r["start_s"] < r["top_s"] <= r["lower_s"] < r["end_s"]
        assert r["hold_s"] == pytest.approx(r["lower_s"] - r["top_s"], abs=1e-3)
        assert set(r["faults"]) <= set(FAULTS[raw["exercise"]])
    for f in raw["faults"]:
        assert f["code"] in FAULTS[raw["exercise"]] and f["rep"] >= 1 and "magnitude" in f
    # 2D = projection of 3D through the written camera
    doc = load_truth(path)
    cam = raw["camera"]
    K, R, t = np.array(cam["K"]), np.array(cam["R"]), np.array(cam["t"])
    X = doc["frames_data"]["joints3d"] @ R.T + t
    uv = X[..., :2] / X[..., 2:3] * [K[0, 0], K[1, 1]] + [K[0, 2], K[1, 2]]
    assert np.max(np.abs(uv - doc["frames_data"]["joints2d"])) < 1.0  # 1 mm joint rounding, 0.1 px storage


@needs_samples
def test_injected_faults_move_the_angles_they_should():
    """Each fault clip differs from its exercise's clean clip where the fault says (top of rep 1)."""
    def top(ex, variant, key):
        for p in TRUTHS:
            d = json.loads(p.read_text())
            if d["exercise"] == ex and d["variant"] == variant:
                r = d["reps"][0]
                t = np.asarray(d["frames_data"]["t_s"])
                m = (t >= r["top_s"]) & (t <= r["lower_s"])
                return float(np.nanmedian(np.asarray(d["frames_data"]["angles"][key])[m]))
        pytest.skip(f"{ex} {variant} not rendered")

    # bridge: hips low -> smaller shoulder-hip-knee angle at the top
    # (the 25 deg default is at the joint centres; surface landmarks see about half of it)
    assert top("bridge", "clean", "hip_angle_sagittal_left") > 172
    assert top("bridge", "hips_low", "hip_angle_sagittal_left") < top("bridge", "clean", "hip_angle_sagittal_left") - 9
    # bird dog: rep 1 works the left arm; arm low / high relative to horizontal
    assert abs(top("bird_dog", "clean", "arm_elevation_left")) < 8
    assert top("bird_dog", "arm_low", "arm_elevation_left") < -15
    assert top("bird_dog", "arm_high", "arm_elevation_left") > 15
    assert top("bird_dog", "leg_high", "leg_elevation_right") > top("bird_dog", "clean", "leg_elevation_right") + 12
    assert abs(top("bird_dog", "trunk_rotation", "trunk_rotation")) > 12
    # prone: chin poke -> smaller head-neck angle at the top
    assert top("prone_extension", "chin_not_tucked", "head_neck") < top("prone_extension", "clean", "head_neck") - 12
    assert top("prone_arm_lift", "elbows_straight", "elbow_angle_left") > 150
    assert top("prone_arm_lift", "clean", "elbow_angle_left") < 120
    # wall slide: arms not overhead -> lower arm elevation (40 deg less shoulder flexion, partly offset by
    # leaning less toward the wall); lumbar arch shows in the kinematic truth
    assert top("wall_slide", "arms_not_overhead", "arm_elevation_left") < \
        top("wall_slide", "clean", "arm_elevation_left") - 12
    assert top("bird_dog", "leg_low", "leg_elevation_right") < -15


# ------------------------------------------------------------------ motion plans
def test_fault_parsing_and_plans():
    f = FaultSpec.parse("lumbar_arch:30@2", "bridge")
    assert (f.code, f.magnitude, f.reps) == ("lumbar_arch", 30.0, (2,))
    assert FaultSpec.parse("hips_low", "bridge").magnitude == FAULTS["bridge"]["hips_low"][0]
    with pytest.raises(ValueError, match="valid"):
        FaultSpec.parse("nope", "bridge")
    m = plan_motion("bird_dog", 3, [FaultSpec.parse("same_side", "bird_dog")])
    assert [r.side for r in m.reps] == ["left", "left", "left"]
    assert "same_side" not in m.reps[0].faults and "same_side" in m.reps[1].faults
    m = plan_motion("bird_dog", 3)
    assert [r.side for r in m.reps] == ["left", "right", "left"]
    # a repeat after alternating (the sample clip bird_dog_same_side): L, R, R
    m = plan_motion("bird_dog", 3, [FaultSpec.parse("same_side@3", "bird_dog")])
    assert [r.side for r in m.reps] == ["left", "right", "right"]
    assert ["same_side" in r.faults for r in m.reps] == [False, False, True]
    m = plan_motion("bridge", 2, [FaultSpec.parse("short_hold:0.5", "bridge")])
    assert all(r.hold == 0.5 for r in m.reps)
    m = plan_motion("wall_slide", 1, [FaultSpec.parse("no_pause", "wall_slide")])
    assert m.reps[0].hold == 0.0


def test_rep_times_follow_the_label_definitions():
    m = plan_motion("bridge", 2)
    t = np.arange(0, m.duration, 1 / 30)
    p = np.array([state_at(m, x)["p"] for x in t])
    rows = rep_times(t, p, [(r.t_up - 0.5, r.t_end + 0.5) for r in m.reps])
    for r, row in zip(m.reps, rows):
        assert r.t_up < row["start_s"] < row["top_s"] <= r.t_top + 1 / 30
        assert r.t_down - 1 / 30 <= row["lower_s"] < row["end_s"] < r.t_end
        assert row["hold_s"] == pytest.approx(row["lower_s"] - row["top_s"], abs=1e-6)
        assert row["hold_s"] > r.hold  # 92% plateau is a little wider than the exact hold
        # crossings interpolated between frames: the eased rise crosses 92% at x = acos(1 - 2 * 0.92) / pi
        x92 = math.acos(1 - 2 * 0.92) / math.pi
        assert row["top_s"] == pytest.approx(r.t_up + r.up * x92, abs=2e-3)
        assert row["lower_s"] == pytest.approx(r.t_down + r.down * (1 - x92), abs=2e-3)


@needs_samples
def test_truth_files_match_the_sample_set():
    """Each rendered sample clip has the reps, sides, faults-per-rep, magnitude and view its preset asks for."""
    from backform.synth.presets import sample_set

    specs = {s.clip_name(): s for s in sample_set()}
    for path in TRUTHS:
        d = json.loads(path.read_text())
        name = path.name.replace(".truth.json", "")
        if name not in specs:
            continue
        s = specs[name]
        plan = plan_motion(s.exercise, s.reps, s.faults, start_side=s.start_side)
        assert d["rep_count"] == s.reps, name
        assert d["view"] == s.view and d["near_side"] == s.near_side, name
        assert [r["side"] for r in d["reps"]] == [r.side for r in plan.reps], name
        assert [sorted(r["faults"]) for r in d["reps"]] == [sorted(r.faults) for r in plan.reps], name
        for f in d["faults"]:
            assert f["magnitude"] == pytest.approx(s.faults[0].magnitude), name
    # the clips whose fault is judged against the person's own clean rep keep a clean rep before it
    assert [r.faults for r in plan_motion("bridge", 2, specs["bridge_lumbar_arch_s102"].faults).reps][0] == {}
    for name in ("bird_dog_back_sag_s108", "bird_dog_back_arch_s109"):
        reps = plan_motion("bird_dog", 3, specs[name].faults).reps
        assert [r.side for r in reps] == ["left", "right", "left"] and not reps[0].faults and reps[2].faults
