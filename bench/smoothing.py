"""Does a One Euro filter on top of VIDEO mode improve the angles the checks use?

    python bench/smoothing.py --lm DIR [--min-cutoff 1.5 --beta 0.3]

On landmark recordings of the real clips (``backform track``, one ``<clip>.jsonl`` per clip in DIR):
- jitter on still segments (the labelled holds): RMS frame-to-frame change of the detrended angle, raw vs
  filtered;
- lag on movements (the labelled lifts and lowerings): the time shift that best aligns the filtered angle
  with the raw one, in ms.
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

from _common import labels, median, series

from backform.io.recording import read_landmarks
from backform.pose.smoothing import LandmarkSmoother, SmoothingConfig

ANGLES = ("hip_extension", "knee", "elbow", "trunk_elevation", "arm_elevation", "leg_elevation", "head_neck")


def jitter(ts, v, a, b):
    m = (ts >= a) & (ts <= b) & np.isfinite(v)
    if m.sum() < 4:
        return None
    t, y = ts[m], v[m]
    r = y - np.polyval(np.polyfit(t, y, 1), t)
    return float(np.sqrt(np.mean(np.diff(r) ** 2)))


def lag_ms(ts, raw, filt, a, b, max_ms=300, step=5):
    m = (ts >= a) & (ts <= b) & np.isfinite(raw) & np.isfinite(filt)
    if m.sum() < 5 or np.ptp(raw[m]) < 10:  # only movements of 10 degrees or more
        return None
    best, arg = math.inf, 0
    for d in range(0, max_ms + 1, step):
        shifted = np.interp(ts[m] - d / 1000.0, ts, raw)
        e = float(np.mean((filt[m] - shifted) ** 2))
        if e < best:
            best, arg = e, d
    return arg


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lm", required=True)
    ap.add_argument("--min-cutoff", type=float, default=SmoothingConfig.min_cutoff_hz)
    ap.add_argument("--beta", type=float, default=SmoothingConfig.beta)
    a = ap.parse_args()
    cfg = SmoothingConfig(enabled=True, min_cutoff_hz=a.min_cutoff, beta=a.beta)
    acc = {k: {"jr": [], "jf": [], "lag": []} for k in ANGLES}
    fps = None
    for lab in labels():
        path = Path(a.lm) / (Path(lab["clip"]).stem + ".jsonl")
        if not path.is_file() or not lab.get("reps"):
            continue
        header, poses = read_landmarks(path)
        poses = list(poses)
        fps = header.get("analysis_fps")
        sm = LandmarkSmoother(cfg)
        ts, raw = series(poses)
        _, flt = series([sm.update(p) for p in poses])
        ts = np.asarray(ts)
        for r in lab["reps"]:
            for k in ANGLES:
                rv, fv = np.asarray(raw[k], float), np.asarray(flt[k], float)
                if r.get("lower_s") and r["lower_s"] - r["top_s"] >= 0.3:
                    jr, jf = jitter(ts, rv, r["top_s"], r["lower_s"]), jitter(ts, fv, r["top_s"], r["lower_s"])
                    if jr is not None:
                        acc[k]["jr"].append(jr)
                        acc[k]["jf"].append(jf)
                for s, e in ((r["start_s"], r["top_s"]), (r.get("lower_s"), r.get("end_s"))):
                    if s is not None and e is not None:
                        lg = lag_ms(ts, rv, fv, s, e)
                        if lg is not None:
                            acc[k]["lag"].append(lg)
    print(f"One Euro min_cutoff {a.min_cutoff} Hz, beta {a.beta}; recordings at {fps} frames/s in {a.lm}")
    print(f"{'angle':16s} {'jitter raw °':>12s} {'filtered °':>10s} {'change':>7s} {'lag ms (median, n)':>20s}")
    for k in ANGLES:
        jr, jf, lg = median(acc[k]["jr"]), median(acc[k]["jf"]), acc[k]["lag"]
        print(f"{k:16s} {jr:12.2f} {jf:10.2f} {(jf / jr - 1) if jr else float('nan'):7.0%} "
              f"{median(lg):14.0f} ({len(lg)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
