"""The pose model: find it, or build Google's full BlazePose ``.task`` bundle offline.

No mediapipe wheel ships a ``.task`` file for the Tasks ``PoseLandmarker`` and Google's model host may be
unreachable, but the PyPI ``mediapipe==0.10.21`` wheel carries the two TFLite models the bundle is made of.
The landmark model lacks the TFLite image-input metadata the Tasks API needs; we write it (RGB input,
NormalizationOptions mean 0 / std 255, five named outputs) with the flatbuffers schema modules that
mediapipe itself ships, and zip both models uncompressed.  The build is deterministic: same inputs,
byte-identical bundle (checked by :data:`BUNDLE_SHA256`).  See ``models/README.md``.
"""
from __future__ import annotations

import hashlib
import io
import logging
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import flatbuffers
import numpy as np
from mediapipe.tasks.metadata import metadata_schema_py_generated as md
from mediapipe.tasks.metadata import schema_py_generated as tfl

from ..errors import BackformError

log = logging.getLogger(__name__)

SOURCE_WHEEL = "mediapipe==0.10.21"
SOURCE_PLATFORM = ("manylinux_2_28_x86_64", "3.11", "cp")  # any platform's wheel holds the same tflite files
DETECTOR_MEMBER = "mediapipe/modules/pose_detection/pose_detection.tflite"
LANDMARKER_MEMBER = "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"
DETECTOR_SHA256 = "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c"
LANDMARKER_SHA256 = "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f"
MODEL_NAME = "pose_landmarker_full"
BUNDLE_FILENAME = f"{MODEL_NAME}.task"
# sha256 of the bundle this module builds; a different result means the recipe or the inputs changed.
BUNDLE_SHA256 = "bfe33f1076bffb833d94ca0434d05ac1fd1e75da0648b4213664b648383b0c56"

_ZIP_DATE = (2025, 1, 31, 0, 0, 0)  # fixed member timestamps -> byte-identical zips


class ModelError(BackformError):
    """The pose model is missing, corrupt, or cannot be built."""


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def default_model_dir() -> Path:
    """Where the built model lives: ``$BACKFORM_MODEL_DIR`` or the user cache."""
    env = os.environ.get("BACKFORM_MODEL_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "backform" / "models"


def _landmark_metadata() -> bytes:
    """TFLite ModelMetadata flatbuffer for the landmark model (identifier ``M001``)."""

    image = md.TensorMetadataT()
    image.name = "image"
    image.description = "Input image, RGB, 256x256, float32 in [0, 1]."
    image.content = md.ContentT()
    image.content.contentPropertiesType = md.ContentProperties.ImageProperties
    image.content.contentProperties = md.ImagePropertiesT()
    image.content.contentProperties.colorSpace = md.ColorSpaceType.RGB
    norm = md.ProcessUnitT()
    norm.optionsType = md.ProcessUnitOptions.NormalizationOptions
    norm.options = md.NormalizationOptionsT()
    norm.options.mean = np.array([0.0], dtype=np.float32)
    norm.options.std = np.array([255.0], dtype=np.float32)
    image.processUnits = [norm]
    image.stats = md.StatsT()
    image.stats.max = np.array([1.0], dtype=np.float32)
    image.stats.min = np.array([0.0], dtype=np.float32)

    outputs = []
    for name, desc in [
        ("landmarks", "39 landmarks x (x, y, z, visibility, presence) in input-image pixels."),
        ("pose_flag", "Score that a pose is present."),
        ("segmentation", "Person segmentation logits, 256x256."),
        ("heatmap", "Landmark heatmaps, 64x64x39."),
        ("world_landmarks", "39 landmarks x (x, y, z) in metres, hip-centred."),
    ]:
        t = md.TensorMetadataT()
        t.name = name
        t.description = desc
        t.content = md.ContentT()
        t.content.contentPropertiesType = md.ContentProperties.FeatureProperties
        t.content.contentProperties = md.FeaturePropertiesT()
        outputs.append(t)

    sub = md.SubGraphMetadataT()
    sub.inputTensorMetadata = [image]
    sub.outputTensorMetadata = outputs
    meta = md.ModelMetadataT()
    meta.name = "BlazePose GHUM 3D full landmark model"
    meta.description = "Pose landmark model from mediapipe 0.10.21 with image-input metadata added by backform."
    meta.version = "1"
    meta.license = "Apache License, Version 2.0"
    meta.minParserVersion = "1.0.0"
    meta.subgraphMetadata = [sub]
    b = flatbuffers.Builder(0)
    b.Finish(meta.Pack(b), file_identifier=b"M001")
    return bytes(b.Output())


def add_landmark_metadata(landmark_tflite: bytes) -> bytes:
    """Return the landmark model with a ``TFLITE_METADATA`` entry describing its image input."""

    model = tfl.ModelT.InitFromPackedBuf(bytearray(landmark_tflite), 0)
    if any(m.name == b"TFLITE_METADATA" for m in (model.metadata or [])):
        raise ModelError("landmark model already carries TFLite metadata; unexpected source file")
    buf = tfl.BufferT()
    buf.data = np.frombuffer(_landmark_metadata(), dtype=np.uint8)
    model.buffers.append(buf)
    entry = tfl.MetadataT()
    entry.name = "TFLITE_METADATA"
    entry.buffer = len(model.buffers) - 1
    model.metadata = list(model.metadata or []) + [entry]
    b = flatbuffers.Builder(len(landmark_tflite) + 4096)
    b.Finish(model.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def build_bundle(detector_tflite: bytes, landmark_tflite: bytes) -> bytes:
    """Verify both source models and return the ``.task`` bundle (an uncompressed zip) as bytes."""
    for name, data, want in [("pose detector", detector_tflite, DETECTOR_SHA256),
                             ("pose landmark", landmark_tflite, LANDMARKER_SHA256)]:
        got = sha256_bytes(data)
        if got != want:
            raise ModelError(f"{name} model has sha256 {got}, expected {want}")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as z:
        for member, data in [("pose_detector.tflite", detector_tflite),
                             ("pose_landmarks_detector.tflite", add_landmark_metadata(landmark_tflite))]:
            info = zipfile.ZipInfo(member, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return out.getvalue()


def read_sources_from_wheel(wheel: str | os.PathLike) -> tuple[bytes, bytes]:
    with zipfile.ZipFile(wheel) as z:
        return z.read(DETECTOR_MEMBER), z.read(LANDMARKER_MEMBER)


def download_source_wheel(dest: str | os.PathLike) -> Path:
    """``pip download`` the mediapipe 0.10.21 wheel (no dependencies, ~35 MB) into ``dest``."""
    plat, pyver, impl = SOURCE_PLATFORM
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--platform", plat,
           "--python-version", pyver, "--implementation", impl, SOURCE_WHEEL, "-d", str(dest), "-q"]
    log.info("downloading %s from the package index to build the pose model", SOURCE_WHEEL)
    res = subprocess.run(cmd, capture_output=True, text=True)
    wheels = sorted(Path(dest).glob("mediapipe-0.10.21-*.whl"))
    if res.returncode != 0 or not wheels:
        tail = (res.stderr or res.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ModelError(f"could not download {SOURCE_WHEEL} to build the pose model: {tail[0]}")
    return wheels[0]


def build_model(out_path: str | os.PathLike | None = None, wheel: str | os.PathLike | None = None) -> Path:
    """Build the bundle into ``out_path`` (atomically) from ``wheel`` or a freshly downloaded one."""
    out = Path(out_path) if out_path else default_model_dir() / BUNDLE_FILENAME
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        whl = Path(wheel) if wheel else download_source_wheel(tmp)
        bundle = build_bundle(*read_sources_from_wheel(whl))
    if BUNDLE_SHA256 and sha256_bytes(bundle) != BUNDLE_SHA256:
        raise ModelError(f"built bundle has sha256 {sha256_bytes(bundle)}, expected {BUNDLE_SHA256}")
    tmp_out = out.with_suffix(out.suffix + ".part")
    tmp_out.write_bytes(bundle)
    os.replace(tmp_out, out)
    log.info("built %s (sha256 %s)", out, sha256_bytes(bundle))
    return out


def check_model_file(path: str | os.PathLike) -> Path:
    """Raise :class:`ModelError` with one clear line unless ``path`` looks like a usable ``.task`` bundle."""
    p = Path(path)
    if not p.is_file():
        raise ModelError(f"pose model not found: {p}")
    if p.suffix == ".task":
        try:
            with zipfile.ZipFile(p) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, OSError) as e:
            raise ModelError(f"pose model {p} is not a valid .task bundle ({e})") from None
        if not {"pose_detector.tflite", "pose_landmarks_detector.tflite"} <= names:
            raise ModelError(f"pose model {p} lacks pose_detector.tflite / pose_landmarks_detector.tflite")
    return p


def ensure_model(path: str | os.PathLike | None = None, build: bool = True) -> Path:
    """The model to use: ``path`` if given (must exist), else the cached build, built on first use."""
    if path:
        return check_model_file(path)
    cached = default_model_dir() / BUNDLE_FILENAME
    if cached.is_file():
        return check_model_file(cached)
    if not build:
        raise ModelError(f"pose model not found: {cached} (run `backform model build`)")
    return check_model_file(build_model(cached))
