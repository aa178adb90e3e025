"""The pages connected to the app (one WebSocket each): who controls, who watches, and what each is sent.

- Pictures: each page gets the newest picture only, with at most two unacknowledged, so a slow page skips
  pictures instead of falling behind. A picture is 8 bytes (its number and flags, little-endian uint32s)
  followed by the JPEG. The page answers ``{"ack": n}`` once it has drawn it: that gives the capture-to-page
  latency and the pictures shown per second (the session's ``live.stats`` count what the controlling page
  showed).
- State: the runner's state as JSON, sent when it changes (checked every ``tick_s``), with ``control`` saying
  whether this page has the controls.
- Control: the first page connected controls; the others watch. When the controlling page goes, the oldest
  watcher takes over; a watcher can also take the controls. When no page is left for ``grace_s`` the
  running session ends ("tab_closed") and is saved; when none is left for ``exit_s`` the app may exit
  (:attr:`Hub.idle`).
"""
from __future__ import annotations

import asyncio
import json
import logging
import math
import struct
import time
from collections import deque

import numpy as np

from ..errors import BackformError
from .live_hook import StreamFrame
from .runner import AppRunner

log = logging.getLogger(__name__)

MAX_IN_FLIGHT = 2


class Client:
    def __init__(self, ws, n: int):
        self.ws, self.n = ws, n
        self.frame: StreamFrame | None = None
        self.state: str | None = None
        self.notice: list[str] = []
        self.in_flight = 0
        self.sent: dict[int, StreamFrame] = {}   # the pictures sent and not yet acknowledged, by number
        self.last_index = -1       # the camera frame and the result this page showed last
        self.last_result: float | None = None
        self.wake = asyncio.Event()


class Shown:
    """What the pages drew: capture -> page latency of each camera frame shown (first time on any page), result
    latency of each result shown, when; and, for the controlling page, the session's own ``live.stats``.

    Rolling figures: the last ``maxlen`` camera frames and results shown (at 30 frames/s the default is the last
    3-4 minutes), as (monotonic time shown, latency in ms) pairs, so the app's memory does not grow with the
    session's length (the session's own ``live.stats`` cover the whole session)."""

    def __init__(self, maxlen: int = 6000):
        self.frames: deque[tuple[float, float]] = deque(maxlen=maxlen)   # distinct camera frames shown (any page)
        self.results: deque[tuple[float, float]] = deque(maxlen=maxlen)
        self.pictures = 0  # pictures shown (a camera frame redrawn with a new result counts again)
        self._last_index = -1

    def add(self, c: Client, f: StreamFrame, session_stats=None) -> None:
        now = time.monotonic()
        self.pictures += 1
        if f.index != self._last_index:
            self._last_index = f.index
            self.frames.append((now, (now - f.t_capture) * 1000.0))
        new_result = f.t_result is not None and f.t_result != c.last_result
        if new_result:
            c.last_result = f.t_result
            self.results.append((now, (now - f.t_result) * 1000.0))
        st = session_stats  # as the window counts them: distinct frames shown, latency per result shown
        if st is not None:
            if f.index != c.last_index:
                st.displayed += 1
                st.display_times.append(now)
            if new_result:
                st.latency_ms.append((now - f.t_result) * 1000.0)
        c.last_index = f.index

    def window(self, since: float = -math.inf, until: float = math.inf) -> tuple[list, list, list]:
        """Capture -> page latencies, result latencies and times of the frames shown in [since, until)
        (monotonic), from the rolling figures."""
        fr = [x for x in list(self.frames) if since <= x[0] < until]
        rs = [x for x in list(self.results) if since <= x[0] < until]
        return [ms for _, ms in fr], [ms for _, ms in rs], [t for t, _ in fr]

    def figures(self) -> dict:
        return {**figures(*self.window()), "pictures": self.pictures}


class Hub:
    def __init__(self, runner: AppRunner, grace_s: float = 5.0, exit_s: float = 30.0, tick_s: float = 0.1):
        self.runner, self.grace_s, self.exit_s, self.tick_s = runner, grace_s, exit_s, tick_s
        self.clients: list[Client] = []
        self.controller: Client | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.shown = Shown()
        self.ever_connected = False
        self.empty_since = time.monotonic()
        self.idle = asyncio.Event()
        self._n = 0
        self._ticker: asyncio.Task | None = None
        runner.on_frame = self.offer_frame

    # -- from the stream thread ----------------------------------------------------------------------------
    def offer_frame(self, f: StreamFrame) -> None:
        loop = self.loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._frame, f)

    def _frame(self, f: StreamFrame) -> None:
        for c in self.clients:
            c.frame = f
            c.wake.set()

    # -- connections ---------------------------------------------------------------------------------------
    def start(self) -> None:
        """On the event loop (the app's startup)."""
        self.loop = asyncio.get_running_loop()
        self._ticker = asyncio.create_task(self._tick())

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        await asyncio.to_thread(self.runner.stop, "app_closed")

    async def serve(self, ws) -> None:
        await ws.accept()
        self._n += 1
        c = Client(ws, self._n)
        self.clients.append(c)
        self.ever_connected = True
        self.idle.clear()
        if self.controller is None:
            self.controller = c
        c.state = self._state_json(c)
        c.wake.set()
        sender = asyncio.create_task(self._sender(c))
        try:
            while True:
                msg = await ws.receive()
                if msg["type"] == "websocket.disconnect":
                    break
                if msg.get("text"):
                    await self._message(c, msg["text"])
        except Exception:  # noqa: BLE001 - a page that went away
            log.debug("page %d gone", c.n, exc_info=True)
        finally:
            sender.cancel()
            self.clients.remove(c)
            if self.controller is c:
                self.controller = self.clients[0] if self.clients else None
            if not self.clients:
                self.empty_since = time.monotonic()
            self._refresh()

    async def _sender(self, c: Client) -> None:
        try:
            while True:
                await c.wake.wait()
                c.wake.clear()
                if c.state is not None:
                    s, c.state = c.state, None
                    await c.ws.send_text(s)
                while c.notice:
                    await c.ws.send_text(json.dumps({"type": "notice", "text": c.notice.pop(0)}))
                f = c.frame
                if f is not None and c.in_flight < MAX_IN_FLIGHT:
                    c.frame = None
                    c.in_flight += 1
                    c.sent[f.n] = f
                    await c.ws.send_bytes(struct.pack("<II", f.n & 0xFFFFFFFF, int(f.pose)) + f.jpeg)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001
            log.debug("cannot send to page %d", c.n, exc_info=True)

    async def _message(self, c: Client, text: str) -> None:
        try:
            m = json.loads(text)
        except ValueError:
            return
        if "ack" in m:
            c.in_flight = max(0, c.in_flight - 1)
            self._shown(c, m.get("ack"))
            if c.frame is not None:
                c.wake.set()
            return
        cmd = m.get("cmd")
        if cmd == "take_control":
            self.controller = c
            self._refresh()
            return
        if c is not self.controller:
            c.notice.append("Another window has the controls. Press 'Use this window' to take them.")
            c.wake.set()
            return
        try:
            if cmd == "start":
                await asyncio.to_thread(self.runner.start, m.get("camera"), m.get("exercise"))
            elif cmd == "home":
                self.runner.reset()
            elif cmd in ("pause", "skip", "restart", "mute", "stop"):
                self.runner.command(cmd)
        except BackformError as e:
            c.notice.append(str(e))
            c.wake.set()
        self._refresh()

    def _shown(self, c: Client, n) -> None:
        f = c.sent.pop(n, None) if isinstance(n, int) else None
        for k in [k for k in c.sent if isinstance(n, int) and k < n]:
            del c.sent[k]   # sent before the one acknowledged: their acknowledgements are not coming
        if f is None:
            return
        sess = self.runner.session
        live = c is self.controller and sess is not None and self.runner.running
        self.shown.add(c, f, sess.stats if live else None)

    # -- state ---------------------------------------------------------------------------------------------
    def _state_json(self, c: Client, state: dict | None = None) -> str:
        s = dict(state if state is not None else self.runner.state())
        s.update(type="state", control=c is self.controller, pages=len(self.clients))
        return json.dumps(s, separators=(",", ":"))

    def _refresh(self) -> None:
        state = self.runner.state()
        for c in self.clients:
            c.state = self._state_json(c, state)
            c.wake.set()

    async def _tick(self) -> None:
        last: dict[int, str] = {}
        while True:
            await asyncio.sleep(self.tick_s)
            try:
                state = self.runner.state()
                for c in self.clients:
                    s = self._state_json(c, state)
                    if last.get(c.n) != s:
                        last[c.n] = c.state = s
                        c.wake.set()
                await self._watch_pages()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001
                log.exception("state update failed")

    async def _watch_pages(self) -> None:
        if self.clients or not self.ever_connected:
            return
        gone = time.monotonic() - self.empty_since
        if self.runner.running and gone >= self.grace_s:
            log.info("no page for %.0f s: ending the session", gone)
            await asyncio.to_thread(self.runner.stop, "tab_closed")
        elif not self.runner.running and gone >= self.exit_s:
            self.idle.set()

    def figures(self) -> dict:
        """Pictures shown per second and capture-to-page latency (what bench/app_latency.py prints)."""
        return self.shown.figures()


def _pct(a, q):
    return round(float(np.percentile(list(a), q)), 1) if len(a) else None


def figures(frame_ms, result_ms, times) -> dict:
    ts = list(times)
    fps = round((len(ts) - 1) / (ts[-1] - ts[0]), 2) if len(ts) > 1 and ts[-1] > ts[0] else 0.0
    return {"shown": len(ts), "fps_shown": fps,
            "frame_latency_ms": {"p50": _pct(frame_ms, 50), "p95": _pct(frame_ms, 95)},
            "result_latency_ms": {"p50": _pct(result_ms, 50), "p95": _pct(result_ms, 95)}}
