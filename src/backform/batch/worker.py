"""One batch job: a recording in, a session folder out (what ``backform analyze`` writes), then the finished
marker, written last. Runs in the calling process, a local worker process or a Ray worker alike, and never
raises: a failure is a record with a one-line error, so one bad file does not stop the rest."""
from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

from .. import session as S
from ..exercises import get
from ..io.sources import open_source
from ..pipeline import DEFAULT_MAX_FPS, SESSION_NAME, analyze_file
from ..pose.estimator import PoseConfig
from ..programme.programme import load as load_programme, resolve
from ..report import write_report
from .jobs import Job, recognition
from .store import Store

log = logging.getLogger(__name__)


class _Named:
    """A source that names itself by the recording's URL (a remote recording is read from a local copy)."""

    def __init__(self, source, name: str):
        self._source, self._name = source, name

    def __getattr__(self, key):
        return getattr(self._source, key)

    def __iter__(self):
        return iter(self._source)

    def info(self) -> dict:
        return {**self._source.info(), "path": self._name}


def record(job: Job, status: str, session: S.Session | None = None, error: str | None = None,
           seconds: float | None = None) -> dict:
    """The summary line of one recording: reps, holds and faults (or the error)."""
    r = {"file": job.file, "exercise": job.exercise, "status": status, "session": job.folder,
         "reps": None, "holds_s": None, "faults": None, "fault_codes": None, "pose_found_rate": None,
         "seconds": None if seconds is None else round(seconds, 2), "error": error}
    if session is not None:
        parts = [session] if session.exercise or not getattr(session, "segments", None) else session.segments
        reps = [rep for p in parts for rep in p.reps]
        faults = [f for p in parts for f in p.faults]
        codes: dict[str, int] = {}
        for f in faults:
            codes[f.code] = codes.get(f.code, 0) + 1
        r.update(exercise=session.exercise or "+".join(p.exercise for p in parts if p is not session) or None,
                 reps=sum(p.rep_count for p in parts), holds_s=[rep.hold_s for rep in reps if rep.hold_s is not None],
                 faults=len(faults), fault_codes=dict(sorted(codes.items())),
                 pose_found_rate=session.tracking.pose_found_rate)
    return r


def one_line(e: BaseException) -> str:
    text = str(e).strip()
    return (text.splitlines()[0] if text else type(e).__name__)[:300]


def _open(video: Path, options, name: str | None):
    max_fps = DEFAULT_MAX_FPS if options.max_fps is None else options.max_fps
    src = open_source(str(video), max_fps=max_fps)  # a video, or a landmarks recording (.jsonl: poses given)
    return _Named(src, name) if name else src


def _pose_pass(source, out: Path, options, exercise=None, exercise_name: str | None = None,
               extra_sinks=()) -> S.Session:
    """The pipeline over the recording: session log, annotated video (unless off), session.json."""
    return analyze_file(source, out, options.model, PoseConfig(segmentation=options.segmentation),
                             exercise, exercise_name, privacy=options.privacy, video=options.video,
                             sinks=extra_sinks)


def analyze_recording(video: Path, out: Path, exercise_name: str, options, name: str | None = None) -> S.Session:
    """``backform analyze VIDEO --exercise E --out OUT`` with ``options``: session.json, the session log,
    annotated.mp4 and report.html. ``name``: the recording's URL when ``video`` is a local copy."""
    programme = load_programme(options.program) if options.program else None
    exercise_name, params, baseline = resolve(programme, exercise_name, options.calibration)
    source = _open(video, options, name)
    exercise = get(exercise_name, params=params, baseline=baseline)
    _pose_pass(source, out, options, exercise, exercise_name)
    write_report(out, programme, privacy=options.privacy)
    return S.load(out / SESSION_NAME)


def recognise_recording(video: Path, out: Path, options, name: str | None = None) -> S.Session:
    """``backform analyze VIDEO --out OUT`` without an exercise: one pose pass, recognition over its
    PoseFrames, each segment through a fresh checker (as the CLI's analyze does)."""
    rec = recognition()
    collector = rec.FrameCollector()
    source = _open(video, options, name)
    base = _pose_pass(source, out, options, extra_sinks=[collector])
    found = rec.recognise(collector.frames)
    checked = rec.check(collector.frames, found,
                        lambda n: get(n, *resolve(None, n, options.calibration)[1:]))
    S.write(out / SESSION_NAME, rec.session_of(base, checked, found.other))
    write_report(out, None, privacy=options.privacy)
    return S.load(out / SESSION_NAME)


def run_job(job: Job) -> dict:
    """Analyse one recording into its session folder unless it is finished already; its summary record."""
    t0 = time.monotonic()
    if job.error:
        return record(job, "failed", error=job.error)
    try:
        out = Store(job.out)
        done = out.done(job.folder)
        if done is not None:
            return {**done, "status": "skipped"}
        out.clear(job.folder)  # what a killed run left
        src = Store(job.src)
        with tempfile.TemporaryDirectory(prefix="backform-batch-") as tmp:
            tmp = Path(tmp)
            video = src.fetch(job.file, tmp)
            folder = out.session_dir(job.folder, tmp)
            name = None if src.local is not None else src.url(job.file)
            if job.recognise:
                session = recognise_recording(video, folder, job.options, name=name)
            else:
                session = analyze_recording(video, folder, job.exercise, job.options, name=name)
            out.publish(folder, job.folder)
        rec = record(job, "done", session, seconds=time.monotonic() - t0)
        out.mark_done(job.folder, rec)  # last: a folder without it is redone by the next run
        return rec
    except Exception as e:  # noqa: BLE001 - any failure of one recording is that recording's error line
        log.info("batch: %s failed", job.file, exc_info=True)
        return record(job, "failed", error=one_line(e), seconds=time.monotonic() - t0)
