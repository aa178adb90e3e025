"""Still frames of fault moments: one JPEG (data URI) per rep with faults.

Frames come from the session's video through :class:`backform.io.sources.VideoFileSource`, the project's one
video reader (read forward to the frames needed). Privacy follows the annotated video's modes: ``none`` (as
recorded), ``blur`` (face blurred), ``skeleton`` (skeleton on a blank background); a session analysed from a
landmarks file, or whose video is gone, gets the skeleton.
"""
from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .. import session as S
from ..errors import SourceError
from ..io.sources import LANDMARK_EXTS, VideoFileSource
from ..pose import geometry as g
from ..pose.landmarks import L, side as side_lm
from ..render import overlay
from ..types import Fault, FrameResult, Phase, PoseFrame
from .load import LogData, exercise_of

log = logging.getLogger(__name__)

MAX_STILLS = 30
PRIVACY_MODES = ("none", "blur", "skeleton")


@dataclass(frozen=True)
class Still:
    rep: int | None
    t_s: float
    codes: list[str]
    mode: str       # what was done to the frame: none, blur or skeleton (no video pixels)
    uri: str        # data:image/jpeg;base64,...


def fault_joints(exercise: str | None, code: str, side: str) -> tuple[L, ...]:
    """The landmarks to ring for fault ``code``: the exercise's ``JOINTS``, part names on ``side``.

    The same lookup as ``Exercise._joints`` (which needs an instance); to be replaced by a public classmethod
    of :class:`backform.exercises.Exercise` when it has one."""
    cls = exercise_of(exercise)
    if cls is None:
        return ()
    out = []
    for name in cls.JOINTS.get(code, ()):
        try:
            out.append(L[name.upper()])
        except KeyError:
            out.append(side_lm(name, side))
    return tuple(out)


def _video_path(session: S.Session, folder: Path) -> Path | None:
    src = session.source.path
    if not src or str(src).endswith(LANDMARK_EXTS):
        return None
    p = Path(src)
    if not p.is_absolute() and not p.exists():
        p = folder / p
    return p if p.is_file() else None


def read_frames(path: Path, indices: set[int], size: tuple[int, int]) -> dict[int, np.ndarray]:
    """The frames of ``path`` at source ``indices``, resized to ``size`` (w, h); missing ones are left out
    (a video shorter than its log, or unreadable)."""
    out: dict[int, np.ndarray] = {}
    if not indices:
        return out
    try:
        source = VideoFileSource(path, max_fps=None, prefetch=0, rgb_max_side=None)
    except SourceError as e:
        log.warning("fault stills without the video: %s", e)
        return out
    for i, img in source.read(indices).items():  # only these frames are converted
        out[i] = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
    return out


def _render(img: np.ndarray, pf: PoseFrame, mode: str, exercise: str, rep_n: int | None,
            faults: list[S.FaultEvent], t: float) -> bytes | None:
    if mode == "blur":
        overlay.blur_face(img, pf)
    side = g.near_side(pf) or "left"
    marks = tuple(Fault(code=f.code, message=f.message or f.code, t_s=t, rep=rep_n,
                        joints=fault_joints(exercise, f.code, side)) for f in faults)
    overlay.draw_pose(img, pf, show_face=mode == "none")
    res = FrameResult(index=pf.index, t_s=pf.t_s, phase=Phase.HOLD, rep_count=rep_n or 0, faults=marks)
    overlay.draw_result(img, pf, res, exercise)
    overlay.draw_time(img, pf.t_s, f"rep {rep_n}")
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 80])
    return buf.tobytes() if ok else None


def fault_stills(session: S.Session, ld: LogData | None, folder: Path, privacy: str = "blur",
                 max_stills: int = MAX_STILLS, width: int = 560) -> list[Still]:
    """One still per rep with faults: the frame in the middle of its top, skeleton drawn, the fault joints
    ringed with their cue."""
    if ld is None or not ld.t:
        return []
    ex = session.exercise or ""
    by_rep: dict = {}
    for f in session.faults:
        by_rep.setdefault(f.rep, []).append(f)
    reps = {r.n: r for r in session.reps}
    w0, h0 = int(ld.header.get("width") or 640), int(ld.header.get("height") or 480)
    s = min(1.0, width / max(w0, 1))
    size = (max(2, int(round(w0 * s))), max(2, int(round(h0 * s))))
    plan = []  # (rep, its faults, the time shown, the log frame)
    for rep_n in sorted(by_rep, key=lambda n: (n is None, n or 0))[:max_stills]:
        fs = by_rep[rep_n]
        r = reps.get(rep_n)
        if r is not None and r.top_s is not None and r.lower_s is not None:
            t = (r.top_s + r.lower_s) / 2.0
        else:
            t = fs[0].t_s or 0.0
        i = ld.nearest(t)
        if i is not None:
            plan.append((rep_n, fs, t, i))
    video = _video_path(session, folder) if privacy != "skeleton" else None
    images = read_frames(video, {ld.index[i] for *_, i in plan}, size) if video is not None else {}
    out = []
    for rep_n, fs, t, i in plan:
        pf = PoseFrame(index=ld.index[i], timestamp_ms=ld.t[i] * 1000.0, width=w0, height=h0, landmarks=ld.lm[i])
        img = images.get(pf.index)
        mode = privacy if img is not None else "skeleton"
        img = img.copy() if img is not None else np.full((size[1], size[0], 3), 32, np.uint8)
        jpeg = _render(img, pf, mode, ex, rep_n, fs, t)
        if jpeg is None:
            continue
        out.append(Still(rep=rep_n, t_s=round(pf.t_s, 3), codes=[f.code for f in fs], mode=mode,
                         uri="data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")))
    return out
