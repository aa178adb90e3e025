"""Analysis time / clip duration, old and new path side by side in one run, and where the time goes.

    nice -n 10 .venv/bin/python bench/speed.py [--clip NAME ...] [--runs 5] [--no-stages]

For each clip (default the two of issue 14: lena_glute_bridge.mp4, 720p30, and merged_bird_dog.mp4, 1080p60),
``--runs`` interleaved runs of the whole ``backform analyze`` work (model load, pose, checks, session log,
annotated video, report) on the OLD path (the annotated video downscaled with INTER_AREA, as before issue
14) and the NEW one (this checkout). Prints each run's analysis seconds / clip duration, the medians, and
whether the two paths wrote the same session.json and session log (they must: the pose model's input is
unchanged). The machine is shared: compare the two columns of one run, not figures of different runs.

Then (unless --no-stages) the CPU seconds of each stage measured alone, one after the other on one thread,
per second of video: decoding every frame (H.264 needs the reference frames of skipped ones), the colour
conversion of the analysed frames, the pose model's input (resize + RGB), the model, the outline, the
checks, drawing + downscaling the annotated frame (old and new), and encoding. Their sum / 2 cores is the
floor of analysis time / duration on this 2-core machine for the same frames at the same accuracy.

``--options`` measures two options that were not taken: decoder-side dropping of the skipped frames H.264
does not need as references (PyAV, when installed: packets of non-reference pictures that are not analysed
are not decoded; the BGR of the analysed ones is compared with OpenCV's), and a second pose worker over the
second half of the clip started ``overlap`` frames early to re-acquire tracking (are its landmarks after the
boundary those of one worker over the whole clip?).
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import CLIPS, labels  # noqa: E402

from backform.batch import Options, analyze_recording  # noqa: E402
from backform.exercises import get  # noqa: E402
from backform.io import video_out  # noqa: E402
from backform.io.sources import VideoFileSource, pose_input  # noqa: E402
from backform.pipeline import DEFAULT_MAX_FPS  # noqa: E402
from backform.pose.estimator import PoseConfig, PoseEstimator  # noqa: E402

DEFAULT = ["lena_glute_bridge.mp4", "merged_bird_dog.mp4"]


def old_shrink(image, size):
    """The annotated video's downscale before issue 14."""
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def _cpu_now() -> float:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def run_once(clip: Path, exercise: str, out: Path, old: bool) -> tuple[float, float]:
    """(wall seconds, CPU seconds of all threads and the ffmpeg encoder) of one analysis."""
    new_shrink = video_out.shrink
    if old:
        video_out.shrink = old_shrink
    try:
        c, t = _cpu_now(), time.perf_counter()
        analyze_recording(clip, out, exercise, Options())
        return time.perf_counter() - t, _cpu_now() - c
    finally:
        video_out.shrink = new_shrink


def cpu(f) -> tuple[object, float]:
    c = time.process_time()
    r = f()
    return r, (time.process_time() - c)


def stages(clip: Path, exercise: str) -> dict[str, float]:
    """CPU seconds per stage over the whole clip, each measured alone."""
    src = VideoFileSource(clip, max_fps=DEFAULT_MAX_FPS, prefetch=0, rgb_max_side=None)
    out: dict[str, float] = {}

    def grab_all():
        cap = cv2.VideoCapture(str(clip))
        n = 0
        while cap.grab():
            n += 1
        cap.release()
        return n
    _, out["decode every frame"] = cpu(grab_all)
    cap = cv2.VideoCapture(str(clip))
    frames, i = [], 0
    c = time.process_time()
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
    rgbs, out["pose input (resize+RGB)"] = cpu(lambda: [pose_input(f, 960) for f in frames])
    from backform.types import Frame
    fr = [Frame(k, k * 1000.0 / src.analysis_fps, f, rgb=r) for k, (f, r) in enumerate(zip(frames, rgbs))]
    with PoseEstimator(None, PoseConfig()) as pe:
        inf, out["pose model"] = cpu(lambda: [pe.infer(f) for f in fr])
        pfs, out["outline"] = cpu(lambda: [pe.outline(p, m) for p, m in inf])
    ex = get(exercise)
    res, out["checks"] = cpu(lambda: [ex.update(p) for p in pfs])
    with tempfile.TemporaryDirectory() as d:
        for name, fn in (("draw+downscale (old)", old_shrink), ("draw+downscale (new)", video_out.shrink)):
            saved = video_out.shrink
            video_out.shrink = fn
            vw = video_out.AnnotatedVideoWriter(Path(d) / "a.mp4", src.analysis_fps, src.width, src.height,
                                                exercise=exercise)
            imgs, out[name] = cpu(lambda: [vw.render(f, p, r) for f, p, r in zip(frames, pfs, res)])
            video_out.shrink = saved
            vw.abort()
        enc = video_out._Encoder(Path(d) / "b.mp4", src.analysis_fps, (imgs[0].shape[1], imgs[0].shape[0]))
        t0 = os.times()
        for im in imgs:
            enc.write(im)
        enc.close()
        t1 = os.times()
        out["encode (ffmpeg)"] = (t1.children_user + t1.children_system) - (t0.children_user + t0.children_system)
    return out


def _nal_is_ref(data: bytes) -> bool:
    """An H.264 access unit (4-byte length-prefixed NAL units) holds a reference picture (nal_ref_idc > 0)."""
    p, seen, ref = 0, False, False
    while p + 4 < len(data):
        n = int.from_bytes(data[p:p + 4], "big")
        h = data[p + 4]
        if h & 0x1F in (1, 5):  # coded slice
            seen, ref = True, ref or (h >> 5) & 3 != 0
        p += 4 + n
    return ref or not seen


def option_nonref_decode(clip: Path, stride: int) -> str:
    try:
        import av  # bench-only: PyAV is not a dependency of backform
    except ImportError:
        return "PyAV not installed: skipped"
    res = {}
    for mode in ("all", "skip"):
        c0 = time.process_time()
        box = av.open(str(clip))
        st = box.streams.video[0]
        st.thread_type = "AUTO"
        tb, fps, t0 = st.time_base, float(st.average_rate), st.start_time or 0
        decoded = skipped = 0
        kept = []
        for pkt in box.demux(st):
            if mode == "skip" and pkt.pts is not None:
                idx = round(float((pkt.pts - t0) * tb) * fps)
                if idx % stride and not _nal_is_ref(bytes(pkt)):
                    skipped += 1
                    continue
            for fr in pkt.decode():
                decoded += 1
                idx = round(float((fr.pts - t0) * tb) * fps)
                if idx % stride == 0 and len(kept) < 30:
                    kept.append(fr.to_ndarray(format="bgr24"))
        box.close()
        res[mode] = (time.process_time() - c0, decoded, skipped, kept)
    cap = cv2.VideoCapture(str(clip))
    ref, i = [], 0
    while len(ref) < 30 and cap.grab():
        if i % stride == 0:
            ref.append(cap.retrieve()[1])
        i += 1
    same = all(np.array_equal(a, b) for a, b in zip(ref, res["skip"][3]))
    (ca, da, _, _), (cs, ds, sk, _) = res["all"], res["skip"]
    return (f"PyAV decode CPU {ca:.2f} s ({da} frames) -> {cs:.2f} s ({ds} decoded, {sk} non-reference packets "
            f"not decoded); first 30 analysed frames equal to OpenCV's BGR: {same}")


def option_two_chunks(clip: Path, overlaps=(20, 60)) -> str:
    frames = list(VideoFileSource(clip, max_fps=DEFAULT_MAX_FPS, prefetch=0))
    mid = len(frames) // 2
    with PoseEstimator(None, PoseConfig()) as pe:
        whole = [pe.update(f) for f in frames]
    out = []
    for ov in overlaps:
        with PoseEstimator(None, PoseConfig()) as pe:
            part = [pe.update(f) for f in frames[mid - ov:]][ov:]
        d = [float(np.abs(a.landmarks - b.landmarks).max()) if a.has_pose and b.has_pose else
             (0.0 if a.has_pose == b.has_pose else float("inf")) for a, b in zip(whole[mid:], part)]
        out.append(f"overlap {ov}: {sum(x == 0 for x in d)}/{len(d)} frames identical, max diff {max(d):.3f}")
    return "second pose worker from the middle: " + "; ".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clip", action="append", help="clip name in the shared clips folder (repeatable)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-stages", action="store_true")
    ap.add_argument("--options", action="store_true", help="only measure the options not taken (see above)")
    a = ap.parse_args()
    by_name = {d["clip"]: d for d in labels()}
    for name in a.clip or DEFAULT:
        clip = CLIPS / name
        exercise = by_name[name]["exercise"]
        src = VideoFileSource(clip, max_fps=DEFAULT_MAX_FPS)
        dur = src.duration_s
        if a.options:
            print(f"\n{name}: {option_nonref_decode(clip, src.stride)}", flush=True)
            print(f"{name}: {option_two_chunks(clip)}", flush=True)
            continue
        print(f"\n{name}: {src.width}x{src.height} at {src.fps:.2f} fps, {dur:.1f} s, analysed at "
              f"{src.analysis_fps:.1f}/s; load average {os.getloadavg()[0]:.1f}", flush=True)
        ratios = {"old": [], "new": []}
        cpus = {"old": [], "new": []}
        with tempfile.TemporaryDirectory() as d:
            same = True
            for r in range(a.runs):
                order = ("old", "new") if r % 2 == 0 else ("new", "old")
                for path in order:
                    wall, c = run_once(clip, exercise, Path(d) / path, path == "old")
                    ratios[path].append(wall / dur)
                    cpus[path].append(c / dur)
                for f in ("session.json", "session.log.jsonl"):
                    same &= (Path(d) / "old" / f).read_bytes() == (Path(d) / "new" / f).read_bytes()
                print(f"  run {r + 1}: time/duration old {ratios['old'][-1]:.3f}  new {ratios['new'][-1]:.3f}   "
                      f"CPU s per s of video old {cpus['old'][-1]:.3f}  new {cpus['new'][-1]:.3f}", flush=True)
        mo, mn = statistics.median(ratios["old"]), statistics.median(ratios["new"])
        co, cn = statistics.median(cpus["old"]), statistics.median(cpus["new"])
        print(f"  medians of {a.runs}: analysis time / duration old {mo:.3f}  new {mn:.3f}  "
              f"({100 * (1 - mn / mo):+.0f}%); "
              f"CPU s per s of video old {co:.3f}  new {cn:.3f}  ({100 * (1 - cn / co):+.0f}%; / 2 cores: "
              f"old {co / 2:.3f}  new {cn / 2:.3f}); same session.json and log: {same}; "
              f"load average now {os.getloadavg()[0]:.1f}", flush=True)
        if not a.no_stages:
            st = stages(clip, exercise)
            print("  CPU seconds per second of video, each stage alone:")
            for k, v in st.items():
                print(f"    {k:28s} {v / dur:.3f}")
            new_total = sum(v for k, v in st.items() if "(old)" not in k)
            print(f"    {'total (new path)':28s} {new_total / dur:.3f}  -> floor on 2 cores "
                  f"{new_total / dur / 2:.3f}; the model alone on its thread {st['pose model'] / dur:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
