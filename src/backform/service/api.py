"""The JSON API under ``/api/``: what ``backform upload`` and ``backform programme pull`` call, and the same
data the pages show. Every route needs a login (cookie + CSRF for unsafe methods) or a patient's API token;
without one it answers 401, and what the caller may not see answers 404."""
from __future__ import annotations

import json

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..programme.calibration import CalibrationError
from ..programme.programme import ProgrammeError
from . import auth, care, jobs
from .ingest import Parts, UploadError, ingest
from .models import AuditEntry, Comment, Job, SessionRecord, User
from .web import check_csrf, handler, json_body, log, need

MAX_COMMENT = 5000


def session_json(s: SessionRecord, full: bool = False) -> dict:
    out = {"id": s.id, "patient_id": s.patient_id, "exercise": s.exercise, "recorded_at": s.recorded_at.isoformat(),
           "uploaded_at": s.uploaded_at.isoformat(), "rep_count": s.rep_count, "fault_count": s.fault_count,
           "partial": s.partial, "privacy": s.privacy, "files": sorted(s.blobs), "digest": s.digest}
    if full:
        out["session"] = json.loads(s.session_json)
        out["comments"] = [comment_json(c) for c in s.comments]
    return out


def comment_json(c: Comment) -> dict:
    return {"id": c.id, "rep": c.rep, "author": c.author_name, "body": c.body, "created_at": c.created_at.isoformat()}


def _upload_error(e: UploadError) -> JSONResponse:
    return JSONResponse({"error": e.reason, "status": e.status}, status_code=e.status)


def take_session(request: Request, db, c, patient: User, form) -> tuple[SessionRecord, bool, list[str]]:
    """The upload form's parts into :func:`ingest` (shared by the API and the browser upload)."""
    part = form.get("session") if form is not None else None
    if part is None or isinstance(part, str):
        raise UploadError(400, "no session.json: send it as the multipart file field 'session'")
    raw = part.file.read(20 * 1024 * 1024 + 1)
    parts = Parts(session=raw, recorded_at=form.get("recorded_at") if isinstance(form.get("recorded_at"), str) else None)
    for name in ("log", "video"):
        f = form.get(name)
        if f is not None and not isinstance(f, str):
            setattr(parts, name, f.file)
    st = request.app.state
    rec, created, notes = ingest(db, st.blobs, patient, parts, care.current_programme(db, patient.id),
                                 st.settings.data / "tmp", st.settings.max_upload_bytes)
    if created:
        log(request, db, c, "upload", f"session:{rec.id}", patient.id, "; ".join(notes))
        db.commit()
    return rec, created, notes


@handler
def list_sessions(request: Request, db, form) -> Response:
    c = need(request, db)
    pids = [p.id for p in auth.patients_of(db, c.user)]
    want = request.query_params.get("patient")
    if want is not None:
        if not want.isdigit() or int(want) not in pids:
            raise HTTPException(404, "no such patient")
        pids = [int(want)]
    rows = db.scalars(select(SessionRecord).where(SessionRecord.patient_id.in_(pids))
                      .order_by(SessionRecord.recorded_at.desc()).limit(500))
    return JSONResponse({"sessions": [session_json(s) for s in rows]})


@handler
def upload_session(request: Request, db, form) -> Response:
    c = need(request, db, "patient")
    check_csrf(request, c, form)
    try:
        rec, created, notes = take_session(request, db, c, c.user, form)
    except UploadError as e:
        return _upload_error(e)
    return JSONResponse({**session_json(rec), "created": created, "notes": notes}, status_code=201 if created else 200)


@handler
def get_session(request: Request, db, form) -> Response:
    c = need(request, db)
    s = auth.visible_session(db, c.user, int(request.path_params["sid"]))
    if s is None:
        raise HTTPException(404, "no such session")
    log(request, db, c, "view", f"session:{s.id}", s.patient_id, "api")
    db.commit()
    return JSONResponse(session_json(s, full=True))


def add_comment(request: Request, db, c, s: SessionRecord, body: str, rep) -> Comment:
    body = (body or "").strip()
    if not body or len(body) > MAX_COMMENT:
        raise HTTPException(422, f"a comment needs 1 to {MAX_COMMENT} characters")
    if rep in ("", None):
        rep = None
    else:
        try:
            rep = int(rep)
        except (TypeError, ValueError):
            raise HTTPException(422, "rep must be a rep number") from None
        if not 1 <= rep <= max(s.rep_count, 0):
            raise HTTPException(422, f"this session has reps 1 to {s.rep_count}")
    cm = Comment(session_id=s.id, rep=rep, author_id=c.user.id, author_name=c.user.name, body=body)
    db.add(cm)
    db.flush()
    log(request, db, c, "comment", f"session:{s.id}", s.patient_id, f"comment {cm.id}" + (f" on rep {rep}" if rep else ""))
    db.commit()
    return cm


@handler
def post_comment(request: Request, db, form) -> Response:
    c = need(request, db)
    check_csrf(request, c, form)
    s = auth.visible_session(db, c.user, int(request.path_params["sid"]))
    if s is None:
        raise HTTPException(404, "no such session")
    data = json_body(request.state.body)
    cm = add_comment(request, db, c, s, data.get("body"), data.get("rep"))
    return JSONResponse(comment_json(cm), status_code=201)


@handler
def upload_video(request: Request, db, form) -> Response:
    c = need(request, db, "patient")
    check_csrf(request, c, form)
    f = form.get("video") if form is not None else None
    ex = form.get("exercise") if form is not None else None
    if f is None or isinstance(f, str) or not isinstance(ex, str):
        return _upload_error(UploadError(400, "send the multipart file field 'video' and the field 'exercise'"))
    try:
        job = jobs.enqueue(db, request.app.state.blobs, c.user, ex, f.filename, f.file)
    except UploadError as e:
        return _upload_error(e)
    log(request, db, c, "upload-video", f"job:{job.id}", c.user.id, ex)
    db.commit()
    return JSONResponse(job_json(job), status_code=202)


def job_json(j: Job) -> dict:
    return {"id": j.id, "status": j.status, "exercise": j.exercise, "session_id": j.session_id, "error": j.error}


@handler
def get_job(request: Request, db, form) -> Response:
    c = need(request, db)
    j = db.get(Job, int(request.path_params["jid"]))
    if j is None or auth.visible_patient(db, c.user, j.patient_id) is None:
        raise HTTPException(404, "no such job")
    return JSONResponse(job_json(j))


def _patient(request: Request, db, c) -> User:
    p = auth.visible_patient(db, c.user, int(request.path_params["pid"]))
    if p is None:
        raise HTTPException(404, "no such patient")
    return p


@handler
def get_programme(request: Request, db, form) -> Response:
    c = need(request, db)
    if c.user.role == "patient":
        pid = c.user.id
    else:
        pid = request.query_params.get("patient", "")
        if not pid.isdigit() or auth.visible_patient(db, c.user, int(pid)) is None:
            raise HTTPException(404, "no such patient")
        pid = int(pid)
    pv = care.latest_programme(db, pid)
    if pv is None:
        raise HTTPException(404, "no programme yet")
    log(request, db, c, "view", f"programme:{pid}:v{pv.version}", pid, "api")
    db.commit()
    return JSONResponse({"patient_id": pid, "version": pv.version, "created_at": pv.created_at.isoformat(),
                         "toml": pv.toml})


@handler
def put_programme(request: Request, db, form) -> Response:
    c = need(request, db, "therapist", "admin")
    check_csrf(request, c, form)
    p = _patient(request, db, c)
    text = json_body(request.state.body).get("toml")
    if not isinstance(text, str):
        raise HTTPException(422, "send {\"toml\": \"...\"}")
    try:
        pv = care.save_programme(db, p, text, c.user)
    except ProgrammeError as e:
        raise HTTPException(422, str(e)) from None
    log(request, db, c, "update", f"programme:{p.id}:v{pv.version}", p.id)
    db.commit()
    return JSONResponse({"patient_id": p.id, "version": pv.version}, status_code=201)


@handler
def put_calibration(request: Request, db, form) -> Response:
    """The patient's calibration profile (``backform upload --calibration``): validated, replaces the last."""
    c = need(request, db, "patient")
    check_csrf(request, c, form)
    if form is not None:
        raise HTTPException(415, "send the profile's TOML as the request body (Content-Type: application/toml)")
    raw = request.state.body
    try:
        text = raw.decode("utf-8")
        cal = care.save_calibration(request.app.state.blobs, c.user, text, request.app.state.settings.data / "tmp")
    except UnicodeDecodeError:
        raise HTTPException(422, "the calibration profile is not UTF-8 text") from None
    except CalibrationError as e:
        raise HTTPException(422, str(e)) from None
    log(request, db, c, "update", f"calibration:{c.user.id}", c.user.id)
    db.commit()
    return JSONResponse({"patient_id": c.user.id, "exercises": sorted(set(cal.baseline) | set(cal.thresholds)),
                         "postures": sorted(cal.postures)}, status_code=201)


@handler
def list_patients(request: Request, db, form) -> Response:
    c = need(request, db, "therapist", "admin")
    out = []
    for p in auth.patients_of(db, c.user):
        r = care.caseload_row(db, p, request.app.state.settings.inactive_days)
        out.append({"id": p.id, "name": p.name, "reference": p.reference, "therapist_id": p.therapist_id,
                    "active": p.active, "sessions_this_week": r.sessions_week, "days_this_week": r.days_week,
                    "adherence": round(r.adherence, 3), "last_session": r.last.isoformat() if r.last else None,
                    "flags": r.flags, "programme_version": r.programme_version})
    return JSONResponse({"patients": out})


@handler
def export_patient(request: Request, db, form) -> Response:
    c = need(request, db, "therapist", "admin")
    return export_response(request, db, c, _patient(request, db, c))


def export_response(request: Request, db, c, p) -> Response:
    """Everything of patient ``p`` as a zip download, audited (the API's and the patient page's export)."""
    data = care.export_patient(db, request.app.state.blobs, p)
    log(request, db, c, "export", f"patient:{p.id}", p.id, f"{len(data)} bytes")
    db.commit()
    return Response(data, media_type="application/zip",
                    headers={"content-disposition": f'attachment; filename="patient-{p.id}.zip"'})


@handler
def delete_patient(request: Request, db, form) -> Response:
    c = need(request, db, "therapist", "admin")
    check_csrf(request, c, form)
    p = _patient(request, db, c)
    pid, name = p.id, p.name
    counts = care.delete_patient(db, request.app.state.blobs, p)
    log(request, db, c, "delete", f"patient:{pid}", pid, f"{name}: {counts}")
    db.commit()
    return JSONResponse({"deleted": pid, **counts})


@handler
def get_audit(request: Request, db, form) -> Response:
    need(request, db, "admin")
    q = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1000)
    if (pid := request.query_params.get("patient", "")).isdigit():
        q = q.where(AuditEntry.patient_id == int(pid))
    return JSONResponse({"entries": [{"id": a.id, "at": a.at.isoformat(), "actor_id": a.actor_id, "actor": a.actor,
                                      "action": a.action, "target": a.target, "patient_id": a.patient_id,
                                      "detail": a.detail, "address": a.address} for a in db.scalars(q)]})


@handler
def me(request: Request, db, form) -> Response:
    c = need(request, db)
    u = c.user
    return JSONResponse({"id": u.id, "name": u.name, "email": u.email, "role": u.role, "via": c.via})


def routes() -> list[Route]:
    return [Route("/api/me", me),
            Route("/api/sessions", list_sessions, methods=["GET"]),
            Route("/api/sessions", upload_session, methods=["POST"]),
            Route("/api/sessions/{sid:int}", get_session),
            Route("/api/sessions/{sid:int}/comments", post_comment, methods=["POST"]),
            Route("/api/videos", upload_video, methods=["POST"]),
            Route("/api/jobs/{jid:int}", get_job),
            Route("/api/programme", get_programme),
            Route("/api/calibration", put_calibration, methods=["PUT"]),
            Route("/api/patients", list_patients),
            Route("/api/patients/{pid:int}/programme", put_programme, methods=["PUT"]),
            Route("/api/patients/{pid:int}/export", export_patient),
            Route("/api/patients/{pid:int}", delete_patient, methods=["DELETE"]),
            Route("/api/audit", get_audit)]
