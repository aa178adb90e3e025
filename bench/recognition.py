"""Whole-session recognition: train the prototypes, and measure recognition on real clips and joined recordings.

    python bench/recognition.py --train             # src/backform/recognition/prototypes.json from sample_videos
    python bench/recognition.py --real              # each labelled real clip: analyze with and without --exercise
    python bench/recognition.py --joined            # long recordings joined from real + sample clips (ffmpeg)
    python bench/recognition.py --recordings        # recognition alone on the cached landmark recordings (fast)

The pose pass of each video is made once and cached (bench/_common.py ``cached_landmarks``: ~/.cache/backform/
landmarks, keyed on the video's name, size and time, with the pose time it took);
later runs analyse the recording, as `backform analyze RECORDING.jsonl` does. --repose runs the pose model on
every video again (the overhead figure then uses pose times of this run).

--train reads each synthetic clip's truth (exercise, each rep's start and end) and its landmark recording
(made with the pose model in the bench cache when absent, as bench/accuracy.py does), and writes the mean
movement shape of each exercise's reps.

--real runs the pose pass of `backform analyze` once per clip of ../shared/clips/labels.json, then in the same
process what the CLI does without --exercise (recognition, each segment's checker) and what --exercise does
(the labelled exercise's checker over all the frames): the exercise recognised (negatives: no reps), its rep
count against the --exercise one, and the time of each part (recognition's cost measured on the same frames,
so the machine's load on the pose model does not blur it).

--joined builds recordings by joining clips with ffmpeg (each re-encoded to one size and rate per recording,
different sizes and rates across recordings) in a cache folder (never the repository), runs `backform
analyze` without --exercise on each, and scores the segments against the joined clips: F1@50 (a found
segment counts when its intersection over union with a true one is >= 0.5 and its exercise is right), and
each segment's rep count against `backform analyze PART --exercise E` on the re-encoded part alone, and
against the right checker over the true part's frames of the joined recording. Negatives are not true segments; adjacent clips of one exercise are one (two sets).
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402

from _common import CACHE, CLIPS, cached_landmarks, labels  # noqa: E402
from backform import session as S  # noqa: E402
from backform.cli import main as cli_main  # noqa: E402
from backform.io.recording import read_landmarks, read_session_log  # noqa: E402
from backform.io.recording import LandmarksSource  # noqa: E402
from backform.io.sources import open_source  # noqa: E402
from backform.pipeline import DEFAULT_MAX_FPS, analyze as pipeline_analyze  # noqa: E402
from backform.pose.estimator import PoseEstimator  # noqa: E402
from backform.recognition import FrameCollector, check, model as M, recognise, session_of  # noqa: E402
from backform.recognition.segments import run_checker  # noqa: E402
from backform.recognition.posture import movement, window_shape  # noqa: E402

SAMPLES = ROOT / "sample_videos"

# the joined recordings: (name, size, fps, clips); clips from ../shared/clips or sample_videos
JOINED = [
    ("floor_then_wall", "640x360", 25, ["be23_bridge.mp4", "lena_bird_dog.mp4", "merged_prone_w.mp4",
                                        "wall_slide_clean_s125.mp4"]),
    ("prone_pair_negatives", "480x480", 15, ["wanshape_cat_cow.mp4", "be23_super.mp4", "prone_arm_lift_clean_s120.mp4",
                                             "lena_dead_bug.mp4", "polybag_bird_dog.mp4"]),
    ("programme_order", "854x480", 30, ["bridge_clean_s101.mp4", "merged_bird_dog.mp4",
                                        "prone_extension_clean_s116.mp4",
                                        "wanshape_prone_t_raises.mp4", "wall_slide_no_pause_s129.mp4"]),
    ("two_bridge_sets", "720x540", 20, ["lena_glute_bridge.mp4", "be23_bridge.mp4", "merged_superman.mp4",
                                        "bird_dog_clean_s106.mp4"]),
]


def _bench_accuracy():
    import importlib.util
    spec = importlib.util.spec_from_file_location("bench_accuracy", ROOT / "bench" / "accuracy.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_accuracy"] = mod
    spec.loader.exec_module(mod)
    return mod


def train(out: Path) -> None:
    acc = _bench_accuracy()
    shapes: dict[str, list[np.ndarray]] = {}
    used = []
    for clip in acc.load_clips(None, SAMPLES):
        rec = acc.recording_for(clip, [], acc.CACHE, make=True)
        _, frames = read_landmarks(rec)
        frames = list(frames)
        t = np.array([pf.t_s for pf in frames])
        f = movement(frames)
        for r in clip.reps:
            sh = window_shape(t, f, [(r["start_s"], r["end_s"] if r["end_s"] is not None else t[-1])])
            if sh is not None:
                shapes.setdefault(clip.exercise, []).append(sh)
        used.append(clip.name)
    protos = M.train(shapes)
    out.write_text(json.dumps(protos.to_json(used, "python bench/recognition.py --train"), indent=1) + "\n")
    print(f"wrote {out}: {', '.join(f'{n} ({len(v)} reps)' for n, v in sorted(shapes.items()))}")


REPOSE = False  # --repose: the pose model on every video, no cached pose pass


def analyze(video: Path, out: Path, exercise: str | None = None) -> tuple[S.Session, float]:
    """`backform analyze VIDEO --out OUT [--exercise E]` in this process; the session and the wall time. The
    video's cached pose pass is analysed instead of the video (made first when absent), unless --repose or the
    video is a temporary file."""
    if out.exists():
        shutil.rmtree(out)
    temporary = Path(tempfile.gettempdir()).resolve() in video.resolve().parents  # not worth a cache entry
    src = video if REPOSE or temporary else cached_landmarks(video)[0]
    args = ["analyze", str(src), "--out", str(out), "--no-video", "-q"]
    args += ["--exercise", exercise] if exercise else []
    t0 = time.perf_counter()
    cli_main(args)
    return S.load(out / "session.json"), time.perf_counter() - t0


def pose_pass(video: Path, out: Path):
    """The CLI's pose pass (pose model, session log, frames kept) and its time; from the video's cached pose
    pass unless --repose (the time is then the one measured when the cache was made, None if unknown)."""
    col = FrameCollector()
    if not REPOSE:
        rec, el = cached_landmarks(video)
        base = pipeline_analyze(LandmarksSource(rec), out, sinks=[col])
        return base, col.frames, el
    src = open_source(str(video), max_fps=DEFAULT_MAX_FPS)
    t0 = time.perf_counter()
    with PoseEstimator() as pose:
        base = pipeline_analyze(src, out, pose=pose, sinks=[col])
    return base, col.frames, time.perf_counter() - t0


def real(work: Path) -> None:
    """Per clip, one pose pass; then in the same process: recognition + each segment's checker (what the CLI
    does without --exercise) and the labelled exercise's checker over all the frames (what --exercise adds to
    the pose pass). Overhead = (pose + recognition + checks) / (pose + one checker) - 1."""
    print(f"{'clip':28s} {'labelled':22s} {'recognised':16s} {'reps':>4s} {'--ex':>4s} {'ok':>5s} "
          f"{'pose s':>6s} {'recog s':>7s} {'check s':>7s}")
    P = R = C = 0.0
    fails = unknown = 0
    for lab in labels():
        video = CLIPS / lab["clip"]
        negative = lab["variant"].startswith("negative")
        base, frames, p = pose_pass(video, work / "real" / video.stem)
        t0 = time.perf_counter()
        found = recognise(frames)
        checked = check(frames, found)
        s = session_of(base, checked, found.other)
        r = time.perf_counter() - t0
        t0 = time.perf_counter()
        ref = run_checker(lab["exercise"], frames)
        c = time.perf_counter() - t0
        segs = s.segments or []
        got = ",".join(sg.exercise for sg in segs) or "-"
        reps = sum(sg.rep_count for sg in segs)
        if negative:
            ok = reps == 0
        else:
            ok = [sg.exercise for sg in segs] == [lab["exercise"]] and reps == len(ref.reps) and s.rep_count == reps
        fails += not ok
        unknown += p is None
        P, R, C = P + (p or 0.0), R + r, C + c
        print(f"{lab['clip'][:28]:28s} {('negative: ' if negative else '') + lab['exercise']:22s} {got[:16]:16s} "
              f"{reps:4d} {len(ref.reps):4d} {'ok' if ok else 'WRONG':>5s} {'-' if p is None else f'{p:.1f}':>6s} {r:7.2f} {c:7.2f}")
    cost = (f"recognition adds {100 * ((P + R) / (P + C) - 1):.1f}% to the analysis time" if not unknown else
            f"the pose time of {unknown} cached clips is unknown (--repose measures it)")
    print(f"\n{fails} wrong. Totals: pose pass {P:.1f} s, recognition + segment checks {R:.2f} s, one checker "
          f"(--exercise) {C:.2f} s: {cost}")


def _source(name: str) -> Path:
    return CLIPS / name if (CLIPS / name).is_file() else SAMPLES / name


def _duration(path: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return float(out.strip())


def join(name: str, size: str, fps: int, clips: list[str], dest: Path) -> tuple[Path, list[tuple[str, float, float]]]:
    """One recording of ``clips`` re-encoded to ``size`` (letterboxed) at ``fps``; returns the true spans."""
    dest.mkdir(parents=True, exist_ok=True)
    w, h = size.split("x")
    parts, spans, t = [], [], 0.0
    for k, c in enumerate(clips):
        p = dest / f"{name}_{k}.mp4"
        if not p.is_file():
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(_source(c)), "-an", "-vf",
                            f"scale={w}:{h}:force_original_aspect_ratio=decrease,pad={w}:{h}:(ow-iw)/2:(oh-ih)/2,"
                            f"fps={fps},setsar=1", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
                            "-pix_fmt", "yuv420p", str(p)], check=True)
        d = _duration(p)
        spans.append((c, t, t + d))
        parts.append(p)
        t += d
    out = dest / f"{name}.mp4"
    if not out.is_file():
        lst = dest / f"{name}.txt"
        lst.write_text("".join(f"file '{p}'\n" for p in parts))
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(lst), "-c", "copy",
                        str(out)], check=True)
    return out, spans


def truth_segments(spans, lab_of) -> list[tuple[str, float, float, list[str]]]:
    """True segments: the exercise clips (negatives are not one), adjacent clips of one exercise merged."""
    out: list[tuple[str, float, float, list[str]]] = []
    for c, a, b in spans:
        ex = lab_of(c)
        if ex is None:
            continue
        if out and out[-1][0] == ex and abs(out[-1][2] - a) < 0.5:
            out[-1] = (ex, out[-1][1], b, out[-1][3] + [c])
        else:
            out.append((ex, a, b, [c]))
    return out


def iou(a0, a1, b0, b1) -> float:
    inter = max(0.0, min(a1, b1) - max(a0, b0))
    return inter / (max(a1, b1) - min(a0, b0))


def joined(work: Path) -> None:
    """`backform analyze` (the CLI, without --exercise) on each joined recording; the reference rep count of a
    true segment is the right checker (what --exercise runs) over that part's frames of the same recording."""
    labs = {d["clip"]: d for d in labels()}

    def lab_of(c):
        if c in labs:
            return None if labs[c]["variant"].startswith("negative") else labs[c]["exercise"]
        return json.loads((SAMPLES / (Path(c).stem + ".truth.json")).read_text())["exercise"]

    tp = fp = fn = wrong_ex = 0
    rep_rows = []
    for name, size, fps, clips in JOINED:
        video, spans = join(name, size, fps, clips, work / "joined")
        s, el = analyze(video, work / "out" / name)
        _, recs = read_session_log(work / "out" / name / "session.log.jsonl")
        frames = [pf for pf, _ in recs]
        truth = truth_segments(spans, lab_of)
        ref, alone = [], []
        for ex, a, b, cs in truth:
            ref.append(sum(len(run_checker(lab_of(c), [pf for pf in frames if a0 <= pf.t_s < b0]).reps)
                           for c, a0, b0 in spans if c in cs))
            alone.append(sum(analyze(work / "joined" / f"{name}_{k}.mp4", work / "alone" / f"{name}_{k}",
                                     lab_of(c))[0].rep_count for k, (c, _, _) in enumerate(spans) if c in cs))
        segs = s.segments or []
        matched = set()
        print(f"\n{name} ({size} @ {fps} fps, {spans[-1][2]:.1f} s, analysed in {el:.1f} s): "
              + " | ".join(f"{c} {a:.1f}-{b:.1f}" for c, a, b in spans))
        for sg in segs:
            best = max(range(len(truth)), key=lambda j: iou(sg.start_s, sg.end_s, truth[j][1], truth[j][2]),
                       default=None)
            v = iou(sg.start_s, sg.end_s, truth[best][1], truth[best][2]) if best is not None else 0.0
            hit = best is not None and v >= 0.5 and best not in matched
            ok_ex = hit and truth[best][0] == sg.exercise
            if hit:
                matched.add(best)
                wrong_ex += not ok_ex
            tp += ok_ex
            fp += not ok_ex
            want = alone[best] if hit else None
            rep_rows.append((sg.rep_count, want, ref[best] if hit else None))
            print(f"  found {sg.exercise:16s} {sg.start_s:6.1f}-{sg.end_s:6.1f} s  reps {sg.rep_count:2d} "
                  f"(--exercise on the part alone: {want}; checker on the true part of this recording: "
                  f"{ref[best] if hit else None})  IoU {v:.2f}{'' if ok_ex else '  WRONG'}  "
                  f"sets {len(sg.sets or [])}  conf {sg.confidence}")
        for j, (ex, a, b, cs) in enumerate(truth):
            if j not in matched:
                fn += 1
                print(f"  MISSED {ex} {a:.1f}-{b:.1f} s ({', '.join(cs)})")
        for o in s.other or []:
            print(f"  other {o.start_s:6.1f}-{o.end_s:6.1f} s  {o.reason}")
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    same = sum(1 for got, want, _ in rep_rows if got == want)
    same_part = sum(1 for got, _, part in rep_rows if got == part)
    print(f"\nsegment F1@50 = {f1:.3f} (tp {tp}, fp {fp}, fn {fn}); wrong exercise on a matched segment: "
          f"{wrong_ex}; segment rep counts equal to --exercise on the part alone: {same}/{len(rep_rows)}, "
          f"to the checker on the true part of the joined recording: {same_part}/{len(rep_rows)}")


def recordings() -> None:
    """Recognition alone over the cached landmark recordings of the labelled clips (no pose model)."""
    acc = _bench_accuracy()
    for clip in acc.load_clips(CLIPS.parent, SAMPLES):
        rec = acc.recording_for(clip, [], acc.CACHE, make=False)
        if rec is None:
            continue
        _, frames = read_landmarks(rec)
        frames = list(frames)
        t0 = time.perf_counter()
        seg = recognise(frames)
        el = time.perf_counter() - t0
        got = ", ".join(f"{f.exercise} {f.start_s:.1f}-{f.end_s:.1f} ({f.confidence:.2f})" for f in seg.segments) or "-"
        print(f"{clip.name[:34]:34s} {clip.exercise:16s} {got}  [{1000 * el / len(frames):.2f} ms/frame]")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--train", action="store_true")
    ap.add_argument("--real", action="store_true")
    ap.add_argument("--joined", action="store_true")
    ap.add_argument("--recordings", action="store_true")
    ap.add_argument("--repose", action="store_true", help="run the pose model on every video (no cached pose pass)")
    ap.add_argument("--work", type=Path, help="scratch folder (default: a temporary one; joined videos are cached "
                                              f"in {CACHE / 'joined'})")
    a = ap.parse_args(argv)
    global REPOSE
    REPOSE = a.repose
    if a.train:
        train(ROOT / "src" / "backform" / "recognition" / "prototypes.json")
        M.load.cache_clear()
    if a.recordings:
        recordings()
    with tempfile.TemporaryDirectory() as tmp:
        work = a.work or Path(tmp)
        if a.real:
            real(work)
        if a.joined:
            (work / "joined").mkdir(parents=True, exist_ok=True)
            if not a.work:
                (work / "joined").rmdir()
                (CACHE / "joined").mkdir(parents=True, exist_ok=True)
                (work / "joined").symlink_to(CACHE / "joined")
            joined(work)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
