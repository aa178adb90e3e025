"""The live session: wiring and :meth:`LiveSession.run`.

Three threads, so the window never waits on the model and lag never builds up:

- **capture** (:class:`~.threads.Capture`) reads the camera at its own rate and puts each frame into two
  one-item slots (newest wins): one for inference, one for display. A frame replaced in the inference slot
  before the model took it is *dropped* (counted), never queued.
- **inference** runs the one pipeline (:class:`backform.pipeline.Pipeline`, as ``analyze``) over the newest
  offered frames (:class:`~.threads.FrameFeed`, which also applies the keys' commands between frames): the
  model works on one frame while the outline and checks of the one before are done. Each result goes to the
  sinks: tracking, the coach and speaker (:class:`backform.coaching.policy.CoachSink`), the display's board
  and the session log (one flushed line per frame). ``session.json`` is rewritten atomically after every rep,
  every set change and at the end, so quitting or a crash loses nothing.
- **display** (the main thread: HighGUI wants it, :class:`~.window.Window`) shows every captured frame
  mirrored, with the latest result drawn on it; inference always sees the unmirrored frame.

Speech runs on a fourth thread (:class:`backform.coaching.speech.Speaker`). Sets and programme steps are
:class:`~.sets.SetFlow`'s job. Without ``--exercise`` (``opts.exercise`` None), and with a programme, the
recogniser follows what the person does (:class:`~.follow.Follow`, one more sink): the session waits (set-up
advice only) until an exercise is recognised, then opens a set of it; a programme moves on when the next
block's exercise is recognised. ``session.json`` lists the sets and, as the segments of the session's
timeline, the runs of sets of one exercise (:mod:`.timeline`).

Exit: 0 when the session ends normally (quit key, window closed, the video ended); non-zero when the camera
stopped delivering frames (``CameraLost``) or inference failed; the session files are written either way.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np

from .. import session as S
from ..coaching.policy import CoachSink
from ..coaching.speech import Speaker
from ..errors import BackformError
from ..exercises import names
from ..io.recording import SessionLog
from ..io.sources import stride_for
from ..pipeline import LOG_NAME, SESSION_NAME, Pipeline, TrackingSink, build_session, log_header, model_info
from ..render.live_view import live_frame
from ..types import FrameResult, PoseFrame
from .options import CameraLost, InferenceError, LiveOptions
from . import timeline
from .follow import Follow
from .sets import ProgrammeWalker, SetFlow
from .stats import LiveStats
from .threads import Board, Capture, Captured, FrameFeed, Published, Slot
from .window import HELP_LINE, Window, key_command

log = logging.getLogger(__name__)


class LiveLog:
    """The session log as a sink; each record also names the set, the exercise and the programme step."""

    def __init__(self, path: Path, header: dict, fields: Callable[[], dict]):
        self.log = SessionLog(path, header)
        self.fields = fields

    def write(self, pf: PoseFrame, res: FrameResult | None, image: np.ndarray | None = None) -> None:
        self.log.write(pf, res, None, **self.fields())

    def close(self) -> None:
        self.log.close()


class WindowSink:
    """The window as a sink: each result is published for the display thread, drawn at once when the next
    camera frame is more than 10 ms away. ``taken`` is the result's captured frame and its ready time."""

    def __init__(self, board: Board, display: Slot, coach: CoachSink, flow: SetFlow, capture: Capture, frame_s: float):
        self.board, self.display, self.coach, self.flow, self.capture = board, display, coach, flow, capture
        self.frame_s = frame_s
        self.taken: tuple[Captured, float] | None = None

    def write(self, pf: PoseFrame, res: FrameResult | None, image: np.ndarray | None = None) -> None:
        c, now = self.taken
        self.board.publish(c, pf, res, self.coach.status, self.flow.exercise_name, self.flow.set_no, now)
        if now - self.capture.last_frame_wall < self.frame_s - 0.010:
            self.display.repost()  # the next camera frame is >10 ms away: draw the result now

    def close(self) -> None:
        pass


def writable_folder(out: Path) -> Path:
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as e:
        raise BackformError(f"cannot write the session to {out}: {e.strerror or e}") from None
    return out


class LiveSession:
    """One live coaching session on ``source`` (a ``WebcamSource`` or a ``FakeCamera``)."""

    def __init__(self, source, opts: LiveOptions, pose, speaker: Speaker | None = None):
        self.source, self.opts, self.pose = source, opts, pose
        self.names = list(names())
        self.programme = opts.programme
        walker = ProgrammeWalker(self.programme) if self.programme is not None else None
        if walker is not None:
            opts.exercise = walker.step.exercise
        if opts.exercise is not None and opts.exercise not in self.names:
            raise BackformError(f"unknown exercise {opts.exercise!r}; choose one of: {', '.join(self.names)}")
        self.stats = LiveStats()
        self.stride = stride_for(source.fps, opts.max_fps)
        self._frame_s = 1.0 / (source.fps or 30.0)
        self.out = writable_folder(Path(opts.out))
        self.speaker = speaker if speaker is not None else Speaker(opts.voice, muted=opts.mute)
        self._frames, self._display, self.board = Slot(), Slot(), Board()
        self._stop, self._infer_done = threading.Event(), threading.Event()
        self._errors: list[BaseException] = []
        self.capture = Capture(source, self.stride, self.stats, self._frames, self._display, self._stop, self._errors)
        self.end_reason: str | None = None
        self.last_t = 0.0
        self.started_utc = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self._json_lock = threading.Lock()
        model = model_info(pose)
        self.tracking = TrackingSink(source.fps / self.stride, self.stride, model, live=True)
        self.pipeline = Pipeline(pose)  # its exercise: the open set's checker (SetFlow sets it)
        self.coach = CoachSink(self.speaker, opts.setup_check)
        self.flow = SetFlow(opts, walker, self.pipeline, self.coach, save=self._write_json,
                            finished=self._programme_done)
        self.follow = None
        if opts.exercise is None or walker is not None:  # follow what the person does
            self.follow = Follow(self.coach, lambda: self.flow.waiting, opts.setup_check)
            self.flow.follow = self.follow
        self.feed = FrameFeed(self._frames, self.capture.done, self._stop, self.flow.apply, lambda: self.flow.paused)
        header = log_header(source, opts.exercise, model, analysis_fps=source.fps / self.stride, live=True)
        self.log = LiveLog(self.out / LOG_NAME, header, self.flow.log_fields)
        self.window = WindowSink(self.board, self._display, self.coach, self.flow, self.capture, self._frame_s)
        # in this order: the coach's (or, waiting, the follower's) set-up status is drawn; the log follows the display
        self.sinks = [self.tracking, self.coach, *([self.follow] if self.follow else []), self.window, self.log]

    @property
    def paused(self) -> bool:
        return self.flow.paused

    def _programme_done(self) -> None:
        self.end_reason = self.end_reason or "programme_done"

    # -- the session's state as session.json -----------------------------------------------------------------
    def session(self, final: bool = False) -> S.Session:
        """The typed session so far (``final``: the open set is closed and the end reason known)."""
        s = build_session(self.flow.exercise_name or None, self.source.info(), self.tracking.tracking,
                          self.flow.exercise)
        sets = self.flow.sets(final)
        s.segments = timeline.segments(sets, self.last_t)
        s.other = timeline.other(s.segments, self.last_t, self.programme is not None)
        s.live = S.LiveInfo(started_utc=self.started_utc, final=final, end=self.end_reason, sets=sets,
                            announcements=list(self.coach.announcements), voice=self.speaker.voice_name,
                            muted=self.speaker.muted, setup_ok_s=self.coach.setup_ok_s, stats=self.stats.summary())
        if self.programme is not None:
            s.programme = self.flow.programme_info(sets, s)
        return s

    def _write_json(self, final: bool = False) -> None:
        with self._json_lock:
            try:
                S.write(self.out / SESSION_NAME, self.session(final))
            except OSError as e:
                log.warning("cannot write session.json: %s", e)

    # -- inference thread ---------------------------------------------------------------------------------------
    def _infer(self) -> None:
        run = self.pipeline.run(self.feed, ahead=1)
        try:
            for pf, res, image in run:
                if self._stop.is_set():
                    break
                self._frame(pf, res, image)
                self.feed.done()
        except BaseException as e:  # noqa: BLE001
            log.exception("inference failed")
            self._errors.append(e)
        finally:
            self.feed.abort()
            run.close()
            self._infer_done.set()

    def _frame(self, pf: PoseFrame, res: FrameResult | None, image: np.ndarray | None) -> None:
        """One analysed frame (``res`` None during a programme's rest) through the sinks."""
        c, t_taken = self.feed.taken()
        self.window.taken = (c, self.stats.result(c.t_capture, t_taken))
        for sink in self.sinks:
            sink.write(pf, res, image)
        self.last_t = pf.t_s
        if res is not None and res.completed is not None:
            self._write_json()
        self.flow.after_frame(pf.t_s)

    # -- display ------------------------------------------------------------------------------------------------
    def command(self, key: int) -> bool:
        """Handle a key code (cv2.waitKey); False when the session should end."""
        cmd = key_command(key, self.names, self.flow.exercise_name or self.names[-1], self.programme is not None)
        if cmd is None:
            return True
        if cmd[0] == "quit":
            self.end_reason = "quit"
            return False
        if cmd[0] == "mute":
            self.speaker.toggle_mute()
        else:
            self.feed.commands.put(cmd)
        return True

    def render(self, c: Captured, pub: Published | None) -> np.ndarray:
        """The mirrored frame with the latest result drawn on it."""
        return live_frame(c.frame.image, pub, self.flow.exercise_name or "waiting", self.flow.paused, self.speaker.muted,
                          self.flow.banner(self.last_t), HELP_LINE, self.opts.display_width)

    def _should_end(self) -> bool:
        if self._errors or self.end_reason == "programme_done":
            return True
        if self._infer_done.is_set():
            return True  # the source ended and everything is analysed, or inference stopped (error)
        if self.opts.max_seconds is not None and time.monotonic() - self.stats.t_start >= self.opts.max_seconds:
            self.end_reason = self.end_reason or "time_limit"
            return True
        if not self.capture.done.is_set() and time.monotonic() - self.capture.last_frame_wall > self.opts.stall_s:
            self.end_reason = "camera_lost"
            log.warning("no frame from the camera for %.1f s", self.opts.stall_s)
            return True
        return False

    # -- run ----------------------------------------------------------------------------------------------------
    def run(self) -> S.Session:
        """Run until the source ends, the user quits or closes the window, or the camera is lost.
        Returns the typed session (also in ``out/session.json``); raises CameraLost / InferenceError after
        saving."""
        self.stats.t_start = time.monotonic()
        self.capture.last_frame_wall = time.monotonic()
        cap = threading.Thread(target=self.capture.run, name="capture", daemon=True)
        inf = threading.Thread(target=self._infer, name="inference", daemon=True)
        self._write_json()
        cap.start()
        inf.start()
        try:
            if self.opts.window:
                reason = Window(self._display, self.board, self.stats, self.render, self.command,
                                self._should_end).run()
                self.end_reason = reason or self.end_reason
            else:
                while not self._should_end():
                    time.sleep(0.05)
        except KeyboardInterrupt:
            self.end_reason = "interrupted"
        finally:
            self._stop.set()
            self._frames.wake()
            inf.join(10.0)
            cap.join(2.0)  # a camera read that hangs must not hang us: the thread is a daemon
            self._finish()
        session = self.session(final=True)
        self._raise_if_failed()
        return session

    def _finish(self) -> None:
        """After the threads: the end reason, the last set closed, the files written, the speaker stopped."""
        lost = bool(getattr(self.source, "lost", False))
        if self.end_reason is None:
            self.end_reason = "camera_lost" if lost else "error" if self._errors else "source_ended"
        try:
            self.flow.close(self.last_t)
        except Exception as e:  # noqa: BLE001 - never lose the session because of a finishing check
            log.warning("finishing the set failed: %s", e)
        self._write_json(final=True)
        for sink in (self.tracking, self.window, self.log):
            sink.close()
        self.coach.close(drain_s=3.0 if self.end_reason in ("source_ended", "programme_done") else 0.5)

    def _raise_if_failed(self) -> None:
        if self.end_reason == "camera_lost":
            raise CameraLost(f"the camera stopped delivering frames after {self.stats.captured} frames; "
                             f"session saved in {self.out}")
        if self._errors and not isinstance(self._errors[0], KeyboardInterrupt):
            e = self._errors[0]
            if isinstance(e, BackformError):
                raise e
            raise InferenceError(f"live session failed: {type(e).__name__}: {e}; session saved in {self.out}")
