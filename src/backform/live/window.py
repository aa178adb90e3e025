"""The live window: display detection, keys, and the display loop (HighGUI wants the main thread).

The loop shows every captured frame, mirrored like a mirror, with the latest published result drawn on it
(:func:`backform.render.live_view.live_frame`); keys become commands (:func:`key_command`). Without a
display OpenCV's ``imshow`` aborts the whole process: :func:`display_problem` is checked first.
"""
from __future__ import annotations

import os
import platform
import socket
import time
from typing import Callable

import cv2
import numpy as np

from .stats import LiveStats
from .threads import Board, Captured, Published, Slot

WINDOW = "backform live"
KEYS = {
    "q / Esc": "quit (the session is saved)",
    "space / p": "pause / resume",
    "r": "restart the set",
    "n / Tab": "next exercise (with --program: skip to the next step)",
    "1-5": "choose exercise by number",
    "m": "mute / unmute the voice",
}
HELP_LINE = "q quit  space pause  r restart  n next exercise  m mute"


def display_problem(env: dict | None = None, system: str | None = None) -> str | None:
    """Why a window cannot be opened here (None when it can). On Linux OpenCV's Qt build speaks X11 only
    (XWayland counts): DISPLAY must be set and, for a local display, its socket must accept a connection."""
    env = os.environ if env is None else env
    system = system or platform.system()
    if system != "Linux":
        return None
    disp = env.get("DISPLAY", "")
    if not disp:
        if env.get("WAYLAND_DISPLAY"):
            return ("Wayland without XWayland: OpenCV's window needs an X display (DISPLAY is not set); "
                    "enable XWayland, or use --no-window")
        return "no display (DISPLAY is not set): run on a desktop, under xvfb-run, or with --no-window"
    host, _, num = disp.rpartition(":")
    num = num.split(".")[0]
    if host in ("", "unix") and num.isdigit():
        path = f"/tmp/.X11-unix/X{num}"
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(1.0)
        try:
            s.connect(path)
        except OSError:
            # Linux X servers also listen on an abstract socket of the same name
            try:
                s2 = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s2.settimeout(1.0)
                s2.connect("\0" + path)
                s2.close()
            except OSError:
                return f"cannot reach the X display {disp} (no server on {path}): use --no-window"
        finally:
            s.close()
    return None


def key_command(key: int, names: list[str], current: str, programme: bool) -> tuple | None:
    """The command of a key code (cv2.waitKey): ("quit",), ("pause",), ("restart",), ("skip",),
    ("switch", name), ("mute",), or None for a key that does nothing."""
    if key < 0 or key == 255:
        return None
    ch = chr(key) if key < 256 else ""
    if ch in ("q", "Q") or key == 27:
        return ("quit",)
    if ch in (" ", "p", "P"):
        return ("pause",)
    if ch in ("r", "R"):
        return ("restart",)
    if (ch in ("n", "N") or key == 9) and programme:
        return ("skip",)
    if ch in ("n", "N") or key == 9:
        return ("switch", names[(names.index(current) + 1) % len(names)])
    if ch.isdigit() and 1 <= int(ch) <= len(names):
        return ("switch", names[int(ch) - 1])
    if ch in ("m", "M"):
        return ("mute",)
    return None


class Window:
    """The display loop. ``draw(captured, published)`` makes the picture; ``on_key(key)`` is False when the
    session should end; ``should_end()`` is polled between frames."""

    def __init__(self, frames: Slot, board: Board, stats: LiveStats,
                 draw: Callable[[Captured, Published | None], np.ndarray], on_key: Callable[[int], bool],
                 should_end: Callable[[], bool]):
        self.frames, self.board, self.stats = frames, board, stats
        self.draw, self.on_key, self.should_end = draw, on_key, should_end

    @staticmethod
    def closed() -> bool:
        try:
            return cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) < 1
        except cv2.error:
            return True

    def run(self) -> str | None:
        """Show frames until a key ends the session, the session ends, or the window is closed (then
        returns "window_closed")."""
        seq = 0
        self._shown_result, self._shown_frame = 0, -1
        window_up = False
        try:
            while True:
                seq, c = self.frames.peek_newer(seq, timeout=0.05)
                if c is not None:
                    pub = self.board.latest()
                    img = self.draw(c, pub)
                    if not window_up:
                        cv2.namedWindow(WINDOW, cv2.WINDOW_AUTOSIZE | cv2.WINDOW_GUI_NORMAL)
                        cv2.moveWindow(WINDOW, 0, 0)
                    cv2.imshow(WINDOW, img)
                key = cv2.waitKey(1) if window_up or c is not None else -1  # HighGUI paints here
                if c is not None:
                    window_up = True
                    self._count(c, pub)
                if key != -1 and not self.on_key(key & 0xFF):
                    return None
                if window_up and self.closed():
                    return "window_closed"
                if self.should_end():
                    return None
        finally:
            if window_up:
                try:
                    cv2.destroyWindow(WINDOW)
                    cv2.waitKey(1)
                except cv2.error:
                    pass

    def _count(self, c: Captured, pub: Published | None) -> None:
        now = time.monotonic()
        if c.frame.index != self._shown_frame:  # a new camera frame (not a redraw for a new result)
            self._shown_frame = c.frame.index
            self.stats.displayed += 1
            self.stats.display_times.append(now)
        if pub is not None and pub.seq != self._shown_result:
            self._shown_result = pub.seq
            self.stats.latency_ms.append((now - pub.captured.t_capture) * 1000.0)
