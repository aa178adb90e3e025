"""Drawing: skeleton coloured by visibility, frame time, and an exercise's phase, reps, hold timer and faults.

Pure drawing on a BGR image (in place); no state, no logic. Colours are BGR.
"""
from __future__ import annotations

import cv2
import numpy as np

from ..types import VIS, FrameResult, PoseFrame
from ..pose.landmarks import SKELETON, L

GREEN, YELLOW, RED = (80, 200, 80), (0, 210, 255), (60, 60, 230)
WHITE, BLACK, GREY, BLUE = (255, 255, 255), (0, 0, 0), (160, 160, 160), (230, 160, 40)
FONT = cv2.FONT_HERSHEY_SIMPLEX
FACE = (L.NOSE, L.LEFT_EYE_INNER, L.LEFT_EYE, L.LEFT_EYE_OUTER, L.RIGHT_EYE_INNER, L.RIGHT_EYE,
        L.RIGHT_EYE_OUTER, L.LEFT_EAR, L.RIGHT_EAR, L.MOUTH_LEFT, L.MOUTH_RIGHT)


def vis_colour(v: float) -> tuple[int, int, int]:
    """Joint colour by visibility: green (>= 0.8), yellow (>= 0.5), red (lower)."""
    return GREEN if v >= 0.8 else YELLOW if v >= 0.5 else RED


def _scale(img: np.ndarray) -> float:
    """Drawing scale: 1 at 1280 px; never below 0.6 so that text stays readable on small videos."""
    return max(0.6, max(img.shape[0], img.shape[1]) / 1280.0)


def _pts(pf: PoseFrame, img: np.ndarray) -> np.ndarray:
    h, w = img.shape[:2]
    return pf.landmarks[:, :2].astype(np.float64) * (w, h)


def draw_pose(img: np.ndarray, pf: PoseFrame, show_face: bool = True) -> None:
    """Skeleton edges and joints, each joint coloured by its visibility."""
    if pf.landmarks is None:
        return
    s = _scale(img)
    p = _pts(pf, img)
    vis = pf.landmarks[:, VIS]
    th = max(1, int(round(3 * s)))
    for a, b in SKELETON:
        if not show_face and (a in FACE or b in FACE):
            continue
        if np.isfinite(p[[a, b]]).all():
            cv2.line(img, tuple(np.int32(p[a])), tuple(np.int32(p[b])), WHITE, th, cv2.LINE_AA)
    r = max(2, int(round(5 * s)))
    for lm in L:
        if not show_face and lm in FACE:
            continue
        if np.isfinite(p[lm]).all():
            cv2.circle(img, tuple(np.int32(p[lm])), r, vis_colour(float(vis[lm])), -1, cv2.LINE_AA)


def text(img, s: str, org, scale: float = 0.7, colour=WHITE, bg=BLACK, thick: int = 2) -> int:
    """Text with a dark box behind it; returns the box height."""
    k = _scale(img)
    sc, th = scale * k, max(1, int(round(thick * k)))
    (tw, tht), base = cv2.getTextSize(s, FONT, sc, th)
    x, y = int(org[0]), int(org[1])
    pad = int(4 * k) + 1
    cv2.rectangle(img, (x - pad, y - tht - pad), (x + tw + pad, y + base + pad), bg, -1)
    cv2.putText(img, s, (x, y), FONT, sc, colour, th, cv2.LINE_AA)
    return tht + base + 2 * pad


def draw_time(img: np.ndarray, t_s: float, extra: str = "") -> None:
    k = _scale(img)
    h = img.shape[0]
    text(img, f"t {t_s:6.2f} s{('  ' + extra) if extra else ''}", (10 * k, h - 14 * k), 0.6, WHITE)


def draw_hold_bar(img: np.ndarray, held: float, target: float, org, width: float) -> None:
    k = _scale(img)
    x, y = int(org[0]), int(org[1])
    w, hh = int(width), int(16 * k)
    cv2.rectangle(img, (x, y), (x + w, y + hh), GREY, max(1, int(k)))
    frac = 0.0 if target <= 0 else min(1.0, held / target)
    cv2.rectangle(img, (x, y), (x + int(w * frac), y + hh), GREEN if frac >= 1.0 else YELLOW, -1)
    cv2.putText(img, f"hold {held:4.1f}/{target:.0f} s", (x + w + int(8 * k), y + hh - int(2 * k)), FONT,
                0.55 * k, WHITE, max(1, int(round(2 * k))), cv2.LINE_AA)


def draw_result(img: np.ndarray, pf: PoseFrame, res: FrameResult, exercise: str = "") -> None:
    """Phase, rep count (per side when given), hold timer, messages, and each fault at its joints with its cue."""
    k = _scale(img)
    x, y = 12 * k, 34 * k
    counts = res.side_counts
    reps = (f"L {counts.get('left', 0)}  R {counts.get('right', 0)}" if counts else f"{res.rep_count}")
    y += text(img, f"{exercise}  reps {reps}  {res.phase.value}", (x, y), 0.8, WHITE)
    if res.hold_target_s > 0 and (res.hold_s > 0 or res.phase.value == "hold"):
        draw_hold_bar(img, res.hold_s, res.hold_target_s, (x, y - 4 * k), 200 * k)
        y += 26 * k
    for m in res.messages:
        y += text(img, m, (x, y + 8 * k), 0.65, YELLOW)
    if pf.landmarks is None:
        return
    p = _pts(pf, img)
    for i, f in enumerate(res.faults):
        joints = [j for j in f.joints if np.isfinite(p[j]).all()]
        for j in joints:
            cv2.circle(img, tuple(np.int32(p[j])), int(14 * k), RED, max(2, int(3 * k)), cv2.LINE_AA)
        anchor = p[joints[0]] + (16 * k, -16 * k) if joints else (x, y + (30 + 30 * i) * k)
        text(img, f.message, anchor, 0.65, WHITE, bg=(40, 40, 170))


def blur_face(img: np.ndarray, pf: PoseFrame, strength: int = 51) -> None:
    """Blur a box around the face landmarks (nose, eyes, ears, mouth), generously padded.

    The face landmarks can sit off the real face (a head bowed toward the camera: MediaPipe put them on the
    cap, ~0.1 of the image above the mouth on wanshape_prone_t_raises), and such misplacement runs along the
    neck. So the box is at least as big as the head-to-shoulders distance, grows as the face landmarks'
    visibility drops (a misplaced pose is a low-visibility one), and is pulled a quarter of the way toward the
    shoulders: OpenCV's face detectors then find no face in the exported frames of the real clips
    where they find one in the originals (tests/test_privacy.py)."""
    if pf.landmarks is None:
        return
    pts = _pts(pf, img)
    p = pts[list(FACE)]
    ok = np.isfinite(p).all(axis=1)
    p = p[ok]
    if len(p) == 0:
        return
    h, w = img.shape[:2]
    c = p.mean(axis=0)
    ear_span = np.ptp(p, axis=0).max()
    vis = float(np.mean(pf.landmarks[list(FACE), VIS][ok]))
    # the less sure the model is of the face, the bigger the box (0.45 visibility: 0.17 of the image)
    r = max(ear_span * 1.3, 0.06 * max(h, w), 0.3 * (1.0 - vis) * max(h, w))
    sh = pts[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER]]
    sh = sh[np.isfinite(sh).all(axis=1)]
    if len(sh):
        s = sh.mean(axis=0)
        d = float(np.linalg.norm(s - c))
        if d < 0.4 * max(h, w):  # a sane head-to-shoulders distance
            r = max(r, 0.75 * d)
            c = c + 0.25 * (s - c)
    r = min(r, 0.25 * max(h, w))
    x0, y0 = int(max(0, c[0] - r)), int(max(0, c[1] - r))
    x1, y1 = int(min(w, c[0] + r)), int(min(h, c[1] + r))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return
    roi = img[y0:y1, x0:x1]
    # blocks of a quarter of the box's half-size (at least 1/16 of it): a face fills 1-2 blocks however
    # large the box grew (16 blocks across a grown box left a face-like blob the cascades still found)
    block = max(max(roi.shape[:2]) / 16.0, r / 4.0, 1.0)
    small = cv2.resize(roi, (max(1, int(round(roi.shape[1] / block))), max(1, int(round(roi.shape[0] / block)))),
                       interpolation=cv2.INTER_AREA)
    img[y0:y1, x0:x1] = cv2.GaussianBlur(cv2.resize(small, (roi.shape[1], roi.shape[0]),
                                                    interpolation=cv2.INTER_LINEAR), (0, 0), max(3.0, block / 2))
