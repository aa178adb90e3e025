"""The checkers on held-out renders: clips the thresholds were NOT tuned on (other seeds, bodies, rooms and
camera heights than the sample set), rendered once into a cache and scored like ``accuracy.py``.

    PYOPENGL_PLATFORM=osmesa nice -n 10 .venv/bin/python bench/holdout.py [--out DIR]

Needs the ``synth`` extra (see sample_videos/README.md) the first time (about 30 s a clip here); later runs
reuse the clips in ``--out`` (default ``~/.cache/backform/holdout``). Prints the accuracy table of those clips.
Keep this set out of any tuning: once a threshold is chosen on it, it no longer measures generalisation.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

# (exercise, [fault:magnitude@reps], reps, view, near side, camera height or None, seed)
HOLDOUT = [
    ("bird_dog", ["back_arch:25@3"], 3, "side", "left", None, 201),
    ("bird_dog", ["back_arch:25@3"], 3, "side", "right", None, 202),
    ("bird_dog", ["back_sag:25@3"], 3, "side", "left", None, 203),
    ("bird_dog", [], 3, "side", "right", None, 205),
    ("wall_slide", [], 2, "side", "left", None, 207),
    ("wall_slide", ["no_lift_off"], 2, "side", "left", None, 208),
    ("wall_slide", ["arms_not_overhead:40"], 2, "side", "right", None, 209),
    ("wall_slide", ["low_back_arch:20"], 2, "side", "left", None, 210),
    ("prone_arm_lift", [], 2, "side", "left", None, 211),
    ("prone_arm_lift", ["elbows_straight:15"], 2, "side", "right", 1.0, 213),
    ("prone_arm_lift", [], 2, "side", "right", 1.0, 215),
    ("prone_extension", [], 2, "side", "right", None, 216),
    ("prone_extension", ["chin_not_tucked:25"], 2, "side", "left", None, 217),
    ("bridge", [], 2, "side", "left", None, 218),
    ("bridge", ["lumbar_arch:30@2"], 2, "side", "right", None, 219),
]


def render_missing(out: Path) -> None:
    from backform.synth.motion import FaultSpec
    from backform.synth.render import ClipSpec, render_clip
    for ex, faults, reps, view, near, cam_h, seed in HOLDOUT:
        spec = ClipSpec(ex, [FaultSpec.parse(f, ex) for f in faults], reps=reps, fps=15.0, width=480, height=360,
                        view=view, near_side=near, cam_height=cam_h, seed=seed)
        if (out / f"{spec.clip_name()}.truth.json").is_file():
            continue
        print(f"  (render) {spec.clip_name()} ...", file=sys.stderr, flush=True)
        render_clip(spec, out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
                    / "backform" / "holdout")
    a = ap.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    render_missing(a.out)
    import accuracy
    return accuracy.main(["--kind", "synthetic", "--synthetic", str(a.out)])


if __name__ == "__main__":
    raise SystemExit(main())
