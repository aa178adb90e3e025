"""The synthetic clinic's generator (pure numpy: no body model, no rendering): deterministic sampling, truth
times that follow the motion, look-alike motions that never do what the exercise they are taken for does,
and bench/clinic.py's scoring on a tiny hand-made recording."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from backform.synth.clinic import DIMS, EASINGS, ease, progress, sample, state_at, truth, verdict
from backform.synth.lookalikes import ANALYSED_AS, LOOKALIKES
from backform.synth.motion import EXERCISES, REGISTRY
from backform.synth.rig import Rig

ROOT = Path(__file__).resolve().parents[1]
SEEDS = range(1000, 1120)


# ------------------------------------------------------------------------------------ a toy humanoid rig
def toy_rig() -> Rig:
    """The bones the postures use, at rest (x = the person's left, -y front, z up, root at the pelvis)."""
    bones = [("root", None, (0, 0, 0)), ("spine05", "root", (0, 0, 0.02)), ("spine04", "spine05", (0, 0, 0.08)),
             ("spine03", "spine04", (0, 0, 0.15)), ("spine02", "spine03", (0, 0, 0.25)),
             ("spine01", "spine02", (0, 0, 0.35)), ("neck01", "spine01", (0, 0, 0.50)),
             ("neck02", "neck01", (0, 0, 0.54)), ("neck03", "neck02", (0, 0, 0.58)), ("head", "neck03", (0, 0, 0.62))]
    for s, x in (("L", 1.0), ("R", -1.0)):
        bones += [(f"upperarm01.{s}", "spine01", (0.18 * x, 0, 0.45)),
                  (f"lowerarm01.{s}", f"upperarm01.{s}", (0.18 * x, 0, 0.17)),
                  (f"wrist.{s}", f"lowerarm01.{s}", (0.18 * x, 0, -0.08)),
                  (f"finger3-1.{s}", f"wrist.{s}", (0.18 * x, 0, -0.16)),
                  (f"upperleg01.{s}", "root", (0.09 * x, 0, -0.05)),
                  (f"lowerleg01.{s}", f"upperleg01.{s}", (0.09 * x, 0, -0.48)),
                  (f"foot.{s}", f"lowerleg01.{s}", (0.09 * x, 0, -0.90)),
                  (f"toe2-1.{s}", f"foot.{s}", (0.09 * x, -0.15, -0.95))]
    names = [b[0] for b in bones]
    parents = np.array([-1 if p is None else names.index(p) for _, p, _ in bones])
    return Rig(names, parents, np.array([h for _, _, h in bones], float))


RIG = toy_rig()


def placed(impl, st: dict, ctx: dict) -> dict[str, np.ndarray]:
    """World bone heads of one state, dropped onto the floor as the renderer does (bones, not the mesh)."""
    pose = impl.posture(RIG, st, ctx)
    heads = RIG.fk(RIG.resolve(pose.posture)[0]) + np.asarray(pose.translation, float)
    if pose.floor == "min":
        heads[:, 2] -= heads[:, 2].min()
    return {n: heads[i] for i, n in enumerate(RIG.labels)}


def states(impl, kin: dict, side="left"):
    ctx = impl.prepare(RIG, None, dict(front_depth=0.12))
    for p in np.linspace(0.0, 1.0, 6):
        yield p, placed(impl, dict(p=float(p), lift=0.0, side=side, faults=dict(kin), t=float(p) * 3.0), ctx)


def height(h, name):
    return float(h[name][2])


# ------------------------------------------------------------------------------------------- sampling
def test_sampling_is_deterministic_per_seed():
    for s in (1000, 1234, 5000):
        assert json.dumps(sample(s).to_json()) == json.dumps(sample(s).to_json())
        assert json.dumps(truth(sample(s))) == json.dumps(truth(sample(s)))
    assert sample(1000).to_json() != sample(1001).to_json()


def test_the_range_covers_what_the_issue_asks():
    specs = [sample(s) for s in range(1000, 1250)]
    motions = {s.motion for s in specs}
    assert set(EXERCISES) <= motions and set(LOOKALIKES) <= motions
    assert 0.12 < np.mean([s.negative for s in specs]) < 0.3
    assert {s.fps for s in specs} >= {15.0, 30.0} and max(s.fps for s in specs) <= 60
    heights = [s.height for s in specs]
    assert min(heights) >= 360 and max(heights) >= 720 and np.mean([h <= 480 for h in heights]) > 0.7
    az = [s.camera["azimuth_deg"] for s in specs]
    assert min(az) < -40 and max(az) > 40
    walls = [s.camera for s in specs if s.motion == "wall_slide"]
    assert all(c["azimuth_deg"] < 0 for c in walls if not c.get("wall_end"))   # from the side or behind the wall
    assert any(c.get("wall_end") for c in walls) and all(30 <= c["azimuth_deg"] <= 50 for c in walls
                                                          if c.get("wall_end"))   # or past its end, face side
    cams = [s.camera["height_m"] for s in specs if not s.camera["standing"]]
    assert min(cams) < 0.25 and max(cams) > 1.0 and max(cams) <= 1.2
    assert any(s.camera["cut"] for s in specs) and any(s.camera["roll_deg"] for s in specs)
    assert any(s.cut["start"] for s in specs) and any(s.cut["end"] for s in specs)
    kinds = {m.kind for s in specs for m in s.moves}
    assert {"full", "partial", "aborted", "lookalike"} <= kinds
    assert {m.ease_up for s in specs for m in s.moves} == set(EASINGS)
    assert any(m.overshoot for s in specs for m in s.moves)
    assert {s.variant.get("arms") for s in specs if s.motion == "prone_extension"} == {"sides", "shoulders"}
    assert {s.variant.get("lift_off") for s in specs if s.motion == "wall_slide"} == {True, False}
    # faults swept over magnitude: clean, grey and meaningful magnitudes of the bridge's lumbar arch
    arch = [r["magnitudes"]["lumbar_arch"] for s in specs if s.motion == "bridge" for r in truth(s)["reps"]
            if "lumbar_arch" in r["magnitudes"]]
    assert min(arch) < 5 and max(arch) > 30 and any(10 <= a < 20 for a in arch)
    # bird dog: the working arm on the near and on the far side
    near = {r["working_arm_near"] for s in specs if s.motion == "bird_dog" for r in truth(s)["reps"]}
    assert near == {True, False}


def test_look_alikes_are_labelled_with_a_wrong_exercise():
    for name in LOOKALIKES:
        want = ANALYSED_AS[name]
        for ex in (want if isinstance(want, tuple) else (want,)):
            assert ex in EXERCISES and ex != name


# ---------------------------------------------------------------------------------------------- truth
def test_easings_run_from_rest_to_the_top():
    for kind in EASINGS:
        assert ease(kind, 0.0) == pytest.approx(0.0) and ease(kind, 1.0) == pytest.approx(1.0)
        assert ease(kind, 1.0, overshoot=0.06) == pytest.approx(1.0)
        ys = [ease(kind, x) for x in np.linspace(0, 1, 50)]
        assert all(b >= a - 1e-12 for a, b in zip(ys, ys[1:]))
    assert max(ease("cosine", x, 0.06) for x in np.linspace(0, 1, 200)) > 1.02


def test_truth_times_follow_the_motion():
    """start/end at 8% of the rep's own range, top/lower the first/last time at 92%, on the recording's clock."""
    checked = 0
    for s in SEEDS:
        spec = sample(s)
        moves = {m.n: m for m in spec.moves}
        for r in truth(spec)["reps"]:
            m = moves[r["n"]]
            tau = lambda t: t + spec.t0  # noqa: E731
            assert r["start_s"] < r["top_s"] <= r["lower_s"] < r["end_s"]
            assert progress(m, tau(r["start_s"])) == pytest.approx(0.08 * m.amp, abs=0.01 * m.amp)
            assert progress(m, tau(r["top_s"])) == pytest.approx(0.92 * m.amp, abs=0.01 * m.amp)
            assert progress(m, tau(r["lower_s"])) >= 0.91 * m.amp
            assert progress(m, tau(r["end_s"])) == pytest.approx(0.08 * m.amp, abs=0.01 * m.amp)
            assert r["hold_s"] == pytest.approx(r["lower_s"] - r["top_s"], abs=0.002)
            mid = 0.5 * (r["top_s"] + r["lower_s"])
            assert state_at(spec, tau(mid))["p"] >= 0.91 * m.amp
            checked += 1
    assert checked > 200


def test_truth_counts_and_faults_follow_the_definitions():
    for s in SEEDS:
        spec = sample(s)
        tr = truth(spec)
        if spec.negative:
            assert tr["rep_count_ok"] == [0]
            assert all(r["counts"] == "no" and not r["faults"] for r in tr["reps"])
            continue
        yes = sum(r["counts"] == "yes" for r in tr["reps"])
        either = sum(r["counts"] == "either" for r in tr["reps"])
        assert tr["rep_count_ok"] == list(range(yes, yes + either + 1))
        dims = {d.code: d for d in DIMS[spec.exercise]}
        for r in tr["reps"]:
            if r["kind"] == "aborted":
                assert r["counts"] == "no" and not r["faults"]
            if r["kind"] == "partial" or r["cut"] == "start":
                assert r["counts"] == "either" and not r["faults"]
            if r["counts"] != "yes":
                continue
            for code, m in r["magnitudes"].items():
                v = verdict(dims[code], m)
                assert (code in r["faults"]) == (v == "fault"), (s, r["n"], code, m)
                if v == "either":
                    assert code in r["either"]
            assert not set(r["faults"]) & set(r["either"])
            if spec.exercise == "wall_slide" and not spec.variant.get("lift_off"):
                assert "no_lift_off" in r["either"]   # an accepted variant, never a required fault


def test_time_magnitudes_come_from_the_truth_times():
    for s in SEEDS:
        tr = truth(sample(s))
        if tr["negative"]:
            continue
        for r in tr["reps"]:
            if r["counts"] != "yes":
                continue
            if tr["exercise"] == "bridge":
                assert r["magnitudes"]["fast_lowering"] == pytest.approx(max(0.0, 0.6 - r["lowering_s"]), abs=0.002)
            if tr["exercise"] == "wall_slide":
                assert r["magnitudes"]["no_pause"] == pytest.approx(max(0.0, 0.8 - r["hold_s"]), abs=0.002)
            elif "short_hold" in r["magnitudes"] and r["magnitudes"]["short_hold"] >= 40:
                assert r["hold_s"] <= 0.6 * tr["hold_target_s"] + 0.01


# --------------------------------------------------------------------------------- look-alike motions
def test_quadruped_look_alikes_never_raise_an_arm():
    """Donkey kick, fire hydrant, cat-cow: both hands stay on the floor (a bird dog raises one)."""
    for name, kin in (("donkey_kick", {"kick": -20.0}), ("fire_hydrant", {"abduction": 70.0}),
                      ("cat_cow", {"bend": 25.0})):
        impl = LOOKALIKES[name]
        for side in ("left", "right"):
            lifted = 0.0
            rest = None
            for p, h in states(impl, kin, side):
                rest = rest or h
                for s in "LR":   # the hands stay where they were (on the floor)
                    assert abs(height(h, f"wrist.{s}") - height(rest, f"wrist.{s}")) < 0.05, (name, side, p, s)
                low_knee = min(height(h, "lowerleg01.L"), height(h, "lowerleg01.R"))
                assert low_knee < height(rest, "lowerleg01.L") + 0.05, (name, p)   # a support knee stays down
                lifted = max(lifted, max(height(h, "lowerleg01.L"), height(h, "lowerleg01.R"))
                             - height(rest, "lowerleg01.L"))
            if name != "cat_cow":
                assert lifted > 0.15, name   # the working knee does leave the floor
    bd = REGISTRY["bird_dog"]
    ctx = bd.prepare(RIG, None, {})
    h0 = placed(bd, dict(p=0.0, lift=0.0, side="left", faults={}), ctx)
    h = placed(bd, dict(p=1.0, lift=0.0, side="left", faults={}), ctx)
    assert height(h, "wrist.L") > height(h0, "wrist.L") + 0.25   # the exercise they are taken for: the arm rises


def test_cat_cow_bends_the_spine_and_plank_holds_still():
    impl = LOOKALIKES["cat_cow"]
    mids = [float(h["spine03"][2] - 0.5 * (h["spine05"][2] + h["spine01"][2])) for _, h in
            states(impl, {"bend": 25.0}, "left")]
    assert mids[-1] < mids[0] - 0.01   # cow: the low back drops
    plank = LOOKALIKES["plank"]
    sts = list(states(plank, {"shift": 5.0}, "left"))
    for p, h in sts:
        for s in "LR":
            assert abs(height(h, f"wrist.{s}") - height(sts[0][1], f"wrist.{s}")) < 0.05
            assert abs(height(h, f"toe2-1.{s}") - height(sts[0][1], f"toe2-1.{s}")) < 0.05
        assert height(h, "root") > 0.15   # the body is off the floor, straight


def test_bridge_look_alikes_never_lift_the_hips():
    def hip_rise(impl, kin):
        hs = [0.5 * (height(h, "upperleg01.L") + height(h, "upperleg01.R")) for _, h in states(impl, kin)]
        return max(hs) - hs[0]
    assert hip_rise(LOOKALIKES["pelvic_tilt"], {"tilt": 12.0, "rise": 0.015}) < 0.04
    assert hip_rise(LOOKALIKES["dead_bug"], {}) < 0.04
    ctx = LOOKALIKES["clamshell"].prepare(RIG, None, {})
    first = placed(LOOKALIKES["clamshell"], dict(p=0.0, side="left", faults={"open": 45.0}), ctx)
    last = placed(LOOKALIKES["clamshell"], dict(p=1.0, side="left", faults={"open": 45.0}), ctx)
    assert abs(height(last, "root") - height(first, "root")) < 0.04
    top = "L" if ctx["lie"] == "right" else "R"
    assert height(last, f"lowerleg01.{top}") > height(first, f"lowerleg01.{top}") + 0.1   # the knee opens
    assert hip_rise(REGISTRY["bridge"], {}) > 0.08   # the bridge itself does


def test_cobra_pushes_up_with_planted_hands_and_arm_circles_stay_off_a_wall():
    cobra = LOOKALIKES["cobra"]
    sts = list(states(cobra, {"ext": 40.0, "neck": 10.0}))
    for _, h in sts:
        for s in "LR":
            assert height(h, f"wrist.{s}") < height(sts[0][1], f"wrist.{s}") + 0.06   # hands planted
    assert height(sts[-1][1], "upperarm01.L") > height(sts[0][1], "upperarm01.L") + 0.1
    assert height(sts[-1][1], "upperleg01.L") < height(sts[0][1], "upperleg01.L") + 0.03
    circles = LOOKALIKES["arm_circles"]
    for big in (0.0, 1.0):
        for p, h in states(circles, {"radius": 20.0, "hz": 1.0, "big": big}):
            for s in "LR":
                d = h[f"wrist.{s}"] - h[f"upperarm01.{s}"]
                forward = -d[0]   # standing: the face looks along -X
                assert forward < 0.25, (big, p, s)   # never reaching forward onto a wall
            if p == 1.0:
                assert abs(h["wrist.L"][1] - h["wrist.R"][1]) > 0.6   # arms out to the sides


def test_sway_composes_onto_the_posture():
    from backform.synth.clinic_render import apply_sway
    from backform.synth.rig import rx
    post = {"spine02": ("w", rx(10.0))}
    out = apply_sway(post, dict(breath=2.0, head=5.0, trunk=0.0))
    assert out["spine02"][0] == "w" and not np.allclose(out["spine02"][1], rx(10.0))
    assert "neck02" in out and "spine03" not in out
    np.testing.assert_allclose(post["spine02"][1], rx(10.0))   # the input is left alone


# ------------------------------------------------------------------------------------ bench/clinic.py
def _bench():
    name = "bench_clinic"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "clinic.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


def test_bench_scores_a_tiny_hand_made_recording(tmp_path):
    """A kinematic bridge (tests/kinematics.py): a clean rep and one 30 deg short, recorded, then scored."""
    sys.path.insert(0, str(ROOT / "tests"))
    from kinematics import Camera, Plan, Rep, frames
    from backform.io.recording import LandmarkWriter

    bench = _bench()
    plan = Plan("bridge", [Rep(), Rep(faults={"hips_low": 30.0})])
    pfs = frames(plan, cam=Camera(noise_px=0.3, seed=3))
    rec = tmp_path / "c1_bridge.jsonl.gz"
    with LandmarkWriter(rec, {"fps": 15.0, "width": 640, "height": 480}) as w:
        for pf in pfs:
            w.write(pf)
    reps = []
    for n, (r, t) in enumerate(zip(plan.reps, plan.truth()), 1):
        hips = 30.0 if r.faults else 2.0
        reps.append(dict(n=n, kind="full", counts="yes", cut=None, side=None, working_arm_near=None,
                         start_s=t["start_s"], top_s=t["top_s"], lower_s=t["lower_s"], end_s=t["end_s"],
                         hold_s=t["hold_s"], faults=["hips_low"] if r.faults else [], either=[],
                         magnitudes={"lumbar_arch": 0.0, "hips_low": hips, "short_hold": 0.0, "fast_lowering": 0.0}))
    tr = dict(clip="c1_bridge", exercise="bridge", motion="bridge", negative=False, view="side",
              rep_count_ok=[2], reps=reps)
    (tmp_path / "c1_bridge.truth.json").write_text(json.dumps(tr))
    neg = dict(tr, clip="c2_dead_bug", motion="dead_bug", negative=True, rep_count_ok=[0], reps=[])
    (tmp_path / "c2_dead_bug.truth.json").write_text(json.dumps(neg))
    (tmp_path / "c2_dead_bug.jsonl.gz").write_bytes(rec.read_bytes())   # a bridge "analysed" as a negative
    clips = bench.load(tmp_path)
    assert [c[0]["clip"] for c in clips] == ["c1_bridge", "c2_dead_bug"]
    scores = [bench.score_clip(t, bench.run_checker(t["exercise"], r)) for t, r in clips]
    s = bench.summary(scores)
    assert s["count_exact_pct"] == 100.0 and s["holds"] == 2 and s["holds_within_0_3_pct"] == 100.0
    assert s["negatives_zero_reps_pct"] == 0.0   # the "negative" was a real bridge: 2 reps counted
    rows = bench.reliability(scores)
    hips = {r["magnitude"]: r for r in rows if r["check"] == "hips_low"}
    assert hips["20-27.5"]["truth_fault"] == 0 and hips[">=35"]["truth_fault"] == 0 if ">=35" in hips else True
    fault_rows = [r for r in rows if r["check"] == "hips_low" and r["truth_fault"]]
    assert len(fault_rows) == 1 and fault_rows[0]["detection"] == 1.0 and fault_rows[0]["magnitude"] == "27.5-35"
    clean_rows = [r for r in rows if r["check"] == "hips_low" and r["truth_clean"]]
    assert clean_rows[0]["false_rate"] == 0.0 and clean_rows[0]["magnitude"] == "0-10"
    assert s["fault_precision"] < 1.0   # the negative's faults (if any) or none: precision is defined
    per_check = {r["check"]: r for r in bench.check_table(scores)}
    assert per_check["hips_low"]["meaningful"] == 1 and per_check["hips_low"]["detection"] == 1.0
    assert per_check["hips_low"]["precision"] == 1.0 and per_check["lumbar_arch"]["false_rate"] == 0.0
    assert "hips_low" in bench.fmt_checks(list(per_check.values()))
    svg = tmp_path / "t.svg"
    bench.svg_plot(rows, svg)
    assert svg.read_text().startswith("<svg") and "hips_low" in svg.read_text()
    bench.png_plot(rows, tmp_path / "t.png")
    import cv2
    assert cv2.imread(str(tmp_path / "t.png")) is not None


def test_bench_refuses_a_test_slice_before_tuning_ends(capsys, tmp_path, monkeypatch):
    bench = _bench()
    monkeypatch.setattr(bench, "DATA", tmp_path)   # a slice not yet stamped, whatever the repository holds
    for name in bench.TEST:
        assert bench.main(["render", "--range", name, "--n", "1"]) == 2
        assert "refusing" in capsys.readouterr().err
        assert not (tmp_path / name / "RENDERED_AFTER.json").exists()
    assert bench.main(["score", "--range", "tuning,nope"]) == 2
    assert "unknown range nope" in capsys.readouterr().err


def test_the_camera_sweep_puts_the_camera_where_the_spec_says():
    """Azimuth around the body, height, roll and distance of clinic_camera on a box-shaped 'body'."""
    import dataclasses
    import math

    from backform.synth.clinic_render import clinic_camera

    body = np.stack(np.meshgrid(np.linspace(-0.8, 0.8, 9), np.linspace(-0.2, 0.2, 3), np.linspace(0, 0.5, 3)),
                    -1).reshape(1, -1, 3).repeat(7, 1).reshape(1, -1, 3)
    verts = np.repeat(body, 4, axis=0)
    base = sample(1005)
    for az, h, roll, near in ((0.0, 0.4, 0.0, "left"), (40.0, 1.1, 5.0, "right"), (-60.0, 0.15, -4.0, "left")):
        cam_spec = dict(base.camera, azimuth_deg=az, height_m=h, roll_deg=roll, shift=(0.0, 0.0), distance_x=1.3)
        spec = dataclasses.replace(base, camera=cam_spec, near_side=near, width=640, height=360)
        cam, center = clinic_camera(spec, verts, 1.0, True)
        d = cam.position - center
        assert cam.position[2] == pytest.approx(h)
        side = 1.0 if near == "left" else -1.0   # left_y = +1: the near side's direction is +Y for "left"
        got = math.degrees(math.atan2(-d[0], d[1] * side))
        assert got == pytest.approx(az, abs=0.5)
        # roll: the world's vertical is tilted in the image by the roll
        up = cam.R_wc @ np.array([0.0, 0.0, 1.0])
        assert math.degrees(math.atan2(up[0], -up[1])) == pytest.approx(roll, abs=1.5)
        uv = cam.project(verts[0])
        assert ((uv[:, 0] > 0) & (uv[:, 0] < 640) & (uv[:, 1] > 0) & (uv[:, 1] < 360)).all()   # 1.3x: all in frame


def test_the_fast_solver_gives_the_bisection_postures():
    """ctx["solve"] (the clinic's renders) finds the same closure solutions as the sample set's bisection."""
    from backform.synth.motion import solve

    assert solve(lambda x: x ** 3 - 2.0, 0.0, 3.0) == pytest.approx(2.0 ** (1 / 3), abs=1e-8)
    assert solve(lambda x: x + 5.0, 0.0, 3.0) == 0.0   # no sign change: the endpoint closest to zero
    cases = (("bridge", {"lumbar_arch": 25.0, "hips_low": 12.0}, None),
             ("bird_dog", {"back_sag": 20.0, "trunk_rotation": 15.0}, "left"),
             ("wall_slide", {"low_back_arch": 15.0, "arms_not_overhead": 20.0}, None))
    for name, kin, side in cases:
        impl = REGISTRY[name]
        for p in (0.3, 0.8):
            st = dict(p=p, lift=0.0, side=side, faults=dict(kin))
            a = placed(impl, st, impl.prepare(RIG, None, dict(front_depth=0.12)))
            ctx = impl.prepare(RIG, None, dict(front_depth=0.12))
            ctx["solve"] = solve
            b = placed(impl, st, ctx)
            for bone in a:
                np.testing.assert_allclose(a[bone], b[bone], atol=1e-6, err_msg=f"{name} {p} {bone}")
