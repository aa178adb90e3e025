"""Loading a session folder: ``session.json`` (the typed :class:`backform.session.Session`) and the session log.

The log is read through :func:`backform.io.recording.read_session_log`, the one reader of the landmarks
format. A session whose ``session.json`` is missing, unreadable or older than its log (the analysis was
killed) is rebuilt from the log's rep events (:func:`rebuild_session`), marked ``partial``.
"""
from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, field
from pathlib import Path


from .. import session as S
from ..errors import BackformError, SourceError
from ..exercises import Exercise, UnknownExercise, get, spec
from ..io.recording import read_session_log
from ..pipeline import LOG_NAME, SESSION_NAME, build_session

log = logging.getLogger(__name__)

REPORT_NAME = "report.html"
STALE_AFTER_S = 2.0  # a log written this much later than session.json: the later analysis did not finish


def exercise_of(name: str | None) -> type[Exercise] | None:
    """The class of a registered exercise; None for no exercise or one this installation does not know."""
    if not name:
        return None
    try:
        return spec(name)
    except UnknownExercise:
        return None


def cues_of(name: str | None) -> dict[str, str]:
    cls = exercise_of(name)
    return dict(cls.CUES) if cls is not None else {}


def per_side(name: str | None) -> bool:
    cls = exercise_of(name)
    return cls is not None and cls.per_side


@dataclass
class LogData:
    """What the report needs from ``session.log.jsonl``."""

    header: dict = field(default_factory=dict)
    t: list = field(default_factory=list)              # seconds, per analysed frame
    index: list = field(default_factory=list)          # source frame index
    angles: dict = field(default_factory=dict)         # key -> list (None where not measured)
    lm: list = field(default_factory=list)             # (33, 5) array or None, per frame
    reps: list[S.Rep] = field(default_factory=list)    # the reps, on the frames where they ended
    frames: int = 0
    pose_frames: int = 0
    truncated: bool = False

    @property
    def last_t_s(self) -> float | None:
        return round(self.t[-1], 3) if self.t else None

    def nearest(self, t_s: float, with_pose: bool = True) -> int | None:
        best, best_d = None, math.inf
        for i, t in enumerate(self.t):
            if with_pose and self.lm[i] is None:
                continue
            d = abs(t - t_s)
            if d < best_d:
                best, best_d = i, d
        return best


def read_log(path: str | os.PathLike) -> LogData:
    """The session log, up to its last complete line (a killed writer leaves a cut one) or its first bad
    one; a file that is not a session log gives an empty :class:`LogData`."""
    out = LogData()
    try:
        out.header, records = read_session_log(path)
    except SourceError as e:
        log.warning("%s", e)
        return out
    keys: set = set()
    try:
        for pf, rec in records:
            i = len(out.t)
            out.t.append(pf.timestamp_ms / 1000.0)
            out.index.append(pf.index)
            out.lm.append(pf.landmarks)
            out.frames += 1
            out.pose_frames += pf.landmarks is not None
            res = rec.get("result") or {}
            ang = res.get("angles") or {}
            for k in ang:
                if k not in keys:
                    keys.add(k)
                    out.angles[k] = [None] * i
            for k in keys:
                out.angles[k].append(ang.get(k))
            if res.get("rep"):
                out.reps.append(S.convert(res["rep"], S.Rep))
    except SourceError as e:  # a bad line inside the log: keep what came before it
        log.warning("%s; reading stops there", e)
        out.truncated = True
    out.truncated = out.truncated or records.truncated
    return out


def rebuild_session(folder: str | os.PathLike, ld: LogData | None = None) -> S.Session:
    """The session from its log alone (a killed analysis): the reps completed before the log ends, their
    faults, tracking counts, the checker's targets and thresholds. Marked ``partial``."""
    folder = Path(folder)
    if ld is None:
        lp = folder / LOG_NAME
        if not lp.is_file():
            raise BackformError(f"{folder}: neither {SESSION_NAME} nor {LOG_NAME} found: not a session folder")
        ld = read_log(lp)
    h = ld.header
    ex = h.get("exercise")
    cues = cues_of(ex)
    reps = sorted({r.n: r for r in ld.reps}.values(), key=lambda r: r.n)
    source = {"path": h.get("source"), "fps": h.get("fps"), "frames": h.get("frames"), "width": h.get("width"),
              "height": h.get("height")}
    tracking = S.Tracking(frames=ld.frames, pose_frames=ld.pose_frames,
                          pose_found_rate=round(ld.pose_frames / ld.frames, 4) if ld.frames else 0.0,
                          analysis_fps=h.get("analysis_fps"))
    session = build_session(ex, source, tracking)
    session.rep_count = len(reps)
    session.reps = reps
    session.faults = [S.FaultEvent(code=c, rep=r.n, t_s=r.lower_s or r.end_s, message=cues.get(c, c))
                      for r in reps for c in r.faults]
    session.partial = True
    cls = exercise_of(ex)
    if cls is not None:
        try:
            summary = get(ex).summary()
            session.targets = S.convert(summary["targets"], S.Targets)
            session.params = summary["params"]
            session.cues = summary["cues"]
            session.checks = summary["checks"]
            if cls.per_side:
                session.side_counts = {k: sum(r.side == k for r in reps) for k in ("left", "right")}
        except Exception as e:  # noqa: BLE001 - a report of a partial session must not fail on this
            log.warning("cannot describe exercise %r: %s", ex, e)
    return session


def load_session(folder: str | os.PathLike) -> tuple[S.Session, LogData | None]:
    """``(session, log)`` of a session folder; the session rebuilt from the log when ``session.json`` is
    missing, unreadable or older than the log (a later analysis into the same folder was killed)."""
    folder = Path(folder)
    sp, lp = folder / SESSION_NAME, folder / LOG_NAME
    ld = read_log(lp) if lp.is_file() else None
    if sp.is_file():
        stale = ld is not None and lp.stat().st_mtime > sp.stat().st_mtime + STALE_AFTER_S
        if not stale:
            try:
                return S.load(sp), ld
            except ValueError as e:  # bad JSON, or a field of the wrong type (msgspec.ValidationError)
                if ld is None:
                    raise BackformError(f"{sp} is not a valid {SESSION_NAME} ({e}) and there is no {LOG_NAME} "
                                        "to rebuild it from") from None
                log.warning("%s unreadable (%s); rebuilding from the log", sp, e)
        else:
            log.warning("%s is older than %s: the last analysis did not finish; rebuilding from the log", sp, lp)
    return rebuild_session(folder, ld), ld

