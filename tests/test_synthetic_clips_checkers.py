"""The checkers on the project's own rendered sample clips (sample_videos/*.truth.json), against their exact
ground truth: the acceptance of the exercise checkers on synthetic clips.

Every clip: the rep count exact, every injected fault flagged on the rep it was injected in (a fault reported
"not checked" counts as missed), no other fault, every hold within 0.3 s of the truth. Landmark recordings
are looked up in ``$BACKFORM_LANDMARKS`` and the bench cache (``~/.cache/backform/landmarks``, filled by
``bench/accuracy.py``); without one, the clip goes through the pose model once (``slow``: ~5-10 s a clip).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from _bench import bench

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_videos"
TRUTHS = sorted(SAMPLES.glob("*.truth.json"))


HOLD_TOL_S = 0.3  # acceptance: hold durations within 0.3 s of the ground truth


def _clip(truth: Path):
    d = json.loads(truth.read_text())
    return bench.Clip(d["clip"], "synthetic", d["exercise"], SAMPLES / d["clip"],
                      d.get("rep_count_ok", [d["rep_count"]]), d["reps"], d.get("variant", ""))


def _dirs() -> list[Path]:
    return [Path(os.environ["BACKFORM_LANDMARKS"])] if os.environ.get("BACKFORM_LANDMARKS") else []


def _has_recording(truth: Path) -> bool:
    return bench.recording_for(_clip(truth), _dirs(), bench.CACHE, make=False) is not None


PARAMS = [pytest.param(t, id=t.name.removesuffix(".truth.json"),
                       marks=() if _has_recording(t) else pytest.mark.slow) for t in TRUTHS]


@pytest.mark.skipif(not TRUTHS, reason="no rendered truth files in sample_videos/")
@pytest.mark.parametrize("truth", PARAMS)
def test_synthetic_clip(truth, request):
    clip = _clip(truth)
    rec = bench.recording_for(clip, _dirs(), bench.CACHE, make=False)
    if rec is None:
        if os.environ.get("BACKFORM_NO_POSE"):
            pytest.skip(f"no landmark recording of {clip.name} and BACKFORM_NO_POSE is set")
        request.getfixturevalue("model_path")  # builds the pose model offline first
        rec = bench.recording_for(clip, _dirs(), bench.CACHE, make=True)
    ex = bench.run_checker(clip.exercise, rec)
    s = bench.score(clip, ex)
    reps = [r.to_json() for r in ex.reps]
    assert s.count_err == 0, reps
    assert s.missed == [] and s.unjudged == [], (s.missed, s.unjudged, reps)
    assert s.false == [], (s.false, reps)
    assert len(s.hold_errs) == len(clip.reps)
    assert max(s.hold_errs) <= HOLD_TOL_S, ([round(h, 2) for h in s.hold_errs], reps)
