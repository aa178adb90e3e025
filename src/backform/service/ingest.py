"""Taking in a session folder: validate session.json, keep what the patient's privacy mode allows, write the
blobs (each write-then-rename), render the report, and record it in one transaction.

Idempotent: a session is keyed by (patient, sha256 of its session.json); uploading it again returns the
session already stored. Atomic: the row is committed only after every blob is in place, so a crash leaves
either no session (and, at worst, blobs under a prefix no row points to, overwritten by the retry and swept
by ``purge``) or the whole session.
"""
from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import jsonschema
import msgspec
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as DB

from .. import session as S
from ..pipeline import LOG_NAME, SESSION_NAME
from ..programme.programme import Programme
from ..report import REPORT_NAME, read_log, render_session
from .blobs import LocalBlobs
from .models import SessionRecord, User, now

log = logging.getLogger(__name__)
VIDEO_NAME = "annotated.mp4"
MAX_SESSION_JSON = 20 * 1024 * 1024
_validator = jsonschema.Draft202012Validator(S.json_schema())


class UploadError(Exception):
    """A rejected upload: ``status`` (422 malformed, 413 too large, 400 missing part) and the reason."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass
class Parts:
    """The files of one upload, as open binary streams (None when absent)."""

    session: bytes
    log: BinaryIO | None = None
    video: BinaryIO | None = None
    recorded_at: str | None = None


def validate(raw: bytes) -> S.Session:
    """session.json against the published schema (the same one ``backform schema`` prints and
    docs/session.schema.json holds), then decoded into the typed session. Errors name the field."""
    if len(raw) > MAX_SESSION_JSON:
        raise UploadError(413, f"session.json is larger than {MAX_SESSION_JSON // 2**20} MB")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise UploadError(422, f"session.json is not JSON: {e}") from None
    if not isinstance(data, dict):
        raise UploadError(422, "session.json must be a JSON object")
    err = next(iter(sorted(_validator.iter_errors(data), key=lambda e: list(e.path))), None)
    if err is not None:
        where = "/".join(map(str, err.path)) or "(top level)"
        raise UploadError(422, f"session.json does not match the schema at {where}: {err.message[:300]}")
    try:
        return S.loads(raw)
    except msgspec.ValidationError as e:
        raise UploadError(422, f"session.json: {e}") from None


def video_allowed(session: S.Session, patient_privacy: str) -> bool:
    """The annotated video is kept only in the patient's privacy mode or a stricter one."""
    order = {"skeleton": 0, "blur": 1, "none": 2}
    mode = session.privacy if isinstance(session.privacy, str) else "none"
    return order.get(mode, 2) <= order.get(patient_privacy, 0)


def _recorded_at(given: str | None) -> datetime:
    t = now()
    if given:
        try:
            d = datetime.fromisoformat(given)
            if d.tzinfo is not None:
                d = (d - d.utcoffset()).replace(tzinfo=None)
            if datetime(2000, 1, 1) < d <= t + timedelta(days=1):
                return d.replace(microsecond=0)
        except ValueError:
            pass
    return t


def _copy(src: BinaryIO, dest: Path, limit: int) -> int:
    n = 0
    with dest.open("wb") as f:
        while chunk := src.read(1 << 20):
            n += len(chunk)
            if n > limit:
                raise UploadError(413, f"upload larger than {limit // 2**20} MB")
            f.write(chunk)
    return n


ALREADY = "already uploaded: the stored session is returned"


def _existing(db: DB, patient_id: int, dg: str) -> SessionRecord | None:
    return db.scalar(select(SessionRecord).where(SessionRecord.patient_id == patient_id,
                                                 SessionRecord.digest == dg))


def ingest(db: DB, blobs: LocalBlobs, patient: User, parts: Parts, programme: Programme | None,
           work_dir: Path, limit: int) -> tuple[SessionRecord, bool, list[str]]:
    """Store one session folder. Returns (record, created, notes) with the new row flushed in the caller's
    transaction (the caller adds its audit entry and commits). The slow part (copying, the report) runs
    outside any transaction, so an upload never holds the database's write lock while it renders."""
    session = validate(parts.session)
    dg = hashlib.sha256(parts.session).hexdigest()
    patient_id, privacy = patient.id, patient.privacy
    existing = _existing(db, patient_id, dg)
    db.rollback()  # end the read transaction before the slow part
    if existing is not None:
        return existing, False, [ALREADY]
    notes = []
    work_dir.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix="upload-", dir=work_dir))
    try:
        (stage / SESSION_NAME).write_bytes(parts.session)
        files = [SESSION_NAME]
        if parts.log is not None:
            _copy(parts.log, stage / LOG_NAME, limit)
            files.append(LOG_NAME)
        if parts.video is not None:
            if video_allowed(session, privacy):
                _copy(parts.video, stage / VIDEO_NAME, limit)
                files.append(VIDEO_NAME)
            else:
                notes.append(f"video not stored: it is in privacy mode {session.privacy or 'none'!r}, the "
                             f"patient's mode is {privacy!r}")
        ld = read_log(stage / LOG_NAME) if LOG_NAME in files else None
        try:
            page = render_session(session, ld, stage, programme, privacy=privacy)
            (stage / REPORT_NAME).write_text(page, encoding="utf-8")
            files.append(REPORT_NAME)
        except Exception as e:  # noqa: BLE001 - a report that cannot be drawn does not lose the session
            log.warning("report of an upload of patient %s failed: %s", patient_id, e)
            notes.append(f"the report could not be rendered: {e}")
        prefix = f"patients/{patient_id}/sessions/{dg}"
        sizes = {}
        for name in files:
            with (stage / name).open("rb") as f:
                sizes[name] = blobs.put(f"{prefix}/{name}", f)
        rec = SessionRecord(patient_id=patient_id, digest=dg, exercise=session.exercise,
                            recorded_at=_recorded_at(parts.recorded_at), rep_count=session.rep_count,
                            fault_count=len(session.faults), partial=bool(session.partial),
                            privacy=privacy, session_json=parts.session.decode("utf-8"),
                            blob_prefix=prefix, blobs=sizes)
        db.add(rec)
        try:
            db.flush()
        except IntegrityError:  # the same session, uploaded concurrently, won the race
            db.rollback()
            return _existing(db, patient_id, dg), False, [ALREADY]
        return rec, True, notes
    finally:
        shutil.rmtree(stage, ignore_errors=True)
