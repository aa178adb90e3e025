"""Batch throughput: recordings per minute for 1 and 2 local jobs and Ray with 2 workers, and N machines.

    nice -n 10 .venv/bin/python bench/batch.py [--clips 6] [--seconds 8] [--no-ray]

A folder of ``--clips`` sample clips (sample_videos/*.mp4, 480x360 at 15 fps, cut to their first
``--seconds``; an exercises.csv from their truth files) is analysed with ``backform batch``'s library
(annotated video on) by: 1 local job (in this process), 2 local jobs (worker processes), and Ray with 2
workers (a local Ray with 2 CPUs; its start-up is timed apart). Prints recordings per minute and video
minutes per minute of each, checks the three wrote the same session.json files, and projects N machines
of 2 cores: per-recording time on one worker t1 = elapsed(1 job) / clips, the 2-jobs-on-2-cores efficiency
e = elapsed(1) / (2 x elapsed(2)), Ray's per-recording overhead o = (elapsed(Ray 2) - elapsed(2 jobs)) x 2 /
clips; N machines then give ~ N x 2 / (t1 / e + o) recordings per second, plus Ray's start-up once. The
storage (a shared folder or S3) is assumed not to be the limit: a recording is a few MB per minute of video.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from backform import batch  # noqa: E402


def make_folder(dest: Path, clips: int, seconds: float) -> float:
    """Cut ``clips`` sample clips (spread over the exercises) into ``dest``; total video seconds."""
    samples = sorted((ROOT / "sample_videos").glob("*.mp4"))
    if not samples:
        sys.exit(f"no sample clips in {ROOT / 'sample_videos'}")
    picked = [samples[round(i * (len(samples) - 1) / max(1, clips - 1))] for i in range(clips)]
    rows, total = [("file", "exercise")], 0.0
    for p in picked:
        truth = json.loads(p.with_suffix(".truth.json").read_text())
        cap = cv2.VideoCapture(str(p))
        fps = cap.get(cv2.CAP_PROP_FPS) or 15.0
        w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        vw = cv2.VideoWriter(str(dest / p.name), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
        n = 0
        while n < seconds * fps:
            ok, img = cap.read()
            if not ok:
                break
            vw.write(img)
            n += 1
        vw.release()
        cap.release()
        total += n / fps
        rows.append((p.name, truth["exercise"]))
    with open(dest / "exercises.csv", "w", newline="") as f:
        csv.writer(f).writerows(rows)
    return total


def _cpu_now() -> float:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def timed(jobs, **kw) -> tuple[float, float, list[dict]]:
    """(wall s, CPU s of this process and its reaped worker processes, records). Ray's workers are not our
    children: their CPU is not in the second figure."""
    c, t = _cpu_now(), time.perf_counter()
    recs = list(batch.run(jobs, **kw))
    return time.perf_counter() - t, _cpu_now() - c, recs


def sessions(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("session.json"))}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=6)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--no-ray", action="store_true")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        src = tmp / "in"
        src.mkdir()
        video_s = make_folder(src, a.clips, a.seconds)
        print(f"{a.clips} recordings, {video_s:.0f} s of video; load average {os.getloadavg()[0]:.1f}", flush=True)
        results = {}
        cpu_s: dict[str, float] = {}
        for name, kw in (("1 local job", {"workers": 1}), ("2 local jobs", {"workers": 2})):
            out = tmp / name.replace(" ", "_")
            el, c, recs = timed(batch.plan(str(src), str(out)), **kw)
            assert all(r["status"] == "done" for r in recs), recs
            results[name] = (el, sessions(out))
            cpu_s[name] = c
            print(f"{name:14s} {el:6.1f} s  {60 * a.clips / el:5.1f} recordings/min  "
                  f"{video_s / el:4.2f} video min/min   CPU {c / a.clips:.1f} s per recording", flush=True)
        ray_start = None
        ray = None if a.no_ray else batch.ray_module()
        if ray is not None:
            t = time.perf_counter()
            ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False,
                     configure_logging=False)
            ray_start = time.perf_counter() - t
            out = tmp / "ray"
            try:
                el, _, recs = timed(batch.plan(out.parent.joinpath("in").as_uri(), out.as_uri()), use_ray=True)
            finally:
                ray.shutdown()
            assert all(r["status"] == "done" for r in recs), recs
            results["Ray, 2 workers"] = (el, sessions(out))
            print(f"{'Ray, 2 workers':14s} {el:6.1f} s  {60 * a.clips / el:5.1f} recordings/min  "
                  f"{video_s / el:4.2f} video min/min  (+ {ray_start:.1f} s to start Ray)", flush=True)
        elif not a.no_ray:
            print("Ray, 2 workers: Ray is not installed (pip install 'backform[ray]')")
        first = next(iter(results.values()))[1]
        print("same session.json files from every runner:", all(s == first for _, s in results.values()))
    t1 = results["1 local job"][0] / a.clips
    t2 = results["2 local jobs"][0]
    eff = results["1 local job"][0] / (2 * t2)
    o = 0.0
    if "Ray, 2 workers" in results:
        o = max(0.0, (results["Ray, 2 workers"][0] - t2) * 2 / a.clips)
    per = t1 / eff + o
    print(f"\nper recording on one worker t1 = {t1:.1f} s; 2 jobs on 2 cores efficiency e = {eff:.2f}; "
          f"Ray overhead o = {o:.1f} s per recording; start-up {ray_start or 0:.1f} s once")
    print("expected on N machines of 2 cores (N x 2 workers, ~ N x 2 / (t1/e + o)):")
    rec_s = a.seconds if video_s >= a.clips * a.seconds * 0.99 else video_s / a.clips
    c1 = cpu_s["1 local job"] / a.clips
    print(f"(CPU per recording {c1:.1f} s: on idle cores a worker would do one in ~{c1:.1f} s; on a machine "
          f"shared with other work, as here at load {os.getloadavg()[0]:.1f}, use the CPU-based column)")
    for n in (1, 2, 4, 8, 16):
        rate = n * 2 / per * 60
        rate_cpu = n * 2 / (c1 + o) * 60
        print(f"  N = {n:2d}: {rate:6.1f} recordings/min of {rec_s:.0f} s ({rate * rec_s / 60:5.1f} video min/min)"
              f"   CPU-based: {rate_cpu:6.1f} recordings/min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
