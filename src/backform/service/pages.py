"""The browser pages: login and invitations, the therapist's caseload, patient and session pages, comments,
the programme editor, the patient's own page (sessions, comments, programme, upload, tokens) and the admin's
accounts, retention and audit pages. Plain server-rendered HTML; every form carries the CSRF token."""
from __future__ import annotations

import contextlib
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from .. import session as S
from ..exercises import names as exercise_names
from ..pipeline import LOG_NAME
from ..report import plots, read_log
from ..programme.programme import ProgrammeError
from . import api, auth, care, jobs
from .config import PRIVACY_MODES
from .ingest import UploadError
from .models import ApiToken, AuditEntry, Invitation, ProgrammeVersion, SessionRecord, User, now
from .web import REPORT_CSP, address, caller, check_csrf, handler, log, need, page


def _field(form, name: str, default: str = "") -> str:
    v = form.get(name) if form is not None else None
    return v.strip() if isinstance(v, str) else default


def _see(request: Request, db, c) -> User:
    p = auth.visible_patient(db, c.user, int(request.path_params["pid"]))
    if p is None:
        raise HTTPException(404, "no such patient")
    return p


def _session(request: Request, db, c) -> SessionRecord:
    s = auth.visible_session(db, c.user, int(request.path_params["sid"]))
    if s is None:
        raise HTTPException(404, "no such session")
    return s


def _go(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _login_cookie(resp: Response, request: Request, token: str) -> Response:
    st = request.app.state.settings
    resp.set_cookie(auth.COOKIE, token, max_age=int(st.session_hours * 3600), httponly=True,
                    secure=st.cookie_secure, samesite="lax", path="/")
    return resp


def new_invitation(db, user: User, by: User | None, days: float) -> str:
    code = auth.new_secret(12)
    db.add(Invitation(code_hash=auth.digest(code), user_id=user.id, created_by=by.id if by else None,
                      expires_at=now() + timedelta(days=days)))
    return code


# --- logging in -----------------------------------------------------------------------------------------------
@handler
def home(request: Request, db, form) -> Response:
    c = caller(request, db)
    if c is None:
        return _go("/login")
    return _go({"admin": "/admin", "therapist": "/caseload"}.get(c.user.role, "/me"))


@handler
def login_form(request: Request, db, form) -> Response:
    return page(request, "login.html", None)


@handler
def login(request: Request, db, form) -> Response:
    check_csrf(request, None, form)
    email, pw = _field(form, "email").lower(), _field(form, "password")
    keys = (f"ip:{address(request)}", f"acct:{email}")
    limiter = request.app.state.logins
    if limiter.blocked(db, *keys):
        return page(request, "login.html", None, 429, error="Too many failed logins: wait 15 minutes.")
    user = db.scalar(select(User).where(User.email == email)) if email else None
    if not auth.check_password(user, pw):
        limiter.fail(db, *keys)
        log(request, db, None, "login-failed", f"email:{email[:80]}")
        db.commit()
        return page(request, "login.html", None, 401, error="Wrong e-mail or password.")
    limiter.clear(db, f"acct:{email}")
    token = auth.start_login(db, user, request.app.state.settings.session_hours)
    log(request, db, None, "login", f"user:{user.id}", user.id if user.role == "patient" else None, user.email or "")
    db.commit()
    return _login_cookie(_go("/"), request, token)


@handler
def logout(request: Request, db, form) -> Response:
    c = caller(request, db)
    check_csrf(request, c, form)
    if c is not None:
        auth.end_login(db, c.cookie)
        db.commit()
    resp = _go("/login")
    resp.delete_cookie(auth.COOKIE, path="/")
    return resp


def _invitation(db, code: str) -> tuple[Invitation | None, User | None]:
    inv = db.scalar(select(Invitation).where(Invitation.code_hash == auth.digest(code)))
    if inv is None or inv.used_at is not None or inv.expires_at < now():
        return None, None
    return inv, db.get(User, inv.user_id)


@handler
def join(request: Request, db, form) -> Response:
    """An invitation: the invited person chooses their e-mail and password (the code works once)."""
    code = request.path_params.get("code") or request.query_params.get("code", "")
    inv, user = _invitation(db, code)
    if request.method == "GET":
        if inv is None and code:
            return page(request, "join.html", None, 404, error="This invitation is unknown, used or expired.")
        return page(request, "join.html", None, code=code, invited=user)
    check_csrf(request, None, form)
    code = _field(form, "code") or code
    inv, user = _invitation(db, code)
    if inv is None:
        return page(request, "join.html", None, 404, error="This invitation is unknown, used or expired.")
    email, pw = _field(form, "email").lower(), _field(form, "password")
    err = None
    if "@" not in email or len(email) > 320:
        err = "Give an e-mail address."
    elif db.scalar(select(User).where(User.email == email, User.id != user.id)) is not None:
        err = "This e-mail address already has an account."
    elif pw != _field(form, "password2"):
        err = "The two passwords differ."
    else:
        try:
            user.password_hash = auth.hash_password(pw)
        except ValueError as e:
            err = str(e).capitalize() + "."
    if err:
        return page(request, "join.html", None, 422, error=err, code=code, invited=user)
    user.email, user.active, inv.used_at = email, True, now()
    token = auth.start_login(db, user, request.app.state.settings.session_hours)
    log(request, db, None, "join", f"user:{user.id}", user.id if user.role == "patient" else None, email)
    db.commit()
    return _login_cookie(_go("/"), request, token)


# --- the therapist's pages ----------------------------------------------------------------------------------------
@handler
def caseload(request: Request, db, form) -> Response:
    c = need(request, db, "therapist", "admin")
    rows = [care.caseload_row(db, p, request.app.state.settings.inactive_days)
            for p in auth.patients_of(db, c.user)]
    log(request, db, c, "view", "caseload", None, f"{len(rows)} patients")
    db.commit()
    return page(request, "caseload.html", c, rows=rows, privacy_modes=PRIVACY_MODES)


@handler
def create_patient(request: Request, db, form) -> Response:
    c = need(request, db, "therapist", "admin")
    check_csrf(request, c, form)
    name = _field(form, "name")
    privacy = _field(form, "privacy", "skeleton")
    if not name or len(name) > 200 or privacy not in PRIVACY_MODES:
        raise HTTPException(422, "a patient needs a name (up to 200 characters) and a privacy mode")
    therapist_id = c.user.id if c.user.role == "therapist" else None
    p = User(role="patient", name=name, reference=_field(form, "reference")[:100], privacy=privacy,
             therapist_id=therapist_id, active=False)
    db.add(p)
    db.flush()
    code = new_invitation(db, p, c.user, request.app.state.settings.invitation_days)
    log(request, db, c, "create", f"patient:{p.id}", p.id, "invitation issued")
    db.commit()
    return page(request, "invited.html", c, invited=p, code=code, link=f"{request.base_url}join/{code}")


@handler
def reinvite(request: Request, db, form) -> Response:
    c = need(request, db, "therapist", "admin")
    check_csrf(request, c, form)
    p = _see(request, db, c)
    code = new_invitation(db, p, c.user, request.app.state.settings.invitation_days)
    log(request, db, c, "invite", f"patient:{p.id}", p.id)
    db.commit()
    return page(request, "invited.html", c, invited=p, code=code, link=f"{request.base_url}join/{code}")


@handler
def patient_page(request: Request, db, form) -> Response:
    c = need(request, db, "therapist", "admin")
    p = _see(request, db, c)
    sessions = list(db.scalars(select(SessionRecord).where(SessionRecord.patient_id == p.id)
                               .order_by(SessionRecord.recorded_at.desc())))
    row = care.caseload_row(db, p, request.app.state.settings.inactive_days)
    log(request, db, c, "view", f"patient:{p.id}", p.id)
    db.commit()
    st = request.app.state
    return page(request, "patient.html", c, p=p, sessions=sessions, row=row, trends=care.trend_svgs(sessions),
                programme=care.latest_programme(db, p.id), privacy_modes=PRIVACY_MODES,
                calibration=care.patient_calibration(st.blobs, p.id, st.settings.data / "tmp"))


@handler
def patient_settings(request: Request, db, form) -> Response:
    c = need(request, db, "therapist", "admin")
    check_csrf(request, c, form)
    p = _see(request, db, c)
    privacy, days = _field(form, "privacy"), _field(form, "target_days")
    if privacy not in PRIVACY_MODES or not days.isdigit() or not 0 <= int(days) <= 7:
        raise HTTPException(422, f"privacy: {', '.join(PRIVACY_MODES)}; target days: 0 to 7")
    p.privacy, p.target_days = privacy, int(days)
    log(request, db, c, "update", f"patient:{p.id}", p.id, f"privacy={privacy} target_days={days}")
    db.commit()
    return _go(f"/patients/{p.id}")


@handler
def patient_delete(request: Request, db, form) -> Response:
    c = need(request, db, "therapist", "admin")
    check_csrf(request, c, form)
    p = _see(request, db, c)
    if _field(form, "confirm") != p.name:
        raise HTTPException(422, "type the patient's name to confirm the deletion")
    pid, name = p.id, p.name
    counts = care.delete_patient(db, request.app.state.blobs, p)
    log(request, db, c, "delete", f"patient:{pid}", pid, f"{name}: {counts}")
    db.commit()
    return _go("/caseload")


@handler
def patient_export(request: Request, db, form) -> Response:
    c = need(request, db, "therapist", "admin")
    return api.export_response(request, db, c, _see(request, db, c))


@handler
def programme_editor(request: Request, db, form) -> Response:
    c = need(request, db, "therapist", "admin")
    p = _see(request, db, c)
    versions = list(db.scalars(select(ProgrammeVersion).where(ProgrammeVersion.patient_id == p.id)
                               .order_by(ProgrammeVersion.version.desc())))
    if request.method == "GET":
        want = request.query_params.get("version", "")
        shown = next((v for v in versions if str(v.version) == want), versions[0] if versions else None)
        log(request, db, c, "view", f"programme:{p.id}", p.id)
        db.commit()
        return page(request, "programme.html", c, p=p, versions=versions, shown=shown,
                    text=shown.toml if shown else care.EXAMPLE_PROGRAMME, exercises=exercise_names())
    check_csrf(request, c, form)
    text = _field(form, "toml").replace("\r\n", "\n") + "\n"
    try:
        pv = care.save_programme(db, p, text, c.user)
    except ProgrammeError as e:
        return page(request, "programme.html", c, 422, p=p, versions=versions, shown=None, text=text,
                    error=str(e), exercises=exercise_names())
    log(request, db, c, "update", f"programme:{p.id}:v{pv.version}", p.id)
    db.commit()
    return _go(f"/patients/{p.id}/programme?version={pv.version}")


# --- sessions (therapists and the patient) -------------------------------------------------------------------------
def synced_plots(blobs, s: SessionRecord, work_dir) -> tuple[list, float | None]:
    """The report's angle plots, drawn beside the video so that its time cursor follows the video."""
    if LOG_NAME not in s.blobs:
        return [], None
    key = f"{s.blob_prefix}/{LOG_NAME}"
    path = blobs.local_path(key)
    with contextlib.ExitStack() as stack:
        if path is None:  # an object store: a local copy to read
            work_dir.mkdir(parents=True, exist_ok=True)
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=work_dir))) / LOG_NAME
            with blobs.open(key) as src, tmp.open("wb") as out:
                shutil.copyfileobj(src, out)
            path = tmp
        ld = read_log(path)
    if not ld.t:
        return [], None
    return plots(S.loads(s.session_json), ld), ld.t[-1]


@handler
def session_page(request: Request, db, form) -> Response:
    c = need(request, db)
    s = _session(request, db, c)
    p = db.get(User, s.patient_id)
    log(request, db, c, "view", f"session:{s.id}", s.patient_id)
    db.commit()
    has_video = "annotated.mp4" in s.blobs
    svgs, t_end = synced_plots(request.app.state.blobs, s, request.app.state.settings.data / "tmp") if has_video \
        else ([], None)
    return page(request, "session.html", c, s=s, p=p, data=api.session_json(s, full=True), has_video=has_video,
                has_report="report.html" in s.blobs, plots=svgs, t_end=t_end)


@handler
def session_report(request: Request, db, form) -> Response:
    c = need(request, db)
    s = _session(request, db, c)
    key = f"{s.blob_prefix}/report.html"
    if "report.html" not in s.blobs or not request.app.state.blobs.exists(key):
        raise HTTPException(404, "no report for this session")
    with request.app.state.blobs.open(key) as f:
        html = f.read()
    log(request, db, c, "view", f"session:{s.id}", s.patient_id, "report")
    db.commit()
    return HTMLResponse(html, headers={"content-security-policy": REPORT_CSP})


@handler
def session_video(request: Request, db, form) -> Response:
    c = need(request, db)
    s = _session(request, db, c)
    key = f"{s.blob_prefix}/annotated.mp4"
    if "annotated.mp4" not in s.blobs:
        raise HTTPException(404, "no video kept for this session")
    if request.headers.get("range", "bytes=0-").startswith("bytes=0-"):
        log(request, db, c, "view", f"session:{s.id}", s.patient_id, "video")
        db.commit()
    blobs = request.app.state.blobs
    path = blobs.local_path(key)
    if path is not None:
        return FileResponse(path, media_type="video/mp4")
    f = blobs.open(key)
    return StreamingResponse(iter(lambda: f.read(1 << 20), b""), media_type="video/mp4")


@handler
def session_comment(request: Request, db, form) -> Response:
    c = need(request, db)
    check_csrf(request, c, form)
    s = _session(request, db, c)
    api.add_comment(request, db, c, s, _field(form, "body"), _field(form, "rep"))
    return _go(f"/sessions/{s.id}#comments")


# --- the patient's own page --------------------------------------------------------------------------------------
@handler
def my_page(request: Request, db, form) -> Response:
    c = need(request, db, "patient")
    me = c.user
    sessions = list(db.scalars(select(SessionRecord).where(SessionRecord.patient_id == me.id)
                               .order_by(SessionRecord.recorded_at.desc())))
    tokens = list(db.scalars(select(ApiToken).where(ApiToken.user_id == me.id, ApiToken.revoked.is_(False))))
    log(request, db, c, "view", f"patient:{me.id}", me.id, "own page")
    db.commit()
    return page(request, "me.html", c, sessions=sessions, programme=care.latest_programme(db, me.id),
                tokens=tokens, exercises=exercise_names(), message=request.query_params.get("msg", ""),
                comments=[(s, cm) for s in sessions for cm in s.comments][:50])


@handler
def my_token(request: Request, db, form) -> Response:
    c = need(request, db, "patient")
    check_csrf(request, c, form)
    if _field(form, "revoke").isdigit():
        t = db.get(ApiToken, int(_field(form, "revoke")))
        if t is None or t.user_id != c.user.id:
            raise HTTPException(404, "no such token")
        t.revoked = True
        log(request, db, c, "revoke-token", f"token:{t.id}", c.user.id)
        db.commit()
        return _go("/me")
    token = auth.new_api_token(db, c.user, request.app.state.settings.token_days, _field(form, "label"))
    log(request, db, c, "create-token", f"user:{c.user.id}", c.user.id)
    db.commit()
    return page(request, "token.html", c, token=token, server=str(request.base_url).rstrip("/"))


@handler
def my_upload(request: Request, db, form) -> Response:
    c = need(request, db, "patient")
    check_csrf(request, c, form)
    try:
        if _field(form, "kind") == "video":
            f = form.get("video")
            if f is None or isinstance(f, str) or not f.filename:
                raise UploadError(400, "choose a video file")
            job = jobs.enqueue(db, request.app.state.blobs, c.user, _field(form, "exercise"), f.filename, f.file)
            log(request, db, c, "upload-video", f"job:{job.id}", c.user.id)
            db.commit()
            return _go("/me?msg=video+queued+for+analysis")
        rec, created, notes = api.take_session(request, db, c, c.user, form)
    except UploadError as e:
        raise HTTPException(e.status, e.reason) from None
    return _go(f"/sessions/{rec.id}")


# --- the admin's pages -----------------------------------------------------------------------------------------------
@handler
def admin_page(request: Request, db, form) -> Response:
    c = need(request, db, "admin")
    staff = list(db.scalars(select(User).where(User.role != "patient").order_by(User.role, User.name)))
    entries = list(db.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(200)))
    return page(request, "admin.html", c, staff=staff, entries=entries,
                retention=care.retention(db, request.app.state.settings.retention_days),
                min_retention=care.MIN_RETENTION_DAYS)


@handler
def admin_retention(request: Request, db, form) -> Response:
    """The clinic's retention: sessions recorded longer ago are deleted by the worker (hourly) and by
    ``backform serve purge``; empty keeps them until the patient is deleted."""
    c = need(request, db, "admin")
    check_csrf(request, c, form)
    raw = _field(form, "days")
    try:
        days = float(raw) if raw else None
        if days is not None and days != days:  # NaN
            raise ValueError
        care.set_retention(db, days, c.user, address(request))
    except ValueError:
        raise HTTPException(422, f"retention: a number of days from {care.MIN_RETENTION_DAYS} to 36500, or empty "
                                 "to keep sessions until their patient is deleted") from None
    db.commit()
    return _go("/admin#retention")


@handler
def admin_invite(request: Request, db, form) -> Response:
    c = need(request, db, "admin")
    check_csrf(request, c, form)
    role, name = _field(form, "role"), _field(form, "name")
    if role not in ("therapist", "admin") or not name:
        raise HTTPException(422, "role therapist or admin, and a name")
    u = User(role=role, name=name[:200], active=False)
    db.add(u)
    db.flush()
    code = new_invitation(db, u, c.user, request.app.state.settings.invitation_days)
    log(request, db, c, "create", f"user:{u.id}", None, role)
    db.commit()
    return page(request, "invited.html", c, invited=u, code=code, link=f"{request.base_url}join/{code}")


def routes() -> list[Route]:
    return [Route("/", home), Route("/login", login_form, methods=["GET"]), Route("/login", login, methods=["POST"]),
            Route("/logout", logout, methods=["POST"]),
            Route("/join", join, methods=["GET", "POST"]), Route("/join/{code}", join, methods=["GET", "POST"]),
            Route("/caseload", caseload), Route("/patients", create_patient, methods=["POST"]),
            Route("/patients/{pid:int}", patient_page),
            Route("/patients/{pid:int}/invite", reinvite, methods=["POST"]),
            Route("/patients/{pid:int}/settings", patient_settings, methods=["POST"]),
            Route("/patients/{pid:int}/delete", patient_delete, methods=["POST"]),
            Route("/patients/{pid:int}/export", patient_export),
            Route("/patients/{pid:int}/programme", programme_editor, methods=["GET", "POST"]),
            Route("/sessions/{sid:int}", session_page), Route("/sessions/{sid:int}/report", session_report),
            Route("/sessions/{sid:int}/video", session_video),
            Route("/sessions/{sid:int}/comments", session_comment, methods=["POST"]),
            Route("/me", my_page), Route("/me/tokens", my_token, methods=["POST"]),
            Route("/me/upload", my_upload, methods=["POST"]),
            Route("/admin", admin_page), Route("/admin/users", admin_invite, methods=["POST"]),
            Route("/admin/retention", admin_retention, methods=["POST"])]
