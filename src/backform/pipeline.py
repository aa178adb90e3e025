"""The one pipeline: source frame -> pose -> smoothing -> exercise checker -> sinks.

Everything that looks at a person goes through :class:`Pipeline`: ``analyze`` (below), the live session's
inference thread, ``calibrate``, and what is built on them (batch workers, the app, the service). Its output
goes to *sinks*, objects with one small protocol (:class:`Sink`): ``write(pose_frame, result, image)`` for
each analysed frame, ``close()`` at the end. The session log, the annotated video, the tracking counts, the
coach and speaker, the live window and the CLI's progress bar are sinks.

``analyze()`` reads as the loop it is::

    for pf, res, image in pipeline.run(source):
        for sink in sinks:
            sink.write(pf, res, image)

The session log (``session.log.jsonl``) is a landmarks recording (:mod:`backform.io.recording`) whose records
also carry the checker's per-frame result, written and flushed frame by frame: a session killed half-way
keeps everything up to its last frame and can be analysed again from the log alone. ``session.json`` (the
typed :class:`backform.session.Session`) is written atomically at the end.
"""
from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Iterable, Iterator, Protocol

import numpy as np

from . import session as S
from .errors import NoPersonError
from .io.recording import SessionLog
from .io.video_out import AnnotatedVideoWriter
from .io.sources import threaded
from .pose.estimator import PoseConfig
from .pose.parallel import ChunkedPoses
from .types import Frame, FrameResult, PoseFrame

log = logging.getLogger(__name__)
DEFAULT_MAX_FPS = 20.0  # analysis-rate cap: see README "Analysis rate" and bench/throughput.py
SESSION_NAME = "session.json"
LOG_NAME = "session.log.jsonl"


class Sink(Protocol):
    """Where the pipeline's output goes, one analysed frame at a time."""

    def write(self, pf: PoseFrame, result: FrameResult | None, image: np.ndarray | None) -> None: ...

    def close(self) -> None: ...


class Pipeline:
    """Pose model (optional: recordings carry their poses), smoother (optional) and exercise checker
    (optional: ``track`` and ``calibrate`` record poses only)."""

    def __init__(self, pose=None, exercise=None, smoother=None):
        self.pose = pose
        self.exercise = exercise
        self.smoother = smoother
        self.last_t = 0.0

    def check(self, pf: PoseFrame) -> tuple[PoseFrame, FrameResult | None]:
        """Smoothing and the checker, on a pose already found."""
        if self.smoother is not None:
            pf = self.smoother.update(pf)
        self.last_t = pf.t_s
        return pf, (self.exercise.update(pf) if self.exercise is not None else None)

    def step(self, frame: Frame) -> tuple[PoseFrame, FrameResult | None]:
        """One frame, start to end, on the caller's thread."""
        return self.check(self.pose.update(frame))

    def run(self, source: Iterable, ahead: int = 4) -> Iterator[tuple[PoseFrame, FrameResult | None,
                                                                    np.ndarray | None]]:
        """``(pose_frame, result, image)`` for each item of ``source`` (Frames, or PoseFrames from a
        recording). With a pose model, inference runs on its own thread up to ``ahead`` frames in front, so
        that tracing the outline, the checks and the sinks of one frame overlap the model's work on the next
        (the model releases the GIL while it runs)."""
        if getattr(source, "yields_pose_images", False):  # the pose pass in chunks (pose.parallel)
            for pf, image in source:
                yield (*self.check(pf), image)
            return
        if getattr(source, "yields_poses", False) or self.pose is None:
            for pf in source:
                yield (*self.check(pf), None)
            return
        pose = self.pose
        for pf, mask, image in threaded(((*pose.infer(fr), fr.image) for fr in source), ahead, name="pose",
                                        background=False):
            yield (*self.check(pose.outline(pf, mask)), image)

    def finish(self) -> None:
        """End of the source: a rep on its way down counts."""
        if self.exercise is not None:
            self.exercise.finish(self.last_t)


class TrackingSink:
    """How many frames were analysed, and how many had a person."""

    def __init__(self, analysis_fps: float | None = None, stride: int | None = None, model: S.ModelInfo | None = None,
                 live: bool | None = None):
        self.tracking = S.Tracking(analysis_fps=None if analysis_fps is None else round(analysis_fps, 3),
                                   stride=stride)
        if model is not None and model.name:
            self.tracking.model = model
        if live is not None:
            self.tracking.live = live
        self.first_pose_s: float | None = None

    @property
    def frames(self) -> int:
        return self.tracking.frames

    @property
    def pose_frames(self) -> int:
        return self.tracking.pose_frames

    def write(self, pf: PoseFrame, result=None, image=None) -> None:
        tr = self.tracking
        tr.frames += 1
        if pf.has_pose:
            tr.pose_frames += 1
            if self.first_pose_s is None:
                self.first_pose_s = pf.t_s
        tr.pose_found_rate = round(tr.pose_frames / tr.frames, 4)

    def close(self) -> None:
        pass


def model_info(pose=None, source=None) -> S.ModelInfo | None:
    """The pose model behind the landmarks: the estimator's, or the one a recording names."""
    if pose is not None:
        name = getattr(pose, "model_name", None)
        return S.ModelInfo(name=name, sha256=getattr(pose, "model_sha256", None)) if name else None
    header = getattr(source, "header", None)
    if header and header.get("model"):
        return S.ModelInfo(name=header.get("model"), sha256=header.get("model_sha256"))
    return None


def log_header(source, exercise_name: str | None, model: S.ModelInfo | None, analysis_fps: float | None = None,
               **extra) -> dict:
    """The session log's header: the one place it is built (analyze, live, track, calibrate)."""
    info = source.info()
    h = {"fps": source.fps, "analysis_fps": analysis_fps if analysis_fps is not None else source.analysis_fps,
         "width": source.width, "height": source.height, "frames": source.frame_count, "source": info["path"],
         "exercise": exercise_name}
    h.update(extra)
    if model is not None:
        h.update(model=model.name, model_sha256=model.sha256)
    return h


def build_session(exercise_name: str | None, source_info: dict, tracking: S.Tracking, exercise=None) -> S.Session:
    """The typed session of a checker's work so far (the one place session.json's content is built)."""
    s = S.Session(exercise=exercise_name, source=S.convert(source_info, S.SourceInfo), tracking=tracking)
    if exercise is None:
        return s
    summary = exercise.summary()
    unknown = sorted(set(summary) - set(S.Session.__struct_fields__))
    if unknown:
        raise KeyError(f"{type(exercise).__name__}.summary() gives {unknown}, which Session does not define")
    return S.convert({**S.to_builtins(s), "rep_count": len(exercise.reps),
                      "reps": [r.to_json() for r in exercise.reps],
                      "faults": [f.to_json() for f in exercise.faults], **summary}, S.Session)
    return s


def analyze(source, out_dir: str | os.PathLike, exercise=None, exercise_name: str | None = None,
            pose=None, smoother=None, sinks: Iterable[Sink] = (), require_person: bool = True) -> S.Session:
    """Run the pipeline over ``source`` into ``out_dir``: the session log, the ``sinks`` (annotated video,
    progress, ...) and, at the end, ``session.json``. Returns the session.

    ``source`` yields Frames (then ``pose`` is required) or PoseFrames (a recording).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    info = source.info()
    model = model_info(pose, source)
    pipeline = Pipeline(pose, exercise, smoother)
    tracking = TrackingSink(source.analysis_fps, source.stride, model)
    sinks = list(sinks)
    with SessionLog(out / LOG_NAME, log_header(source, exercise_name, model)) as slog:
        outputs = [slog, tracking, *sinks]
        for pf, res, image in pipeline.run(source):
            for sink in outputs:
                sink.write(pf, res, image)
    pipeline.finish()
    if tracking.frames == 0:
        raise NoPersonError(f"no frame could be read from {info['path']}")
    session = build_session(exercise_name, info, tracking.tracking, exercise)
    S.write(out / SESSION_NAME, session)
    if require_person and tracking.pose_frames == 0:
        raise NoPersonError(f"no person found in {info['path']} ({tracking.frames} frames analysed)")
    return session


def pose_pass(source, model=None, pose_config: PoseConfig | None = None, image_size: tuple[int, int] | None = None,
              workers: int | None = None) -> ChunkedPoses:
    """A recorded video's pose pass as ``analyze`` makes it (:mod:`backform.pose.parallel`: chunks, fresh
    models, up to ``workers`` at once, default ``pose.parallel.WORKERS``): iterate once for ``(pose_frame,
    image)``. bench/accuracy.py poses with it."""
    return ChunkedPoses(source, model, pose_config or PoseConfig(), workers=workers, image_size=image_size)


def analyze_file(source, out_dir: str | os.PathLike, model=None, pose_config: PoseConfig | None = None,
                      exercise=None, exercise_name: str | None = None, privacy: str = "none", video: bool = True,
                      sinks: Iterable[Sink] = (), pose_workers: int | None = None) -> S.Session:
    """:func:`analyze` as ``backform analyze`` and a batch job run it: the pose pass of :func:`pose_pass` unless
    the source carries its poses, and ``annotated.mp4`` written beside the session (unless ``video`` is
    False). ``pose_workers`` changes the speed, never the session."""
    out = Path(out_dir)
    with contextlib.ExitStack() as stack:
        outputs = list(sinks)
        writer = None
        if video:
            out.mkdir(parents=True, exist_ok=True)
            writer = AnnotatedVideoWriter(out / "annotated.mp4", source.analysis_fps, source.width, source.height,
                                          exercise=exercise_name or "", privacy=privacy)
            stack.callback(writer.abort)  # no-op after a successful close
            outputs.insert(0, writer)
        if not getattr(source, "yields_poses", False):
            size = writer.size if writer is not None and privacy != "skeleton" else None
            source = pose_pass(source, model, pose_config, size, pose_workers)
            stack.callback(source.close)
        session = analyze(source, out, exercise=exercise, exercise_name=exercise_name, sinks=outputs)
        if writer is not None:
            writer.close()
    return session
