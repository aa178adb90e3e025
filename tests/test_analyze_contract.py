"""``backform analyze VIDEO --exercise NAME --out DIR`` end to end on one rendered sample clip per exercise (each
with an injected fault): session.json satisfies the DESIGN.md contract, its reps and faults are those of the
clip's ground truth, and the annotated video has one frame per analysed frame."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from backform.exercises import get

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_videos"
CLIPS = {"bridge": "bridge_lumbar_arch_s102", "bird_dog": "bird_dog_same_side_s115",
         "prone_extension": "prone_extension_arms_on_floor_s118", "prone_arm_lift": "prone_arm_lift_arms_not_lifted_s123",
         "wall_slide": "wall_slide_fast_return_s130"}


@pytest.mark.parametrize("exercise", sorted(CLIPS))
def test_analyze_writes_the_session_contract(exercise, tmp_path, model_path):
    clip = SAMPLES / f"{CLIPS[exercise]}.mp4"
    if not clip.is_file():
        pytest.skip(f"sample clip {clip.name} absent")
    truth = json.loads(clip.with_suffix(".truth.json").read_text())
    out = tmp_path / "session"
    r = subprocess.run([sys.executable, "-m", "backform", "analyze", str(clip), "--exercise", exercise, "--out",
                        str(out), "-q"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    s = json.loads((out / "session.json").read_text())

    # the contract (../shared/DESIGN.md): these fields, these names
    assert s["schema"] == "backform.session/1" and s["exercise"] == exercise
    assert set(s["source"]) >= {"path", "fps", "frames", "width", "height"}
    assert (s["source"]["width"], s["source"]["height"]) == (truth["width"], truth["height"])
    assert s["source"]["frames"] == truth["frames"] and s["source"]["fps"] == pytest.approx(truth["fps"])
    assert set(s["tracking"]) >= {"frames", "pose_frames"} and s["tracking"]["pose_frames"] <= s["tracking"]["frames"]
    assert s["rep_count"] == len(s["reps"]) == truth["rep_count"]
    cues = get(exercise).CUES
    for rep, want in zip(s["reps"], truth["reps"]):
        assert set(rep) >= {"n", "side", "start_s", "top_s", "end_s", "hold_s", "faults", "metrics", "not_checked"}
        assert rep["start_s"] <= rep["top_s"] <= rep["end_s"] and rep["hold_s"] >= 0
        assert (rep["side"] is None) == (exercise != "bird_dog")
        if exercise == "bird_dog":
            assert rep["side"] == want["side"]
        assert sorted(rep["faults"]) == sorted(want["faults"]), (rep, want)
        assert not set(rep["faults"]) & set(rep["not_checked"])
        assert abs(rep["hold_s"] - want["hold_s"]) <= 0.3
    assert truth["faults"], "each clip here carries an injected fault"
    assert sorted((f["code"], f["rep"]) for f in s["faults"]) == sorted((f["code"], f["rep"]) for f in truth["faults"])
    for f in s["faults"]:
        assert f["message"] == cues[f["code"]] and isinstance(f["t_s"], float)
        assert f["code"] in s["reps"][f["rep"] - 1]["faults"]

    # the annotated video: one frame per analysed frame, at the source's size
    cap = cv2.VideoCapture(str(out / "annotated.mp4"))
    try:
        assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == s["tracking"]["frames"]
        assert (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))) == \
            (truth["width"], truth["height"])
    finally:
        cap.release()
    assert (out / "session.log.jsonl").stat().st_size > 0 and (out / "report.html").is_file()
