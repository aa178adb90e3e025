"""The app's routes (Starlette): the page, its files, the WebSocket, today's plan, the history and reports,
"send to my therapist". Everything is behind :class:`~.security.Guard`; every file is local (no CDN)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

import jinja2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket

from .. import __version__
from ..errors import BackformError
from . import history
from .hub import Hub
from .runner import AppRunner
from .security import Guard

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
CSP = ("default-src 'self'; img-src 'self' blob: data:; connect-src 'self'; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
# a report is one self-contained page with its own inline style and script
REPORT_CSP = ("default-src 'none'; img-src 'self' data: blob:; media-src 'self' data: blob:; "
              "style-src 'unsafe-inline'; script-src 'unsafe-inline'; frame-ancestors 'none'")
NO_STORE = {"cache-control": "no-store", "x-content-type-options": "nosniff", "referrer-policy": "no-referrer"}


def _templates() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)


def create_app(runner: AppRunner, token: str, port: int = 0, grace_s: float = 5.0, exit_s: float = 30.0):
    """The ASGI app (a :class:`Guard` around Starlette) and its :class:`Hub`. Set ``guard.port`` once the
    socket is bound when ``port`` is 0."""
    hub = Hub(runner, grace_s=grace_s, exit_s=exit_s)
    env = _templates()

    async def index(request: Request):
        html = env.get_template("index.html").render(token=token, version=__version__)
        return HTMLResponse(html, headers={**NO_STORE, "content-security-policy": CSP})

    async def home(request: Request):
        return JSONResponse(runner.home(), headers=NO_STORE)

    async def past(request: Request):
        return JSONResponse({"sessions": history.sessions(runner.cfg.root)}, headers=NO_STORE)

    async def report(request: Request):
        try:
            page = await asyncio.to_thread(history.report, runner.cfg.root, request.path_params["name"])
        except BackformError as e:
            return Response(str(e), status_code=404)
        return FileResponse(page, media_type="text/html", headers={**NO_STORE, "content-security-policy": REPORT_CSP})

    async def send(request: Request):
        name = request.path_params["name"]
        try:
            text = await asyncio.to_thread(runner.send, name)
        except BackformError as e:
            return JSONResponse({"ok": False, "message": str(e)}, status_code=400)
        return JSONResponse({"ok": True, "message": text})

    async def ws(websocket: WebSocket):
        await hub.serve(websocket)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        hub.start()
        try:
            yield
        finally:
            await hub.stop()

    routes = [Route("/", index), Route("/api/home", home), Route("/api/history", past),
              Route("/history/{name}", report), Route("/api/send/{name}", send, methods=["POST"]),
              WebSocketRoute("/ws", ws), Mount("/static", StaticFiles(directory=HERE / "static"), name="static")]
    app = Starlette(routes=routes, lifespan=lifespan)
    guard = Guard(app, token, port)
    guard.hub = hub
    return guard, hub
