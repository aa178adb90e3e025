"""Shared fixtures: the real clips in ../shared (skipped with a reason when absent), the pose model,
and small generated videos."""
from __future__ import annotations

import json
import os
from pathlib import Path

import cv2
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILE = ROOT / "docs" / "session.schema.json"
SHARED = Path(os.environ.get("BACKFORM_SHARED", ROOT.parent / "shared"))
CLIPS = SHARED / "clips"


@pytest.fixture(scope="session")
def clips_dir() -> Path:
    if not (CLIPS / "labels.json").is_file():
        pytest.skip(f"real clips not available: {CLIPS} is absent (CI has ../shared beside the checkout)")
    return CLIPS


@pytest.fixture(scope="session")
def clip_labels(clips_dir) -> dict:
    return {d["clip"]: d for d in json.loads((clips_dir / "labels.json").read_text())}


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The pose model, built offline on first use (needs the package index once)."""
    from backform.pose.model import ensure_model
    return ensure_model()


def write_video(path: Path, frames: list[np.ndarray], fps: float = 30.0) -> Path:
    h, w = frames[0].shape[:2]
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    assert vw.isOpened()
    for f in frames:
        vw.write(f)
    vw.release()
    return path


@pytest.fixture
def empty_room_video(tmp_path) -> Path:
    """Two seconds of a room with furniture-like blocks and no person."""
    rng = np.random.default_rng(0)
    frames = []
    for i in range(60):
        img = np.full((240, 320, 3), (180, 190, 200), np.uint8)
        cv2.rectangle(img, (20, 120), (120, 230), (60, 90, 140), -1)
        cv2.rectangle(img, (200, 40), (300, 140), (200, 120, 80), -1)
        cv2.line(img, (0, 200), (320, 200), (100, 100, 100), 2)
        img = cv2.add(img, rng.integers(0, 12, img.shape, dtype=np.uint8))
        cv2.circle(img, (160 + i, 60), 6, (40, 40, 40), -1)
        frames.append(img)
    return write_video(tmp_path / "empty_room.mp4", frames)


@pytest.fixture
def numbered_video(tmp_path) -> Path:
    """90 frames at 30 fps, each showing its index (for source tests)."""
    frames = []
    for i in range(90):
        img = np.zeros((120, 160, 3), np.uint8)
        cv2.putText(img, str(i), (10, 80), cv2.FONT_HERSHEY_SIMPLEX, 2, (255, 255, 255), 3)
        frames.append(img)
    return write_video(tmp_path / "numbered.mp4", frames, 30.0)


@pytest.fixture(scope="session")
def recordings(clips_dir, model_path, tmp_path_factory):
    """``recordings(clip_name, max_fps=20)`` -> path of a landmarks recording of that real clip, made once."""
    from backform.pose.estimator import PoseEstimator
    from backform.io.recording import LandmarkWriter
    from backform.io.sources import VideoFileSource

    cache: dict = {}
    folder = tmp_path_factory.mktemp("recordings")

    def get(clip: str, max_fps: float = 20.0) -> Path:
        key = (clip, max_fps)
        if key not in cache:
            src = VideoFileSource(clips_dir / clip, max_fps=max_fps)
            out = folder / f"{Path(clip).stem}_{max_fps:g}.jsonl"
            with PoseEstimator(model_path) as pe, LandmarkWriter(out, {
                    "model": pe.model_name, "model_sha256": pe.model_sha256, "fps": src.fps,
                    "analysis_fps": src.analysis_fps, "width": src.width, "height": src.height,
                    "frames": src.frame_count, "source": clip}) as w:
                for fr in src:
                    w.write(pe.update(fr))
            cache[key] = out
        return cache[key]
    return get


@pytest.fixture(scope="session")
def session_validator():
    """A JSON Schema validator of session.json, from the published docs/session.schema.json."""
    import jsonschema
    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(autouse=True)
def _every_session_json_is_valid(request, session_validator):
    """After each test that used a temporary folder, every session.json written under it must validate
    against the published schema (analyze, live, report rebuilds, demo: all of them)."""
    tmp = request.getfixturevalue("tmp_path") if "tmp_path" in request.fixturenames else None
    yield
    if tmp is None:
        return
    for f in sorted(Path(tmp).rglob("session.json")):
        try:
            data = json.loads(f.read_text())
        except (OSError, ValueError):
            continue  # tests of broken files write broken files on purpose
        if not isinstance(data, dict) or data.get("schema") != "backform.session/1":
            continue
        errors = sorted(session_validator.iter_errors(data), key=lambda e: list(e.path))
        assert not errors, f"{f}: {errors[0].message} at {'/'.join(map(str, errors[0].path))}"
