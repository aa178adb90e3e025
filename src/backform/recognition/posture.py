"""What a frame shows, cheaply: the posture (standing / supine / prone / quadruped) and a few body-relative
movement figures, vectorised over many frames.

Both work on MediaPipe's world landmarks (metres, hip-centred, y down along the camera's vertical), so a
person lying with the head toward the camera (the trunk foreshortened to a steep line on screen, which the
pixel rule of :func:`backform.programme.calibration.frame_posture` reads as standing) is still lying. A
frame without world landmarks falls back to that pixel rule.

The rule, with ``torso`` = shoulder-to-hip distance:

- trunk (mid-hip -> mid-shoulder) more than 50 deg above the horizontal: standing; 35-50 deg: unclear;
- else on hands and knees when the LOWER wrist is more than half a torso below the shoulders and the lower
  knee more than half a torso below the hips (the lower limb: bird dog lifts one arm and one leg);
- else lying: on the back when a knee is up (more than 0.3 torso above the hips, a bridge's start) or the
  nose is above the ears, face down otherwise.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..pose.landmarks import L
from ..programme.calibration import frame_posture
from ..types import PoseFrame

STANDING_DEG = 50.0
UNCLEAR_DEG = 35.0
# the movement figures of :func:`movement` (per frame; a window's range of each is what moved)
FEATURES = ("trunk_elevation_deg", "wrist_height", "ankle_height", "hip_height", "nose_height")
_LR = lambda a, b: (int(a), int(b))  # noqa: E731
SH, HIP, KNEE, WRIST, ANKLE, EAR = (_LR(L.LEFT_SHOULDER, L.RIGHT_SHOULDER), _LR(L.LEFT_HIP, L.RIGHT_HIP),
                                    _LR(L.LEFT_KNEE, L.RIGHT_KNEE), _LR(L.LEFT_WRIST, L.RIGHT_WRIST),
                                    _LR(L.LEFT_ANKLE, L.RIGHT_ANKLE), _LR(L.LEFT_EAR, L.RIGHT_EAR))


def _world(frames: Sequence[PoseFrame]) -> tuple[np.ndarray, np.ndarray]:
    """(n, 33, 3) world landmarks (NaN where a frame has none) and the mask of frames that have them."""
    W = np.full((len(frames), 33, 3), np.nan)
    ok = np.zeros(len(frames), bool)
    for i, pf in enumerate(frames):
        if pf.world is not None and pf.landmarks is not None:
            W[i] = pf.world
            ok[i] = True
    return W, ok


def _mid(W: np.ndarray, pair: tuple[int, int]) -> np.ndarray:
    return 0.5 * (W[:, pair[0]] + W[:, pair[1]])


def _body(W: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    sh, hip = _mid(W, SH), _mid(W, HIP)
    v = sh - hip
    torso = np.linalg.norm(v, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        elev = np.degrees(np.arcsin(np.clip(-v[:, 1] / torso, -1, 1)))
    return sh, hip, torso, elev


def postures(frames: Sequence[PoseFrame]) -> list[str | None]:
    """The posture of each frame (None: no person, or unclear)."""
    if not len(frames):
        return []
    W, ok = _world(frames)
    sh, hip, torso, elev = _body(W)
    y = W[:, :, 1]
    with np.errstate(invalid="ignore"):
        low_wrist = np.fmax(y[:, WRIST[0]], y[:, WRIST[1]]) - sh[:, 1]
        low_knee = np.fmax(y[:, KNEE[0]], y[:, KNEE[1]]) - hip[:, 1]
        knee_up = hip[:, 1] - np.fmin(y[:, KNEE[0]], y[:, KNEE[1]])
        face_up = _mid(W, EAR)[:, 1] - y[:, int(L.NOSE)]
        quad = (low_wrist > 0.5 * torso) & (low_knee > 0.5 * torso)
        supine = (knee_up > 0.3 * torso) | (face_up > 0.08 * torso)
    out: list[str | None] = []
    for i, pf in enumerate(frames):
        if not ok[i]:
            out.append(frame_posture(pf) if pf.landmarks is not None else None)
        elif not (np.isfinite(elev[i]) and torso[i] > 0.05):
            out.append(None)
        elif elev[i] > STANDING_DEG:
            out.append("standing")
        elif abs(elev[i]) > UNCLEAR_DEG:
            out.append(None)
        elif quad[i]:
            out.append("quadruped")
        else:
            out.append("supine" if supine[i] else "prone")
    return out


def posture_of(pf: PoseFrame) -> str | None:
    """The posture of one frame (see the module's rule)."""
    return postures([pf])[0]


def movement(frames: Sequence[PoseFrame]) -> np.ndarray:
    """(n, len(FEATURES)) body-relative figures per frame, NaN without world landmarks: the trunk's
    elevation (deg), and the heights (in torsos) of the higher wrist above the shoulders, the higher ankle
    above the hips, the hips above the knees and the nose above the shoulders. Their range over a rep says
    which parts moved: the chest (back extension, bridge), the arms, the legs, the hips, the head."""
    if not len(frames):
        return np.zeros((0, len(FEATURES)))
    W, _ = _world(frames)
    sh, hip, torso, elev = _body(W)
    y = W[:, :, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(torso > 0.05, torso, np.nan)
        wrist = (sh[:, 1] - np.fmin(y[:, WRIST[0]], y[:, WRIST[1]])) / t
        ankle = (hip[:, 1] - np.fmin(y[:, ANKLE[0]], y[:, ANKLE[1]])) / t
        hips = (_mid(W, KNEE)[:, 1] - hip[:, 1]) / t
        nose = (sh[:, 1] - y[:, int(L.NOSE)]) / t
    return np.stack([elev, wrist, ankle, hips, nose], axis=1)


def window_shape(times: np.ndarray, feats: np.ndarray, spans: Sequence[tuple[float, float]]) -> np.ndarray | None:
    """The movement's shape over ``spans`` (rep intervals): for each figure the median over the spans of its
    range (max - min) within the span. None when no span holds two frames with figures."""
    ranges = []
    for a, b in spans:
        m = (times >= a) & (times <= b)
        f = feats[m]
        f = f[np.isfinite(f).all(axis=1)]
        if len(f) >= 2:
            ranges.append(f.max(axis=0) - f.min(axis=0))
    return np.median(np.array(ranges), axis=0) if ranges else None
