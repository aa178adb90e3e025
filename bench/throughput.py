"""Throughput: bare PoseLandmarker vs the whole pipeline, on the same 640x480 frames, in one run.

    python bench/throughput.py [--clip ../shared/clips/lena_glute_bridge.mp4] [--frames 240] [--runs 3]

Prints frames/s of the bare model (detect_for_video on frames already in memory, same options as the
pipeline: VIDEO mode, segmentation on) and of the whole pipeline (decode from a 640x480 file on a
background thread, pose, silhouette contour, smoothing, exercise checks, overlay and H.264/MPEG-4 encode
on a background thread), their ratio (median of interleaved runs), the pipeline with the pose stage's tracking
cross-check off (its cost), and ms/frame of each stage measured alone.
Target: pipeline >= 0.9 x bare.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2

from _common import CLIPS

from backform.exercises import get
from backform.types import Frame
from backform.pose.estimator import PoseConfig, PoseEstimator
from backform.pipeline import analyze
from backform.pose.smoothing import make_smoother
from backform.io.sources import VideoFileSource
from backform.io.video_out import AnnotatedVideoWriter


def make_640(clip: Path, n: int, dest: Path) -> tuple[Path, list]:
    cap = cv2.VideoCapture(str(clip))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    frames = []
    while len(frames) < n:
        ok, img = cap.read()
        if not ok:
            break
        frames.append(cv2.resize(img, (640, 480), interpolation=cv2.INTER_AREA))
    cap.release()
    vw = cv2.VideoWriter(str(dest), cv2.VideoWriter_fourcc(*"mp4v"), fps, (640, 480))
    for f in frames:
        vw.write(f)
    vw.release()
    return dest, frames


def bare(frames, fps) -> float:
    import mediapipe as mp
    with PoseEstimator(None, PoseConfig()) as pe:
        lm = pe._landmarker
        rgbs = [cv2.cvtColor(f, cv2.COLOR_BGR2RGB) for f in frames]
        t = time.perf_counter()
        for i, rgb in enumerate(rgbs):
            lm.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), int(i * 1000 / fps))
        return len(frames) / (time.perf_counter() - t)


def pipeline(video: Path, out: Path, exercise: str | None, config: PoseConfig = PoseConfig()) -> float:
    src = VideoFileSource(video, max_fps=0)
    ex = None
    if exercise:
        ex = get(exercise)
    with PoseEstimator(None, config) as pe:
        vw = AnnotatedVideoWriter(out / "annotated.mp4", src.fps, src.width, src.height, exercise=exercise or "")
        t = time.perf_counter()
        res = analyze(src, out, exercise=ex, exercise_name=exercise, pose=pe, smoother=make_smoother(),
                      sinks=[vw], require_person=False)
        vw.close()
        return res.tracking.frames / (time.perf_counter() - t)


def stage_times(video: Path, frames, fps, out: Path, exercise: str | None) -> dict:
    """ms/frame of each stage run alone, one after the other."""
    ms = {}
    t = time.perf_counter()
    n = sum(1 for _ in VideoFileSource(video, max_fps=0, prefetch=0))
    ms["decode"] = (time.perf_counter() - t) * 1000 / n
    with PoseEstimator(None, PoseConfig()) as pe:
        t = time.perf_counter()
        pfs = [pe.update(Frame(i, i * 1000 / fps, f)) for i, f in enumerate(frames)]
        ms["pose+contour"] = (time.perf_counter() - t) * 1000 / len(frames)
    sm = make_smoother()
    t = time.perf_counter()
    pfs2 = [sm.update(p) for p in pfs] if sm is not None else pfs
    ms["smoothing"] = (time.perf_counter() - t) * 1000 / len(frames)
    results = [None] * len(pfs2)
    if exercise:
        ex = get(exercise)
        t = time.perf_counter()
        results = [ex.update(p) for p in pfs2]
        ms["exercise"] = (time.perf_counter() - t) * 1000 / len(frames)
    vw = AnnotatedVideoWriter(out / "stage.mp4", fps, 640, 480, exercise=exercise or "")
    t = time.perf_counter()
    imgs = [vw.render(f, p, r) for f, p, r in zip(frames, pfs2, results)]
    ms["overlay"] = (time.perf_counter() - t) * 1000 / len(frames)
    t = time.perf_counter()
    for img in imgs:
        vw._enc.write(img)
    vw._q.put(None)
    vw._th.join()
    vw._enc.close()
    ms["encode"] = (time.perf_counter() - t) * 1000 / len(frames)
    return ms


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clip", default=str(CLIPS / "lena_glute_bridge.mp4"))
    ap.add_argument("--exercise", default="bridge")
    ap.add_argument("--frames", type=int, default=240)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    if not Path(a.clip).is_file():
        sys.exit(f"clip not found: {a.clip}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        video, frames = make_640(Path(a.clip), a.frames, tmp / "in640.mp4")
        fps = VideoFileSource(video).fps
        bares, pipes, nochecks = [], [], []
        bare(frames[:30], fps)  # warm-up: caches, model load, encoder start
        for r in range(a.runs):  # interleaved, so machine load hits all alike
            bares.append(bare(frames, fps))
            # the two pipelines in alternating order: the one run straight after the bare model was
            # measured up to 5% slower whichever it was
            runs = [lambda: pipes.append(pipeline(video, tmp, a.exercise)),
                    lambda: nochecks.append(pipeline(video, tmp, a.exercise, PoseConfig(crosscheck_s=0.0)))]
            for run in (runs if r % 2 == 0 else runs[::-1]):
                run()
            print(f"run {r + 1}: bare {bares[-1]:5.1f} frames/s   pipeline {pipes[-1]:5.1f} frames/s   "
                  f"ratio {pipes[-1] / bares[-1]:.2f}   without the tracking cross-check {nochecks[-1]:5.1f}",
                  flush=True)
        st = stage_times(video, frames, fps, tmp, a.exercise)
    b, p, nc = statistics.median(bares), statistics.median(pipes), statistics.median(nochecks)
    print(f"\n{len(frames)} frames of 640x480 from {Path(a.clip).name}; medians of {a.runs} interleaved runs")
    print(f"bare PoseLandmarker   {b:6.1f} frames/s")
    print(f"whole pipeline        {p:6.1f} frames/s")
    print(f"ratio pipeline/bare   {p / b:6.2f}   (target >= 0.90)")
    print(f"pipeline without the tracking cross-check {nc:6.1f} frames/s: the cross-check costs "
          f"{100 * (1 - p / nc):.0f}% (ratio to bare without it {nc / b:.2f})")
    print("ms/frame per stage, each alone: " + ", ".join(f"{k} {v:.1f}" for k, v in st.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
