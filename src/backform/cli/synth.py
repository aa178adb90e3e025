"""``backform synth``: render synthetic exercise clips with ground truth (the optional ``synth`` extra; this module is
imported only when the command runs).

usage: backform synth [-h] [--exercise NAME] [--fault CODE[:MAG][@REPS]] [--reps N] [--fps FPS]
                      [--size WxH] [--view {side,diagonal,front,back_diagonal}] [--near-side {left,right}]
                      [--cam-height M] [--seed N] [--start-side {left,right}] [--name NAME] [--out DIR]
                      [--all] [--only SUBSTR] [--skip-existing] [--frames N] [--list] [--clinic SEED]
"""
from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
import time
from pathlib import Path

from ..synth.motion import EXERCISES, FAULTS, FaultSpec


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="backform synth",
        description="Render a synthetic person doing an exercise (clean or with faults) plus a ground-truth "
                    "file <clip>.truth.json. Needs the 'synth' extra and OSMesa (see sample_videos/README.md).")
    p.add_argument("--exercise", choices=EXERCISES, help="exercise to render")
    p.add_argument("--fault", action="append", default=[], metavar="CODE[:MAG][@REPS]",
                   help="inject a fault, e.g. lumbar_arch:30 or short_hold:0.5@2 (repeatable; --list shows codes, "
                        "units and defaults; default: every rep, same_side: rep 2)")
    p.add_argument("--reps", type=int, default=2)
    p.add_argument("--fps", type=float, default=15.0)
    p.add_argument("--size", default="480x360", help="WxH (default 480x360)")
    p.add_argument("--view", default="side", choices=("side", "diagonal", "front", "back_diagonal"))
    p.add_argument("--near-side", default="left", choices=("left", "right"),
                   help="the subject's side facing the camera")
    p.add_argument("--cam-height", type=float, default=None, help="camera height in metres (default: floor level "
                   "0.25-0.45 for floor exercises, 0.95-1.2 for the wall slide)")
    p.add_argument("--seed", type=int, default=1, help="body, clothes, room, light and camera jitter")
    p.add_argument("--start-side", default="left", choices=("left", "right"), help="bird dog: first working arm")
    p.add_argument("--name", default=None, help="clip name (default <exercise>_<variant>_s<seed>)")
    p.add_argument("--out", default="synth_out", help="output directory")
    p.add_argument("--all", action="store_true", help="render the sample set (every exercise clean + one clip "
                   "per fault) with its fixed seeds; the other options except --out/--only are ignored")
    p.add_argument("--only", default=None, help="with --all: only clips whose name contains this")
    p.add_argument("--skip-existing", action="store_true", help="with --all: keep clips already rendered")
    p.add_argument("--frames", type=int, default=None, help="render only the first N frames (tests)")
    p.add_argument("--list", action="store_true", help="list exercises and fault codes, then exit")
    p.add_argument("--clinic", type=int, metavar="SEED", default=None,
                   help="render the synthetic clinic's clip of this seed (backform.synth.clinic: exercise or "
                        "look-alike, tempo, faults, camera and video format all drawn from the seed) with its "
                        "truth <clip>.truth.json; the other options except --out/--frames are ignored")
    p.add_argument("-v", "--verbose", action="store_true")
    return p


def synth_main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.list:
        for ex, table in FAULTS.items():
            print(ex)
            for code, (mag, unit, meaning) in table.items():
                print(f"  {code:18s} default {mag:g} {unit}: {meaning}")
        return 0
    from ..synth.render import ClipSpec, render_clip

    out = Path(args.out)
    if args.clinic is not None:
        from ..synth.clinic import sample, truth
        from ..synth.clinic_render import render_clinic

        spec = sample(args.clinic)
        info = render_clinic(spec, out / f"{spec.name}.mp4", frames_limit=args.frames)
        doc = dict(truth(spec), render=info)
        (out / f"{spec.name}.truth.json").write_text(json.dumps(doc, indent=1))
        print(json.dumps({"clip": spec.name, "motion": spec.motion, "analysed_as": spec.exercise,
                          "rep_count_ok": doc["rep_count_ok"], "frames": info["frames"]}))
        return 0
    cmd = "backform synth " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    if args.all:
        from ..synth.presets import sample_set

        specs = [s for s in sample_set() if not args.only or args.only in s.clip_name()]
        rows = []
        for s in specs:
            if args.skip_existing and (out / f"{s.clip_name()}.truth.json").exists():
                print(f"skip {s.clip_name()}")
                continue
            one = (f"backform synth --exercise {s.exercise} "
                   + " ".join(f"--fault {f.code}:{f.magnitude:g}" + (f"@{','.join(map(str, f.reps))}" if f.reps else "")
                              for f in s.faults)
                   + f" --reps {s.reps} --fps {s.fps:g} --size {s.width}x{s.height} --view {s.view}"
                   f" --near-side {s.near_side} --seed {s.seed} --out {out}")
            t = time.perf_counter()
            r = render_clip(s, out, command=" ".join(one.split()), frames_limit=args.frames)
            rows.append(r)
            print(f"{r['name']}: {r['frames']} frames, {r['bytes'] / 1024:.0f} KB, {time.perf_counter() - t:.0f} s",
                  flush=True)
        return 0
    if not args.exercise:
        print("give --exercise NAME (or --all / --list)", file=sys.stderr)
        return 2
    try:
        faults = [FaultSpec.parse(f, args.exercise) for f in args.fault]
        w, h = (int(x) for x in args.size.lower().split("x"))
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    spec = ClipSpec(args.exercise, faults, reps=args.reps, fps=args.fps, width=w, height=h, view=args.view,
                    near_side=args.near_side, cam_height=args.cam_height, seed=args.seed,
                    start_side=args.start_side, name=args.name)
    r = render_clip(spec, out, command=cmd, frames_limit=args.frames)
    print(json.dumps({k: (round(v, 2) if isinstance(v, float) else v) for k, v in r.items()}))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(synth_main())
