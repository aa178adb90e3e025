"""What a live session is asked to do (:class:`LiveOptions`), and how it can fail."""
from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path

from ..errors import BackformError, SourceError
from ..exercises import spec
from ..pipeline import DEFAULT_MAX_FPS

log = logging.getLogger(__name__)


class NoDisplayError(BackformError):
    """No display to open a window on."""


class CameraLost(SourceError):
    """The camera stopped delivering frames mid-session."""

    exit_code = 3


class InferenceError(BackformError):
    exit_code = 4


@dataclass
class LiveOptions:
    exercise: str | None                 # None: follow what the person does (the exercise recognised)
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
    fields = {f.name for f in dataclasses.fields(spec(name).Params)}
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
