"""Who may talk to the app: a random token in the printed URL (kept afterwards in a SameSite=Strict cookie),
the Host header checked against 127.0.0.1/localhost on our port (DNS rebinding), and the Origin of a
WebSocket or a POST checked against our own (another site's page in the same browser gets nothing).

Pure ASGI middleware, so the same checks cover pages, files, the API and the WebSocket.
"""
from __future__ import annotations

import hmac
import secrets
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

COOKIE = "backform_app"
HEADER = b"x-backform-token"

DENIED_PAGE = (b"<!doctype html><html lang=en><meta charset=utf-8><title>backform</title>"
               b"<body style='font:1.5rem sans-serif;margin:2rem'><h1>Please open the app's own link</h1>"
               b"<p>Use the link that <code>backform app</code> printed (it carries a key), or start the app again."
               b"</p></body></html>")


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Guard:
    """ASGI middleware: Host, token and Origin checks in front of ``app``. ``port`` may be set after the
    socket is bound (before the first request)."""

    def __init__(self, app, token: str, port: int = 0):
        self.app, self.token, self.port = app, token, port

    def hosts(self) -> set[str]:
        return {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}

    def origins(self) -> set[str]:
        return {f"http://{h}" for h in self.hosts()}

    def _ok(self, value: str | None) -> bool:
        return bool(value) and hmac.compare_digest(value.encode(), self.token.encode())

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        host = headers.get(b"host", b"").decode("latin-1")
        if host not in self.hosts():
            return await self._deny(scope, receive, send, 403, b"wrong host")
        origin = headers.get(b"origin", b"").decode("latin-1")
        unsafe = scope["type"] == "websocket" or scope.get("method", "GET") not in ("GET", "HEAD")
        if unsafe and origin and origin not in self.origins():
            return await self._deny(scope, receive, send, 403, b"wrong origin")
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        q_token = (query.get("token") or [None])[0]
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get(b"cookie", b"").decode("latin-1"))
        except Exception:  # noqa: BLE001 - a malformed cookie header is just no cookie
            pass
        c_token = cookie[COOKIE].value if COOKIE in cookie else None
        h_token = headers.get(HEADER, b"").decode("latin-1") or None
        if scope["type"] == "http" and scope.get("method") == "POST" and not self._ok(h_token):
            return await self._deny(scope, receive, send, 403, b"missing token header")
        if not (self._ok(q_token) or self._ok(c_token) or self._ok(h_token)):
            return await self._deny(scope, receive, send, 401, DENIED_PAGE)
        if self._ok(q_token) and scope["type"] == "http" and scope.get("method") == "GET" and scope["path"] == "/":
            return await self._enter(send)
        return await self.app(scope, receive, send)

    async def _enter(self, send):
        """The printed URL: keep the token in a cookie and go to the page without it in the address bar."""
        await send({"type": "http.response.start", "status": 303, "headers": [
            (b"location", b"/"), (b"cache-control", b"no-store"),
            (b"set-cookie", f"{COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict".encode())]})
        await send({"type": "http.response.body", "body": b""})

    async def _deny(self, scope, receive, send, status: int, body: bytes):
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 4000 + status})
            return
        ctype = b"text/html; charset=utf-8" if body.startswith(b"<!doctype") else b"text/plain"
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
