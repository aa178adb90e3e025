"""Render one tiny synthetic clip through the CLI entry (needs the ``synth`` extra and OSMesa)."""
from __future__ import annotations

import ctypes.util
import importlib.util
import json
import os

import cv2
import numpy as np
import pytest

MISSING = [m for m in ("torch", "anny", "pyrender", "OpenGL", "imageio_ffmpeg") if importlib.util.find_spec(m) is None]
OSMESA = ctypes.util.find_library("OSMesa")


@pytest.mark.slow
@pytest.mark.skipif(bool(MISSING), reason=f"synth extra not installed (missing: {', '.join(MISSING)}); "
                                          "see sample_videos/README.md")
@pytest.mark.skipif(OSMESA is None, reason="OSMesa not found (apt-get install libosmesa6) for offscreen rendering")
def test_render_a_tiny_clip(tmp_path):
    os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")
    from backform.cli.synth import synth_main
    from backform.synth.truth import load_truth

    rc = synth_main(["--exercise", "bird_dog", "--fault", "arm_low:20", "--reps", "1", "--frames", "4",
                     "--size", "160x120", "--fps", "2", "--seed", "7", "--out", str(tmp_path), "--name", "tiny"])
    assert rc == 0
    video, truth = tmp_path / "tiny.mp4", tmp_path / "tiny.truth.json"
    assert video.is_file() and truth.is_file()
    cap = cv2.VideoCapture(str(video))
    frames = []
    while True:
        ok, f = cap.read()
        if not ok:
            break
        frames.append(f)
    cap.release()
    assert len(frames) == 4 and frames[0].shape == (120, 160, 3)
    assert float(np.std(frames[0])) > 5  # something was drawn
    doc = load_truth(truth)
    assert doc["schema"] == "backform.truth/1" and doc["frames"] == 4
    assert doc["frames_data"]["joints3d"].shape == (4, 33, 3)
    raw = json.loads(truth.read_text())
    assert raw["faults"][0]["code"] == "arm_low" and raw["faults"][0]["magnitude"] == 20
    # the body is in the picture: most projected joints inside the frame
    uv = doc["frames_data"]["joints2d"][0]
    inside = (uv[:, 0] >= 0) & (uv[:, 0] < 160) & (uv[:, 1] >= 0) & (uv[:, 1] < 120)
    assert inside.mean() > 0.9
