"""The sample set: one clean clip per exercise plus one clip per fault, each with a fixed seed and view."""
from __future__ import annotations

from .motion import FAULTS, FaultSpec
from .render import ClipSpec

# (exercise, fault or None, view, near side, seed)
_VIEWS = {
    "bridge": ("side", "right"),
    "bird_dog": ("side", "left"),
    "prone_extension": ("side", "left"),
    "prone_arm_lift": ("side", "right"),
    "wall_slide": ("side", "left"),
}
# a few clips from another view for variety (the rest stay side views)
_OVERRIDE_VIEW = {
    ("bird_dog", "trunk_rotation"): ("diagonal", "left"),
    ("wall_slide", "low_back_arch"): ("diagonal", "left"),
    ("wall_slide", "no_pause"): ("back_diagonal", "right"),
}


def sample_set() -> list[ClipSpec]:
    specs = []
    seed = 100
    for ex, table in FAULTS.items():
        view, near = _VIEWS[ex]
        for code in (None, *table):
            seed += 1
            v, ns = _OVERRIDE_VIEW.get((ex, code), (view, near))
            faults = [] if code is None else [FaultSpec(code, table[code][0])]
            specs.append(ClipSpec(ex, faults, reps=2, fps=15.0, width=480, height=360, view=v, near_side=ns,
                                  seed=seed))
    return specs
