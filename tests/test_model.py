import zipfile

import pytest

from backform.pose import model
from backform.pose.model import ModelError, build_bundle, check_model_file, ensure_model


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="pose model not found"):
        ensure_model(tmp_path / "nope.task")


def test_corrupt_model_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.task"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ModelError, match="not a valid .task bundle"):
        check_model_file(bad)
    incomplete = tmp_path / "incomplete.task"
    with zipfile.ZipFile(incomplete, "w") as z:
        z.writestr("something.tflite", b"x")
    with pytest.raises(ModelError, match="lacks"):
        check_model_file(incomplete)


def test_wrong_source_files_are_refused():
    with pytest.raises(ModelError, match="sha256"):
        build_bundle(b"detector?", b"landmarks?")


def test_no_cached_model_and_no_build(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKFORM_MODEL_DIR", str(tmp_path))
    with pytest.raises(ModelError, match="backform model build"):
        ensure_model(None, build=False)


def test_built_model_is_the_reproducible_bundle(model_path):
    """The model in use is byte-identical to the documented build (same recipe, same inputs)."""
    assert model.sha256_file(model_path) == model.BUNDLE_SHA256
    with zipfile.ZipFile(model_path) as z:
        infos = {i.filename: i for i in z.infolist()}
    assert set(infos) == {"pose_detector.tflite", "pose_landmarks_detector.tflite"}
    assert all(i.compress_type == zipfile.ZIP_STORED for i in infos.values())


@pytest.mark.slow
def test_build_is_byte_identical_from_the_wheel(tmp_path):
    """Download the source wheel once, build twice: same bytes, the documented checksum."""
    whl = model.download_source_wheel(tmp_path)
    a = model.build_model(tmp_path / "a.task", wheel=whl)
    b = model.build_model(tmp_path / "b.task", wheel=whl)
    assert a.read_bytes() == b.read_bytes()
    assert model.sha256_file(a) == model.BUNDLE_SHA256
