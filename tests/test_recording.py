import json

import numpy as np
import pytest

from backform.types import PoseFrame
from backform.errors import SourceError
from backform.io.recording import SCHEMA, LandmarkWriter, LandmarksSource, read_landmarks


def _frames():
    rng = np.random.default_rng(1)
    out = []
    for i in range(4):
        lm = None if i == 2 else rng.random((33, 5)).astype(np.float32)
        world = None if lm is None else rng.random((33, 3)).astype(np.float32)
        contour = None if lm is None else rng.random((10, 2)).astype(np.float32)
        out.append(PoseFrame(i * 2, i * 66.7, 640, 480, lm, world, contour))
    return out


@pytest.mark.parametrize("name", ["rec.jsonl", "rec.jsonl.gz"])
def test_round_trip(tmp_path, name):
    path = tmp_path / name
    frames = _frames()
    with LandmarkWriter(path, {"model": "m", "model_sha256": "abc", "fps": 30.0, "width": 640, "height": 480,
                               "frames": 8, "source": "x.mp4"}) as w:
        for pf in frames:
            w.write(pf)
    header, it = read_landmarks(path)
    assert header["schema"] == SCHEMA and header["model_sha256"] == "abc" and len(header["landmarks"]) == 33
    back = list(it)
    assert [p.index for p in back] == [0, 2, 4, 6]
    assert [p.has_pose for p in back] == [True, True, False, True]
    for a, b in zip(frames, back):
        assert b.timestamp_ms == pytest.approx(a.timestamp_ms, abs=1e-3)
        if a.landmarks is not None:
            np.testing.assert_allclose(b.landmarks, a.landmarks, atol=1e-5)
            np.testing.assert_allclose(b.world, a.world, atol=1e-4)
            np.testing.assert_allclose(b.contour, a.contour, atol=1e-4)
    src = LandmarksSource(path)
    assert (src.width, src.height, src.fps) == (640, 480, 30.0)
    assert len(list(src)) == 4


def test_truncated_last_line_is_ignored(tmp_path):
    path = tmp_path / "cut.jsonl"
    with LandmarkWriter(path, {"fps": 30.0, "width": 10, "height": 10}) as w:
        for pf in _frames():
            w.write(pf)
    text = path.read_text()
    path.write_text(text[: len(text) - 200])  # a writer killed mid-line
    _, it = read_landmarks(path)
    assert len(list(it)) == 3


def test_not_a_recording(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps({"schema": "something/else"}) + "\n")
    with pytest.raises(SourceError, match="not a backform landmarks file"):
        LandmarksSource(path)
    with pytest.raises(SourceError, match="not found"):
        LandmarksSource(tmp_path / "missing.jsonl")
