"""What the therapist's pages show and the patient-data duties: the current programme, the caseload rows
(adherence this week, last session, flags), a patient's trend, export of everything of one patient, deletion
of a patient with their blobs, and the retention purge."""
from __future__ import annotations

import io
import json
import logging
import shutil
import tempfile
import time
import tomllib
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from markupsafe import Markup
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session as DB

from ..programme.calibration import Calibration, CalibrationError, load as load_calibration
from ..programme.programme import Programme, ProgrammeError, parse as parse_programme
from ..report import svg_trend
from . import audit
from .blobs import FsspecBlobs, LocalBlobs
from .models import AuditEntry, Comment, Job, ProgrammeVersion, SessionRecord, Setting, User, now

log = logging.getLogger(__name__)
TREND_SESSIONS = 30
EXAMPLE_PROGRAMME = """[programme]
name = "Phase 1 home programme"
rest_between_exercises_s = 60

[[exercise]]
name = "bridge"
sets = 2
reps = 10
hold_s = 2.0
rest_s = 60
"""


def check_programme(text: str) -> Programme:
    """A programme's TOML, validated by the same loader as ``--program`` files (ProgrammeError: why not)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ProgrammeError(f"programme: not valid TOML: {e}") from None
    return parse_programme(data, None)


def latest_programme(db: DB, patient_id: int) -> ProgrammeVersion | None:
    return db.scalar(select(ProgrammeVersion).where(ProgrammeVersion.patient_id == patient_id)
                     .order_by(ProgrammeVersion.version.desc()).limit(1))


def current_programme(db: DB, patient_id: int) -> Programme | None:
    pv = latest_programme(db, patient_id)
    if pv is None:
        return None
    try:
        return check_programme(pv.toml)
    except ProgrammeError:  # an exercise removed since: the session is scored against its own targets
        return None


def save_programme(db: DB, patient: User, text: str, author: User) -> ProgrammeVersion:
    check_programme(text)
    last = latest_programme(db, patient.id)
    pv = ProgrammeVersion(patient_id=patient.id, version=(last.version + 1) if last else 1, toml=text,
                          created_by=author.id)
    db.add(pv)
    db.flush()
    return pv


MAX_CALIBRATION = 1 << 20


def calibration_key(patient_id: int) -> str:
    return f"patients/{patient_id}/calibration.toml"


def check_calibration(text: str, work_dir: Path) -> Calibration:
    """A calibration profile (``backform calibrate``'s TOML), validated by the same loader as ``--calibration``
    (CalibrationError: why not)."""
    if len(text.encode()) > MAX_CALIBRATION:
        raise CalibrationError("calibration profile larger than 1 MB")
    work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work_dir) as d:
        p = Path(d) / "calibration.toml"
        p.write_text(text, encoding="utf-8")
        cal = load_calibration(p)
    cal.path = None
    return cal


def save_calibration(blobs: LocalBlobs, patient: User, text: str, work_dir: Path) -> Calibration:
    cal = check_calibration(text, work_dir)
    blobs.put(calibration_key(patient.id), io.BytesIO(text.encode("utf-8")))
    return cal


def patient_calibration(blobs: LocalBlobs, patient_id: int, work_dir: Path) -> Calibration | None:
    key = calibration_key(patient_id)
    if not blobs.exists(key):
        return None
    with blobs.open(key) as f:
        text = f.read().decode("utf-8")
    try:
        return check_calibration(text, work_dir)
    except CalibrationError:  # an exercise or parameter removed since it was made
        return None


def week_start(t: datetime) -> datetime:
    d = t - timedelta(days=t.weekday())
    return d.replace(hour=0, minute=0, second=0, microsecond=0)


def _fault_rate(rows: list[SessionRecord]) -> float | None:
    reps = sum(r.rep_count for r in rows)
    return sum(r.fault_count for r in rows) / reps if reps else None


@dataclass
class CaseloadRow:
    patient: User
    sessions_week: int = 0
    days_week: int = 0
    adherence: float = 0.0                                   # days exercised / days asked, this week
    per_exercise: list[tuple[str, int]] = field(default_factory=list)  # programme exercise -> days this week
    last: datetime | None = None
    flags: list[str] = field(default_factory=list)
    programme_version: int | None = None


def caseload_row(db: DB, patient: User, inactive_days: int, t: datetime | None = None) -> CaseloadRow:
    t = t or now()
    row = CaseloadRow(patient=patient)
    ws = week_start(t)
    week = list(db.scalars(select(SessionRecord).where(SessionRecord.patient_id == patient.id,
                                                       SessionRecord.recorded_at >= ws)))
    row.sessions_week = len(week)
    row.days_week = len({s.recorded_at.date() for s in week})
    row.adherence = min(1.0, row.days_week / patient.target_days) if patient.target_days else 0.0
    pv = latest_programme(db, patient.id)
    prog = current_programme(db, patient.id)
    if pv is not None:
        row.programme_version = pv.version
    if prog is not None:
        row.per_exercise = [(b.exercise, len({s.recorded_at.date() for s in week if s.exercise == b.exercise}))
                            for b in prog.blocks]
    recent = list(db.scalars(select(SessionRecord).where(SessionRecord.patient_id == patient.id)
                             .order_by(SessionRecord.recorded_at.desc()).limit(6)))
    row.last = recent[0].recorded_at if recent else None
    if row.last is None:
        row.flags.append("no session yet")
    elif t - row.last > timedelta(days=inactive_days):
        row.flags.append(f"no session for {(t - row.last).days} days")
    new, old = _fault_rate(recent[:3]), _fault_rate(recent[3:6])
    if new is not None and old is not None and new > old + 0.2:
        row.flags.append(f"faults trending up ({old:.1f} → {new:.1f} per rep)")
    if any(s.partial for s in recent[:3]):
        row.flags.append("a recent session did not finish")
    return row


def trend_svgs(sessions: list[SessionRecord]) -> list[Markup]:
    """Reps and faults per rep over the last sessions (oldest first), with the report's trend plot."""
    rows = sorted(sessions, key=lambda s: s.recorded_at)[-TREND_SESSIONS:]
    if not rows:
        return []
    labels = [s.recorded_at.strftime("%m-%d") for s in rows]
    return [svg_trend("Reps per session", labels, {"reps": [s.rep_count for s in rows]}, key="reps"),
            svg_trend("Faults per rep", labels,
                      {"faults/rep": [round(s.fault_count / s.rep_count, 2) if s.rep_count else None for s in rows]},
                      key="faults")]


def _iso(d: datetime | None) -> str | None:
    return d.isoformat() + "Z" if d else None


def export_patient(db: DB, blobs: LocalBlobs, patient: User) -> bytes:
    """A zip of everything stored about one patient: account, programme versions, sessions (JSON and blobs),
    comments, jobs and the audit entries about them."""
    buf = io.BytesIO()
    sessions = list(db.scalars(select(SessionRecord).where(SessionRecord.patient_id == patient.id)
                               .order_by(SessionRecord.id)))
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        info = {"patient": {"id": patient.id, "name": patient.name, "email": patient.email,
                            "reference": patient.reference, "privacy": patient.privacy,
                            "target_days": patient.target_days, "created_at": _iso(patient.created_at)},
                "programmes": [{"version": p.version, "created_at": _iso(p.created_at), "toml": p.toml}
                               for p in db.scalars(select(ProgrammeVersion).where(
                                   ProgrammeVersion.patient_id == patient.id).order_by(ProgrammeVersion.version))],
                "sessions": [{"id": s.id, "exercise": s.exercise, "recorded_at": _iso(s.recorded_at),
                              "uploaded_at": _iso(s.uploaded_at), "files": sorted(s.blobs),
                              "folder": f"sessions/{s.id}",
                              "comments": [{"rep": c.rep, "author": c.author_name, "at": _iso(c.created_at),
                                            "body": c.body} for c in s.comments]} for s in sessions],
                "jobs": [{"id": j.id, "exercise": j.exercise, "status": j.status, "error": j.error}
                         for j in db.scalars(select(Job).where(Job.patient_id == patient.id))],
                "audit": [{"at": _iso(a.at), "actor": a.actor, "action": a.action, "target": a.target,
                           "detail": a.detail} for a in db.scalars(select(AuditEntry).where(
                               AuditEntry.patient_id == patient.id).order_by(AuditEntry.id))]}
        z.writestr("patient.json", json.dumps(info, indent=1, ensure_ascii=False))
        if blobs.exists(calibration_key(patient.id)):
            with blobs.open(calibration_key(patient.id)) as f:
                z.writestr("calibration.toml", f.read())
        for s in sessions:
            for name in sorted(s.blobs):
                key = f"{s.blob_prefix}/{name}"
                if blobs.exists(key):
                    with blobs.open(key) as f, z.open(f"sessions/{s.id}/{name}", "w") as out:
                        while chunk := f.read(1 << 20):
                            out.write(chunk)
    return buf.getvalue()


def delete_patient(db: DB, blobs: LocalBlobs, patient: User) -> dict:
    """Remove the patient's account, sessions, comments, programmes, jobs and blobs. The audit entries stay
    (they record that the data existed and who deleted it, not the data). Returns what was removed."""
    pid = patient.id
    counts = {"sessions": db.scalar(select(func.count()).where(SessionRecord.patient_id == pid)) or 0,
              "programmes": db.scalar(select(func.count()).where(ProgrammeVersion.patient_id == pid)) or 0}
    sids = select(SessionRecord.id).where(SessionRecord.patient_id == pid)
    db.execute(delete(Comment).where(Comment.session_id.in_(sids)))
    for model in (SessionRecord, ProgrammeVersion, Job):
        db.execute(delete(model).where(model.patient_id == pid))
    db.delete(patient)
    db.flush()
    blobs.delete_prefix(f"patients/{pid}")
    return counts


RETENTION_KEY = "retention_days"
MIN_RETENTION_DAYS = 30  # the admin page refuses less: a typo must not delete a clinic's records


@dataclass(frozen=True)
class Retention:
    """How long sessions are kept: ``days`` (None: until the patient is deleted) and where that comes from:
    ``"admin"`` (the admin page's setting, in the ``settings`` table), ``"option"`` (``--retention-days``,
    used while no admin has set one) or ``"none"``."""
    days: float | None
    source: str


def retention(db: DB, default_days: float | None = None) -> Retention:
    row = db.get(Setting, RETENTION_KEY)
    if row is not None:
        return Retention(float(row.value) if row.value else None, "admin")
    return Retention(default_days, "option") if default_days else Retention(None, "none")


def set_retention(db: DB, days: float | None, actor: User, address: str = "") -> Retention:
    """The admin's setting (None: keep sessions until the patient is deleted), audited with the old value."""
    if days is not None and not MIN_RETENTION_DAYS <= days <= 36500:
        raise ValueError(f"retention: {MIN_RETENTION_DAYS} to 36500 days, or empty to keep sessions")
    row = db.get(Setting, RETENTION_KEY)
    old = row.value if row is not None else "unset"
    value = f"{days:g}" if days is not None else ""
    if row is None:
        db.add(Setting(key=RETENTION_KEY, value=value))
    else:
        row.value = value
    audit.record(db, actor, "update", f"setting:{RETENTION_KEY}", None,
                 f"{old or 'keep'} -> {value or 'keep'}", address)
    db.flush()
    return Retention(days, "admin")


def purge_expired(db: DB, blobs: LocalBlobs, days: float, why: str = "retention") -> int:
    """Delete sessions recorded more than ``days`` ago (rows, comments, blobs), with an audit entry (by
    "system") per patient and one for the run (the worker's hourly runs that delete nothing leave none).
    Returns how many."""
    cut = now() - timedelta(days=days)
    old = list(db.scalars(select(SessionRecord).where(SessionRecord.recorded_at < cut)
                          .order_by(SessionRecord.patient_id, SessionRecord.id)))
    by_patient: dict[int, list[int]] = {}
    for s in old:
        by_patient.setdefault(s.patient_id, []).append(s.id)
        db.delete(s)
    for pid, sids in by_patient.items():
        audit.record(db, None, "purge", f"patient:{pid}", pid,
                     f"{len(sids)} sessions recorded before {cut:%Y-%m-%d %H:%M} UTC ({why}, {days:g} days): "
                     + " ".join(f"session:{i}" for i in sids))
    if old or why != "retention":
        audit.record(db, None, "purge", "sessions", None,
                     f"{len(old)} sessions of {len(by_patient)} patients recorded before {cut:%Y-%m-%d %H:%M} UTC "
                     f"({why}, {days:g} days)")
    db.commit()
    for s in old:
        blobs.delete_prefix(s.blob_prefix)
    return len(old)


def sweep_leftovers(db: DB, blobs: LocalBlobs, work_dir: Path, older_than_s: float = 3600.0) -> dict[str, int]:
    """Remove what a crashed upload leaves that is not a session, once older than ``older_than_s``: its staging
    folder (``work_dir/upload-*``), a half-written blob (``*.part``) and a session's blob folder that no row
    points to (the retry of that upload would have overwritten it). Sessions are never touched: a folder a row
    points to stays. Returns how many of each were removed."""
    cut = time.time() - older_than_s
    out = {"staging": 0, "part": 0, "orphan": 0}
    if work_dir.is_dir():
        for d in work_dir.glob("upload-*"):
            if d.is_dir() and d.stat().st_mtime < cut:
                shutil.rmtree(d, ignore_errors=True)
                out["staging"] += 1
    if isinstance(blobs, FsspecBlobs):  # an object store: no .part files, and no cheap listing of folders
        return out
    for f in blobs.root.glob("patients/*/sessions/*/*.part"):
        if f.stat().st_mtime < cut:
            f.unlink(missing_ok=True)
            out["part"] += 1
    referenced = set(db.scalars(select(SessionRecord.blob_prefix)))
    db.rollback()
    for d in blobs.root.glob("patients/*/sessions/*"):
        if d.is_dir() and d.relative_to(blobs.root).as_posix() not in referenced and d.stat().st_mtime < cut:
            shutil.rmtree(d, ignore_errors=True)
            out["orphan"] += 1
    if any(out.values()):
        log.info("crash leftovers removed: %s", out)
    return out


def report_path(blobs: LocalBlobs, rec: SessionRecord) -> Path | None:
    return blobs.local_path(f"{rec.blob_prefix}/report.html")
