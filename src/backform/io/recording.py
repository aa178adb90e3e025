"""Landmark recordings and the session log: one JSON line per analysed frame, readable back as a source.

Two versions of the format are read; the header's ``"schema"`` says which. The writers write ``/2``.
Both are UTF-8 JSON lines, gzip-compressed when the name ends in ``.gz``, one flushed line per frame: a
recording cut short (crash, kill) is readable up to its last complete line (a cut last line, or a gzip
stream without its end, is skipped with a warning).

``backform.landmarks/2`` (what the writers write; a session log with a 256-point outline and the checker's
result takes ~1.8 KB per analysed frame, 3.6x less than ``/1``: ``bench/log_size.py``):

- line 1, the header: ``{"schema": "backform.landmarks/2", "model": "pose_landmarker_full",
  "model_sha256": "...", "fps": 30.0, "analysis_fps": 15.0, "width": 1280, "height": 720, "frames": 392,
  "source": "clip.mp4", ...the writer's fields (the session log adds "exercise")..., "landmarks": ["nose",
  ...33], "units": {"lm": 100000, "world": 10000, "contour": 10000}}``
- then one record per analysed frame: ``{"i": 12, "t_ms": 400.0, "lm": "<packed>" | null,
  "world": "<packed>" | null, "contour": "<packed>" | null}`` (the session log adds ``"result"`` and any
  extra fields, see below). The arrays are those of ``/1`` (``lm`` (33, 5): normalised x, y, MediaPipe z,
  visibility, presence; ``world`` (33, 3): metres, hip-centred; ``contour`` (K, 2): the silhouette outline,
  normalised), ``null`` where there was no pose or no mask.
- ``"<packed>"``: the array rounded to integers ``n = rint(value * units[field])`` (the same steps as ``/1``'s
  decimals: 1e-5, 1e-4, 1e-4), then per column the difference to the previous row (the first row as is),
  zigzag-mapped to unsigned (``0, -1, 1, -2, ... -> 0, 1, 2, 3, ...``) and stored as little-endian uint32,
  column after column; those bytes are split into 4 byte planes (every value's lowest byte, then every
  value's second byte, ...), compressed with raw deflate (zlib, ``wbits=-15``) and base64-encoded (standard
  alphabet, with padding). Rows = bytes / (4 * columns); decoding is ``float32(cumsum(unzigzag) / units)``
  in float64. Values that round to a negative zero (e.g. a hip's world x) follow as ``";"`` and their
  row-major flat indices, comma-separated (``"<base64>;71,98"``), as ``/1``'s ``-0.0`` did. Decoded
  arrays are therefore bit for bit those a ``/1`` file of the same frame gives: analysing a recording gives
  the same reps, faults and metrics in either version. A field that cannot be packed (not finite, or
  ``|n| >= 2**30``) is written as in ``/1`` (a list of float rows); readers of ``/2`` accept both per field.

``backform.landmarks/1`` (what the writers wrote before ``/2``; still read):

- the same header without ``"units"``; records ``{"i": 12, "t_ms": 400.0, "lm": [[x, y, z, visibility,
  presence], ...33] | null, "world": [[x, y, z], ...33] | null, "contour": [[x, y], ...] | null}`` with
  ``lm`` rounded to 5 decimals, ``world`` and ``contour`` to 4.

The session log (``session.log.jsonl``, :class:`SessionLog`) is a recording whose records also hold the
checker's per-frame result, ``"result": {"phase": "hold", "reps": 2, "side_counts": {...}, "side": "left",
"hold_s": 1.2, "faults": ["lumbar_arch"], "angles": {"hip_extension_deg": 171.3, ...}, "rep": {...the
completed rep's session.json entry, on the frame a rep ends}}`` (keys left out when empty), plus any extra
fields of the writer (a live session's ``"set"``, ``"exercise"``, ``"step"``). The result is plain JSON in
both versions.

Reading:

- :func:`read_landmarks` ``(path) -> (header, iterator of PoseFrame)``; :class:`LandmarksSource` wraps it as
  a frame source (the pose stage is skipped).
- :func:`read_session_log` ``(path) -> (header, Records)``: ``Records`` iterates ``(PoseFrame, record)``
  pairs, ``record`` being the frame's JSON object without its arrays (``"i"``, ``"t_ms"``,
  ``"result"`` when the checker ran, and the extra fields); after the loop, ``Records.truncated`` tells
  whether a cut last line was skipped. Use it rather than parsing the lines: it knows both versions.
"""
from __future__ import annotations

import base64
import binascii
import gzip
import json
import logging
import os
import zlib
from pathlib import Path
from typing import Iterator

import numpy as np

from ..types import FrameResult, PoseFrame
from ..errors import SourceError
from ..pose.landmarks import NAMES

log = logging.getLogger(__name__)
SCHEMA_V1 = "backform.landmarks/1"
SCHEMA_V2 = "backform.landmarks/2"
SCHEMA = SCHEMA_V2                    # what the writers write
SCHEMAS = (SCHEMA_V1, SCHEMA_V2)      # what the readers read
COLUMNS = {"lm": 5, "world": 3, "contour": 2}
UNITS = {"lm": 100_000, "world": 10_000, "contour": 10_000}   # integer steps per unit (/1's decimals)
_LIMIT = 2 ** 30                      # |n| below this: every row-to-row difference fits the uint32 zigzag


def _open(path: Path, mode: str):
    if str(path).endswith(".gz"):
        return gzip.open(path, mode + "t", encoding="utf-8")
    return open(path, mode, encoding="utf-8")


def pack(a: np.ndarray, units: int) -> str | list:
    """A (rows, columns) array as ``/2`` stores it: a packed string, or rounded float rows when it cannot be
    packed (not finite, or too large)."""
    n = np.rint(np.asarray(a, dtype=np.float64) * units)
    if not np.isfinite(n).all() or (n.size and np.abs(n).max() >= _LIMIT):
        return np.true_divide(n, units).tolist()
    negz = np.flatnonzero((n == 0) & np.signbit(n))              # -0.0 as /1 reads it (e.g. a hip's world x)
    n = n.astype(np.int64)
    d = np.diff(n, axis=0, prepend=np.zeros((1, n.shape[1]), np.int64))
    z = ((d << 1) ^ (d >> 63)).astype("<u4")                    # zigzag: 0, -1, 1, -2 -> 0, 1, 2, 3
    planes = z.T.reshape(-1).view(np.uint8).reshape(-1, 4).T    # column after column, then byte planes
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    out = base64.b64encode(c.compress(planes.tobytes()) + c.flush()).decode("ascii")
    return out + ";" + ",".join(map(str, negz)) if len(negz) else out


def unpack(s: str, units: int, cols: int) -> np.ndarray:
    """The (rows, cols) float32 array of a packed string (ValueError when it is not one)."""
    data, _, negz = s.partition(";")
    try:
        raw = zlib.decompress(base64.b64decode(data, validate=True), -15)
        zeros = [int(k) for k in negz.split(",")] if negz else []
    except (binascii.Error, zlib.error) as e:
        raise ValueError(f"bad packed array ({e})") from None
    if len(raw) % (4 * cols):
        raise ValueError(f"packed array of {len(raw)} bytes is not a whole number of {cols}-column rows")
    b = np.frombuffer(raw, np.uint8).reshape(4, -1).T.copy()
    z = b.view("<u4").reshape(-1).astype(np.int64)
    d = (z >> 1) ^ -(z & 1)
    out = np.ascontiguousarray(np.true_divide(np.cumsum(d.reshape(cols, -1).T, axis=0), units), np.float32)
    if zeros:
        if min(zeros) < 0 or max(zeros) >= out.size:
            raise ValueError("negative-zero index out of range")
        out.reshape(-1)[zeros] = -0.0
    return out


def pose_to_record(pf: PoseFrame) -> dict:
    """A frame's ``/2`` record (without a result)."""
    rec = {"i": pf.index, "t_ms": round(float(pf.timestamp_ms), 3)}
    for key, a in (("lm", pf.landmarks), ("world", pf.world), ("contour", pf.contour)):
        rec[key] = None if a is None else pack(a, UNITS[key])
    return rec


def record_to_pose(rec: dict, width: int, height: int, units: dict | None = None) -> PoseFrame:
    """The PoseFrame of a record; ``units``: the ``/2`` header's (None: a ``/1`` record, lists only)."""
    def arr(key):
        v, cols = rec.get(key), COLUMNS[key]
        if v is None:
            return None
        if isinstance(v, str):
            if units is None:
                raise ValueError(f"field {key!r} is packed, which {SCHEMA_V1} does not allow")
            return unpack(v, int(units[key]), cols)
        a = np.asarray(v, dtype=np.float32)
        if a.ndim != 2 or a.shape[1] != cols:
            raise ValueError(f"field {key!r} has shape {a.shape}")
        return a
    lm = arr("lm")
    if lm is not None and lm.shape[0] != len(NAMES):
        raise ValueError(f"'lm' has {lm.shape[0]} landmarks, expected {len(NAMES)}")
    return PoseFrame(index=int(rec["i"]), timestamp_ms=float(rec["t_ms"]), width=width, height=height,
                     landmarks=lm, world=arr("world"), contour=arr("contour"))


class LandmarkWriter:
    """Appends PoseFrames to a ``/2`` recording, flushing each line (crash-safe up to the last frame)."""

    def __init__(self, path: str | os.PathLike, header: dict):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._f = _open(self.path, "w")
        h = {"schema": SCHEMA, **header, "landmarks": list(NAMES), "units": dict(UNITS)}
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
    """The header of a ``/1`` or ``/2`` recording (SourceError when the file is not one)."""
    p = Path(path)
    if not p.is_file():
        raise SourceError(f"landmarks file not found: {p}")
    try:
        with _open(p, "r") as f:
            header = json.loads(f.readline())
    except (OSError, ValueError, UnicodeDecodeError, EOFError) as e:
        raise SourceError(f"cannot read landmarks file {p}: {e}") from None
    if not isinstance(header, dict) or header.get("schema") not in SCHEMAS:
        raise SourceError(f"{p} is not a backform landmarks file (expected schema {' or '.join(SCHEMAS)})")
    return header


class Records:
    """The frames of a recording, read once: an iterator of ``(PoseFrame, record)``, ``record`` being the
    line's JSON object without the arrays (``i``, ``t_ms``, ``result``, extra fields). ``truncated`` turns
    True when a cut last line (a killed writer) was skipped; a bad complete line raises SourceError."""

    def __init__(self, path: str | os.PathLike, header: dict):
        self.path = Path(path)
        self.header = header
        self.truncated = False
        self._units = ({**UNITS, **header.get("units", {})} if header.get("schema") == SCHEMA_V2 else None)
        self._it = self._read(int(header["width"]), int(header["height"]))

    def __iter__(self) -> Records:
        return self

    def __next__(self) -> tuple[PoseFrame, dict]:
        return next(self._it)

    def _read(self, w: int, h: int) -> Iterator[tuple[PoseFrame, dict]]:
        with _open(self.path, "r") as f:
            f.readline()
            n = 1
            while True:
                try:
                    line = f.readline()
                except EOFError:  # a gzip stream without its end (a killed writer): its last line is cut
                    self._cut(n + 1)
                    return
                n += 1
                if not line:
                    return
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                    pf = record_to_pose(rec, w, h, self._units)
                except (ValueError, KeyError, TypeError, AttributeError) as e:
                    if line.endswith("\n"):
                        raise SourceError(f"{self.path}, line {n}: bad record ({e})") from None
                    self._cut(n)
                    return
                for key in COLUMNS:
                    rec.pop(key, None)
                yield pf, rec

    def _cut(self, n: int) -> None:
        self.truncated = True
        log.warning("%s: ignoring truncated last line %d", self.path, n)


def read_session_log(path: str | os.PathLike) -> tuple[dict, Records]:
    """``(header, Records)`` of a session log (or any recording, ``/1`` or ``/2``): per frame its PoseFrame
    and its record (``result``, extra fields such as a live session's ``set``/``exercise``/``step``)."""
    header = read_header(path)
    return header, Records(path, header)


def read_landmarks(path: str | os.PathLike) -> tuple[dict, Iterator[PoseFrame]]:
    """``(header, PoseFrames)`` of a recording; a truncated last line (killed writer) is ignored."""
    header = read_header(path)
    return header, (pf for pf, _ in Records(path, header))


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
