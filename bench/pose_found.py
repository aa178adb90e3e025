"""Share of frames with a pose, per real clip: all analysed frames and inside the labelled reps.

    python bench/pose_found.py [--max-fps 20] [--det 0.5] [--presence 0.5] [--track 0.5]

Runs the same pose stage as ``backform analyze`` (VIDEO mode, analysis-rate cap) on every clip of
``../shared/clips`` and prints one table. Target: >= 95% inside labelled reps on every clip where the
person is fully in frame.
"""
from __future__ import annotations

import argparse
import sys
import time

from _common import CLIPS, labels, rep_intervals

from backform.pose.estimator import PoseConfig, PoseEstimator
from backform.io.sources import VideoFileSource


def run(clip: str, reps, cfg: PoseConfig, max_fps: float) -> dict:
    src = VideoFileSource(CLIPS / clip, max_fps=max_fps)
    n = found = n_in = found_in = 0
    with PoseEstimator(None, cfg) as pe:
        for fr in src:
            pf = pe.update(fr)
            n += 1
            found += pf.has_pose
            if any(a <= fr.t_s <= b for a, b in reps):
                n_in += 1
                found_in += pf.has_pose
    return {"n": n, "found": found, "n_in": n_in, "found_in": found_in}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-fps", type=float, default=20.0)
    ap.add_argument("--det", type=float, default=PoseConfig.min_pose_detection_confidence)
    ap.add_argument("--presence", type=float, default=PoseConfig.min_pose_presence_confidence)
    ap.add_argument("--track", type=float, default=PoseConfig.min_tracking_confidence)
    a = ap.parse_args()
    cfg = PoseConfig(min_pose_detection_confidence=a.det, min_pose_presence_confidence=a.presence,
                     min_tracking_confidence=a.track)
    print(f"pose found, thresholds detection {a.det} presence {a.presence} tracking {a.track}, "
          f"analysis cap {a.max_fps:g} frames/s")
    print(f"{'clip':30s} {'exercise':16s} {'frames':>6s} {'all':>7s} {'in reps':>8s}")
    worst = 1.0
    for lab in labels():
        t = time.monotonic()
        r = run(lab["clip"], rep_intervals(lab), cfg, a.max_fps)
        rin = r["found_in"] / r["n_in"] if r["n_in"] else float("nan")
        if r["n_in"]:
            worst = min(worst, rin)
        print(f"{lab['clip']:30s} {lab['exercise']:16s} {r['n']:6d} {r['found'] / r['n']:7.1%} "
              f"{rin:8.1%}   ({time.monotonic() - t:.0f} s)", flush=True)
    print(f"lowest in-rep rate: {worst:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
