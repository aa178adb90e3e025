"""Recorded sessions faster than they last, and angles no worse at the chosen analysis rate.

    python bench/rates.py [--max-fps 20] [--lm-full DIR] [--skip-timing]

1. Runs ``backform analyze`` (pose, checks, annotated H.264 video, session log) on every real clip at the
   default analysis-rate cap and prints analysis time / clip duration (target <= 1).
2. Compares the angles the checks use at the capped rate with the same clip analysed at full rate:
   per labelled hold, the held value (median over the hold) at both rates and their difference, and the
   jitter (standard deviation after removing a linear trend over the hold, in degrees) at both rates. Full-rate recordings are made with ``backform track --max-fps 0`` (or read from ``--lm-full``).
"""
from __future__ import annotations

import argparse
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _common import CLIPS, clip_side, labels, median, series

from backform.io.recording import read_landmarks

ANGLES = ("hip_extension", "knee", "elbow", "trunk_elevation", "arm_elevation", "leg_elevation", "head_neck")


def run_analyze(clip: Path, exercise: str, out: Path, max_fps: float) -> float:
    cmd = [sys.executable, "-m", "backform", "analyze", str(clip), "--exercise", exercise, "--out", str(out),
           "--max-fps", str(max_fps), "-q"]
    t = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"analyze failed on {clip.name}: {p.stderr.strip()}")
    return time.monotonic() - t


def track(clip: Path, out: Path, max_fps: float) -> Path:
    p = subprocess.run([sys.executable, "-m", "backform", "track", str(clip), "-o", str(out), "--max-fps",
                        str(max_fps), "-q"], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"track failed on {clip.name}: {p.stderr.strip()}")
    return out


def hold_stats(path: Path, holds, side_name: str | None) -> dict:
    ts, ang = series(read_landmarks(path)[1], side_name)
    ts = np.asarray(ts)
    out = {}
    for k in ANGLES:
        v = np.asarray(ang[k], dtype=float)
        vals, jit = [], []
        for a, b in holds:
            m = (ts >= a) & (ts <= b) & np.isfinite(v)
            if m.sum() < 4:
                vals.append(math.nan)
                continue
            t, y = ts[m], v[m]
            vals.append(float(np.median(y)))
            resid = y - np.polyval(np.polyfit(t, y, 1), t)
            jit.append(float(np.std(resid)))
        out[k] = (vals, jit)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-fps", type=float, default=20.0)
    ap.add_argument("--lm-full", help="folder with full-rate recordings <clip>.jsonl (else made here)")
    ap.add_argument("--lm-capped", help="folder with capped-rate recordings <clip>.jsonl (else made here)")
    ap.add_argument("--skip-timing", action="store_true")
    a = ap.parse_args()
    labs = labels()
    tmp = Path(tempfile.mkdtemp(prefix="backform-rates-"))
    if not a.skip_timing:
        print(f"analysis time / clip duration at the {a.max_fps:g} frames/s cap (annotated video on)")
        print(f"{'clip':30s} {'fps':>5s} {'dur s':>6s} {'time s':>7s} {'ratio':>6s}")
        import cv2
        worst = 0.0
        for lab in labs:
            clip = CLIPS / lab["clip"]
            cap = cv2.VideoCapture(str(clip))
            fps, n = cap.get(cv2.CAP_PROP_FPS), cap.get(cv2.CAP_PROP_FRAME_COUNT)
            cap.release()
            el = run_analyze(clip, lab["exercise"], tmp / clip.stem, a.max_fps)
            worst = max(worst, el / (n / fps))
            print(f"{lab['clip']:30s} {fps:5.1f} {n / fps:6.1f} {el:7.1f} {el / (n / fps):6.2f}", flush=True)
        print(f"worst ratio {worst:.2f} (target <= 1.00)\n")

    print(f"held angle and jitter over the labelled holds: full rate vs {a.max_fps:g} frames/s cap")
    print(f"{'angle':16s} {'holds':>5s} {'med |Δheld| °':>14s} {'max |Δheld| °':>14s} "
          f"{'jitter full °':>13s} {'jitter cap °':>12s}")
    agg = {k: {"d": [], "jf": [], "jc": []} for k in ANGLES}
    per_clip = []
    for lab in labs:
        holds = [(r["top_s"], r["lower_s"]) for r in lab.get("reps", []) if r.get("lower_s") and r["lower_s"] - r["top_s"] >= 0.3]
        if not holds:
            continue
        stem = Path(lab["clip"]).stem
        full = Path(a.lm_full) / f"{stem}.jsonl" if a.lm_full else track(CLIPS / lab["clip"], tmp / f"{stem}.full.jsonl", 0)
        capd = Path(a.lm_capped) / f"{stem}.jsonl" if a.lm_capped else track(CLIPS / lab["clip"], tmp / f"{stem}.cap.jsonl", a.max_fps)
        side_name = clip_side(read_landmarks(full)[1])  # the same side at both rates
        f, c = hold_stats(full, holds, side_name), hold_stats(capd, holds, side_name)
        worst = (0.0, "")
        for k in ANGLES:
            d = [abs(x - y) for x, y in zip(f[k][0], c[k][0]) if math.isfinite(x) and math.isfinite(y)]
            if d and max(d) > worst[0]:
                worst = (max(d), k)
            agg[k]["d"] += d
            agg[k]["jf"] += f[k][1]
            agg[k]["jc"] += c[k][1]
        per_clip.append((lab, full, capd, worst))
    for k in ANGLES:
        d = agg[k]["d"]
        print(f"{k:16s} {len(d):5d} {median(d):14.2f} {max(d) if d else float('nan'):14.2f} "
              f"{median(agg[k]['jf']):13.2f} {median(agg[k]['jc']):12.2f}")
    print("\nper clip: largest held-angle difference, and what the checker makes of each rate")
    print(f"{'clip':30s} {'max |Δheld|':>18s}  {'reps full/cap':>13s} {'mean hold full/cap s':>21s}  faults equal")
    from backform.exercises import get
    for lab, full, capd, worst in per_clip:
        outs = []
        for path in (full, capd):
            ex = get(lab["exercise"])
            last = 0.0
            for pf in read_landmarks(path)[1]:
                ex.update(pf)
                last = pf.t_s
            ex.finish(last)
            holds = [r.hold_s for r in ex.reps]
            outs.append((len(ex.reps), sum(holds) / len(holds) if holds else float("nan"),
                         sorted((f.rep, f.code) for f in ex.faults)))
        (nf, hf, ff), (nc, hc, fc) = outs
        print(f"{lab['clip']:30s} {worst[0]:6.1f}° {worst[1]:>10s}  {nf:6d}/{nc:<6d} {hf:10.2f}/{hc:<10.2f}  "
              f"{'yes' if ff == fc else 'no: ' + str(sorted(set(ff) ^ set(fc)))}")
    print("\njitter = standard deviation of the detrended angle over each hold (median over holds); angles on the\n"
          "side facing the camera over most of the clip, the same side at both rates")
    return 0


if __name__ == "__main__":
    sys.exit(main())
