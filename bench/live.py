"""Live loop benchmark: a clip played through the fake camera (real-time pace, looped) into `backform live`'s
threads, with the window (under Xvfb when there is no display) and the full model at 640x480.

    python bench/live.py [--clip ../shared/clips/lena_glute_bridge.mp4] [--exercise bridge] [--minutes 10]
                         [--max-fps 20] [--no-window]

Prints, per minute and for the whole run: frame-to-result latency (capture of a frame -> display of its
result; median, 95th percentile), display frame rate (distinct camera frames shown per second), inference
rate, dropped frames (offered to the model but replaced by a newer one before it was free), and memory (RSS)
at the start, after 1 minute and at the end. Targets: p95 latency <= 120 ms, display >= 25 frames/s, no growth
of latency or memory (last minute within 10% of the first minute's value).
Run it alone (the machine's other load shows up in the latency); `nice -n 10` if the machine is shared.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import cv2
import numpy as np

from _common import CLIPS

try:
    import resource  # Unix only: the fallback when /proc is missing
except ImportError:  # pragma: no cover - Windows
    resource = None

from backform.io.fakecam import FakeCamera, letterbox
from backform.live import LiveOptions, LiveSession
from backform.pose.estimator import PoseEstimator


def rss_mb() -> float:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0 if resource is not None else float("nan")


def make_640(clip: Path, dest: Path, size=(640, 480)) -> Path:
    """The clip letterboxed to a webcam's 640x480, written once (the fake camera then decodes 640x480)."""
    cap = cv2.VideoCapture(str(clip))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    vw = cv2.VideoWriter(str(dest), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    while True:
        ok, img = cap.read()
        if not ok:
            break
        vw.write(letterbox(img, *size))
    cap.release()
    vw.release()
    return dest


def start_xvfb():
    for n in range(90, 200):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            break
    proc = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if Path(f"/tmp/.X11-unix/X{n}").exists():
            break
        time.sleep(0.05)
    os.environ["DISPLAY"] = f":{n}"
    return proc


def window_stats(stats, i0: dict, i1: dict) -> dict:
    """Figures between two samples (indices into the growing lists)."""
    lat = np.array(stats.latency_ms[i0["lat"]:i1["lat"]])
    dt = max(1e-9, i1["t"] - i0["t"])
    return {"lat_med": float(np.median(lat)) if lat.size else float("nan"),
            "lat_p95": float(np.percentile(lat, 95)) if lat.size else float("nan"),
            "display_fps": (i1["disp"] - i0["disp"]) / dt, "infer_fps": (i1["inf"] - i0["inf"]) / dt,
            "dropped": i1["drop"] - i0["drop"], "offered": i1["off"] - i0["off"], "rss": i1["rss"], "dur": dt}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clip", default=str(CLIPS / "lena_glute_bridge.mp4"))
    ap.add_argument("--exercise", default="bridge")
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--max-fps", type=float, default=20.0, help="analysis rate cap, as `backform live` (0: every frame)")
    ap.add_argument("--no-window", action="store_true")
    ap.add_argument("--voice", default="none")
    a = ap.parse_args()
    clip = Path(a.clip)
    if not clip.is_file():
        sys.exit(f"clip not found: {clip} (set BACKFORM_SHARED to the shared folder)")
    xvfb = None
    if not a.no_window and not os.environ.get("DISPLAY"):
        if not shutil.which("Xvfb"):
            sys.exit("no DISPLAY and no Xvfb: install xvfb or use --no-window")
        xvfb = start_xvfb()
    tmp = Path(tempfile.mkdtemp(prefix="bench-live-"))
    try:
        src_file = make_640(clip, tmp / "clip640.mp4")
        cam = FakeCamera(src_file, loop=float("inf"))
        rss0 = rss_mb()
        pose = PoseEstimator()
        opts = LiveOptions(exercise=a.exercise, window=not a.no_window, out=tmp / "session", voice=a.voice,
                           max_seconds=a.minutes * 60.0, max_fps=a.max_fps)
        sess = LiveSession(cam, opts, pose)
        samples: list[dict] = []
        stop = threading.Event()

        def sample():
            st = sess.stats
            return {"t": time.monotonic(), "lat": len(st.latency_ms), "disp": st.displayed, "inf": st.inferred,
                    "drop": st.dropped, "off": st.offered, "rss": rss_mb()}

        def sampler():
            while not stop.wait(1.0):
                samples.append(sample())
        samples.append(sample())
        th = threading.Thread(target=sampler, daemon=True)
        th.start()
        print(f"bench/live: {clip.name} as a 640x480 fake camera at {cam.fps:.1f} fps, looped, {a.minutes:g} min, "
              f"exercise {a.exercise}, max-fps {a.max_fps:g}, window {'on (DISPLAY=' + os.environ.get('DISPLAY', '') + ')' if not a.no_window else 'off'}",
              flush=True)
        print(f"RSS before the model: {rss0:.0f} MB; with the model loaded: {samples[0]['rss']:.0f} MB", flush=True)
        res = sess.run()
        stop.set()
        th.join(2)
        samples.append(sample())
        pose.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if xvfb is not None:
            xvfb.terminate()
    st = sess.stats
    t0 = samples[0]["t"]
    # per-minute windows
    print("\nminute  latency med/p95 ms  display fps  inference fps  dropped/offered  RSS MB")
    mins = []
    m = 1
    last = samples[0]
    for s in samples[1:]:
        if s["t"] - t0 >= 60.0 * m - 0.5 or s is samples[-1]:
            w = window_stats(st, last, s)
            mins.append(w)
            print(f"{m:6d}  {w['lat_med']:7.1f} / {w['lat_p95']:6.1f}   {w['display_fps']:10.1f}  {w['infer_fps']:13.1f}"
                  f"  {w['dropped']:7d} / {w['offered']:<7d}  {w['rss']:6.0f}")
            last = s
            m += 1
    tot = window_stats(st, samples[0], samples[-1])
    one = next((s for s in samples if s["t"] - t0 >= 60.0), samples[-1])
    print(f"\nwhole run ({(samples[-1]['t'] - t0) / 60:.1f} min): latency median {tot['lat_med']:.1f} ms, "
          f"p95 {tot['lat_p95']:.1f} ms; display {tot['display_fps']:.1f} fps; inference {tot['infer_fps']:.1f}/s; "
          f"dropped {tot['dropped']} of {tot['offered']} offered ({100 * tot['dropped'] / max(1, tot['offered']):.1f}%); "
          f"{st.captured} frames captured")
    print(f"result latency (capture -> result ready): median {np.median(st.result_latency_ms):.1f} ms, "
          f"p95 {np.percentile(st.result_latency_ms, 95):.1f} ms; inference {np.median(st.infer_ms):.1f} ms/frame median")
    print(f"RSS: start {samples[0]['rss']:.0f} MB, after 1 min {one['rss']:.0f} MB, end {samples[-1]['rss']:.0f} MB "
          f"({100 * (samples[-1]['rss'] / one['rss'] - 1):+.1f}% vs 1 min)")
    full = [w for w in mins if w["dur"] >= 50.0]  # compare whole minutes only (the last one may be a stub)
    if len(full) >= 2:
        f, l = full[0], full[-1]
        print(f"latency first minute median/p95 {f['lat_med']:.1f}/{f['lat_p95']:.1f} ms, last minute "
              f"{l['lat_med']:.1f}/{l['lat_p95']:.1f} ms ({100 * (l['lat_p95'] / f['lat_p95'] - 1):+.1f}% p95)")
    ok = {"p95 latency <= 120 ms": tot["lat_p95"] <= 120.0,
          "display >= 25 fps": tot["display_fps"] >= 25.0,
          "memory within 10% of 1-min value": samples[-1]["rss"] <= 1.10 * one["rss"]}
    if len(full) >= 2:
        ok["no latency growth (last full minute's p95 within 10% of the first's)"] = \
            full[-1]["lat_p95"] <= 1.10 * full[0]["lat_p95"]
    for k, v in ok.items():
        print(f"  {'PASS' if v else 'FAIL'}  {k}")
    print(f"session: {res.rep_count} reps counted, end: {res.live.end}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
