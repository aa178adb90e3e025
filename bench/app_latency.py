"""`backform app` benchmark: a clip played as the camera (real-time pace, looped, letterboxed to 640x480) into
the app, with the page open in headless Chromium (Debian's, driven by Playwright), for --minutes.

    python bench/app_latency.py [--clip ../shared/clips/lena_glute_bridge.mp4] [--exercise bridge]
                                [--minutes 10] [--max-fps 20] [--warmup 2] [--tracemalloc DEPTH]

Prints every minute and for the whole run:
- capture -> page latency: from the camera frame's capture to the page having drawn it (the page acknowledges
  each picture once drawn; the figure includes that acknowledgement's trip back), median and 95th percentile;
- result latency: capture of the frame whose analysis is drawn -> the page showing it (the model's time too);
- frames per second shown: distinct camera frames the page drew per second (and the page's own count);
- memory: this process's RSS (camera, model, pipeline and server) every minute, with glibc malloc's heap in use
  and free-but-kept; at the end the growth after the warm-up (--warmup minutes: the model's, the allocator's
  and the app's rolling buffers fill first), in MB and as least-squares MB/min from the warm-up and over the
  run's last half, and how much of the RSS is this benchmark's own record of every latency (not the app's);
- with --tracemalloc DEPTH: what the traced Python memory gained between minute 1 and the end, by line and by
  call chain (slow: the latency figures of such a run mean nothing).
Acceptance (issue 16): p95 capture -> page <= 150 ms, >= 20 frames/s shown, memory flat (judge it from the
curve after the warm-up: native libraries and the allocator settle over the first minutes).
Run it alone (`nice -n 10` on a shared machine): the machine's other load shows up in the latency.
"""
from __future__ import annotations

import argparse
import ctypes
import math
import sys
import tempfile
import time
import tracemalloc
from array import array
from pathlib import Path

import numpy as np

from _common import CLIPS

from backform.app import AppConfig, AppRunner, AppServer
from backform.app.hub import figures
from backform.io.fakecam import FakeCamera
from backform.live import LiveOptions
from backform.pose.estimator import PoseConfig, PoseEstimator

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def rss_mb(pid: str = "self") -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


class Figures:
    """The whole run's figures, kept by this benchmark (packed doubles; the app keeps only its last minutes)."""

    def __init__(self):
        self.frame_ms, self.result_ms, self.times = array("d"), array("d"), array("d")

    def add(self, fl, rl, ts) -> None:
        self.frame_ms.extend(fl)
        self.result_ms.extend(rl)
        self.times.extend(ts)

    def figures(self) -> dict:
        return figures(self.frame_ms, self.result_ms, self.times)

    def mb(self) -> float:
        return sum(a.buffer_info()[1] * a.itemsize for a in (self.frame_ms, self.result_ms, self.times)) / 2**20


def heap_mb() -> tuple[float, float] | None:
    """glibc's malloc heap (all arenas, and its mmapped blocks): MB in use and MB free but kept by the
    allocator (None off glibc). RSS growing while "in use" stays flat is the allocator keeping freed memory."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        f = libc.mallinfo2
    except (OSError, AttributeError):
        return None

    class MallInfo2(ctypes.Structure):
        _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                                   "fsmblks", "uordblks", "fordblks", "keepcost")]
    f.restype = MallInfo2
    m = f()
    return (m.uordblks + m.hblkhd) / 2**20, m.fordblks / 2**20


def line(tag: str, f: dict, rss: float, heap=None) -> str:
    fl, rl = f["frame_latency_ms"], f["result_latency_ms"]
    mem = f" (malloc: {heap[0]:.0f} in use, {heap[1]:.0f} free)" if heap else ""
    return (f"{tag:>8}: capture->page p50 {fl['p50']} ms p95 {fl['p95']} ms | result p50 {rl['p50']} ms p95 "
            f"{rl['p95']} ms | shown {f['fps_shown']:.1f} frames/s | RSS {rss:.0f} MB{mem}")


def grown(old, new, minutes: int, top: int = 15) -> None:
    """What the traced Python memory gained from the first snapshot (minute 1) to the last, by line and by
    call chain (tracemalloc's own allocations left out)."""
    skip = [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
            tracemalloc.Filter(False, "<unknown>")]
    old, new = old.filter_traces(skip), new.filter_traces(skip)
    total = sum(s.size for s in new.statistics("filename")) - sum(s.size for s in old.statistics("filename"))
    print(f"traced Python memory: {sum(s.size for s in new.statistics('filename')) / 2**20:.1f} MB at the end, "
          f"{total / 2**20:+.2f} MB over {minutes} min after minute 1; largest gains by line:")
    for d in new.compare_to(old, "lineno")[:top]:
        print(f"  {d.size_diff / 1024:+9.1f} KiB {d.count_diff:+7d} blocks  {d.traceback[0]}")
    print("largest gains by call chain (innermost last):")
    for d in new.compare_to(old, "traceback")[:5]:
        print(f"  {d.size_diff / 1024:+9.1f} KiB {d.count_diff:+7d} blocks")
        for fr in list(d.traceback)[-6:]:
            print(f"      {fr}")


def slope(xs, ys) -> float:
    """Least-squares slope of ys over xs."""
    return float(np.polyfit(xs, ys, 1)[0]) if len(xs) > 1 else float("nan")


def memory(rss0: float, curve: list, warmup: float, bench_mb: float, traced: bool) -> None:
    """RSS at the start, after minute 1, after the warm-up and at the end; the growth after the warm-up, as a
    whole and per minute (least squares over the minutes from the warm-up on, and over the run's last half)."""
    mins = [m for m, _, _ in curve]
    rss = {m: r for m, r, _ in curve}
    w = next((m for m in mins if m >= warmup), mins[-1])
    end = mins[-1]
    after = [(m, r) for m, r, _ in curve if m >= w]
    half = [(m, r) for m, r, _ in curve if m >= max(w, end / 2)]
    print(f"RSS start {rss0:.0f} MB, minute 1 {rss[mins[0]]:.0f} MB, minute {w} (end of the warm-up) {rss[w]:.0f} MB, "
          f"end {rss[end]:.0f} MB; max after the warm-up {max(r for _, r in after):.0f} MB")
    print(f"growth after the warm-up: {rss[end] - rss[w]:+.0f} MB ({(rss[end] - rss[w]) / rss[w] * 100:+.1f}%) over "
          f"{end - w} min; slope {slope(*zip(*after)):+.2f} MB/min from minute {w}, "
          f"{slope(*zip(*half)):+.2f} MB/min over minutes {half[0][0]}-{end}")
    heaps = {m: h for m, _, h in curve if h}
    if w in heaps and end in heaps:
        print(f"malloc heap in use: {heaps[w][0]:.0f} -> {heaps[end][0]:.0f} MB, free but kept by the allocator: "
              f"{heaps[w][1]:.0f} -> {heaps[end][1]:.0f} MB (minute {w} -> {end}); RSS also holds the model's and "
              "libraries' mappings")
    print(f"of the RSS, this benchmark's own figures (every latency of the run): {bench_mb:.1f} MB"
          + ("; tracemalloc on: its traces inflate RSS and slow the run" if traced else ""))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clip", default=str(CLIPS / "lena_glute_bridge.mp4"))
    ap.add_argument("--exercise", default="bridge")
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--max-fps", type=float, default=20.0)
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--warmup", type=float, default=2.0, metavar="MIN",
                    help="memory growth is reported from the end of this minute on (the first minutes fill the "
                         "model's, the allocator's and the app's rolling buffers)")
    ap.add_argument("--tracemalloc", type=int, default=0, metavar="DEPTH",
                    help="trace Python allocations (DEPTH frames; slows the run) and print what grew between "
                         "minute 1 and the end")
    a = ap.parse_args()
    if a.tracemalloc:
        tracemalloc.start(a.tracemalloc)
    if not Path(a.clip).is_file():
        sys.exit(f"no clip at {a.clip} (give --clip, or set BACKFORM_SHARED)")
    from playwright.sync_api import sync_playwright  # the benchmark's own tool (pip install playwright)

    root = Path(tempfile.mkdtemp(prefix="app-bench-"))
    cfg = AppConfig(root=root, open_source=lambda cam: FakeCamera(a.clip, loop=math.inf, size=(640, 480)),
                    make_pose=lambda: PoseEstimator(None, PoseConfig()), exercise=a.exercise,
                    cameras=[{"id": "video", "label": "clip"}],
                    live=LiveOptions(exercise="", voice="none", mute=True, window=False, max_fps=a.max_fps))
    srv = AppServer(AppRunner(cfg), exit_when_idle=False).start()
    rss0 = rss_mb()
    print(f"clip {a.clip} at 640x480, {a.minutes:g} min; sessions in {root}; RSS at start {rss0:.0f} MB", flush=True)
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=a.chromium, args=ARGS)
            # bypass_csp: the page's CSP forbids eval, which Playwright's wait_for_function uses
            page = b.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True).new_page()
            page.goto(srv.url)
            page.wait_for_function("window.bf && window.bf.phase === 'home'")
            page.click("#start")
            page.wait_for_function("window.bf.phase === 'running' && window.bf.frames > 0", timeout=60_000)
            t0 = t_prev = time.monotonic()
            run, curve, snaps = Figures(), [], []
            minute = 0
            page_frames0 = page.evaluate("window.bf.frames")
            while time.monotonic() - t0 < a.minutes * 60:
                time.sleep(min(60.0, a.minutes * 60 - (time.monotonic() - t0)))
                minute += 1
                now = time.monotonic()
                fig = srv.hub.shown.window(t_prev, now)
                t_prev = now
                run.add(*fig)
                rss, heap = rss_mb(), heap_mb()
                curve.append((minute, rss, heap))
                if a.tracemalloc:
                    snaps = snaps[:1] + [tracemalloc.take_snapshot()]
                print(line(f"min {minute}", figures(*fig), rss, heap), flush=True)
            el = time.monotonic() - t0
            page_fps = (page.evaluate("window.bf.frames") - page_frames0) / el
            b.close()
        whole = run.figures()
        print(line("whole", whole, rss_mb(), heap_mb()))
        print(f"pictures drawn by the page: {page_fps:.1f}/s (incl. redraws of a frame with a new result); "
              f"encode median {np.median(list(srv.runner.stream.encode_ms)):.1f} ms")
        memory(rss0, curve, a.warmup, run.mb(), bool(a.tracemalloc))
        if len(snaps) > 1:
            grown(snaps[0], snaps[-1], minute - 1)
        ok = (whole["frame_latency_ms"]["p95"] or 1e9) <= 150 and whole["fps_shown"] >= 20
        print("acceptance (p95 <= 150 ms, >= 20 frames/s): " + ("met" if ok else "NOT met"))
    finally:
        srv.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
