"""``backform live``: coaching in real time from a webcam (or a video played as a fake camera).

Three threads, so the window never waits on the model and lag never builds up:

- **capture** reads the camera at its own rate and puts each frame into two one-item slots (newest wins):
  one for inference, one for display. A frame replaced in the inference slot before the model took it is
  *dropped* (counted), never queued.
- **inference** always takes the newest frame, runs pose -> exercise -> set-up check -> coach, writes the
  session log (one flushed line per frame) and publishes the latest result. ``session.json`` is rewritten
  atomically after every rep, every set change and at the end, so quitting or a crash loses nothing.
- **display** (the main thread: HighGUI wants it) shows every captured frame mirrored, like a mirror, with
  the latest result drawn on it (landmarks mirrored to match); inference always sees the unmirrored frame
  (mirroring swaps left and right). Keys: see :data:`KEYS`. Closing the window ends the session cleanly.

Speech runs on a fourth thread (:class:`backform.coaching.speech.Speaker`). Without a display, OpenCV's ``imshow``
aborts the whole process: :func:`display_problem` is checked first, and ``--no-window`` runs headless.

Exit: 0 when the session ends normally (quit key, window closed, the video ended); non-zero when the camera
stopped delivering frames (``CameraLost``) or inference failed; the session files are written either way.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import platform
import queue
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np

from ..render import overlay
from ..coaching.speech import Coach, Speaker, Utterance
from ..types import Frame, FrameResult, Phase, PoseFrame
from ..errors import BackformError, SourceError
from .. import session as S
from ..io.recording import SessionLog
from ..pipeline import DEFAULT_MAX_FPS, TrackingSink, build_session, model_info
from ..coaching.setup_check import SetupCheck, SetupStatus, brightness
from ..io.sources import stride_for

log = logging.getLogger(__name__)

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


class NoDisplayError(BackformError):
    """No display to open a window on."""


class CameraLost(SourceError):
    """The camera stopped delivering frames mid-session."""

    exit_code = 3


class InferenceError(BackformError):
    exit_code = 4


# --- display detection ---------------------------------------------------------------------------------------------
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


# --- plumbing ------------------------------------------------------------------------------------------------------
class Slot:
    """A one-item mailbox: ``put`` replaces the item (returns True when the replaced one was never taken),
    ``take`` removes it, ``peek_newer`` reads it without removing. Items carry an increasing sequence number."""

    def __init__(self):
        self._cv = threading.Condition()
        self._item = None
        self._seq = 0
        self._taken = True

    def put(self, item) -> bool:
        with self._cv:
            dropped = not self._taken
            self._item, self._taken = item, False
            self._seq += 1
            self._cv.notify_all()
            return dropped

    def take(self, timeout: float):
        with self._cv:
            if self._taken and not self._cv.wait_for(lambda: not self._taken, timeout):
                return None
            self._taken = True
            return self._item

    def peek_newer(self, seq: int, timeout: float):
        """(seq, item) once an item newer than ``seq`` is there, else (seq, None) after ``timeout``."""
        with self._cv:
            if self._seq <= seq and not self._cv.wait_for(lambda: self._seq > seq, timeout):
                return seq, None
            return self._seq, self._item

    def repost(self) -> None:
        """Announce the current item again (a new result to draw on the same frame)."""
        with self._cv:
            if self._item is not None:
                self._seq += 1
                self._cv.notify_all()

    def wake(self) -> None:
        with self._cv:
            self._cv.notify_all()


@dataclass(frozen=True)
class Captured:
    frame: Frame
    t_capture: float  # time.monotonic() when the frame was read


@dataclass(frozen=True)
class Published:
    """The latest result, as the display draws it."""

    seq: int
    captured: Captured
    pf: PoseFrame
    res: FrameResult | None
    setup: SetupStatus | None
    exercise: str
    set_no: int
    t_ready: float


def mirror_pose(pf: PoseFrame) -> PoseFrame:
    """The pose as seen in a mirrored image (x -> 1 - x), for drawing on the mirrored display only."""
    if pf.landmarks is None:
        return pf
    lm = pf.landmarks.copy()
    lm[:, 0] = 1.0 - lm[:, 0]
    contour = None
    if pf.contour is not None:
        contour = pf.contour.copy()
        contour[:, 0] = 1.0 - contour[:, 0]
    return PoseFrame(pf.index, pf.timestamp_ms, pf.width, pf.height, landmarks=lm, world=pf.world, contour=contour)


@dataclass
class LiveStats:
    captured: int = 0
    offered: int = 0        # frames put up for inference (every stride-th: the --max-fps analysis rate)
    inferred: int = 0
    dropped: int = 0        # offered frames replaced in the inference slot before the model took them
    displayed: int = 0
    latency_ms: list = field(default_factory=list)        # capture -> display of its result (per result shown)
    result_latency_ms: list = field(default_factory=list)  # capture -> result ready
    infer_ms: list = field(default_factory=list)          # pose + exercise + log per frame
    display_times: list = field(default_factory=list)     # monotonic time of each displayed frame
    infer_times: list = field(default_factory=list)       # monotonic time of each result
    t_start: float = field(default_factory=time.monotonic)

    def summary(self) -> dict:
        def pct(a, q):
            return round(float(np.percentile(a, q)), 1) if len(a) else None
        el = max(1e-9, time.monotonic() - self.t_start)
        lat = self.latency_ms or self.result_latency_ms

        def rate(ts):
            return round((len(ts) - 1) / (ts[-1] - ts[0]), 2) if len(ts) > 1 and ts[-1] > ts[0] else 0.0
        return {"captured": self.captured, "offered": self.offered, "inferred": self.inferred, "dropped": self.dropped,
                "displayed": self.displayed, "elapsed_s": round(el, 2),
                "display_fps": rate(self.display_times), "inference_fps": rate(self.infer_times),
                "latency_ms": {"median": pct(lat, 50), "p95": pct(lat, 95), "max": pct(lat, 100),
                               "to": "display" if self.latency_ms else "result"},
                "infer_ms": {"median": pct(self.infer_ms, 50), "p95": pct(self.infer_ms, 95)}}


class LiveSessionLog(SessionLog):
    """The session log, with the set number and exercise on each record (a live session can switch)."""

    def write_live(self, pf: PoseFrame, res: FrameResult | None, set_no: int, exercise: str, paused: bool = False,
                   step: str | None = None) -> None:
        """``step``: with a programme, the kind of step (set, rest, done); rest frames have no result."""
        self.write(pf, res, None, set=set_no, exercise=exercise, **({"step": step} if step else {}))


@dataclass
class LiveOptions:
    exercise: str
    reps: int | None = None
    hold: float | None = None
    mute: bool = False
    voice: str = "auto"
    window: bool = True
    out: Path = Path("sessions")
    max_seconds: float | None = None     # stop after this long (tests, benchmarks)
    stall_s: float = 5.0                 # no frame from the camera this long: camera lost
    max_fps: float = DEFAULT_MAX_FPS     # analysis rate cap, as analyze's --max-fps (0: every frame)
    setup_check: bool = True
    display_width: int = 960             # the window's width (frames scaled to it; 0: the camera's size)
    programme: object | None = None      # a backform.programme.programme.Programme to walk through (exercise is then ignored)


def exercise_params(name: str, reps: int | None, hold: float | None) -> dict:
    """--reps / --hold as parameter overrides, for the keys the exercise has."""
    import dataclasses
    from ..exercises.base import _REGISTRY
    cls = _REGISTRY[name]
    fields = {f.name for f in dataclasses.fields(cls.Params)}
    out = {}
    if reps is not None:
        if "reps" in fields:
            out["reps"] = int(reps)
    if hold is not None:
        if "hold_s" in fields:
            out["hold_s"] = float(hold)
        else:
            log.warning("%s has no hold target; --hold ignored", name)
    return out


class LiveSession:
    """One live coaching session on ``source`` (a ``WebcamSource`` or a ``FakeCamera``)."""

    def __init__(self, source, opts: LiveOptions, pose, speaker: Speaker | None = None):
        from ..exercises import names
        self.source = source
        self.opts = opts
        self.pose = pose
        self.names = list(names())
        self.programme = opts.programme
        self.step = None  # the programme step being done (a Step), None without a programme
        if self.programme is not None:
            from ..programme.programme import resolve
            # (params, baseline) per exercise: calibration-derived thresholds under the programme's, as analyze
            self._resolved = {b.exercise: resolve(self.programme, b.exercise)[1:] for b in self.programme.blocks}
            self._steps = self.programme.steps()
            self.step = next(self._steps)
            self.step_start_s = 0.0
            opts.exercise = self.step.exercise
        if opts.exercise not in self.names:
            raise BackformError(f"unknown exercise {opts.exercise!r}; choose one of: {', '.join(self.names)}")
        self.stats = LiveStats()
        self.stride = stride_for(source.fps, opts.max_fps)
        self._frame_s = 1.0 / (source.fps or 30.0)
        self.out = Path(opts.out)
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            probe = self.out / ".write-test"
            probe.write_text("")
            probe.unlink()
        except OSError as e:
            raise BackformError(f"cannot write the session to {self.out}: {e.strerror or e}") from None
        self.speaker = speaker if speaker is not None else Speaker(opts.voice, muted=opts.mute)
        self._frames = Slot()
        self._display = Slot()
        self._published: Published | None = None
        self._pub_lock = threading.Lock()
        self._cmds: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._capture_done = threading.Event()
        self._infer_done = threading.Event()
        self._errors: list[BaseException] = []
        self.paused = False
        self.end_reason: str | None = None
        self.announcements: list[dict] = []
        self.sets: list[dict] = []
        self.tracking = TrackingSink(source.fps / self.stride, self.stride, model_info(pose), live=True)
        self._json_lock = threading.Lock()
        self._last_frame_wall = time.monotonic()
        self.last_t = 0.0
        self.started_utc = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self._new_set(opts.exercise, t_s=0.0)
        if self.step is not None:
            self._announce(self.step.say, 0.0)
        header = {"fps": source.fps, "analysis_fps": source.fps / self.stride, "width": source.width, "height": source.height,
                  "frames": 0, "source": source.info()["path"], "exercise": opts.exercise, "live": True,
                  "model": getattr(pose, "model_name", None), "model_sha256": getattr(pose, "model_sha256", None)}
        self.slog = LiveSessionLog(self.out / "session.log.jsonl", header)

    # -- sets ---------------------------------------------------------------------------------------------------------
    def _new_set(self, name: str, t_s: float) -> None:
        from ..exercises import get
        self.exercise_name = name
        if self.step is not None:  # the programme's reps, hold, thresholds and calibration baseline
            params, baseline = self._resolved[name]
            self.exercise = get(name, params=params, baseline=baseline)
        else:
            self.exercise = get(name, params=exercise_params(name, self.opts.reps, self.opts.hold) or None)
        self._set_open = True
        self.set_no = len(self.sets) + 1
        self.set_start_s = t_s
        self.coach = Coach(reps_target=self.exercise.reps_target)
        if getattr(self, "setup", None) is None or self.setup.name != name:
            self.setup = SetupCheck(name, tuple(self.exercise.views))
        self._setup_bad_since: float | None = None
        log.info("set %d: %s (reps %s, hold %.1f s)", self.set_no, name, self.exercise.reps_target,
                 self.exercise.hold_target_s)

    def _close_set(self, t_s: float) -> None:
        if not self._set_open:  # a programme's rest: the set was closed when it ended
            return
        self._set_open = False
        ex = self.exercise
        rep = ex.finish(t_s)
        if rep is not None:  # a rep on its way down when the set ended counts (as in analyze): announce it
            faults = tuple(f for f in ex.faults if f.rep == rep.n)
            res = FrameResult(index=-1, t_s=t_s, phase=Phase.START, rep_count=len(ex.reps),
                              side_counts=ex.side_counts(), faults=faults, completed=rep)
            self._say(self.coach.update(res))
        self.sets.append({**self._set_json(), "end_s": round(t_s, 3)})

    def _set_json(self) -> dict:
        ex = self.exercise
        d = {"set": self.set_no, "exercise": self.exercise_name, "start_s": round(self.set_start_s, 3),
             "end_s": None, "rep_count": len(ex.reps), "reps": [r.to_json() for r in ex.reps],
             "faults": [f.to_json() for f in ex.faults]}
        st = self.step
        if st is not None and st.kind == "set":  # which set of the programme this is, and whether it was done
            d.update(block=st.block, block_set=st.set, block_sets=st.sets, reps_prescribed=st.reps,
                     per_side=st.per_side, complete=st.target_met(ex))
        return d

    def session_json(self, final: bool = False) -> dict:
        d = S.to_builtins(build_session(self.exercise_name, self.source.info(), self.tracking.tracking, self.exercise))
        open_ = [] if final or not self._set_open else [self._set_json()]
        d["live"] = {"started_utc": self.started_utc, "final": final, "end": self.end_reason,
                     "sets": self.sets + open_, "announcements": list(self.announcements),
                     "voice": self.speaker.voice_name, "muted": self.speaker.muted,
                     "setup_ok_s": self.setup.ok_at, "stats": self.stats.summary()}
        if self.programme is not None:
            d["programme"] = self._programme_json(self.sets + open_, d.get("params") or {})
        return d

    # -- walking through a programme ------------------------------------------------------------------------------
    def _programme_json(self, sets: list[dict], params: dict) -> dict:
        """Progress against the programme: per exercise the same ``score`` as ``analyze --program`` writes
        (from the reps of that exercise's live sets), with the sets taken from the live session's own sets
        rather than split by pauses; and the steps done vs prescribed."""
        from ..programme.programme import score
        prog = self.programme
        exercises = []
        for b in prog.blocks:
            bs = [s for s in sets if s.get("block") == b.index]
            reps = [r for s in bs for r in s["reps"]]
            sc = score({"exercise": b.exercise, "reps": reps,
                        "params": params if b.exercise == self.exercise_name else {}}, b)
            sc["done"].update(sets=len(bs), sets_complete=sum(bool(s.get("complete")) for s in bs),
                              reps_per_set=[s["rep_count"] for s in bs])
            if b.per_side:
                sc["done"]["sides_per_set"] = [{k: sum(r.get("side") == k for r in s["reps"]) for k in ("left", "right")}
                                               for s in bs]
            exercises.append({"block": b.to_json(), "score": sc})
        st = self.step
        return {"name": prog.title, "patient": prog.patient, "path": str(prog.path) if prog.path else None,
                "sets_prescribed": sum(b.sets for b in prog.blocks),
                "sets_done": sum(bool(s.get("complete")) for s in sets),
                "step": {"kind": st.kind, "exercise": st.exercise, "block": st.block, "set": st.set, "sets": st.sets},
                "complete": st.kind == "done", "exercises": exercises}

    def _announce(self, text: str, t_s: float) -> None:
        """A programme transition, said ahead of rep and fault cues still waiting."""
        self._say([dataclasses.replace(u, priority=3) for u in self.coach.say(text, "programme", t_s)])

    def _next_step(self, t_s: float) -> None:
        """Close the current set (if one is open) and begin the programme's next step: a set, a rest or the end."""
        self._close_set(t_s)
        self.step = next(self._steps, self.step)
        self.step_start_s = t_s
        log.info("programme step: %s %s set %s", self.step.kind, self.step.exercise, self.step.set)
        if self.step.kind == "set":
            self._new_set(self.step.exercise, t_s)
            self.paused = False
        self._announce(self.step.say, t_s)
        if self.step.kind == "done":
            self.end_reason = self.end_reason or "programme_done"
        self._write_json()

    def _programme_tick(self, t_s: float) -> None:
        """After each analysed frame: a set ends when its reps are done, a rest when its time (frame
        timestamps, not the wall clock) is up."""
        st = self.step
        if st.kind == "set" and st.target_met(self.exercise):
            self._next_step(t_s)
        elif st.kind == "rest" and t_s - self.step_start_s >= st.rest_s:
            self._next_step(t_s)

    def _write_json(self, final: bool = False) -> None:
        with self._json_lock:
            try:
                S.write(self.out / "session.json", S.convert(self.session_json(final)))
            except OSError as e:
                log.warning("cannot write session.json: %s", e)

    # -- threads ------------------------------------------------------------------------------------------------------
    def _capture(self) -> None:
        try:
            for fr in self.source:
                now = time.monotonic()
                self._last_frame_wall = now
                c = Captured(fr, now)
                self.stats.captured += 1
                if fr.index % self.stride == 0:  # the analysis rate, as in analyze (--max-fps)
                    self.stats.offered += 1
                    if self._frames.put(c):
                        self.stats.dropped += 1
                self._display.put(c)
                if self._stop.is_set():
                    break
        except BaseException as e:  # noqa: BLE001 - handed to the main thread
            self._errors.append(e)
        finally:
            self._capture_done.set()
            self._frames.wake()
            self._display.wake()

    def _say(self, utts: list[Utterance]) -> None:
        for u in utts:
            d = u.to_json()
            d.update(set=self.set_no, exercise=self.exercise_name, muted=self.speaker.muted)
            self.announcements.append(d)
            self.speaker.say(u)

    def _apply(self, cmd: tuple, t_s: float) -> None:
        what = cmd[0]
        if what == "pause":
            self.paused = not self.paused
            self._say(self.coach.say("Paused" if self.paused else "Go on", "status", t_s))
        elif what == "skip":
            if self.step is not None and self.step.kind != "done":
                self._next_step(t_s)
        elif what in ("restart", "switch"):
            if self.step is not None and (what == "switch" or self.step.kind != "set"):
                return  # a programme sets the exercise (n skips to the next step)
            name = cmd[1] if what == "switch" else self.exercise_name
            if name == self.exercise_name and what == "switch":
                return
            self._close_set(t_s)
            self._new_set(name, t_s)
            self.paused = False  # (a programme's set restarted keeps its step: same block and set)
            text = "Starting the set again" if what == "restart" else f"Now {name.replace('_', ' ')}"
            self._say(self.coach.say(text, "status", t_s))
            self._write_json()
        elif what == "mute":
            self.speaker.toggle_mute()

    def _setup_speech(self, st: SetupStatus, res: FrameResult, t_s: float) -> None:
        """Set-up advice aloud: before the set-up is first good (until the first rep), then only when it has
        been wrong for 3 s while at rest."""
        if st.ok and self.setup.ok_at == t_s:
            self._say(self.coach.say("Good. Start when you are ready", "ready", t_s))
        elif not st.ok:
            if not self.exercise.reps and res.phase.value == "setup":
                self._say(self.coach.setup(st.messages, t_s))
        elif not st.good:
            self._setup_bad_since = self._setup_bad_since or t_s
            if t_s - self._setup_bad_since > 3.0 and res.phase.value in ("setup", "start"):
                self._say(self.coach.setup(st.messages, t_s))
        else:
            self._setup_bad_since = None

    def _infer(self) -> None:
        last_t = 0.0
        try:
            while not self._stop.is_set():
                c = self._frames.take(timeout=0.1)
                if c is None:
                    if self._capture_done.is_set():
                        break
                    continue
                fr = c.frame
                t_s = fr.t_s
                while not self._cmds.empty():
                    self._apply(self._cmds.get_nowait(), t_s)
                if self.paused:
                    continue
                t0 = time.monotonic()
                pf = self.pose.update(fr)
                counting = self.step is None or self.step.kind == "set"  # a programme's rest counts no reps
                res = self.exercise.update(pf) if counting else None
                self.tracking.write(pf)
                now = time.monotonic()
                self.stats.inferred += 1
                self.stats.infer_ms.append((now - t0) * 1000.0)
                self.stats.result_latency_ms.append((now - c.t_capture) * 1000.0)
                self.stats.infer_times.append(now)
                # publish first: the display draws it now; set-up check, speech and the log come after
                st = self.setup.update(pf, brightness(fr.image)) if self.opts.setup_check and counting else None
                with self._pub_lock:
                    seq = (self._published.seq + 1) if self._published else 1
                    self._published = Published(seq, c, pf, res, st, self.exercise_name, self.set_no, now)
                if now - self._last_frame_wall < self._frame_s - 0.010:
                    self._display.repost()  # the next camera frame is >10 ms away: draw the result now
                if st is not None:
                    self._setup_speech(st, res, t_s)
                if res is not None:
                    self._say(self.coach.update(res))
                self.slog.write_live(pf, res, self.set_no, self.exercise_name,
                                     step=self.step.kind if self.step is not None else None)
                last_t = self.last_t = t_s
                if res is not None and res.completed is not None:
                    self._write_json()
                if self.step is not None:
                    self._programme_tick(t_s)
        except BaseException as e:  # noqa: BLE001
            log.exception("inference failed")
            self._errors.append(e)
        finally:
            self.last_t = last_t
            self._infer_done.set()

    # -- display ------------------------------------------------------------------------------------------------------
    def command(self, key: int) -> bool:
        """Handle a key code (cv2.waitKey); False when the session should end."""
        if key < 0 or key == 255:
            return True
        ch = chr(key) if key < 256 else ""
        if ch in ("q", "Q") or key == 27:
            self.end_reason = "quit"
            return False
        if ch in (" ", "p", "P"):
            self._cmds.put(("pause",))
        elif ch in ("r", "R"):
            self._cmds.put(("restart",))
        elif (ch in ("n", "N") or key == 9) and self.programme is not None:
            self._cmds.put(("skip",))
        elif ch in ("n", "N") or key == 9:
            i = self.names.index(self.exercise_name)
            self._cmds.put(("switch", self.names[(i + 1) % len(self.names)]))
        elif ch.isdigit() and 1 <= int(ch) <= len(self.names):
            self._cmds.put(("switch", self.names[int(ch) - 1]))
        elif ch in ("m", "M"):
            self.speaker.toggle_mute()
        return True

    def render(self, c: Captured, pub: Published | None) -> np.ndarray:
        """The mirrored frame with the latest result drawn on it."""
        src = c.frame.image
        dw = self.opts.display_width
        if dw and src.shape[1] != dw:
            h = int(round(src.shape[0] * dw / src.shape[1]))
            src = cv2.resize(src, (dw, h), interpolation=cv2.INTER_LINEAR)
        img = cv2.flip(src, 1)
        k = max(img.shape[:2]) / 1280.0
        if pub is not None and not self.paused:
            pf = mirror_pose(pub.pf)
            overlay.draw_pose(img, pf)
            if pub.res is not None:
                overlay.draw_result(img, pf, pub.res, pub.exercise)
            if pub.setup is not None and not pub.setup.ok:
                y = img.shape[0] - 60 * k
                for m in reversed(pub.setup.messages[:3]):
                    overlay.text(img, m, (12 * k, y), 0.7, overlay.YELLOW)
                    y -= 34 * k
                if not pub.setup.messages:
                    overlay.text(img, "Set-up good: hold still", (12 * k, y), 0.7, overlay.GREEN)
        else:
            overlay.text(img, f"{self.exercise_name}: starting...", (12 * k, 34 * k), 0.8)
        if pub is not None and pub.res is not None and not self.paused:
            self._draw_big(img, pub.res, k)
        st = self.step
        if st is not None and st.kind != "set":
            left = max(0.0, st.rest_s - (self.last_t - self.step_start_s))
            msg = f"Rest {left:.0f} s, then {st.exercise.replace('_', ' ')}" if st.kind == "rest" else "Programme done"
            overlay.text(img, msg, (12 * k, 80 * k), 1.0, overlay.GREEN)
        status = []
        if self.paused:
            status.append("PAUSED")
        if self.speaker.muted:
            status.append("MUTED")
        if status:
            overlay.text(img, "  ".join(status), (img.shape[1] - 260 * k, 34 * k), 0.8, overlay.RED)
        overlay.text(img, HELP_LINE, (12 * k, img.shape[0] - 14 * k), 0.5, overlay.GREY)
        return img

    @staticmethod
    def _draw_big(img: np.ndarray, res: FrameResult, k: float) -> None:
        """The rep count (per side for bird dog) and the hold seconds in large type at the top right, readable
        from the floor 2-3 m away."""
        sc = res.side_counts
        big = f"L{sc.get('left', 0)} R{sc.get('right', 0)}" if sc else str(res.rep_count)
        (tw, th), _ = cv2.getTextSize(big, overlay.FONT, 2.6 * k, max(2, int(6 * k)))
        x = img.shape[1] - tw - int(24 * k)
        overlay.text(img, big, (x, int(40 * k) + th), 2.6, overlay.WHITE, thick=6)
        if res.phase.value == "hold" and res.hold_target_s > 0:
            done = res.hold_s >= res.hold_target_s
            s = f"{int(res.hold_s)}/{res.hold_target_s:g}s"
            (tw2, th2), _ = cv2.getTextSize(s, overlay.FONT, 1.8 * k, max(2, int(5 * k)))
            overlay.text(img, s, (img.shape[1] - tw2 - int(24 * k), int(80 * k) + th + th2), 1.8,
                         overlay.GREEN if done else overlay.YELLOW, thick=5)

    def _window_closed(self) -> bool:
        try:
            return cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) < 1
        except cv2.error:
            return True

    def _display_loop(self) -> None:
        seq = 0
        shown_result = 0
        shown_frame = -1
        window_up = False
        try:
            while True:
                seq, c = self._display.peek_newer(seq, timeout=0.05)
                if c is not None:
                    with self._pub_lock:
                        pub = self._published
                    img = self.render(c, pub)
                    if not window_up:
                        cv2.namedWindow(WINDOW, cv2.WINDOW_AUTOSIZE | cv2.WINDOW_GUI_NORMAL)
                        cv2.moveWindow(WINDOW, 0, 0)
                    cv2.imshow(WINDOW, img)
                key = cv2.waitKey(1) if window_up or c is not None else -1  # HighGUI paints here
                if c is not None:
                    window_up = True
                    now = time.monotonic()
                    if c.frame.index != shown_frame:  # a new camera frame (not a redraw for a new result)
                        shown_frame = c.frame.index
                        self.stats.displayed += 1
                        self.stats.display_times.append(now)
                    if pub is not None and pub.seq != shown_result:
                        shown_result = pub.seq
                        self.stats.latency_ms.append((now - pub.captured.t_capture) * 1000.0)
                if key != -1 and not self.command(key & 0xFF):
                    return
                if window_up and self._window_closed():
                    self.end_reason = "window_closed"
                    return
                if self._should_end():
                    return
        finally:
            if window_up:
                try:
                    cv2.destroyWindow(WINDOW)
                    cv2.waitKey(1)
                except cv2.error:
                    pass

    def _headless_loop(self) -> None:
        while not self._should_end():
            time.sleep(0.05)

    def _should_end(self) -> bool:
        if self._errors or self.end_reason == "programme_done":
            return True
        if self._capture_done.is_set() and self._infer_done.is_set():
            return True
        if self._infer_done.is_set() and not self._capture_done.is_set():
            return True  # inference stopped (error): nothing more to show
        if self.opts.max_seconds is not None and time.monotonic() - self.stats.t_start >= self.opts.max_seconds:
            self.end_reason = self.end_reason or "time_limit"
            return True
        if not self._capture_done.is_set() and time.monotonic() - self._last_frame_wall > self.opts.stall_s:
            self.end_reason = "camera_lost"
            log.warning("no frame from the camera for %.1f s", self.opts.stall_s)
            return True
        return False

    # -- run ----------------------------------------------------------------------------------------------------------
    def run(self) -> dict:
        """Run until the source ends, the user quits or closes the window, or the camera is lost.
        Returns the session dict (also in ``out/session.json``); raises CameraLost / InferenceError after
        saving."""
        self.stats.t_start = time.monotonic()
        self._last_frame_wall = time.monotonic()
        cap = threading.Thread(target=self._capture, name="capture", daemon=True)
        inf = threading.Thread(target=self._infer, name="inference", daemon=True)
        self._write_json()
        cap.start()
        inf.start()
        try:
            if self.opts.window:
                self._display_loop()
            else:
                self._headless_loop()
        except KeyboardInterrupt:
            self.end_reason = "interrupted"
        finally:
            self._stop.set()
            self._frames.wake()
            inf.join(10.0)
            cap.join(2.0)  # a camera read that hangs must not hang us: the thread is a daemon
            lost = bool(getattr(self.source, "lost", False))
            if self.end_reason is None:
                if lost:
                    self.end_reason = "camera_lost"
                elif self._errors:
                    self.end_reason = "error"
                else:
                    self.end_reason = "source_ended"
            elif self.end_reason == "camera_lost" and not lost:
                pass  # stalled: no frame for stall_s
            t_end = getattr(self, "last_t", 0.0)
            try:
                self._close_set(t_end)
            except Exception as e:  # noqa: BLE001 - never lose the session because of a finishing check
                log.warning("finishing the set failed: %s", e)
            self._write_json(final=True)
            self.slog.close()
            self.speaker.close(drain_s=3.0 if self.end_reason in ("source_ended", "programme_done") else 0.5)
        result = self.session_json(final=True)
        if self.end_reason == "camera_lost":
            raise CameraLost(f"the camera stopped delivering frames after {self.stats.captured} frames; "
                             f"session saved in {self.out}")
        if self._errors and not isinstance(self._errors[0], KeyboardInterrupt):
            e = self._errors[0]
            if isinstance(e, BackformError):
                raise e
            raise InferenceError(f"live session failed: {type(e).__name__}: {e}; session saved in {self.out}")
        return result
