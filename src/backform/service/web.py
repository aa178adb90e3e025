"""What every route needs: the caller, role checks, CSRF, audit with the caller's address, templates, and
the security headers (strict CSP: our own script and style files only, no third-party asset)."""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session as DB
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from . import audit, auth
from .models import User

HERE = Path(__file__).resolve().parent
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
       "frame-src 'self'; form-action 'self'; frame-ancestors 'self'; base-uri 'none'")
# the session report is the report's own self-contained page (inline style and script, data: images), served
# in a sandbox: a unique origin, so its script can read no cookie and call no API
REPORT_CSP = ("default-src 'none'; img-src data:; media-src data:; style-src 'unsafe-inline'; "
              "script-src 'unsafe-inline'; sandbox allow-scripts; frame-ancestors 'self'")
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                  trim_blocks=True, lstrip_blocks=True)
env.filters["date"] = lambda d: d.strftime("%Y-%m-%d %H:%M") if d else "–"
env.filters["pct"] = lambda v: f"{v * 100:.0f}%"


class TooLarge(Exception):
    """The request body went over the upload limit while it was being read (413)."""


@dataclass
class Caller:
    user: User
    via: str            # "cookie" or "token"
    cookie: str | None  # the login session token (CSRF tokens are bound to it)


def address(request: Request) -> str:
    return request.client.host if request.client else ""


def caller(request: Request, db: DB) -> Caller | None:
    authz = request.headers.get("authorization", "")
    if authz.lower().startswith("bearer "):
        user, why = auth.user_of_token(db, authz[7:].strip())
        if user is None:
            raise HTTPException(401, why)
        return Caller(user, "token", None)
    tok = request.cookies.get(auth.COOKIE)
    user = auth.user_of_cookie(db, tok)
    return Caller(user, "cookie", tok) if user is not None else None


def need(request: Request, db: DB, *roles: str) -> Caller:
    c = caller(request, db)
    if c is None:
        raise HTTPException(401, "log in or send an API token (Authorization: Bearer ...)")
    if roles and c.user.role not in roles:
        raise HTTPException(403, f"this needs the role {' or '.join(roles)}")
    if c.via == "token" and c.user.role != "patient":
        raise HTTPException(403, "API tokens are for patients' uploads")
    return c


def check_csrf(request: Request, c: Caller | None, form=None) -> None:
    """Unsafe requests from a browser carry the CSRF token bound to its login session (or, before login, to
    its pre-login cookie)."""
    if request.method in SAFE_METHODS or (c is not None and c.via == "token"):
        return
    given = request.headers.get("x-csrf-token") or (form.get("csrf") if form is not None else None)
    bound = c.cookie if c is not None else "pre:" + request.cookies.get(auth.PRE_COOKIE, "")
    if c is None and not request.cookies.get(auth.PRE_COOKIE):
        bound = None
    if not auth.csrf_ok(request.app.state.settings.secret, bound, given if isinstance(given, str) else None):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")


def csrf_for(request: Request, c: Caller | None) -> str:
    if c is not None and c.cookie:
        return auth.csrf_token(request.app.state.settings.secret, c.cookie)
    pre = request.cookies.get(auth.PRE_COOKIE) or request.state.new_pre
    return auth.csrf_token(request.app.state.settings.secret, "pre:" + pre)


def log(request: Request, db: DB, c: Caller | None, action: str, target: str, patient_id: int | None = None,
        detail: str = "") -> None:
    audit.record(db, c.user if c else None, action, target, patient_id, detail, address(request))


def page(request: Request, name: str, c: Caller | None, status: int = 200, **ctx) -> HTMLResponse:
    html = env.get_template(name).render(request=request, me=c.user if c else None, csrf=csrf_for(request, c),
                                         **ctx)
    return HTMLResponse(html, status_code=status)


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_response(request: Request, status: int, detail: str) -> Response:
    if is_api(request):
        return JSONResponse({"error": detail, "status": status}, status_code=status)
    if status == 401:
        return Response(status_code=303, headers={"location": "/login"}) if request.method == "GET" else \
            HTMLResponse(env.get_template("error.html").render(status=status, detail=detail, me=None), status)
    return HTMLResponse(env.get_template("error.html").render(status=status, detail=detail, me=None), status)


def json_body(raw: bytes) -> dict:
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        raise HTTPException(422, "the body is not JSON") from None
    if not isinstance(data, dict):
        raise HTTPException(422, "the body must be a JSON object")
    return data


def handler(fn):
    """Wrap ``fn(request, db, form)``: read the form (urlencoded or multipart) first, then run ``fn`` with a
    database session in the thread pool; the session is closed (rolled back if not committed) afterwards."""
    @functools.wraps(fn)
    async def endpoint(request: Request) -> Response:
        form: FormData | None = None
        ctype = request.headers.get("content-type", "")
        if request.method not in ("GET", "HEAD") and ctype.startswith(("multipart/form-data",
                                                                       "application/x-www-form-urlencoded")):
            try:
                form = await request.form(max_files=8, max_fields=100)
            except TooLarge:
                raise
            except Exception as e:  # noqa: BLE001 - a malformed multipart body
                if isinstance(e, HTTPException):
                    raise
                raise HTTPException(400, f"malformed form: {e}") from None
        elif request.method not in ("GET", "HEAD"):
            request.state.body = await request.body()
        try:
            return await run_in_threadpool(_run, fn, request, form)
        finally:
            if form is not None:
                await form.close()
    return endpoint


def _run(fn, request: Request, form):
    with request.app.state.db() as db:
        return fn(request, db, form)
