"""The job queue: a raw video uploaded to the server waits in the ``jobs`` table until a worker analyses it
through :func:`backform.batch.run_job` (what ``backform batch`` runs for one recording: the same pipeline as
``backform analyze`` on the patient's computer), then the session folder is taken in like an upload and the
raw video is deleted (only the patient's privacy-mode video is kept).

Where the analysis runs: by default in a child process of the worker (so a crash in the pose model never
takes the worker down); with ``Settings.ray`` set (``backform serve --ray [ADDRESS]``) as a Ray task through
:func:`backform.batch.run_ray`, on the cluster at that address or on a local Ray ("": started by the worker).

``backform serve`` starts one worker process beside the web server by default (``--workers N``, ``0`` for
none; ``backform serve worker`` runs one on another machine against the same database and blob store).
Claiming a job is one short transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the write lock on SQLite).
"""
from __future__ import annotations

import concurrent.futures as cf
import contextlib
import faulthandler
import logging
import multiprocessing
import os
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO, Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session as DB, sessionmaker

from .. import batch
from ..exercises import names as exercise_names
from ..pipeline import LOG_NAME, SESSION_NAME
from . import audit
from .blobs import LocalBlobs
from .care import current_programme, purge_expired, retention, sweep_leftovers
from .config import Settings
from .ingest import VIDEO_NAME, Parts, UploadError, ingest
from .models import Job, User, now

log = logging.getLogger(__name__)
VIDEO_EXTS = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".jsonl", ".jsonl.gz")
STALE = timedelta(hours=2)
TIMEOUT_S = 3600.0  # one analysis (local child process)
LANDMARK_EXTS = (".jsonl", ".jsonl.gz")
Runner = Callable[[batch.Job], dict]  # one recording's batch job -> its summary record


def video_ext(filename: str | None) -> str:
    name = (filename or "").lower()
    for ext in sorted(VIDEO_EXTS, key=len, reverse=True):
        if name.endswith(ext):
            return ext
    raise UploadError(422, f"not a video this service analyses (allowed: {', '.join(VIDEO_EXTS)})")


def enqueue(db: DB, blobs: LocalBlobs, patient: User, exercise: str, filename: str | None, src: BinaryIO) -> Job:
    if exercise not in exercise_names():
        raise UploadError(422, f"unknown exercise {exercise!r}; allowed: {', '.join(exercise_names())}")
    ext = video_ext(filename)
    job = Job(patient_id=patient.id, exercise=exercise, video_key="")
    db.add(job)
    db.flush()
    job.video_key = f"patients/{patient.id}/jobs/{job.id}/raw{ext}"
    blobs.put(job.video_key, src)
    return job


def claim(db: DB) -> Job | None:
    """The oldest queued job, marked running (one short transaction)."""
    with db.begin():
        db.execute(update(Job).where(Job.status == "running", Job.started_at < now() - STALE)
                   .values(status="queued"))  # its worker died
        job = db.scalar(select(Job).where(Job.status == "queued").order_by(Job.id).limit(1)
                        .with_for_update(skip_locked=True))
        if job is not None:
            job.status, job.started_at = "running", now()
    return job


def analysis_job(work: Path, video: Path, exercise: str, privacy: str) -> batch.Job:
    """The batch job analysing ``video`` (in the work folder) into ``work/out/session``: what
    ``backform analyze VIDEO --exercise E --privacy P`` writes (no annotated video for a landmarks file)."""
    opts = batch.Options(privacy=privacy, video=not video.name.endswith(LANDMARK_EXTS))
    return batch.Job(file=video.name, folder="session", src=str(work), out=str(work / "out"), exercise=exercise,
                     options=opts)


def _init_child() -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    faulthandler.enable()  # a crash in native code leaves its stack on stderr


def run_local(job: batch.Job, timeout_s: float = TIMEOUT_S) -> dict:
    """``batch.run_job`` in a child process of its own: a crash or a hang fails the job, not the worker."""
    pool = cf.ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                  initializer=_init_child)
    try:
        return pool.submit(batch.run_job, job).result(timeout=timeout_s)
    except cf.process.BrokenProcessPool:
        return {"status": "failed", "error": "the process analysing it died"}
    except cf.TimeoutError:
        for p in list(getattr(pool, "_processes", {}).values()):
            p.kill()
        return {"status": "failed", "error": f"analysis took longer than {timeout_s:.0f} s"}
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def ray_runner(address: str | None) -> tuple[Runner, Callable[[], None]]:
    """A runner submitting each job to Ray through :func:`backform.batch.run_ray`, and its closer. Ray is
    started (or joined, at ``address``) once here, so that every job does not start and stop it."""
    ray = batch.ray_module()
    if ray is None:
        raise ImportError("--ray needs Ray: pip install 'backform[ray]'")
    started = not ray.is_initialized()
    if started:
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        kw = {"address": address} if address else {"include_dashboard": False}
        ray.init(log_to_driver=False, configure_logging=False, **kw)

    def run(job: batch.Job) -> dict:
        return next(iter(batch.run_ray([job], address)))

    return run, (ray.shutdown if started else lambda: None)


def run_job(factory: sessionmaker, blobs: LocalBlobs, settings: Settings, job: Job,
            runner: Runner = run_local) -> None:
    work = Path(tempfile.mkdtemp(prefix=f"job{job.id}-", dir=settings.data))
    try:
        with factory() as db:
            patient = db.get(User, job.patient_id)
            if patient is None:
                return
            privacy = patient.privacy
            programme = current_programme(db, patient.id)
        ext = job.video_key[job.video_key.index("/raw") + 4:]
        video = work / f"raw{ext}"
        with blobs.open(job.video_key) as src, video.open("wb") as f:
            shutil.copyfileobj(src, f, 1 << 20)
        bjob = analysis_job(work, video, job.exercise, privacy)
        result = runner(bjob)
        out = Path(bjob.out) / bjob.folder
        if result.get("status") != "done" or not (out / SESSION_NAME).is_file():
            raise RuntimeError(result.get("error") or "analyze failed")
        with factory() as db, contextlib.ExitStack() as files:
            patient = db.get(User, job.patient_id)
            opened = {n: files.enter_context((out / n).open("rb")) for n in (LOG_NAME, VIDEO_NAME)
                      if (out / n).is_file()}
            parts = Parts(session=(out / SESSION_NAME).read_bytes(), log=opened.get(LOG_NAME),
                          video=opened.get(VIDEO_NAME), recorded_at=job.created_at.isoformat())
            rec, _, _ = ingest(db, blobs, patient, parts, programme, settings.data / "tmp", settings.max_upload_bytes)
            j = db.get(Job, job.id)
            j.status, j.finished_at, j.session_id = "done", now(), rec.id
            audit.record(db, None, "analyse", f"session:{rec.id}", patient.id, f"job {job.id}")
            db.commit()
        blobs.delete_prefix(f"patients/{job.patient_id}/jobs/{job.id}")  # the raw video goes
    except Exception as e:  # noqa: BLE001 - a failed job is recorded, the worker goes on
        log.warning("job %s failed: %s", job.id, e)
        with factory() as db:
            j = db.get(Job, job.id)
            if j is not None:
                j.status, j.finished_at, j.error = "failed", now(), str(e)[:2000]
                db.commit()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def work(factory: sessionmaker, blobs: LocalBlobs, settings: Settings, once: bool = False,
         idle_s: float = 2.0) -> int:
    """Run jobs until stopped (or, ``once``, until the queue is empty). Returns how many ran. Each analysis
    runs in a child process, or, with ``settings.ray`` set, on Ray."""
    runner, close = (run_local, lambda: None) if settings.ray is None else ray_runner(settings.ray or None)
    try:
        return _loop(factory, blobs, settings, runner, once, idle_s)
    finally:
        close()


def _loop(factory: sessionmaker, blobs: LocalBlobs, settings: Settings, runner: Runner, once: bool,
          idle_s: float) -> int:
    n, last_purge = 0, 0.0
    while True:
        if time.monotonic() - last_purge > 3600 or not last_purge:
            with factory() as db:  # the admin page's setting, else --retention-days
                sweep_leftovers(db, blobs, settings.data / "tmp")
                days = retention(db, settings.retention_days).days
                if days:
                    purge_expired(db, blobs, days)
            last_purge = time.monotonic()
        with factory() as db:
            job = claim(db)
        if job is None:
            if once:
                return n
            time.sleep(idle_s)
            continue
        run_job(factory, blobs, settings, job, runner)
        n += 1
