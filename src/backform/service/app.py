"""The ASGI application (Starlette): routes, the database session of each request, security headers, the
upload size limit and the errors as JSON (API) or a page (browser).

Handlers (``api``, ``pages``) are plain functions ``(request, db, form) -> Response`` run in the thread pool
(SQLAlchemy and the report renderer are synchronous); :func:`web.handler` reads the form or body first.
"""
from __future__ import annotations

import logging

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from . import api, auth, pages
from .auth import FailedLogins
from .blobs import open_store
from .config import Settings
from .db import make_engine, migrate, sessions
from .web import CSP, HERE, TooLarge, error_response

log = logging.getLogger(__name__)


class Guard:
    """Pure ASGI middleware: refuses bodies over the limit (413, by Content-Length or while streaming), sets the
    pre-login cookie a CSRF token can be bound to, and adds the security headers to every response."""

    def __init__(self, app: ASGIApp, settings: Settings):
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.settings.max_upload_bytes
        headers = dict(scope["headers"])
        try:
            declared = int(headers.get(b"content-length", b"0"))
        except ValueError:
            declared = 0
        if declared > limit:
            return await self._send_error(scope, receive, send, 413, f"upload larger than {limit // 2**20} MB")
        cookie = headers.get(b"cookie", b"").decode("latin-1")
        new_pre = None if f"{auth.PRE_COOKIE}=" in cookie else auth.new_secret(16)
        scope.setdefault("state", {})["new_pre"] = new_pre
        seen = 0
        started = False

        async def counting_receive():
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > limit:
                    raise TooLarge()
            return msg

        async def send_with_headers(msg):
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
                hs = list(msg.get("headers", []))
                names = {k.lower() for k, _ in hs}
                if b"content-security-policy" not in names:
                    hs.append((b"content-security-policy", CSP.encode()))
                hs += [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                       (b"x-frame-options", b"SAMEORIGIN"), (b"cross-origin-opener-policy", b"same-origin")]
                if b"cache-control" not in names:
                    hs.append((b"cache-control", b"no-store"))
                if new_pre:
                    flags = "; Secure" if self.settings.cookie_secure else ""
                    hs.append((b"set-cookie", f"{auth.PRE_COOKIE}={new_pre}; Path=/; HttpOnly; SameSite=Strict"
                                              f"{flags}".encode()))
                msg = {**msg, "headers": hs}
            await send(msg)

        try:
            await self.app(scope, counting_receive, send_with_headers)
        except TooLarge:
            if not started:
                await self._send_error(scope, receive, send_with_headers, 413,
                                       f"upload larger than {limit // 2**20} MB")

    async def _send_error(self, scope, receive, send, status, detail):
        await error_response(Request(scope, receive), status, detail)(scope, receive, send)


async def _http_error(request: Request, exc: HTTPException) -> Response:
    return error_response(request, exc.status_code, str(exc.detail))


def create_app(settings: Settings, run_migrations: bool = True) -> Starlette:
    """The service over ``settings``; the schema is migrated to the newest revision first (unless told not)."""
    engine = make_engine(settings.url)
    if run_migrations:
        migrate(engine)
    routes = [Route("/healthz", health), *api.routes(), *pages.routes(),
              Mount("/static", StaticFiles(directory=HERE / "static"), name="static")]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
    app.state.settings = settings
    app.state.engine = engine
    app.state.db = sessions(engine)
    app.state.blobs = open_store(settings.blobs_url, settings.data)
    app.state.logins = FailedLogins(settings.login_attempts, settings.login_window_s)
    app.add_middleware(Guard, settings=settings)
    return app


async def health(request: Request) -> Response:
    """200 when the database answers."""
    def ping():
        with request.app.state.db() as db:
            db.execute(text("SELECT 1"))
    try:
        await run_in_threadpool(ping)
    except Exception as e:  # noqa: BLE001
        return JSONResponse({"status": "error", "error": str(e)[:200]}, status_code=503)
    return JSONResponse({"status": "ok"})
