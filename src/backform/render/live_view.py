"""Drawing the live window's picture: the camera frame mirrored, with the latest result on it.

Pure drawing, no state: the live session hands over what to show (the latest published result and a few
status flags). The landmarks are mirrored to match the mirrored picture; inference never sees either.
"""
from __future__ import annotations

import cv2
import numpy as np

from ..types import FrameResult, PoseFrame
from . import overlay


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


def mirrored(image: np.ndarray, width: int) -> np.ndarray:
    """``image`` scaled to ``width`` pixels (0: as it is) and flipped left to right."""
    if width and image.shape[1] != width:
        h = int(round(image.shape[0] * width / image.shape[1]))
        image = cv2.resize(image, (width, h), interpolation=cv2.INTER_LINEAR)
    return cv2.flip(image, 1)


def draw_setup(img: np.ndarray, setup, k: float) -> None:
    """The set-up check's advice (up to three lines, most important lowest) while the set-up is not good."""
    y = img.shape[0] - 60 * k
    for m in reversed(setup.messages[:3]):
        overlay.text(img, m, (12 * k, y), 0.7, overlay.YELLOW)
        y -= 34 * k
    if not setup.messages:
        overlay.text(img, "Set-up good: hold still", (12 * k, y), 0.7, overlay.GREEN)


def draw_big(img: np.ndarray, res: FrameResult, k: float) -> None:
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


def live_frame(image: np.ndarray, pub, exercise: str, paused: bool, muted: bool, banner: str | None,
               help_line: str, width: int = 0) -> np.ndarray:
    """The window's picture: ``image`` mirrored (scaled to ``width``) with ``pub`` drawn on it.

    ``pub``: the latest result (``pf``, ``res``, ``setup``, ``exercise`` attributes) or None before the first;
    ``banner``: a programme's rest countdown or end, in large green type; ``help_line``: the keys, at the
    bottom."""
    img = mirrored(image, width)
    k = max(img.shape[:2]) / 1280.0
    if pub is not None and not paused:
        pf = mirror_pose(pub.pf)
        overlay.draw_pose(img, pf)
        if pub.res is not None:
            overlay.draw_result(img, pf, pub.res, pub.exercise)
        if pub.setup is not None and not pub.setup.ok:
            draw_setup(img, pub.setup, k)
    else:
        overlay.text(img, f"{exercise}: starting...", (12 * k, 34 * k), 0.8)
    if pub is not None and pub.res is not None and not paused:
        draw_big(img, pub.res, k)
    if banner:
        overlay.text(img, banner, (12 * k, 80 * k), 1.0, overlay.GREEN)
    status = [s for s, on in (("PAUSED", paused), ("MUTED", muted)) if on]
    if status:
        overlay.text(img, "  ".join(status), (img.shape[1] - 260 * k, 34 * k), 0.8, overlay.RED)
    overlay.text(img, help_line, (12 * k, img.shape[0] - 14 * k), 0.5, overlay.GREY)
    return img
