"""Exercise registry and the base class every checker subclasses.

An exercise module subclasses :class:`Exercise`, decorates it with ``@register("name")``, declares what other
modules need to know about it as class attributes (label, posture, per-side counting, baseline keys, plot
panels, views, cues) and fills in a few small hooks (what to measure on a frame, which scalar is the lift
signal, what the start position is, which checks to run on a completed rep). Counting, holds, side and view
tracking live in :mod:`.driver`; rep completion, verdicts and "not checked" bookkeeping in :mod:`.checks`.
"""
from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Callable, ClassVar, Iterable


from ..types import PoseFrame
from .checks import RepContext, RepJudge, Verdict
from .counting import CounterParams
from .driver import RepDriver

log = logging.getLogger(__name__)

# --- registry (the size of torchvision's models/_api.py) ----------------------------------------------------
_REGISTRY: dict[str, type["Exercise"]] = {}


class UnknownExercise(ValueError):
    """An exercise name that is not registered; the message lists the valid names."""


def register(name: str) -> Callable[[type["Exercise"]], type["Exercise"]]:
    def wrap(cls: type["Exercise"]) -> type["Exercise"]:
        if name in _REGISTRY:
            raise ValueError(f"exercise {name!r} registered twice")
        cls.name = name
        _REGISTRY[name] = cls
        return cls
    return wrap


def unregister(name: str) -> None:
    """Remove exercise ``name`` (a plug-in or a test's own exercise) from the registry."""
    _REGISTRY.pop(name, None)


def names() -> list[str]:
    return sorted(_REGISTRY)


def spec(name: str) -> type["Exercise"]:
    """The class of exercise ``name``: everything other modules need to know about it is a class attribute
    (label, per_side, posture, baseline_keys, range_thresholds, panels, views, CUES, JOINTS, Params)."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownExercise(f"unknown exercise {name!r}; valid names: {', '.join(names())}") from None


def get(name: str, params: dict | None = None, baseline: dict | None = None) -> "Exercise":
    """A fresh checker for exercise ``name`` with per-person parameter overrides and baseline figures."""
    return spec(name)(params=params, baseline=baseline)


def params_defaults(name: str) -> dict:
    """The checker's default parameters (name -> value) for exercise ``name``."""
    return dataclasses.asdict(spec(name).Params())


@dataclass(frozen=True)
class Panel:
    """One plot of the report: a title, a unit, the logged (or derived) series it draws and its threshold
    lines as (label, parameter name); the parameter ``chin_limit`` is the chin neutral plus the allowed poke."""

    title: str
    unit: str
    series: tuple[str, ...]
    lines: tuple[tuple[str, str], ...] = ()


def with_overrides(default, overrides: dict | None):
    """``default`` (a dataclass instance) with ``overrides`` applied; an unknown key is a ValueError that
    names it and the allowed keys."""
    if not overrides:
        return default
    allowed = [f.name for f in dataclasses.fields(default)]
    for k in overrides:
        if k not in allowed:
            raise ValueError(f"unknown parameter {k!r} for {type(default).__qualname__}; "
                             f"allowed: {', '.join(allowed)}")
    return dataclasses.replace(default, **overrides)


# --- check verdicts -------------------------------------------------------------------------------------------












# --- the driver -------------------------------------------------------------------------------------------------


class Exercise(RepDriver, RepJudge):
    """Base class of the checkers. Subclasses set the class attributes and implement the hooks."""

    name: ClassVar[str] = ""
    Params: ClassVar[type]                                  # frozen dataclass of thresholds
    label: ClassVar[str] = ""                               # patient-facing name ("bird dog")
    per_side: ClassVar[bool] = False                        # reps counted per side (the working arm)
    posture: ClassVar[str] = ""                             # supine / prone / quadruped / standing
    setup_parts: ClassVar[tuple[str, ...]] = ()             # extra parts the set-up check wants in view
    baseline_keys: ClassVar[tuple[str, ...]] = ()           # figures a calibration rep gives as personal baseline
    # (rep metric, parameter, margin): the calibration suggests parameter = the comfortable range - margin
    range_thresholds: ClassVar[tuple[tuple[str, str, float], ...]] = ()
    panels: ClassVar[tuple[Panel, ...]] = ()                # the report's plots
    views: ClassVar[tuple[str, ...]] = ("side",)            # camera views the exercise is meant for
    CUES: ClassVar[dict[str, str]] = {}                     # fault code -> short patient-facing cue
    CHECK_VIEWS: ClassVar[dict[str, tuple[str, ...]]] = {}  # fault code -> views it can be judged from
    JOINTS: ClassVar[dict[str, tuple[str, ...]]] = {}       # fault code -> landmark names (near side) to draw
    SEVERITY: ClassVar[dict[str, int]] = {}
    NOISE: ClassVar[dict[str, float]] = {}                  # fault code -> spread of its measure on clean reps
    signal_median_n: ClassVar[int] = 1                      # causal median of the lift signal over n frames

    def __init__(self, params: dict | None = None, baseline: dict | None = None):
        self.params = with_overrides(self.Params(), params)
        self.baseline = {k: float(v) for k, v in (baseline or {}).items() if v is not None}
        self._init_driver()


    # -- hooks ------------------------------------------------------------------------------------------------
    def counter_params(self) -> CounterParams:
        raise NotImplementedError

    def measure(self, pf: PoseFrame, side: str) -> dict:
        """The figures of one frame (angles, heights); NaN where not measurable. Shown as FrameResult.angles."""
        raise NotImplementedError

    def signal(self, m: dict) -> float:
        """The lift signal the rep counter runs on."""
        raise NotImplementedError

    def start_position(self, m: dict) -> str | None:
        """None when the frame is in the start position, else what to tell the person."""
        return None

    def checks(self, ctx: RepContext) -> Iterable[Verdict]:
        return ()

    def metrics(self, ctx: RepContext) -> dict:
        return {}

    def rep_side(self, ctx: RepContext) -> str | None:
        return None

    def live_side(self, m: dict) -> str | None:
        return None

    def extra_summary(self) -> dict:
        return {}

    @classmethod
    def report_series(cls, t: list[float], angles: dict[str, list], reps: list) -> dict[str, list]:
        """Series the report plots that are derived from the logged figures (``angles``: key -> per-frame
        values, None where missing) and the reps; keys named in ``panels``."""
        return {}

    @classmethod
    def on_floor(cls) -> bool:
        return cls.posture != "standing"

    @property
    def hold_target_s(self) -> float:
        return float(getattr(self.params, "hold_s", 0.0))

    @property
    def reps_target(self) -> int | None:
        return getattr(self.params, "reps", None)



















    def summary(self) -> dict:
        view = self.viewer.session_view()
        total = sum(self.viewer.tally.values()) or 1
        out = {
            "targets": {"reps": self.reps_target, "hold_s": self.hold_target_s},
            "view": view,
            "views_seen": {k: round(v / total, 3) for k, v in self.viewer.tally.most_common()},
            "supported_views": list(self.views),
            "view_supported": view in self.views if view else None,
            "start_position_reached": self._ready or bool(self.reps),
            "checks": sorted(self.CUES),
            "not_checked": {k: v for k, v in sorted(self._not_checked.items())},
            "not_checked_reasons": dict(sorted(self._reasons.items())),
            "not_counted": list(self._not_counted),
            "cues": dict(self.CUES),
            "params": dataclasses.asdict(self.params),
            "baseline": dict(self.baseline),
        }
        out.update(self.extra_summary())
        return out




def nan_if(cond: bool, value: float) -> float:
    return float("nan") if cond else float(value)
