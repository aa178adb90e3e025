"""Analysis time / clip duration of each way of running the pose pass, side by side in one run, and where the time goes.

    flock -x /tmp/heavy.lock nice -n 5 .venv/bin/python bench/speed.py [--clip NAME ...] [--runs 5] [--no-stages]
                                                                      [--variants old,pyav,...]

For each clip (default the two of issue 14: lena_glute_bridge.mp4, 720p30, and merged_bird_dog.mp4, 1080p60),
``--runs`` interleaved runs of the whole ``backform analyze`` work (model load, pose, checks, session log,
annotated video, report) for each variant:

- ``old``: one pose model over the whole video, frames decoded by OpenCV (the path before issue 14's speed work);
- ``pyav``: the same, frames decoded by PyAV without the skipped pictures nothing refers to (the ``fast``
  extra; bit-identical frames, so the same files as ``old``): what ``backform analyze`` does now;
- options measured and not taken by default (they change the poses; bench/accuracy.py was not identical):
  ``bilinear`` (the pose input of a 720p frame downscaled bilinearly), ``chunks1`` / ``chunks2`` (the pose
  pass in chunks, ``backform.pose.parallel``, on one / two workers: same files as each other),
  ``video960`` (the annotated video at most 960 px wide instead of 1280: same session, smaller video), and
  ``all`` of them together.

Prints each run's analysis seconds / clip duration and CPU seconds per second of video, the medians, whether
``pyav`` wrote ``old``'s files and ``chunks2`` ``chunks1``'s byte for byte, and whether each counts the reps and
finds the faults ``old`` does. The machine is shared: compare the columns of one run.

Then (unless --no-stages) the CPU seconds of each stage measured alone, one after the other on one thread,
per second of video: decoding (OpenCV: every frame; PyAV: without the skippable pictures), the colour
conversion of the analysed frames, the pose model's input (resize + RGB; and the bilinear option), the model,
the outline, the checks, drawing + downscaling the annotated frame, and encoding. Their sum / 2 cores is the floor of analysis time /
duration on this 2-core machine for the same frames.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import CLIPS, labels  # noqa: E402

from backform.batch import Options, analyze_recording  # noqa: E402
from backform.exercises import get  # noqa: E402
from backform.io import decode, sources, video_out  # noqa: E402
from backform.io.sources import VideoFileSource, pose_input  # noqa: E402
from backform.pipeline import DEFAULT_MAX_FPS  # noqa: E402
from backform.pose import estimator, parallel  # noqa: E402
from backform.pose.estimator import PoseConfig, PoseEstimator  # noqa: E402

DEFAULT = ["lena_glute_bridge.mp4", "merged_bird_dog.mp4"]
VARIANTS = {  # name: (PyAV decoding, bilinear pose input for a non-integer factor, chunks, workers, video side)
    "old": (False, False, False, 1, 1280),
    "pyav": (True, False, False, 1, 1280),
    "bilinear": (True, True, False, 1, 1280),
    "chunks1": (True, False, True, 1, 1280),
    "chunks2": (True, False, True, 2, 1280),
    "video960": (True, False, False, 1, 960),
    "all": (True, True, True, 2, 960),
}


def bilinear_pose_input(bgr, max_side):
    """The pose model's input with a non-integer downscale (720p -> 960x540) done bilinearly, as the annotated
    video's: INTER_AREA's general path is 4-5x slower. An option not taken (bench/accuracy.py's holds moved)."""
    h, w = bgr.shape[:2]
    if max_side and max(h, w) > max_side:
        s = max_side / max(h, w)
        size = (int(round(w * s)), int(round(h * s)))
        integer = w % size[0] == 0 and h % size[1] == 0 and w // size[0] == h // size[1]
        bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA if integer else cv2.INTER_LINEAR)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


@contextlib.contextmanager
def variant(name: str):
    """The process set up to run ``name``'s pose pass and video (module settings, restored after)."""
    pyav, bilinear, chunks, workers, side = VARIANTS[name]
    saved = decode.open_reader, sources.pose_input, estimator.pose_input, parallel.ENABLED, parallel.WORKERS
    writer_defaults = video_out.AnnotatedVideoWriter.__init__.__defaults__
    video_out.AnnotatedVideoWriter.__init__.__defaults__ = tuple(side if d == 1280 else d for d in writer_defaults)
    if not pyav:
        decode.open_reader = lambda path: None
    if bilinear:
        sources.pose_input = estimator.pose_input = bilinear_pose_input
    parallel.ENABLED = chunks
    parallel.WORKERS = workers
    try:
        yield
    finally:
        (decode.open_reader, sources.pose_input, estimator.pose_input, parallel.ENABLED,
         parallel.WORKERS) = saved
        video_out.AnnotatedVideoWriter.__init__.__defaults__ = writer_defaults


def _cpu_now() -> float:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def run_once(clip: Path, exercise: str, out: Path, name: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds of all threads and the ffmpeg encoder) of one analysis."""
    with variant(name):
        c, t = _cpu_now(), time.perf_counter()
        analyze_recording(clip, out, exercise, Options())
        return time.perf_counter() - t, _cpu_now() - c


def outcome(folder: Path) -> tuple:
    """What the session says: reps and the faults found (code and rep), for 'same result' checks."""
    s = json.loads((folder / "session.json").read_text())
    return s.get("rep_count"), sorted((f.get("code"), f.get("rep")) for f in s.get("faults", []))


def same_files(a: Path, b: Path, video: bool = True) -> bool:
    return all((a / f).read_bytes() == (b / f).read_bytes()
               for f in ("session.json", "session.log.jsonl") + (("annotated.mp4",) if video else ()))


def cpu(f) -> tuple[object, float]:
    c = time.process_time()
    r = f()
    return r, (time.process_time() - c)


def stages(clip: Path, exercise: str) -> dict[str, float]:
    """CPU seconds per stage over the whole clip, each measured alone on one thread."""
    src = VideoFileSource(clip, max_fps=DEFAULT_MAX_FPS, prefetch=0, rgb_max_side=None)
    out: dict[str, float] = {}

    def grab_all():
        cap = cv2.VideoCapture(str(clip))
        cap.set(cv2.CAP_PROP_N_THREADS, 1)
        n = 0
        while cap.grab():
            n += 1
        cap.release()
        return n
    _, out["decode every frame (OpenCV)"] = cpu(grab_all)
    reader = decode.open_reader(clip)
    if reader is not None:
        def pyav_decode():
            # decoding only: the frames are not converted to BGR (the next stage)
            import av
            box = av.open(str(clip))
            st = box.streams.video[0]
            for pkt in box.demux(st):
                i = reader.rank.get(pkt.pts) if pkt.pts is not None else None
                if i is not None and i % src.stride and not pkt.is_keyframe and reader.h264 \
                        and not decode.h264_is_reference(bytes(pkt)):
                    continue
                for _ in pkt.decode():
                    pass
            box.close()
        _, out["decode, PyAV (skippable not)"] = cpu(pyav_decode)
    cap = cv2.VideoCapture(str(clip))
    cap.set(cv2.CAP_PROP_N_THREADS, 1)
    frames, i = [], 0
    conv = 0.0
    while cap.grab():
        if i % src.stride == 0:
            c = time.process_time()
            ok, img = cap.retrieve()
            conv += time.process_time() - c
            frames.append(img)
        i += 1
    cap.release()
    out["BGR conversion (analysed)"] = conv
    _, out["pose input, bilinear (option)"] = cpu(lambda: [bilinear_pose_input(f, 960) for f in frames])
    rgbs, out["pose input (resize+RGB)"] = cpu(lambda: [pose_input(f, 960) for f in frames])
    from backform.types import Frame
    fr = [Frame(k, k * 1000.0 / src.analysis_fps, f, rgb=r) for k, (f, r) in enumerate(zip(frames, rgbs))]
    with PoseEstimator(None, PoseConfig()) as pe:
        inf, out["pose model"] = cpu(lambda: [pe.infer(f) for f in fr])
        pfs, out["outline"] = cpu(lambda: [pe.outline(p, m) for p, m in inf])
    ex = get(exercise)
    res, out["checks"] = cpu(lambda: [ex.update(p) for p in pfs])
    with tempfile.TemporaryDirectory() as d:
        vw = video_out.AnnotatedVideoWriter(Path(d) / "a.mp4", src.analysis_fps, src.width, src.height,
                                            exercise=exercise)
        imgs, out["draw+downscale"] = cpu(lambda: [vw.render(f, p, r) for f, p, r in zip(frames, pfs, res)])
        vw.abort()
        enc = video_out._Encoder(Path(d) / "b.mp4", src.analysis_fps, (imgs[0].shape[1], imgs[0].shape[0]))
        t0 = os.times()
        for im in imgs:
            enc.write(im)
        enc.close()
        t1 = os.times()
        out["encode (ffmpeg)"] = (t1.children_user + t1.children_system) - (t0.children_user + t0.children_system)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clip", action="append", help="clip name in the shared clips folder (repeatable)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-stages", action="store_true")
    ap.add_argument("--variants", default="old,pyav,bilinear,chunks2,video960,all",
                    help=f"comma-separated, of {', '.join(VARIANTS)} (default: all)")
    a = ap.parse_args()
    names = [v for v in a.variants.split(",") if v]
    unknown = set(names) - set(VARIANTS)
    if unknown:
        ap.error(f"unknown variant(s) {', '.join(sorted(unknown))}")
    if not decode.available():
        names = [n for n in names if not VARIANTS[n][0]]
        print("PyAV is not installed (pip install 'backform[fast]'): only the OpenCV variants run")
    by_name = {d["clip"]: d for d in labels()}
    for name in a.clip or DEFAULT:
        clip = CLIPS / name
        exercise = by_name[name]["exercise"]
        src = VideoFileSource(clip, max_fps=DEFAULT_MAX_FPS)
        dur = src.duration_s
        with variant("chunks2"):
            chunks = parallel.plan(src.frame_count, src.fps, src.stride)
        print(f"\n{name}: {src.width}x{src.height} at {src.fps:.2f} fps, {dur:.1f} s, analysed at "
              f"{src.analysis_fps:.1f}/s; {len(chunks)} chunks of the pose pass (overlap {parallel.OVERLAP_S:g} s); "
              f"load average {os.getloadavg()[0]:.1f}", flush=True)
        ratios = {n: [] for n in names}
        cpus = {n: [] for n in names}
        with tempfile.TemporaryDirectory() as d:
            same = {"pyav = old": True, "chunks2 = chunks1": True, "video960 = pyav (no video)": True}
            for r in range(a.runs):
                order = names if r % 2 == 0 else names[::-1]
                for n in order:
                    wall, c = run_once(clip, exercise, Path(d) / n, n)
                    ratios[n].append(wall / dur)
                    cpus[n].append(c / dur)
                for key in same:
                    x, y = key.split(" (")[0].split(" = ")
                    if x in names and y in names:
                        same[key] &= same_files(Path(d) / x, Path(d) / y, video="no video" not in key)
                print(f"  run {r + 1}: time/duration " + "  ".join(f"{n} {ratios[n][-1]:.3f}" for n in names)
                      + "   CPU s per s of video " + "  ".join(f"{n} {cpus[n][-1]:.3f}" for n in names), flush=True)
            results = {n: outcome(Path(d) / n) for n in names}
        print(f"  medians of {a.runs}:")
        for n in names:
            m, c = statistics.median(ratios[n]), statistics.median(cpus[n])
            rel = ""
            if "old" in names and n != "old":
                rel = f"  (time {100 * (m / statistics.median(ratios['old']) - 1):+.0f}% vs old)"
            print(f"    {n:8s} analysis time / duration {m:.3f}   CPU s per s of video {c:.3f} "
                  f"(/ 2 cores {c / 2:.3f}){rel}")
        print("  same files (session.json, session log, annotated.mp4): "
              + ", ".join(f"{k}: {v}" for k, v in same.items()
                          if all(x in names for x in k.split(" (")[0].split(" = "))))
        if "old" in names:
            print("  same reps and faults as old: "
                  + ", ".join(f"{n}: {results[n] == results['old']}" for n in names if n != "old")
                  + f"   (old: {results['old'][0]} reps, {len(results['old'][1])} faults)")
        print(f"  load average now {os.getloadavg()[0]:.1f}", flush=True)
        if not a.no_stages:
            st = stages(clip, exercise)
            print("  CPU seconds per second of video, each stage alone on one thread:")
            for k, v in st.items():
                print(f"    {k:30s} {v / dur:.3f}")
            dec = "decode, PyAV (skippable not)" if "decode, PyAV (skippable not)" in st else "decode every frame (OpenCV)"
            total = sum(v for k, v in st.items() if (not k.startswith("decode") or k == dec) and "(option)" not in k)
            label = "total (PyAV decoding)" if dec.startswith("decode, PyAV") else "total (OpenCV decoding)"
            print(f"    {label:30s} {total / dur:.3f}  -> floor on 2 cores {total / dur / 2:.3f}; "
                  f"the model alone {st['pose model'] / dur:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
