"""The per-frame driver: source -> pose -> smoothing -> exercise -> (video, session log); then session.json.

``analyze()`` is the plain loop the CLI runs. The session log (``session.log.jsonl``) is a landmarks
recording (see :mod:`backform.recording`) whose records also carry the exercise's per-frame result, written
and flushed frame by frame: a session killed half-way keeps everything up to its last frame, and can be
analysed again from the log alone. ``session.json`` is written atomically at the end.
"""
from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from .core import FrameResult, PoseFrame
from .errors import NoPersonError
from .recording import LandmarkWriter, pose_to_record
from .sources import threaded
from .report_io import write_text_atomic

log = logging.getLogger(__name__)
SESSION_SCHEMA = "backform.session/1"
DEFAULT_MAX_FPS = 20.0  # analysis-rate cap: see README "Analysis rate" and bench/throughput.py


def write_json_atomic(path: str | os.PathLike, data: dict) -> Path:
    """Write JSON so that readers see the old file or the whole new one, never half (temp file + rename)."""
    return write_text_atomic(path, json.dumps(data, indent=1) + "\n")


def result_to_record(res: FrameResult) -> dict:
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
    """The session log: a landmarks recording whose records also hold the exercise result."""

    def write_frame(self, pf: PoseFrame, res: FrameResult | None, **extra) -> None:
        """Append one frame's landmarks, its result and any ``extra`` fields (e.g. a live session's set)."""
        rec = pose_to_record(pf)
        rec.update(extra)
        if res is not None:
            rec["result"] = result_to_record(res)
        self._f.write(json.dumps(rec, separators=(",", ":")) + "\n")
        self._f.flush()
        self.count += 1


@dataclass
class Tracking:
    frames: int = 0
    pose_frames: int = 0
    first_pose_s: float | None = None
    extra: dict = field(default_factory=dict)

    def update(self, pf: PoseFrame) -> None:
        self.frames += 1
        if pf.has_pose:
            self.pose_frames += 1
            if self.first_pose_s is None:
                self.first_pose_s = pf.t_s

    def to_json(self) -> dict:
        return {"frames": self.frames, "pose_frames": self.pose_frames,
                "pose_found_rate": round(self.pose_frames / self.frames, 4) if self.frames else 0.0, **self.extra}


def session_dict(exercise_name: str | None, source_info: dict, tracking: Tracking, exercise=None) -> dict:
    d = {"schema": SESSION_SCHEMA, "exercise": exercise_name, "source": source_info,
         "tracking": tracking.to_json(), "rep_count": 0, "reps": [], "faults": []}
    if exercise is not None:
        d["rep_count"] = len(exercise.reps)
        d["reps"] = [r.to_json() for r in exercise.reps]
        d["faults"] = [f.to_json() for f in exercise.faults]
        d.update(exercise.summary())
    return d


def posed(source, pose, ahead: int = 4) -> Iterator[tuple[PoseFrame, np.ndarray | None]]:
    """``(pose_frame, image)`` for each item of ``source``. With a pose model, inference runs on its own
    thread up to ``ahead`` frames in front, so that tracing the outline, the checks, the log and the video
    hand-off of one frame overlap the model's work on the next (the model releases the GIL while it runs)."""
    if getattr(source, "yields_poses", False):
        yield from ((pf, None) for pf in source)
        return
    for pf, mask, image in threaded(((*pose.infer(fr), fr.image) for fr in source), ahead, name="pose",
                                    background=False):
        yield pose.outline(pf, mask), image


def analyze(source, out_dir: str | os.PathLike, exercise=None, exercise_name: str | None = None,
            pose=None, smoother=None, video=None, on_frame: Callable[[PoseFrame], None] | None = None,
            require_person: bool = True) -> dict:
    """Run the pipeline over ``source`` and write ``session.log.jsonl`` and ``session.json`` into ``out_dir``.

    ``source`` yields Frames (then ``pose`` is required) or PoseFrames (a recording). ``video`` is an
    :class:`~backform.video_out.AnnotatedVideoWriter` or None. Returns the session dict.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    poses_in = getattr(source, "yields_poses", False)
    info = source.info()
    header = {"fps": source.fps, "analysis_fps": source.analysis_fps, "width": source.width,
              "height": source.height, "frames": source.frame_count, "source": info["path"],
              "exercise": exercise_name}
    if pose is not None:
        header.update(model=pose.model_name, model_sha256=pose.model_sha256)
    elif poses_in:
        header.update(model=source.header.get("model"), model_sha256=source.header.get("model_sha256"))
    tracking = Tracking()
    tracking.extra = {"analysis_fps": round(source.analysis_fps, 3), "stride": source.stride}
    if header.get("model"):
        tracking.extra["model"] = {"name": header["model"], "sha256": header.get("model_sha256")}
    last_t = 0.0
    with SessionLog(out / "session.log.jsonl", header) as slog:
        for pf, image in posed(source, pose):
            if smoother is not None:
                pf = smoother.update(pf)
            res = exercise.update(pf) if exercise is not None else None
            slog.write_frame(pf, res)
            tracking.update(pf)
            if video is not None:
                video.update(image, pf, res)
            if on_frame is not None:
                on_frame(pf)
            last_t = pf.t_s
    if exercise is not None:
        exercise.finish(last_t)
    if tracking.frames == 0:
        raise NoPersonError(f"no frame could be read from {info['path']}")
    result = session_dict(exercise_name, info, tracking, exercise)
    write_json_atomic(out / "session.json", result)
    if require_person and tracking.pose_frames == 0:
        raise NoPersonError(f"no person found in {info['path']} ({tracking.frames} frames analysed)")
    return result
