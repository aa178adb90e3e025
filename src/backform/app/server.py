"""Serving the app: a socket on 127.0.0.1 (a free port unless one is asked for), uvicorn on it, the URL
with the token, and a clean stop (the running session saved) when asked or when no page is left."""
from __future__ import annotations

import asyncio
import logging
import socket
import threading

import uvicorn

from .runner import AppRunner
from .security import new_token
from .web import create_app

log = logging.getLogger(__name__)

HOST = "127.0.0.1"


def bind(port: int = 0) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((HOST, port))
    s.listen(64)
    s.set_inheritable(True)
    return s


class AppServer:
    """The app on its socket. ``url`` carries the token; :meth:`run` serves until :meth:`shutdown` (or, with
    ``exit_when_idle``, until no page has been open for the hub's ``exit_s``); :meth:`start` does it on a
    thread (tests, the benchmark)."""

    def __init__(self, runner: AppRunner, port: int = 0, token: str | None = None, grace_s: float = 5.0,
                 exit_s: float = 30.0, exit_when_idle: bool = True):
        self.runner = runner
        self.token = token or new_token()
        self.sock = bind(port)
        self.port = self.sock.getsockname()[1]
        self.app, self.hub = create_app(runner, self.token, self.port, grace_s=grace_s, exit_s=exit_s)
        self.exit_when_idle = exit_when_idle
        config = uvicorn.Config(self.app, log_level="warning", lifespan="on", ws="websockets-sansio", ws_ping_interval=None,
                                timeout_graceful_shutdown=3)
        self.server = uvicorn.Server(config)
        self.thread: threading.Thread | None = None

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base}/?token={self.token}"

    def run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        watcher = asyncio.create_task(self._watch_idle())
        try:
            await self.server.serve(sockets=[self.sock])
        finally:
            watcher.cancel()

    async def _watch_idle(self) -> None:
        while not self.server.started:
            await asyncio.sleep(0.05)
        if not self.exit_when_idle:
            return
        await self.hub.idle.wait()
        log.info("no page open: closing the app")
        self.server.should_exit = True

    def start(self) -> "AppServer":
        self.thread = threading.Thread(target=self.run, name="app-server", daemon=True)
        self.thread.start()
        for _ in range(200):
            if self.server.started:
                break
            threading.Event().wait(0.025)
        return self

    def shutdown(self, wait_s: float = 20.0) -> None:
        """Stop serving; the running session (if any) is ended and saved by the app's shutdown."""
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(wait_s)
