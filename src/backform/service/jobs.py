"""The job queue: a raw video uploaded to the server waits in the ``jobs`` table until a worker analyses it
with ``backform analyze`` (the same pipeline as on the patient's computer, in a child process so a crash in
the pose model never takes the worker down), then the session folder is taken in like an upload and the raw
video is deleted (only the patient's privacy-mode video is kept).

``backform serve`` starts one worker process beside the web server by default (``--workers N``, ``0`` for
none; ``backform serve worker`` runs one on another machine against the same database and blob store).
Claiming a job is one short transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the write lock on SQLite).
"""
from __future__ import annotations

import contextlib
import logging
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select, update
from sqlalchemy.orm import Session as DB, sessionmaker

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


def analyze_command(settings: Settings, video: Path, exercise: str, out: Path, privacy: str) -> list[str]:
    base = list(settings.analyze_cmd) or [sys.executable, "-m", "backform"]
    cmd = base + ["analyze", str(video), "--exercise", exercise, "--out", str(out), "--privacy", privacy, "-q"]
    if video.name.endswith((".jsonl", ".jsonl.gz")):
        cmd.append("--no-video")  # a landmarks recording has no pictures
    return cmd


def run_job(factory: sessionmaker, blobs: LocalBlobs, settings: Settings, job: Job) -> None:
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
        out = work / "session"
        cmd = analyze_command(settings, video, job.exercise, out, privacy)
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
        if r.returncode != 0 or not (out / SESSION_NAME).is_file():
            raise RuntimeError((r.stderr.strip().splitlines() or ["analyze failed"])[-1])
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
    """Run jobs until stopped (or, ``once``, until the queue is empty). Returns how many ran."""
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
        run_job(factory, blobs, settings, job)
        n += 1
