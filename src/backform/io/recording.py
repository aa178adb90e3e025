"""Landmark recordings: one JSON line per analysed frame, readable back as a source.

Format ``backform.landmarks/1`` (UTF-8 JSON lines, optionally gzip-compressed when the name ends in ``.gz``):

- line 1, the header: ``{"schema": "backform.landmarks/1", "model": "pose_landmarker_full",
  "model_sha256": "...", "fps": 30.0, "analysis_fps": 15.0, "width": 1280, "height": 720,
  "frames": 392, "source": "clip.mp4", "landmarks": ["nose", ...]}``
- then one record per analysed frame: ``{"i": 12, "t_ms": 400.0, "lm": [[x, y, z, visibility, presence],
  ...33] | null, "world": [[x, y, z], ...33] | null, "contour": [[x, y], ...] | null}``. ``x``/``y`` are
  normalised to the image, ``world`` is in metres (hip-centred), ``contour`` is the silhouette outline
  (normalised), ``null`` where no pose or no mask was available.

Records are flushed as they are written, so a recording cut short (crash, kill) is still readable up to
its last complete line.
"""
from __future__ import annotations

import gzip
import io
import json
import logging
import os
from pathlib import Path
from typing import Iterator

import numpy as np

from ..types import FrameResult, PoseFrame
from ..errors import SourceError
from ..pose.landmarks import NAMES

log = logging.getLogger(__name__)
SCHEMA = "backform.landmarks/1"


def _open(path: Path, mode: str):
    if str(path).endswith(".gz"):
        return gzip.open(path, mode + "t", encoding="utf-8")
    return open(path, mode, encoding="utf-8")


def _round(a: np.ndarray | None, nd: int) -> list | None:
    if a is None:
        return None
    return np.round(a.astype(np.float64), nd).tolist()


def pose_to_record(pf: PoseFrame) -> dict:
    return {"i": pf.index, "t_ms": round(float(pf.timestamp_ms), 3), "lm": _round(pf.landmarks, 5),
            "world": _round(pf.world, 4), "contour": _round(pf.contour, 4)}


def record_to_pose(rec: dict, width: int, height: int) -> PoseFrame:
    def arr(key, cols):
        v = rec.get(key)
        if v is None:
            return None
        a = np.asarray(v, dtype=np.float32)
        if a.ndim != 2 or a.shape[1] != cols:
            raise ValueError(f"field {key!r} has shape {a.shape}")
        return a
    lm = arr("lm", 5)
    if lm is not None and lm.shape[0] != len(NAMES):
        raise ValueError(f"'lm' has {lm.shape[0]} landmarks, expected {len(NAMES)}")
    return PoseFrame(index=int(rec["i"]), timestamp_ms=float(rec["t_ms"]), width=width, height=height,
                     landmarks=lm, world=arr("world", 3), contour=arr("contour", 2))


class LandmarkWriter:
    """Appends PoseFrames to a recording, flushing each line (crash-safe up to the last frame)."""

    def __init__(self, path: str | os.PathLike, header: dict):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._f = _open(self.path, "w")
        h = {"schema": SCHEMA, **header, "landmarks": list(NAMES)}
        self._f.write(json.dumps(h) + "\n")
        self._f.flush()
        self.count = 0

    def write(self, pf: PoseFrame, res=None, image=None) -> None:
        """A pipeline sink: append one frame's landmarks (the result and image are not recorded)."""
        self._write_record(pose_to_record(pf))

    def _write_record(self, rec: dict) -> None:
        self._f.write(json.dumps(rec, separators=(",", ":")) + "\n")
        self._f.flush()
        self.count += 1

    def close(self) -> None:
        if not self._f.closed:
            self._f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def read_header(path: str | os.PathLike) -> dict:
    p = Path(path)
    if not p.is_file():
        raise SourceError(f"landmarks file not found: {p}")
    try:
        with _open(p, "r") as f:
            header = json.loads(f.readline())
    except (OSError, ValueError, UnicodeDecodeError, EOFError) as e:
        raise SourceError(f"cannot read landmarks file {p}: {e}") from None
    if not isinstance(header, dict) or header.get("schema") != SCHEMA:
        raise SourceError(f"{p} is not a backform landmarks file (expected schema {SCHEMA})")
    return header


def read_landmarks(path: str | os.PathLike) -> tuple[dict, Iterator[PoseFrame]]:
    """``(header, PoseFrames)`` of a recording; a truncated last line (killed writer) is ignored."""
    header = read_header(path)
    w, h = int(header["width"]), int(header["height"])

    def frames() -> Iterator[PoseFrame]:
        with _open(Path(path), "r") as f:
            f.readline()
            for n, line in enumerate(f, start=2):
                if not line.strip():
                    continue
                try:
                    yield record_to_pose(json.loads(line), w, h)
                except (ValueError, KeyError) as e:
                    if line.endswith("\n"):
                        raise SourceError(f"{path}, line {n}: bad record ({e})") from None
                    log.warning("%s: ignoring truncated last line %d", path, n)
                    return
    return header, frames()


class LandmarksSource:
    """A recording as a source of PoseFrames (the pose stage is skipped)."""

    yields_poses = True

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.header = read_header(self.path)
        self.fps = float(self.header.get("fps") or 30.0)
        self.analysis_fps = float(self.header.get("analysis_fps") or self.fps)
        self.width = int(self.header["width"])
        self.height = int(self.header["height"])
        self.frame_count = int(self.header.get("frames") or 0)
        self.stride = 1
        self.duration_s = self.frame_count / self.fps if self.fps else 0.0

    def info(self) -> dict:
        return {"path": str(self.path), "fps": self.fps, "frames": self.frame_count,
                "width": self.width, "height": self.height, "landmarks_of": self.header.get("source")}

    def __iter__(self) -> Iterator[PoseFrame]:
        return read_landmarks(self.path)[1]


def result_to_record(res: FrameResult) -> dict:
    """A checker's per-frame result as the session log stores it."""
    d = {"phase": res.phase.value, "reps": res.rep_count}
    if res.side_counts:
        d["side_counts"] = dict(res.side_counts)
    if res.side:
        d["side"] = res.side
    if res.hold_s:
        d["hold_s"] = round(res.hold_s, 3)
    if res.faults:
        d["faults"] = [f.code for f in res.faults]
    if res.angles:
        d["angles"] = {k: (None if v is None or v != v else round(float(v), 2)) for k, v in res.angles.items()}
    if res.completed is not None:
        d["rep"] = res.completed.to_json()
    return d


class SessionLog(LandmarkWriter):
    """The session log, a pipeline sink: a landmarks recording whose records also hold the checker's result."""

    def write(self, pf: PoseFrame, res: FrameResult | None = None, image=None, **extra) -> None:
        """Append one frame's landmarks, its result and any ``extra`` fields (e.g. a live session's set)."""
        rec = pose_to_record(pf)
        rec.update(extra)
        if res is not None:
            rec["result"] = result_to_record(res)
        self._write_record(rec)
