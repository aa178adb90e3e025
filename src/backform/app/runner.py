"""The app's sessions: start one on the chosen camera, pass the page's commands to it, end it, and keep what
the page shows afterwards (the summary from ``session.json``, or what went wrong with the camera).

One session at a time. The camera, the pose model and the one pipeline live in this process: the session is
an :class:`~.live_hook.AppLiveSession` (``backform live`` without a window) on a thread of its own, with a
:class:`~.live_hook.FrameStream` thread drawing its pictures for the page.
"""
from __future__ import annotations

import dataclasses
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .. import session as S
from ..errors import BackformError, SourceError
from ..exercises import names
from ..live import CameraLost, LiveOptions
from ..pipeline import SESSION_NAME
from . import history
from .live_hook import AppLiveSession, FrameStream, StreamFrame
from .state import live_state, plan, summary

log = logging.getLogger(__name__)

CAMERA_HELP = ("Check that the camera is plugged in. If another program (a video call, for example) is using "
               "it, close that program, then press Start again.")
COMMANDS = {"pause": ("pause",), "skip": ("skip",), "restart": ("restart",)}


@dataclass
class AppConfig:
    """What ``backform app`` was asked for. ``open_source(camera_id)`` opens a camera (or the --video clip)
    and raises SourceError when it cannot; ``make_pose()`` makes a pose estimator for one session."""

    root: Path
    open_source: Callable[[str], object]
    make_pose: Callable[[], object]
    cameras: list[dict] = field(default_factory=list)  # [{"id": "0", "label": "Camera 1"}]
    exercise: str | None = None
    programme: object | None = None
    live: LiveOptions | None = None  # voice, mute, max_fps, setup_check ... (exercise, out, window are set here)
    upload: Callable[[Path], tuple[int, dict]] | None = None  # "send to my therapist" (None: no service)
    quality: int = 80


class AppRunner:
    """Starts, drives and ends the app's sessions; ``on_frame`` gets each picture (from the stream thread)."""

    def __init__(self, cfg: AppConfig, on_frame: Callable[[StreamFrame], None] = lambda f: None):
        self.cfg, self.on_frame = cfg, on_frame
        self.lock = threading.RLock()
        self.session: AppLiveSession | None = None
        self.stream: FrameStream | None = None
        self.thread: threading.Thread | None = None
        self.folder: Path | None = None
        self.error: str | None = None
        self.result: dict | None = None
        self.ended = threading.Event()
        self.sessions_run = 0
        self.starting = False

    # -- what the page sees --------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def state(self) -> dict:
        sess, running = self.session, self.running  # no lock: a start in progress must not hold the pages up
        d = {"phase": "running" if running else "ended" if self.result is not None else "home",
             "starting": self.starting,
             "error": self.error, "summary": self.result, "folder": self.folder.name if self.folder else None,
             "upload": self.cfg.upload is not None, "live": None}
        if running and sess is not None:
            try:
                d["live"] = live_state(sess)
            except Exception:  # noqa: BLE001 - a snapshot taken while a set changes: the next one will do
                log.debug("state snapshot failed", exc_info=True)
        return d

    def home(self) -> dict:
        return {"plan": plan(self.cfg.programme, self.cfg.exercise), "cameras": self.cfg.cameras,
                "upload": self.cfg.upload is not None}

    # -- commands ------------------------------------------------------------------------------------------
    def start(self, camera: str | None = None, exercise: str | None = None) -> None:
        """Open the camera and start a session (raises BackformError with a message for the page). The
        camera and the model are opened outside the lock: the pages' state keeps flowing meanwhile."""
        with self.lock:
            if self.running or self.starting:
                raise BackformError("a session is already running")
            name = exercise or self.cfg.exercise
            if self.cfg.programme is None and name not in names():
                raise BackformError("choose an exercise first")
            self.starting = True
            self.error, self.result = None, None
        try:
            self._start(camera, name)
        finally:
            self.starting = False

    def _start(self, camera: str | None, name: str | None) -> None:
        ids = [c["id"] for c in self.cfg.cameras]
        cam = camera if camera in ids else (ids[0] if ids else "0")
        try:
            src = self.cfg.open_source(cam)
        except (SourceError, OSError) as e:
            self.error = f"The camera could not be opened ({e}). {CAMERA_HELP}"
            raise BackformError(self.error) from None
        folder = history.new_folder(self.cfg.root)
        base = self.cfg.live or LiveOptions(exercise="")
        opts = dataclasses.replace(base, exercise=name or "", out=folder, window=False, programme=self.cfg.programme)
        pose = self.cfg.make_pose()
        try:
            sess = AppLiveSession(src, opts, pose)
        except BaseException:
            pose.close()
            raise
        stream = FrameStream(sess, self.on_frame, quality=self.cfg.quality)
        thread = threading.Thread(target=self._run, args=(sess, pose), name="app-session", daemon=True)
        with self.lock:
            self.folder, self.session, self.stream, self.thread = folder, sess, stream, thread
            self.ended.clear()
            self.sessions_run += 1
            threading.Thread(target=stream.run, name="app-stream", daemon=True).start()
            thread.start()

    def command(self, what: str) -> None:
        """pause (toggles), skip, restart, mute (toggles), stop."""
        sess = self.session
        if sess is None or not self.running:
            return
        if what == "stop":
            sess.end("quit")
        elif what == "mute":
            sess.speaker.toggle_mute()
        elif what in COMMANDS:
            sess.feed.commands.put(COMMANDS[what])

    def stop(self, reason: str, wait_s: float = 15.0) -> None:
        """End the running session (if any) with ``reason`` and wait until its files are written."""
        sess, t = self.session, self.thread
        if sess is not None and t is not None and t.is_alive():
            sess.end(reason)
            t.join(wait_s)

    def reset(self) -> None:
        """Back to the start page after a summary."""
        with self.lock:
            if not self.running:
                self.result, self.error = None, None

    # -- the session's thread ------------------------------------------------------------------------------
    def _run(self, sess: AppLiveSession, pose) -> None:
        err = None
        try:
            sess.run()
        except CameraLost:
            err = ("The camera stopped sending pictures: it may have been unplugged, or another program took it. "
                   "Your session so far is saved.")
        except SourceError as e:
            err = f"The camera gives no picture ({e}). {CAMERA_HELP} Your session so far is saved."
        except BaseException as e:  # noqa: BLE001 - the page must learn of it
            log.exception("the session failed")
            err = f"Something went wrong ({type(e).__name__}: {e}). Your session so far is saved."
        finally:
            if self.stream is not None:
                self.stream.stop.set()
            try:
                pose.close()
            except Exception:  # noqa: BLE001
                pass
            self._finished(sess, err)

    def _finished(self, sess: AppLiveSession, err: str | None) -> None:
        path = sess.out / SESSION_NAME
        try:
            result = summary(S.load(path), sess.out.name)
        except Exception as e:  # noqa: BLE001
            log.warning("cannot read %s: %s", path, e)
            result = {"folder": sess.out.name, "sets": [], "reps": 0, "faults": 0, "end": sess.end_reason,
                      "final": False, "programme": None, "exercise": sess.flow.exercise_name, "hold_target_s": None}
        with self.lock:
            self.error = err
            self.result = result
        self.ended.set()

    def send(self, name: str) -> str:
        """Send a session folder to the therapist's service; returns what to tell the person."""
        if self.cfg.upload is None:
            raise BackformError("no therapist service is set up on this computer")
        p = history.folder(self.cfg.root, name)
        st, body = self.cfg.upload(p)
        if st in (200, 201):
            return "Sent to your therapist." if body.get("created", True) else "Your therapist already has it."
        raise BackformError(f"The service refused it ({st}): {body.get('error', '')}")
