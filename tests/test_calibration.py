"""Calibration: posture detection, the person's own neutral (a stooped head is not a fault on every rep),
comfortable range, camera placement, profile files and the ``calibrate`` command."""
from __future__ import annotations

import math
import os
import tomllib
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from kinematics import Camera, Plan, Rep, frames, run

from backform.cli import main
from backform.programme import programme as P
from backform.exercises import names, spec
from backform.programme import calibration as C
from backform.types import PoseFrame
from backform.errors import BackformError
from backform.pose.landmarks import L
from backform.io.recording import LandmarkWriter

POSTURE_OF = {"bridge": "supine", "bird_dog": "quadruped", "prone_extension": "prone",
              "prone_arm_lift": "prone", "wall_slide": "standing"}


def stoop(fr: list[PoseFrame], deg: float) -> list[PoseFrame]:
    """The same frames with the head pitched by ``deg`` about the ear (negative = chin up for these
    side-view prone bodies): a person whose neutral head position is not the textbook one."""
    out = []
    a = math.radians(deg)
    R = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    for pf in fr:
        if pf.landmarks is None:
            out.append(pf)
            continue
        lm = pf.landmarks.copy()
        P = lm[:, :2].astype(np.float64) * (pf.width, pf.height)
        near = "LEFT" if lm[L.LEFT_HIP, 3] >= lm[L.RIGHT_HIP, 3] else "RIGHT"
        ear = P[L[f"{near}_EAR"]].copy()
        for j in (L.NOSE, L.LEFT_EYE, L.RIGHT_EYE, L.LEFT_EYE_INNER, L.RIGHT_EYE_INNER, L.LEFT_EYE_OUTER,
                  L.RIGHT_EYE_OUTER, L.MOUTH_LEFT, L.MOUTH_RIGHT):
            P[j] = ear + R @ (P[j] - ear)
        lm[:, :2] = P / (pf.width, pf.height)
        out.append(PoseFrame(pf.index, pf.timestamp_ms, pf.width, pf.height, lm, pf.world, pf.contour))
    return out


@pytest.mark.parametrize("exercise", sorted(POSTURE_OF))
def test_posture_detected(exercise):
    fr = frames(Plan(exercise, [Rep()]), cam=Camera(seed=1))
    c = Counter(C.frame_posture(pf) for pf in fr)
    assert c.most_common(1)[0][0] == POSTURE_OF[exercise], c
    # at rest (the lead-in) every frame is that posture
    assert {C.frame_posture(pf) for pf in fr[:15]} == {POSTURE_OF[exercise]}


def head_down_at_rest(fr: list[PoseFrame], plan: Plan, deg: float, fps: float = 15.0) -> list[PoseFrame]:
    """A stooped (kyphotic) person: lying face down the rounded upper back forces the head ``deg`` further
    down (chin tucked) than where it sits, neutral for them, once the chest is lifted."""
    out = []
    for pf in fr:
        p, _ = plan.state(pf.t_s)
        out.extend(stoop([pf], deg * (1.0 - p)))
    return out


def stooped_session(exercise: str, reps: list, seed: int) -> list[PoseFrame]:
    plan = Plan(exercise, reps)
    # prone arm lift: a camera a little above the floor (8 deg down); exactly at body level the W's near forearm
    # runs across the face on screen and the chin is (rightly) not checked
    cam = Camera(seed=seed, pitch=8.0 if exercise == "prone_arm_lift" else 0.0)
    # the stoop must read past each checker's own limit without calibration (prone arm lift: 17 deg)
    return head_down_at_rest(frames(plan, cam=cam), plan, 22.0 if exercise == "prone_arm_lift" else 15.0)


@pytest.mark.parametrize("exercise", ["prone_extension", "prone_arm_lift"])
def test_stooped_neutral_head_is_not_a_fault_after_calibration(exercise):
    """Without calibration the chin check compares the top with the rest just before the rep: a head pushed
    15 deg (prone arm lift: 22) down at rest by a rounded back reads as a 15 deg chin poke on every rep. Against the top of the
    person's own calibration rep it is not, and a real 20 deg poke still is."""
    reps = [Rep(hold=5.5), Rep(hold=5.5), Rep(hold=5.5, faults={"chin_not_tucked": 20.0})]
    session = stooped_session(exercise, reps, seed=1)
    plain = run(exercise, session)
    assert [r.faults for r in plain.reps] == [("chin_not_tucked",)] * 3

    # calibration: the same person resting face down, then one comfortable rep (another day: other noise)
    cal = C.calibrate(stooped_session(exercise, [Rep(hold=5.5)], seed=2), exercises=[exercise])
    assert cal.postures["prone"]["detected"] == "prone"
    base = cal.baseline_for(exercise)
    assert base["chin_deg"] == pytest.approx(cal.reference[exercise]["chin_deg"])
    fixed = run(exercise, session, baseline=base)
    assert [r.faults for r in fixed.reps] == [(), (), ("chin_not_tucked",)]


def test_reference_only_from_the_exercise_performed():
    """A prone extension recording also moves the arms; only the exercise that counted the most reps takes
    the calibration reps as its reference, the other prone checker gets only its neutral."""
    cal = C.calibrate(frames(Plan("prone_extension", [Rep(hold=5.5)] * 2), cam=Camera(seed=2)))
    assert set(cal.neutral) == {"prone_extension", "prone_arm_lift"}
    assert set(cal.reference) <= {"prone_extension"} and "prone_extension" in cal.baseline
    assert "prone_arm_lift" not in cal.baseline


def test_comfortable_range_bridge():
    """A person whose clean bridge stops ~22 deg short of a straight line is told hips_low on every rep;
    calibrated, the threshold moves to their comfortable top (minus a margin) and only a lower top is flagged."""
    reps = [Rep(faults={"hips_low": 22.0}), Rep(faults={"hips_low": 22.0}), Rep(faults={"hips_low": 32.0})]
    session = frames(Plan("bridge", reps), cam=Camera(seed=1))
    assert [("hips_low" in r.faults) for r in run("bridge", session).reps] == [True, True, True]
    cal = C.calibrate(frames(Plan("bridge", [Rep(faults={"hips_low": 22.0})]), cam=Camera(seed=2)))
    thr = cal.params_for("bridge")["min_hip_extension_deg"]
    assert 145 <= thr <= 150
    assert cal.reference["bridge"]["reps"] == 1
    ex = run("bridge", session, params=cal.params_for("bridge"), baseline=cal.baseline_for("bridge"))
    assert [("hips_low" in r.faults) for r in ex.reps] == [False, False, True]


def test_clean_range_changes_no_threshold():
    cal = C.calibrate(frames(Plan("wall_slide", [Rep()]), cam=Camera(seed=2)))
    assert cal.params_for("wall_slide") == {}
    assert "shoulder_flex_deg" in cal.neutral["wall_slide"]
    assert cal.postures["standing"]["camera"]["view"] == "side"


def test_quadruped_baseline_from_the_calibration_rep():
    cal = C.calibrate(frames(Plan("bird_dog", [Rep(side="left")]), cam=Camera(seed=2)), posture="quadruped")
    assert set(cal.baseline) == {"bird_dog"} and math.isfinite(cal.baseline["bird_dog"]["trunk_bow"])
    assert cal.reference["bird_dog"]["trunk_bow"] == cal.baseline["bird_dog"]["trunk_bow"]


def test_camera_placement_and_advice():
    cal = C.calibrate(frames(Plan("bridge", [Rep()]), cam=Camera(yaw=90.0, seed=2)), posture="supine")
    post = cal.postures["supine"]
    assert post["camera"]["view"] == "front"
    assert any("place it to see you from the side" in a for a in post["advice"])


def test_no_person():
    empty = [PoseFrame(i, i * 66.0, 640, 480) for i in range(30)]
    with pytest.raises(C.CalibrationError, match="no person"):
        C.calibrate(empty)


def test_profile_round_trip_and_merge(tmp_path):
    prone = C.calibrate(stoop(frames(Plan("prone_extension", [Rep(hold=5.5)]), cam=Camera(seed=2)), -15.0),
                        patient="P-7")
    quad = C.calibrate(frames(Plan("bird_dog", [Rep(side="left")]), cam=Camera(seed=2)))
    p = prone.save(tmp_path / "p7.toml")
    data = tomllib.loads(p.read_text())  # plain TOML
    assert data["calibration"]["schema"] == C.SCHEMA and data["calibration"]["patient"] == "P-7"
    back = C.load(p)
    assert back.baseline == prone.baseline and back.postures["prone"]["camera"] == prone.postures["prone"]["camera"]
    both = back.merge(quad)
    both.save(p)
    again = C.load(p)
    assert set(again.postures) == {"prone", "quadruped"}
    assert set(again.baseline) == {"prone_extension", "bird_dog"}
    assert C.load(tmp_path / "p7.toml").patient == "P-7"


@pytest.mark.parametrize("text, must_say", [
    ('[calibration]\nschema="x"', "not a backform calibration profile"),
    ('[calibration]\nschema="backform.calibration/1"\n[extra]\na=1', "unknown section [extra]"),
    ('[calibration]\nschema="backform.calibration/1"\n[baseline.plank]\na=1', "[baseline.plank]: unknown exercise"),
    ('[calibration]\nschema="backform.calibration/1"\n[thresholds.bridge]\nfoo=1', "unknown parameter 'foo'"),
    ('[calibration]\nschema="backform.calibration/1"\n[posture.sitting]\na=1', "unknown posture"),
    ('[calibration', "not valid TOML"),
])
def test_bad_profiles(tmp_path, text, must_say):
    p = tmp_path / "bad.toml"
    p.write_text(text)
    with pytest.raises(C.CalibrationError) as ei:
        C.load(p)
    assert isinstance(ei.value, BackformError) and must_say in str(ei.value) and "\n" not in str(ei.value)
    with pytest.raises(C.CalibrationError, match="not found"):
        C.load(tmp_path / "missing.toml")


def _recording(path, fr):
    with LandmarkWriter(path, {"fps": 15.0, "analysis_fps": 15.0, "width": 640, "height": 480,
                               "frames": len(fr), "source": path.name}) as w:
        for pf in fr:
            w.write(pf)
    return path


def test_calibrate_command(tmp_path, capsys):
    """``backform calibrate`` on two recordings (face down, hands and knees) builds one profile that the
    programme then uses."""
    prone = _recording(tmp_path / "prone.jsonl", stooped_session("prone_extension", [Rep(hold=5.5)], seed=2))
    quad = _recording(tmp_path / "quad.jsonl", frames(Plan("bird_dog", [Rep(side="left")]), cam=Camera(seed=2)))
    prog = tmp_path / "prog.toml"
    prog.write_text('[programme]\ncalibration = "cal/p.toml"\n[[exercise]]\nname = "bird_dog"\n'
                    '[[exercise]]\nname = "prone_extension"\n')
    for rec in (prone, quad):
        assert main(["calibrate", str(rec), "--program", str(prog)]) == 0
    out = capsys.readouterr().out
    assert "posture prone" in out and "posture quadruped" in out and "wrote" in out
    cal = C.load(tmp_path / "cal" / "p.toml")
    # only the programme's exercises of each posture are calibrated
    assert set(cal.baseline) == {"prone_extension", "bird_dog"}
    name, params, baseline = P.resolve(P.load(prog), "prone_extension")
    assert baseline["chin_deg"] == pytest.approx(cal.reference["prone_extension"]["chin_deg"])
    assert -50 < baseline["chin_deg"] < -44  # the kinematic body's head at a 20 deg chest lift
    with pytest.raises(SystemExit):
        main(["calibrate", str(prone), "--posture", "sitting"])


def test_binary_or_unreadable_profile_is_one_line(tmp_path):
    p = tmp_path / "photo.toml"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00binary")
    with pytest.raises(C.CalibrationError, match="not a text file") as ei:
        C.load(p)
    assert "\n" not in str(ei.value)
    d = tmp_path / "locked.toml"
    d.write_text("[calibration]\n")
    d.chmod(0)
    try:
        if os.access(d, os.R_OK):  # running as root: permissions do not stop reading
            pytest.skip("files are readable whatever their mode here (root)")
        with pytest.raises(C.CalibrationError, match="cannot read calibration profile"):
            C.load(d)
    finally:
        d.chmod(0o644)


# --- the profile's TOML (tomli-w) ------------------------------------------------------------------------------
def same(a, b) -> bool:
    """Equal, NaN equal to NaN (a float that is not a number still reads back as one)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


def same_profile(a: C.Calibration, b: C.Calibration) -> bool:
    return a.patient == b.patient and all(same(getattr(a, k), getattr(b, k))
                                          for k in ("postures", "neutral", "reference", "baseline", "thresholds"))


NASTY = 'P-1 "Ann" \\ O\'Neil\r\nline2\ttab \x00\x01\x08\x0b\x0c\x1b\x7f é 名前 \U0001F600 """ \'\'\' # [x] = y'


def test_profile_round_trip_with_control_characters(tmp_path):
    """A patient name with CR, LF, tab, quotes, backslashes and other control characters reads back exactly
    (the old writer escaped only backslash, quote and newline: a CR made a file tomllib refused)."""
    cal = C.Calibration(patient=NASTY, postures={"prone": {"source": NASTY + ".mp4", "advice": [NASTY, "ok"]}},
                        baseline={"prone_extension": {"chin_deg": -55.25}})
    p = cal.save(tmp_path / "nasty.toml")
    text = p.read_text()
    assert text.startswith(C.HEADER) and "\r" not in text.replace("\r\n", "")  # no raw CR in the file
    assert tomllib.loads(text)["calibration"]["patient"] == NASTY
    back = C.load(p)
    assert back.patient == NASTY and same_profile(back, cal) and back.path == p


def test_profile_round_trip_nan_inf_and_missing_values(tmp_path):
    """NaN and infinities are TOML's nan/inf (floats again when read, not the string "nan"); None is left
    out (TOML has no null: not written as ""), in tables and in arrays."""
    nan, inf = float("nan"), float("inf")
    cal = C.Calibration(postures={"supine": {"source": "b.mp4", "frames": 10, "detected": None,
                                             "exercises": ["bridge", None], "advice": [],
                                             "camera": {"view": None, "width": 640, "body_axis_tilt_deg": nan,
                                                        "body_width_frac": inf, "body_height_frac": -inf,
                                                        "whole_body_in_frame": 1.0}}},
                        neutral={"bridge": {"knee_deg": 88.72, "belly_bow": nan, "missing": None}},
                        reference={"bridge": {"reps": 2, "hip_extension_deg": 181.9858}},
                        thresholds={"bridge": {"min_hip_extension_deg": 155.0}})
    p = cal.save(tmp_path / "nan.toml")
    text = p.read_text()
    assert '"nan"' not in text and '""' not in text and "None" not in text
    data = tomllib.loads(text)
    cam = data["posture"]["supine"]["camera"]
    assert math.isnan(cam["body_axis_tilt_deg"]) and cam["body_width_frac"] == inf and cam["body_height_frac"] == -inf
    assert "view" not in cam and "detected" not in data["posture"]["supine"]
    assert data["posture"]["supine"]["exercises"] == ["bridge"] and data["posture"]["supine"]["advice"] == []
    assert "missing" not in data["neutral"]["bridge"]
    back = C.load(p)
    expected = C.Calibration(postures={"supine": {"source": "b.mp4", "frames": 10, "exercises": ["bridge"], "advice": [],
                                                  "camera": {"width": 640, "body_axis_tilt_deg": nan,
                                                             "body_width_frac": inf, "body_height_frac": -inf,
                                                             "whole_body_in_frame": 1.0}}},
                             neutral={"bridge": {"knee_deg": 88.72, "belly_bow": nan}},
                             reference=cal.reference, thresholds=cal.thresholds)
    assert same_profile(back, expected)
    assert back.params_for("bridge") == {"min_hip_extension_deg": 155.0}


def test_calibrated_profile_round_trips_exactly(tmp_path):
    """What ``calibrate`` measures (camera view never seen included) saves and loads back the same."""
    cal = C.calibrate(frames(Plan("bridge", [Rep(faults={"hips_low": 22.0})]), cam=Camera(seed=2)), patient="P-9")
    cal.postures["supine"]["camera"]["body_axis_tilt_deg"] = float("nan")
    back = C.load(cal.save(tmp_path / "p9.toml"))
    assert same_profile(back, cal)
    again = C.load(back.save(tmp_path / "p9b.toml"))
    assert (tmp_path / "p9.toml").read_text() == (tmp_path / "p9b.toml").read_text() and same_profile(again, cal)


def test_shipped_example_profile_is_what_the_writer_writes(tmp_path):
    example = Path(__file__).resolve().parents[1] / "calibration" / "example_profile.toml"
    cal = C.load(example)
    assert C.dumps(cal) == example.read_text()


@pytest.mark.parametrize("value", ["nan", "inf", '"x"', "true"])
def test_profile_baseline_must_be_a_finite_number(tmp_path, value):
    p = tmp_path / "bad.toml"
    p.write_text(f'[calibration]\nschema="backform.calibration/1"\n[baseline.bridge]\nbelly_bow = {value}\n')
    with pytest.raises(C.CalibrationError, match="belly_bow .* allowed: a finite number"):
        C.load(p)


def test_postures_come_from_the_exercises():
    """Each exercise's posture decides which checkers a recording in that posture calibrates."""
    assert C.POSTURES == ("standing", "supine", "prone", "quadruped")
    assert {spec(n).posture for n in names()} <= set(C.POSTURES)
    # the most view-constrained checker first: its rest frames place the camera, its views are the advice
    assert C.posture_exercises("prone") == ["prone_extension", "prone_arm_lift"]
    for n in names():
        assert n in C.posture_exercises(spec(n).posture)
