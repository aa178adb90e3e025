"""Camera set-up check before the first rep: enough light, the whole body in the picture, big enough, a view
the exercise supports, and for floor exercises a camera at floor level.

What an exercise needs comes from the exercise itself (:func:`backform.exercises.spec`): ``on_floor()`` and
``setup_parts`` (extra body parts that must be in the picture, e.g. ``("hands",)`` for the wall slide).

:class:`SetupCheck` is fed one frame at a time (its brightness and its pose) and answers with a
:class:`SetupStatus`: the problems found, each with the sentence to show and say (most important first), and
``ok`` once every check has passed for ``settle_s`` in a row. Time comes from the frames. Pure logic: the live
loop shows the messages and speaks the first one.
"""
from __future__ import annotations

import logging
from collections import Counter, deque
from dataclasses import dataclass

import cv2
import numpy as np

from ..types import PoseFrame, VIS
from ..exercises import spec
from ..exercises.counting import frame_view
from ..pose.landmarks import L

log = logging.getLogger(__name__)

# body parts that must be in the picture: either side's landmark inside the image counts
PARTS: dict[str, tuple[L, ...]] = {
    "head": (L.NOSE, L.LEFT_EAR, L.RIGHT_EAR),
    "shoulders": (L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
    "hips": (L.LEFT_HIP, L.RIGHT_HIP),
    "knees": (L.LEFT_KNEE, L.RIGHT_KNEE),
    "feet": (L.LEFT_ANKLE, L.RIGHT_ANKLE, L.LEFT_HEEL, L.RIGHT_HEEL),
}
HANDS = (L.LEFT_WRIST, L.RIGHT_WRIST)
PLURAL = frozenset({"feet", "hands", "knees", "hips", "shoulders", "arms", "legs"})  # "your feet are ..."
# parts an exercise can ask for on top of PARTS (its ``setup_parts``)
EXTRA_PARTS: dict[str, tuple[L, ...]] = {"hands": HANDS}
CORE = (L.NOSE, L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_KNEE, L.RIGHT_KNEE,
        L.LEFT_ANKLE, L.RIGHT_ANKLE)


@dataclass(frozen=True)
class SetupParams:
    min_brightness: float = 55.0    # mean luma (0-255) below this: too dark for the model to see limbs
    max_brightness: float = 235.0   # above: washed out (a window behind the person)
    margin: float = 0.01            # a landmark this close to the edge (fraction of the image) counts as out
    min_presence: float = 0.3       # presence below this: the landmark is a guess
    min_extent: float = 0.45        # the body's longer extent must fill this share of the frame ("come closer")
    front_extent: float = 0.3       # the same from the front/head-on, where a lying body is foreshortened
    # floor exercises: near/far shoulder+hip vertical spread / torso (camera too high). Measured on the floor-level
    # side views of ../shared/clips: p95 0.09 (lena bird dog), 0.11 (lena bridge), 0.17 (be23 superman)
    max_floor_tilt: float = 0.45
    settle_s: float = 1.0           # every check must pass this long before the set-up counts as good
    view_window_s: float = 1.0      # majority view over this window


@dataclass(frozen=True)
class SetupStatus:
    ok: bool                          # the set-up has been good for settle_s
    good: bool                        # this frame passed every check
    problems: tuple[str, ...]         # codes: dark, bright, no_person, out_of_frame, too_small, view, camera_high
    messages: tuple[str, ...]         # what to tell the person, most important first
    brightness: float
    view: str | None = None


def brightness(img: np.ndarray) -> float:
    """Mean luma (0-255) of a BGR image, on a small copy (cheap)."""
    h, w = img.shape[:2]
    s = 64.0 / max(h, w)
    small = cv2.resize(img, (max(1, int(w * s)), max(1, int(h * s))), interpolation=cv2.INTER_AREA) if s < 1 else img
    return float(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY).mean())


def _inside(lm: np.ndarray, i: int, margin: float, min_presence: float) -> bool:
    x, y = float(lm[i, 0]), float(lm[i, 1])
    pres = float(lm[i, 4]) if lm.shape[1] > 4 else float(lm[i, VIS])
    return bool(np.isfinite(x) and np.isfinite(y) and margin <= x <= 1 - margin and margin <= y <= 1 - margin
                and pres >= min_presence)


def _edge(lm: np.ndarray, ids) -> str:
    """Which image edge the landmarks ``ids`` are past (in the camera's own, unmirrored image)."""
    x = float(np.nanmean(lm[list(ids), 0]))
    y = float(np.nanmean(lm[list(ids), 1]))
    d = {"left": -x, "right": x - 1, "top": -y, "bottom": y - 1}
    return max(d, key=d.get)


def floor_tilt(pf: PoseFrame) -> float:
    """How far the camera looks down on a body lying (or kneeling) on the floor, seen from the side: the
    vertical image spread between the left and right shoulder and hip, over the torso length. ~0 from a
    camera at floor level (the far side hides behind the near one), growing with the camera's height."""
    if pf.landmarks is None:
        return float("nan")
    p = pf.pixels()
    sh = abs(p[L.LEFT_SHOULDER, 1] - p[L.RIGHT_SHOULDER, 1])
    hp = abs(p[L.LEFT_HIP, 1] - p[L.RIGHT_HIP, 1])
    mid_s = (p[L.LEFT_SHOULDER] + p[L.RIGHT_SHOULDER]) / 2
    mid_h = (p[L.LEFT_HIP] + p[L.RIGHT_HIP]) / 2
    torso = float(np.hypot(*(mid_s - mid_h)))
    if not np.isfinite(torso) or torso < 1e-6:
        return float("nan")
    return float((sh + hp) / 2 / torso)


def view_advice(views: tuple[str, ...], floor: bool) -> str:
    if views == ("side",):
        return ("Put the laptop on the floor at your side, level with your hips" if floor
                else "Turn side-on to the camera")
    if "front" in views:
        return "Face the camera or turn side-on to it"
    return ("Put the laptop on the floor at your side, or a little towards your head" if floor
            else "Turn side-on to the camera")


class SetupCheck:
    """Checks the camera set-up for ``exercise`` (an :class:`~backform.exercises.Exercise`)."""

    def __init__(self, exercise_name: str, views: tuple[str, ...], params: SetupParams | None = None):
        self.name = exercise_name
        self.views = tuple(views)
        ex = spec(exercise_name)
        self.floor = ex.on_floor()
        self.parts = {**PARTS, **{p: EXTRA_PARTS[p] for p in ex.setup_parts}}
        self.p = params or SetupParams()
        self._views: deque[tuple[float, str]] = deque()
        self._good_since: float | None = None
        self.ok = False
        self.ok_at: float | None = None

    def reset(self) -> None:
        self._views.clear()
        self._good_since, self.ok, self.ok_at = None, False, None

    def _view(self, pf: PoseFrame) -> str | None:
        v = frame_view(pf)
        t = pf.t_s
        if v is not None:
            self._views.append((t, v))
        while self._views and t - self._views[0][0] > self.p.view_window_s:
            self._views.popleft()
        return Counter(x for _, x in self._views).most_common(1)[0][0] if self._views else None

    def update(self, pf: PoseFrame, luma: float) -> SetupStatus:
        p = self.p
        problems: list[str] = []
        msgs: list[str] = []
        view = None
        if luma < p.min_brightness:
            problems.append("dark")
            msgs.append("It is too dark: switch on a light")
        elif luma > p.max_brightness:
            problems.append("bright")
            msgs.append("Too bright: don't have a window behind you")
        if not pf.has_pose:
            problems.append("no_person")
            msgs.append("I can't see you: get into the start position in view of the camera")
        else:
            lm = pf.landmarks
            parts = self.parts
            missing = [name for name, ids in parts.items()
                       if not any(_inside(lm, i, p.margin, p.min_presence) for i in ids)]
            if missing:
                problems.append("out_of_frame")
                ids = [i for name in missing for i in parts[name]]
                edge = _edge(lm, ids)
                what = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " and " + missing[-1]
                hint = "move the laptop further away" if edge in ("left", "right") or len(missing) > 1 \
                    else f"tilt the camera {'up' if edge == 'top' else 'down'} or move it further away"
                msgs.append(f"Your {what} {'is' if len(missing) == 1 and missing[0] not in PLURAL else 'are'} "
                            f"out of the picture: {hint}")
            view = self._view(pf)
            if not missing:
                pts = lm[list(CORE), :2]
                ext = float(np.nanmax(np.ptp(pts, axis=0)))
                if ext < (p.front_extent if view == "front" else p.min_extent):
                    problems.append("too_small")
                    msgs.append("Move the laptop closer to you")
            if view is not None and view not in self.views:
                problems.append("view")
                msgs.append(view_advice(self.views, self.floor))
            elif self.floor and view == "side":
                tilt = floor_tilt(pf)
                if np.isfinite(tilt) and tilt > p.max_floor_tilt:
                    problems.append("camera_high")
                    msgs.append("Put the camera lower, at floor level")
        good = not problems
        t = pf.t_s
        if good:
            self._good_since = t if self._good_since is None else self._good_since
            if not self.ok and t - self._good_since >= p.settle_s - 1e-9:
                self.ok, self.ok_at = True, t
                log.info("set-up good at %.2f s (view %s, brightness %.0f)", t, view, luma)
        else:
            self._good_since = None
        return SetupStatus(ok=self.ok, good=good, problems=tuple(problems), messages=tuple(msgs),
                           brightness=luma, view=view)
