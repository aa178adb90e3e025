"""The synthetic clinic: render clips once (keeping only their landmarks), re-score them in seconds.

    # render (needs the synth extra and OSMesa; one clip at a time, niced: the machine is shared)
    PYOPENGL_PLATFORM=osmesa nice -n 15 .venv/bin/python bench/clinic.py render --range tuning [--n N]
    # this round's test slice, only once tuning has ended (records the commit it was rendered after)
    ... bench/clinic.py render --range test2 --i-am-done-tuning
    # after a change to the truth's definitions (not to the motion): rewrite the truth files from their seeds
    nice -n 10 .venv/bin/python bench/clinic.py retruth --range tuning
    # re-score every recording with the current checkers (seconds)
    nice -n 10 .venv/bin/python bench/clinic.py score --range tuning[,test1,...] [--exercise E] [--clips] [--detail]
                                                      [--compare OLD.json] [--min-confidence C] [--obs F.csv]
                                                      [--split height,azimuth,cut]
                                                      [--csv F] [--json F] [--svg F]

Seeds: tuning 1000-1999; test 5000-5999, one slice per round: test1 5000-5134 (session 5, tuning material
since), test2 5135-5999 (session 6) (``backform.synth.clinic.sample(seed)`` draws each clip: what is
performed, tempo, faults and magnitudes, camera, video format). ``render`` draws the clip, renders it to a
temporary H.264 video, poses it with the product's pose stage at the product's analysis rate
(``Pipeline(PoseEstimator())`` over ``VideoFileSource(max_fps=20)``, as ``backform track`` does) and keeps
``bench/clinic/<range>/c<seed>_<motion>.jsonl.gz`` (a ``LandmarkWriter`` recording) and
``c<seed>_<motion>.truth.json`` (the clip's truth, no per-frame data); the video is deleted.

``score`` runs each recording through ``backform.exercises.get(<exercise>)`` via ``Pipeline.check`` and prints:
rep counts exact %, holds within 0.3 s %, look-alike negatives with 0 reps %, fault precision, and the
reliability table per check x view x magnitude bin (detection rate at each magnitude, false faults on clean
reps, "not checked" share), and writes it as CSV, JSON and a plot (SVG and PNG; default
``bench/clinic/<range>_table.*``).
The truth's semantics (what a rep is, grey zones, magnitudes) are documented in ``backform.synth.clinic``.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from backform.exercises import get  # noqa: E402
from backform.io.recording import read_landmarks  # noqa: E402
from backform.pipeline import Pipeline  # noqa: E402
from backform.synth.clinic import DIMS, sample, truth as make_truth  # noqa: E402

# a range's recordings live in bench/clinic/<name>/. The test range 5000-5999 is used one slice per round, each
# rendered only after that round's last tuning change (stamped in its folder's RENDERED_AFTER.json); once a
# slice has been reported it is tuning material like the rest.
RANGES = {"tuning": range(1000, 2000),
          "test1": range(5000, 5135),   # session 5's test slice (rendered after commit 4348008), tuning since
          "test2": range(5135, 5343),   # session 6's test slice (rendered: 5135-5330 and the even 5332-5342)
          "test3": range(5343, 5543),   # session 7's test slice (rendered after commit 73739a2: all 200 seeds)
          "test4": range(5543, 5745),   # session 8's test slice (rendered after commit 5581b7a: all 202 seeds)
          "test5": range(5745, 5947),   # session 9's test slice (rendered after commit 791be09: all 202 seeds)
          "test6": range(5947, 6149),   # session 10's test slice (rendered after commit a430409: all 202 seeds)
          "test7": range(6149, 6400)}   # the next round's
TEST = ("test1", "test2", "test3", "test4", "test5", "test6", "test7")
DATA = ROOT / "bench" / "clinic"
log = logging.getLogger("bench.clinic")


# ------------------------------------------------------------------------------------------------ render
def checkers_state() -> dict:
    """The commit and a digest of the checkers' sources (src/backform/exercises) as they are now."""
    ex = ROOT / "src" / "backform" / "exercises"
    h = hashlib.sha256()
    for f in sorted(ex.rglob("*.py")):
        h.update(f.relative_to(ex).as_posix().encode() + b"\0" + f.read_bytes())

    def git(*a):
        try:
            return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True, timeout=20).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None
    return {"commit": git("rev-parse", "HEAD"), "exercises_dirty": bool(git("status", "--porcelain", str(ex))),
            "exercises_sha256": h.hexdigest()}


def pose_video(video: Path, out: Path, header_extra: dict) -> dict:
    """The product's pose stage over ``video`` into the recording ``out`` (as ``backform track``)."""
    from backform.io.recording import LandmarkWriter
    from backform.io.sources import VideoFileSource
    from backform.pipeline import DEFAULT_MAX_FPS, log_header, model_info
    from backform.pose.estimator import PoseEstimator

    src = VideoFileSource(video, max_fps=DEFAULT_MAX_FPS)
    n = found = 0
    with PoseEstimator() as pose, LandmarkWriter(out, log_header(src, None, model_info(pose), **header_extra)) as w:
        for pf, _res, _img in Pipeline(pose).run(src):
            w.write(pf)
            n += 1
            found += pf.has_pose
    return {"analysed": n, "pose_found": found, "analysis_fps": src.analysis_fps}


def render_one(seed: int, folder: Path, extra: dict | None = None) -> dict:
    from backform.synth.clinic_render import render_clinic

    spec = sample(seed)
    tr = make_truth(spec)
    t0, c0 = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory(prefix="clinic") as tmp:
        video = Path(tmp) / f"{spec.name}.mp4"
        info = render_clinic(spec, video)
        t1, c1 = time.perf_counter(), time.process_time()
        rec_tmp = folder / f"{spec.name}.partial.jsonl.gz"   # the writer gzips by the name
        rec = folder / f"{spec.name}.jsonl.gz"
        pinfo = pose_video(video, rec_tmp, {"clip": video.name, "clinic_seed": seed})
        video_bytes = video.stat().st_size
    t2, c2 = time.perf_counter(), time.process_time()
    os.replace(rec_tmp, rec)
    # wall seconds depend on the machine's load; CPU seconds of this process (the renderer's OSMesa and the
    # pose model's threads included) are the cost
    tr["render"] = dict(info, render_total_s=round(t1 - t0, 1), pose_total_s=round(t2 - t1, 1),
                        render_cpu_s=round(c1 - c0, 1), pose_cpu_s=round(c2 - c1, 1),
                        video_bytes=video_bytes, **pinfo)
    if extra:
        tr.update(extra)
    (folder / f"{spec.name}.truth.json").write_text(json.dumps(tr, separators=(",", ":")))
    return dict(name=spec.name, seconds=round(t2 - t0, 1), render_s=round(t1 - t0, 1), pose_s=round(t2 - t1, 1),
                cpu_s=round(c2 - c0, 1),
                frames=info["frames"], bytes=rec.stat().st_size)


def exclusive_waiting(path: str) -> bool:
    """Whether some process waits for an exclusive flock on ``path`` (Linux /proc/locks: blocked requests are
    the lines with "->")."""
    try:
        ino = os.stat(path).st_ino
        with open("/proc/locks") as f:
            for line in f:
                parts = line.split()
                if "->" in parts and "WRITE" in parts and any(x.endswith(f":{ino}") for x in parts):
                    return True
    except OSError:
        pass
    return False


@contextlib.contextmanager
def clip_lock(path: str | None):
    """A shared flock on ``path`` while one clip renders (None: no lock). On a shared machine a benchmark takes
    the same file exclusively (``flock -x``) and gets the machine between two clips; one process renders the
    whole range (starting a process per clip costs ~100 CPU-s of renderer start-up)."""
    if not path:
        yield
        return
    import fcntl
    with open(path, "a") as f:
        while exclusive_waiting(path):   # two render shards overlap: let a waiting benchmark in first
            time.sleep(2.0)
        fcntl.flock(f, fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
    time.sleep(2.0)   # let a waiting exclusive locker in


def cmd_render(a) -> int:
    if a.range in TEST and not (DATA / a.range / "RENDERED_AFTER.json").exists() and not a.i_am_done_tuning:
        print("refusing to render the test range: it must be rendered only after tuning has ended "
              "(give --i-am-done-tuning when it has)", file=sys.stderr)
        return 2
    folder = DATA / a.range
    folder.mkdir(parents=True, exist_ok=True)
    extra = None
    if a.range in TEST:
        state = checkers_state()
        stamp = folder / "RENDERED_AFTER.json"
        if not stamp.exists():
            stamp.write_text(json.dumps(dict(state, started=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())),
                                        indent=1))
        extra = {"checkers": state}
    seeds = list(RANGES[a.range])
    if a.seeds:
        lo, _, hi = a.seeds.partition("-")
        seeds = [s for s in seeds if int(lo) <= s <= int(hi or lo)]
    if a.only:
        seeds = [s for s in seeds if sample(s).motion in a.only.split(",")]
    done = 0
    for s in seeds:
        if a.shard:
            k, n = (int(x) for x in a.shard.split("/"))
            if s % n != k:
                continue
        name = f"c{s}_"
        if any(folder.glob(f"{name}*.truth.json")):
            continue
        try:
            with clip_lock(a.lock):
                r = render_one(s, folder, extra)
        except Exception as e:  # one broken clip must not stop a night's rendering
            log.exception("seed %d failed", s)
            print(f"seed {s}: FAILED {e}", flush=True)
            continue
        done += 1
        print(f"{r['name']}: {r['frames']} frames, {r['seconds']} s (render {r['render_s']}, pose {r['pose_s']}), "
              f"{r['cpu_s']} CPU-s, {r['bytes'] / 1024:.0f} KB", flush=True)
        if a.n and done >= a.n:
            break
    return 0


def cmd_retruth(a) -> int:
    """Recompute the truth files from their seeds (after a change to the truth's semantics, not to the motion):
    a clip whose movements no longer match what was rendered is left alone and reported."""
    folder = DATA / a.range
    changed = kept = stale = 0
    for f in sorted(folder.glob("*.truth.json")):
        old = json.loads(f.read_text())
        new = json.loads(json.dumps(make_truth(sample(int(old["seed"])))))   # tuples as the file has them
        key = lambda d: [(r["n"], r["start_s"], r["top_s"], r["lower_s"], r["end_s"]) for r in d["reps"]]  # noqa: E731
        if new["motion"] != old["motion"] or key(new) != key(old) or new["camera"] != old["camera"] or \
                (new["fps"], new["width"], new["height"]) != (old["fps"], old["width"], old["height"]):
            print(f"  {f.name}: the sampler's motion, camera or video differ from the rendered clip: left alone",
                  file=sys.stderr)
            stale += 1
            continue
        for k in ("render", "checkers"):
            if k in old:
                new[k] = old[k]
        if new != old:
            f.write_text(json.dumps(new, separators=(",", ":")))
            changed += 1
        else:
            kept += 1
    print(f"{changed} truth files rewritten, {kept} unchanged, {stale} left alone (rendered differently)")
    return 1 if stale else 0


def cmd_stats(a) -> int:
    """What the recorded clips cost and hold: clips per motion, frames, CPU and wall seconds, bytes."""
    import statistics as st
    clips = load(DATA / a.range)
    if not clips:
        print("no recordings")
        return 1
    rows = [(tr, rec.stat().st_size) for tr, rec in clips]
    by = defaultdict(int)
    for tr, _ in rows:
        by[tr["motion"]] += 1
    r = [tr["render"] for tr, _ in rows]
    cpu = [x.get("render_cpu_s", 0) + x.get("pose_cpu_s", 0) for x in r if "render_cpu_s" in x]
    wall = [x["render_total_s"] + x["pose_total_s"] for x in r]
    kb = [b / 1024 for _, b in rows]
    frames = [x["frames"] for x in r]
    per_frame = [b / x["analysed"] for (_, b), x in zip(rows, r) if x.get("analysed")]
    q = lambda xs: f"median {st.median(xs):.0f}, {min(xs):.0f}-{max(xs):.0f}"  # noqa: E731
    print(f"{len(rows)} clips: " + ", ".join(f"{k} {v}" for k, v in sorted(by.items())))
    print(f"frames {q(frames)}; CPU s per clip {q(cpu) if cpu else '-'} (render + pose, this process's threads); "
          f"wall s {q(wall)}; recording KB {q(kb)}, total {sum(kb) / 1024:.1f} MB; bytes per analysed frame "
          f"{q(per_frame)}")
    return 0


# ------------------------------------------------------------------------------------------------ score
def checked(exercise: str, rec: Path):
    """The checker after the recording, and the recording's (time, pose found) per analysed frame."""
    _, frames = read_landmarks(rec)
    ex = get(exercise)
    pipe = Pipeline(None, ex)
    seen = []
    for pf in frames:
        pipe.check(pf)
        seen.append((pf.t_s, pf.has_pose))
    pipe.finish()
    return ex, seen


def run_checker(exercise: str, rec: Path):
    return checked(exercise, rec)[0]


POSE_LOST = 0.2   # a clip whose counted reps lost the person on more than this share of their frames


def pose_missing(tr: dict, seen) -> float:
    """Share of the analysed frames inside the truth's reps (those that count) on which the pose model found
    no person: the pose stage's failure, not the checker's."""
    spans = [(r["start_s"], r["end_s"]) for r in tr["reps"] if r["counts"] != "no"]
    inside = [ok for t, ok in seen if any(a <= t <= b for a, b in spans)]
    return round(1.0 - sum(inside) / len(inside), 3) if inside else 0.0


def match(ours, truth_reps) -> list[tuple[int, int]]:
    """(our index, truth index) by largest time overlap, each used once."""
    cands = []
    for i, o in enumerate(ours):
        for j, t in enumerate(truth_reps):
            ov = min(o.end_s, t["end_s"]) - max(o.start_s, t["start_s"])
            if ov > 0:
                cands.append((ov, i, j))
    ui, uj, pairs = set(), set(), []
    for _, i, j in sorted(cands, reverse=True):
        if i not in ui and j not in uj:
            ui.add(i)
            uj.add(j)
            pairs.append((i, j))
    return sorted(pairs)


SPLIT = ()   # extra placement splits of the view column (score --split): height, cut, azimuth


def view_key(tr: dict, rep: dict, code: str) -> str:
    v = tr["view"]
    cam = tr.get("camera", {})
    if "azimuth" in SPLIT and "azimuth_deg" in cam:
        a = float(cam["azimuth_deg"])
        lo = int(15 * (a // 15))
        v += f"[{lo:+d}..{lo + 15:+d}]"
    if "height" in SPLIT and "height_m" in cam:
        h = float(cam["height_m"])
        v += "@low" if h < 0.5 else "@mid" if h < 0.9 else "@high"
    if "cut" in SPLIT and cam.get("cut"):
        v += "/cut"
    if tr["exercise"] == "bird_dog" and rep.get("working_arm_near") is not None and \
            code in ("arm_low", "arm_high", "leg_low", "leg_high", "short_hold"):
        v += "/near" if rep["working_arm_near"] else "/far"
    return v


def bins(d) -> list[float]:
    if d.hi <= 1:
        return [0.0, 0.5, 1.01]
    edges = sorted({0.0, float(d.clean), float(d.fault), (d.fault + d.hi) / 2, float(d.hi) + 1e-6})
    return [e for e in edges if e >= 0]


def bin_label(edges, m, d=None) -> str:
    """The magnitude bin of ``m``: "no"/"yes" for on/off checks; "0" on its own where any magnitude above 0 is
    already grey (timed checks: clean = 0), else the first bin [0, clean) holds the clean reps."""
    if d is not None and d.hi <= 1:
        return "yes" if m > 0 else "no"
    if m <= 0 and (d is None or d.clean <= 0):
        return "0"
    for a, b in zip(edges, edges[1:]):
        if a <= m < b:
            return f"{a:g}-{b:g}"
    return f">={edges[-1]:g}"


def _faults(rep, min_conf: float) -> set:
    """The rep's faults, those below ``min_conf`` left out (when the checker gives verdict confidences)."""
    verdicts = {v.code: v for v in getattr(rep, "verdicts", ()) or ()}
    return {c for c in rep.faults if c not in verdicts or float(verdicts[c].confidence) >= min_conf}


def _verdict(rep, code: str) -> dict:
    v = next((v for v in getattr(rep, "verdicts", ()) or () if v.code == code), None)
    if v is None:
        return {}
    return dict(value=v.value, threshold=v.threshold, confidence=v.confidence, status=v.status, reason=v.reason)


def score_clip(tr: dict, ex, min_conf: float = 0.0, seen=None) -> dict:
    """One clip's scores and its reliability observations (one per truth rep x check)."""
    reps = ex.reps
    n = len(reps)
    out = dict(clip=tr["clip"], exercise=tr["exercise"], motion=tr["motion"], negative=tr["negative"],
               pose_missing=pose_missing(tr, seen) if seen is not None else None,
               view=tr["view"], counted=n, count_ok=n in tr["rep_count_ok"], holds=[], hold_signed=[], obs=[], extra_faults=[],
               faults_on_negative=sum(len(_faults(r, min_conf)) for r in reps) if tr["negative"] else 0)
    if tr["negative"]:
        return out
    treps = [r for r in tr["reps"] if r["counts"] != "no"]
    pairs = match(reps, treps)
    mi = {i for i, _ in pairs}
    dims = {d.code: d for d in DIMS[tr["exercise"]]}
    for i, j in pairs:
        o, t = reps[i], treps[j]
        found = _faults(o, min_conf)
        if t["counts"] == "yes" and not t["cut"]:
            out["hold_signed"].append(float(o.hold_s) - float(t["hold_s"]))
            out["holds"].append(abs(out["hold_signed"][-1]))
        for code, d in dims.items():
            if code not in t["magnitudes"] and code not in t["either"]:
                continue
            m = float(t["magnitudes"].get(code, 0.0))
            truth_v = "fault" if code in t["faults"] else ("either" if code in t["either"] else "clean")
            out["obs"].append(dict(check=code, view=view_key(tr, t, code), mag=m, truth=truth_v,
                                   found=code in found, not_checked=code in o.not_checked, rep=t["n"],
                                   **_verdict(o, code)))
        for code in found:
            if code not in dims:
                out["obs"].append(dict(check=code, view=tr["view"], mag=0.0, truth="clean", found=True,
                                       not_checked=False))
    for i, o in enumerate(reps):
        if i not in mi:
            out["extra_faults"] += sorted(_faults(o, min_conf))
    # truth reps the checker missed: their expected faults are missed detections
    mj = {j for _, j in pairs}
    for j, t in enumerate(treps):
        if j in mj:
            continue
        for code in t["faults"]:
            out["obs"].append(dict(check=code, view=view_key(tr, t, code), mag=float(t["magnitudes"].get(code, 1.0)),
                                   truth="fault", found=False, not_checked=False, rep_missed=True))
    return out


def reliability(scores: list[dict]) -> list[dict]:
    """Rows per exercise x check x view x magnitude bin."""
    cells: dict = defaultdict(lambda: dict(n=0, found=0, not_checked=0, fault=0, clean=0, either=0, tp=0, fp=0))
    dims = {(ex, d.code): d for ex, ds in DIMS.items() for d in ds}
    for s in scores:
        for o in s["obs"]:
            d = dims.get((s["exercise"], o["check"]))
            edges = bins(d) if d else [0.0, 1.0]
            key = (s["exercise"], o["check"], o["view"], bin_label(edges, o["mag"], d))
            c = cells[key]
            c["n"] += 1
            c[o["truth"]] += 1
            c["found"] += o["found"]
            c["not_checked"] += o["not_checked"]
            c["tp"] += o["found"] and o["truth"] == "fault"
            c["fp"] += o["found"] and o["truth"] == "clean"
    rows = []
    for (ex, code, view, b), c in sorted(cells.items()):
        rows.append(dict(exercise=ex, check=code, view=view, magnitude=b, reps=c["n"], truth_fault=c["fault"],
                         truth_either=c["either"], truth_clean=c["clean"], found=c["found"],
                         detection=round(c["tp"] / c["fault"], 3) if c["fault"] else None,
                         false_rate=round(c["fp"] / c["clean"], 3) if c["clean"] else None,
                         not_checked=c["not_checked"]))
    return rows


def check_table(scores: list[dict]) -> list[dict]:
    """Rows per exercise x check x view: detection at clinically meaningful magnitudes, false faults on clean
    reps, precision, and how often the checker said "not checked"."""
    cells: dict = defaultdict(lambda: dict(fault=0, tp=0, clean=0, fp=0, either=0, found_either=0, nc=0, n=0))
    for s in scores:
        for o in s["obs"]:
            c = cells[(s["exercise"], o["check"], o["view"])]
            c["n"] += 1
            c["nc"] += o["not_checked"]
            if o["truth"] == "fault":
                c["fault"] += 1
                c["tp"] += o["found"]
            elif o["truth"] == "clean":
                c["clean"] += 1
                c["fp"] += o["found"]
            else:
                c["either"] += 1
                c["found_either"] += o["found"]
    rows = []
    for (ex, code, view), c in sorted(cells.items()):
        rows.append(dict(exercise=ex, check=code, view=view, reps=c["n"], meaningful=c["fault"],
                         detection=round(c["tp"] / c["fault"], 3) if c["fault"] else None, clean=c["clean"],
                         false_rate=round(c["fp"] / c["clean"], 3) if c["clean"] else None,
                         precision=round(c["tp"] / (c["tp"] + c["fp"]), 3) if c["tp"] + c["fp"] else None,
                         grey=c["either"], grey_flagged=c["found_either"],
                         not_checked_rate=round(c["nc"] / c["n"], 3) if c["n"] else None))
    return rows


def fmt_checks(rows: list[dict]) -> str:
    f = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
    head = (f"{'exercise':15s} {'check':17s} {'view':19s} {'reps':>4s} {'meaningful':>10s} {'detected':>8s} "
            f"{'clean':>5s} {'false':>5s} {'precision':>9s} {'grey(flagged)':>13s} {'not checked':>11s}")
    out = [head, "-" * len(head)]
    for r in rows:
        out.append(f"{r['exercise']:15s} {r['check']:17s} {r['view']:19s} {r['reps']:>4d} {r['meaningful']:>10d} "
                   f"{f(r['detection']):>8s} {r['clean']:>5d} {f(r['false_rate']):>5s} {f(r['precision']):>9s} "
                   f"{str(r['grey']) + '(' + str(r['grey_flagged']) + ')':>13s} {f(r['not_checked_rate']):>11s}")
    return "\n".join(out)


def summary(scores: list[dict]) -> dict:
    pos = [s for s in scores if not s["negative"]]
    neg = [s for s in scores if s["negative"]]
    holds = [h for s in pos for h in s["holds"]]
    tp = sum(o["found"] and o["truth"] == "fault" for s in pos for o in s["obs"])
    fn = sum((not o["found"]) and o["truth"] == "fault" for s in pos for o in s["obs"])
    fp = sum(o["found"] and o["truth"] == "clean" for s in pos for o in s["obs"]) + \
        sum(len(s["extra_faults"]) for s in pos) + sum(s["faults_on_negative"] for s in neg)
    clean = sum(o["truth"] == "clean" for s in pos for o in s["obs"])
    fp_clean = sum(o["found"] and o["truth"] == "clean" for s in pos for o in s["obs"])
    pct = lambda a, b: round(100.0 * a / b, 1) if b else None  # noqa: E731
    return dict(clips=len(scores), exercise_clips=len(pos), negatives=len(neg),
                count_exact_pct=pct(sum(s["count_ok"] for s in pos), len(pos)),
                count_errors=sum(not s["count_ok"] for s in pos),
                count_errors_pose_lost=sum(not s["count_ok"] and (s.get("pose_missing") or 0) > POSE_LOST
                                           for s in pos),
                holds=len(holds), holds_within_0_3_pct=pct(sum(h <= 0.3 for h in holds), len(holds)),
                negatives_zero_reps_pct=pct(sum(s["counted"] == 0 for s in neg), len(neg)),
                faults_expected=tp + fn, faults_found=tp, faults_false=fp,
                fault_precision=round(tp / (tp + fp), 3) if tp + fp else None,
                fault_recall=round(tp / (tp + fn), 3) if tp + fn else None,
                false_fault_rate_clean=round(fp_clean / clean, 4) if clean else None)


def fmt_rows(rows: list[dict]) -> str:
    head = f"{'exercise':15s} {'check':17s} {'view':19s} {'magnitude':>11s} {'reps':>4s} {'fault':>5s} " \
           f"{'det':>5s} {'clean':>5s} {'false':>5s} {'n/c':>4s}"
    out = [head, "-" * len(head)]
    for r in rows:
        det = "-" if r["detection"] is None else f"{r['detection']:.2f}"
        fr = "-" if r["false_rate"] is None else f"{r['false_rate']:.2f}"
        out.append(f"{r['exercise']:15s} {r['check']:17s} {r['view']:19s} {r['magnitude']:>11s} {r['reps']:>4d} "
                   f"{r['truth_fault']:>5d} {det:>5s} {r['truth_clean']:>5d} {fr:>5s} {r['not_checked']:>4d}")
    return "\n".join(out)


def _mag_order(m: str) -> float:
    return {"no": 0.0, "yes": 1.0}.get(m) if m in ("no", "yes") else float(m.split("-")[0].lstrip(">="))


def svg_plot(rows: list[dict], path: Path) -> None:
    """Detection rate (filled) and false-fault rate (hollow) per magnitude bin, one panel per check."""
    checks = sorted({(r["exercise"], r["check"]) for r in rows})
    W, H, cols = 260, 150, 4
    nrows = (len(checks) + cols - 1) // cols
    colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"]
    views = sorted({r["view"] for r in rows})
    vcol = {v: colors[i % len(colors)] for i, v in enumerate(views)}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{cols * W}" height="{nrows * H + 40}" '
             f'font-family="sans-serif" font-size="9">', '<rect width="100%" height="100%" fill="white"/>']
    for i, v in enumerate(views):
        parts.append(f'<rect x="{10 + i * 110}" y="{nrows * H + 15}" width="10" height="10" fill="{vcol[v]}"/>'
                     f'<text x="{24 + i * 110}" y="{nrows * H + 24}">{v}</text>')
    for k, (ex, code) in enumerate(checks):
        ox, oy = (k % cols) * W, (k // cols) * H
        rs = [r for r in rows if r["exercise"] == ex and r["check"] == code]
        mags = sorted({r["magnitude"] for r in rs}, key=_mag_order)
        x0, y0, pw, ph = ox + 30, oy + 20, W - 45, H - 50
        parts.append(f'<text x="{ox + 5}" y="{oy + 12}" font-weight="bold">{ex} {code}</text>')
        parts.append(f'<rect x="{x0}" y="{y0}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>')
        for lv in (0.0, 0.5, 1.0):
            y = y0 + ph * (1 - lv)
            parts.append(f'<line x1="{x0}" x2="{x0 + pw}" y1="{y}" y2="{y}" stroke="#eee"/>'
                         f'<text x="{x0 - 22}" y="{y + 3}">{lv:.1f}</text>')
        for mi, m in enumerate(mags):
            x = x0 + pw * (mi + 0.5) / max(len(mags), 1)
            parts.append(f'<text x="{x - 12}" y="{y0 + ph + 12}">{m}</text>')
            for vi, v in enumerate(views):
                r = next((r for r in rs if r["magnitude"] == m and r["view"] == v), None)
                if r is None:
                    continue
                dx = (vi - len(views) / 2) * 3
                if r["detection"] is not None:
                    y = y0 + ph * (1 - r["detection"])
                    parts.append(f'<circle cx="{x + dx}" cy="{y}" r="3" fill="{vcol[v]}"><title>{v} {m}: detection '
                                 f'{r["detection"]} of {r["truth_fault"]}</title></circle>')
                if r["false_rate"] is not None:
                    y = y0 + ph * (1 - r["false_rate"])
                    parts.append(f'<circle cx="{x + dx}" cy="{y}" r="3" fill="none" stroke="{vcol[v]}"><title>{v} {m}: '
                                 f'false {r["false_rate"]} of {r["truth_clean"]}</title></circle>')
    parts.append("</svg>")
    path.write_text("\n".join(parts))


def png_plot(rows: list[dict], path: Path) -> None:
    """The SVG's picture as a PNG (OpenCV; matplotlib is not a dependency)."""
    import cv2
    import numpy as np

    checks = sorted({(r["exercise"], r["check"]) for r in rows})
    W, H, cols = 300, 170, 4
    nrows = max((len(checks) + cols - 1) // cols, 1)
    img = np.full((nrows * H + 40, cols * W, 3), 255, np.uint8)
    palette = [(180, 119, 31), (40, 39, 214), (44, 160, 44), (189, 103, 148), (14, 127, 255), (75, 86, 140),
               (207, 190, 23), (127, 127, 127)]
    views = sorted({r["view"] for r in rows})
    vcol = {v: palette[i % len(palette)] for i, v in enumerate(views)}
    font = cv2.FONT_HERSHEY_SIMPLEX
    for i, v in enumerate(views):
        x = 10 + i * 125
        cv2.rectangle(img, (x, nrows * H + 15), (x + 10, nrows * H + 25), vcol[v], -1)
        cv2.putText(img, v, (x + 14, nrows * H + 25), font, 0.35, (0, 0, 0), 1, cv2.LINE_AA)
    for k, (ex, code) in enumerate(checks):
        ox, oy = (k % cols) * W, (k // cols) * H
        rs = [r for r in rows if r["exercise"] == ex and r["check"] == code]
        mags = sorted({r["magnitude"] for r in rs}, key=_mag_order)
        x0, y0, pw, ph = ox + 32, oy + 22, W - 45, H - 55
        cv2.putText(img, f"{ex} {code}", (ox + 5, oy + 14), font, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
        cv2.rectangle(img, (x0, y0), (x0 + pw, y0 + ph), (160, 160, 160), 1)
        for lv in (0.0, 0.5, 1.0):
            y = int(y0 + ph * (1 - lv))
            cv2.line(img, (x0, y), (x0 + pw, y), (230, 230, 230), 1)
            cv2.putText(img, f"{lv:.1f}", (x0 - 28, y + 4), font, 0.32, (0, 0, 0), 1, cv2.LINE_AA)
        for mi, m in enumerate(mags):
            x = int(x0 + pw * (mi + 0.5) / max(len(mags), 1))
            cv2.putText(img, m, (x - 14, y0 + ph + 14), font, 0.3, (0, 0, 0), 1, cv2.LINE_AA)
            for vi, v in enumerate(views):
                r = next((r for r in rs if r["magnitude"] == m and r["view"] == v), None)
                if r is None:
                    continue
                dx = int((vi - len(views) / 2) * 4)
                if r["detection"] is not None:
                    cv2.circle(img, (x + dx, int(y0 + ph * (1 - r["detection"]))), 4, vcol[v], -1, cv2.LINE_AA)
                if r["false_rate"] is not None:
                    cv2.circle(img, (x + dx, int(y0 + ph * (1 - r["false_rate"]))), 4, vcol[v], 1, cv2.LINE_AA)
    cv2.imwrite(str(path), img)


def compare(before: dict, summ: dict, checks: list[dict]) -> str:
    """What changed against an earlier ``score --json`` file: the headline figures and each check x view."""
    lines = ["Against the earlier table:"]
    for k in ("count_exact_pct", "holds_within_0_3_pct", "negatives_zero_reps_pct", "fault_precision", "fault_recall",
              "false_fault_rate_clean"):
        b, n = before.get("summary", {}).get(k), summ.get(k)
        if b != n:
            lines.append(f"  {k}: {b} -> {n}")
    old = {(r["exercise"], r["check"], r["view"]): r for r in before.get("checks", [])}
    for r in checks:
        o = old.get((r["exercise"], r["check"], r["view"]))
        if o is None:
            continue
        for k in ("detection", "false_rate", "not_checked_rate"):
            if o.get(k) != r.get(k):
                lines.append(f"  {r['exercise']} {r['check']} {r['view']}: {k} {o.get(k)} -> {r.get(k)}")
    return "\n".join(lines if len(lines) > 1 else lines + ["  no change"])


def load(folder: Path) -> list[tuple[dict, Path]]:
    out = []
    for f in sorted(folder.glob("*.truth.json")):
        rec = f.with_name(f.name.replace(".truth.json", ".jsonl.gz"))
        if rec.is_file():
            out.append((json.loads(f.read_text()), rec))
    return out


def cmd_score(a) -> int:
    global SPLIT
    SPLIT = tuple(a.split.split(",")) if a.split else ()
    names = a.range.split(",")
    unknown = [n for n in names if n not in RANGES]
    if unknown:
        print(f"unknown range {', '.join(unknown)} (ranges: {', '.join(RANGES)})", file=sys.stderr)
        return 2
    folder = ", ".join(str(DATA / n) for n in names)
    clips = [c for n in names for c in load(DATA / n)]
    if a.exercise:
        clips = [c for c in clips if c[0]["exercise"] in a.exercise.split(",")]
    if not clips:
        print(f"no recordings in {folder}", file=sys.stderr)
        return 1
    t = time.perf_counter()
    scores = []
    for tr, rec in clips:
        ex, seen = checked(tr["exercise"], rec)
        scores.append(score_clip(tr, ex, a.min_confidence, seen))
    el = time.perf_counter() - t
    rows = reliability(scores)
    summ = summary(scores)
    checks = check_table(scores)
    print("Per check and view (meaningful = reps at a clinically meaningful magnitude; detected = share flagged; "
          "false = share of clean reps flagged):")
    print(fmt_checks(checks))
    print()
    if a.detail:
        print("Per magnitude bin (det = detection rate of the meaningful reps in the bin; false = on its clean reps):")
        print(fmt_rows(rows))
        print()
    for s, (tr, _) in zip(scores, clips):
        if not s["count_ok"] and not s["negative"] or s["negative"] and s["counted"]:
            print(f"  count: {s['clip']} ({s['exercise']}, {s['view']}) counted {s['counted']}, truth "
                  f"{tr['rep_count_ok']}, no pose on {s['pose_missing']:.0%} of the reps' frames")
        if a.clips:
            miss = [f"{o['check']}:{o['mag']:g}@{o['view']}" for o in s["obs"] if o["truth"] == "fault" and not o["found"]]
            false = [f"{o['check']}:{o['mag']:g}@{o['view']}" for o in s["obs"] if o["truth"] == "clean" and o["found"]]
            holds = ",".join(f"{h:.2f}" for h in s["holds"])
            print(f"  {s['clip']:28s} {s['exercise']:15s} {s['view']:13s} counted {s['counted']} (ok "
                  f"{tr['rep_count_ok']}) hold errors [{holds}] missed {miss} false {false + s['extra_faults']}")
    print()
    for ex in sorted({s["exercise"] for s in scores}):
        sub = summary([s for s in scores if s["exercise"] == ex])
        print(f"  {ex:15s} {sub['exercise_clips']:3d} clips: count exact {sub['count_exact_pct']}%, holds within 0.3 s "
              f"{sub['holds_within_0_3_pct']}% ({sub['holds']}), precision {sub['fault_precision']}, recall "
              f"{sub['fault_recall']} | {sub['negatives']} look-alikes analysed as it: 0 reps "
              f"{sub['negatives_zero_reps_pct']}%")
    print()
    print(f"{summ['clips']} clips ({summ['exercise_clips']} exercise, {summ['negatives']} look-alike) scored in "
          f"{el:.1f} s | rep count exact {summ['count_exact_pct']}% | holds within 0.3 s {summ['holds_within_0_3_pct']}% "
          f"({summ['holds']}) | look-alikes with 0 reps {summ['negatives_zero_reps_pct']}% | faults: expected "
          f"{summ['faults_expected']}, found {summ['faults_found']}, false {summ['faults_false']}; precision "
          f"{summ['fault_precision']}, recall {summ['fault_recall']}; false-fault rate on clean rep-checks "
          f"{summ['false_fault_rate_clean']}")
    print(f"count errors {summ['count_errors']}, of which {summ['count_errors_pose_lost']} on clips where the pose "
          f"model found no person on more than {POSE_LOST:.0%} of the reps' frames")
    if a.compare:
        print()
        print(compare(json.loads(Path(a.compare).read_text()), summ, checks))
    given = next((Path(x) for x in (a.json, a.csv, a.svg) if x), None)
    # the committed tables only when no output was named: a named one takes the others beside it
    base = given.with_suffix("") if given else DATA / f"{'+'.join(names)}_table"
    csv_path, json_path, svg_path = (Path(x) if x else base.with_suffix(s) for x, s in
                                     ((a.csv, ".csv"), (a.json, ".json"), (a.svg, ".svg")))
    with open(csv_path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else ["exercise"])
        w.writeheader()
        w.writerows(rows)
    json_path.write_text(json.dumps(dict(summary=summ, checks=checks, rows=rows,
                                         clips=[{k: v for k, v in s.items() if k != "obs"} for s in scores]), indent=1))
    if a.obs:
        keys = ["clip", "exercise", "check", "view", "rep", "mag", "truth", "found", "not_checked", "value",
                "threshold", "confidence", "status", "reason"]
        with open(a.obs, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=keys, extrasaction="ignore")
            w.writeheader()
            for sc in scores:
                for o in sc["obs"]:
                    w.writerow(dict(o, clip=sc["clip"], exercise=sc["exercise"]))
    svg_plot(rows, svg_path)
    png_plot(rows, svg_path.with_suffix(".png"))
    print(f"wrote {csv_path}, {json_path}, {svg_path} and {svg_path.with_suffix('.png')} (detection rate: "
          "filled dots, false-fault rate on clean reps: rings, per magnitude bin, one colour per view)")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("render", help="render, pose and keep the landmarks of clinic clips")
    r.add_argument("--range", choices=sorted(RANGES), required=True)
    r.add_argument("--n", type=int, default=0, help="stop after this many new clips (0: the whole range)")
    r.add_argument("--jobs", type=int, default=1, help="only 1 (the machine is shared: run shards by hand with "
                                                       "--shard k/N if cores are free)")
    r.add_argument("--shard", help="k/N: only seeds with seed %% N == k (0 <= k < N: 0/2 and 1/2 cover all)")
    r.add_argument("--seeds", help="a-b: only these seeds of the range")
    r.add_argument("--only", help="only these motions (comma-separated, e.g. bird_dog,donkey_kick)")
    r.add_argument("--lock", help="hold a shared flock on this file while each clip renders (benchmarks take it "
                                  "exclusively between clips)")
    r.add_argument("--i-am-done-tuning", action="store_true", help="allow rendering the test range")
    t = sub.add_parser("retruth", help="recompute the truth files from their seeds (truth semantics changed, "
                                       "motion not)")
    t.add_argument("--range", choices=sorted(RANGES), default="tuning")
    c = sub.add_parser("stats", help="what the recorded clips cost (CPU, wall, bytes)")
    c.add_argument("--range", choices=sorted(RANGES), default="tuning")
    s = sub.add_parser("score", help="re-score the recordings with the current checkers")
    s.add_argument("--range", default="tuning", help="a range or several, comma-separated (%s)" % ", ".join(RANGES))
    s.add_argument("--detail", action="store_true", help="also print the per-magnitude-bin table")
    s.add_argument("--clips", action="store_true", help="also print each clip's count, hold errors, missed and "
                                                        "false faults (with magnitudes)")
    s.add_argument("--exercise", help="only clips analysed as these exercises (comma-separated)")
    s.add_argument("--compare", help="an earlier --json output: print what changed")
    s.add_argument("--split", help="split the view column by placement: any of height (camera <0.5 / 0.5-0.9 / "
                                   ">=0.9 m), azimuth (15-deg bins), cut (body cut by the frame), comma-separated")
    s.add_argument("--min-confidence", type=float, default=0.0,
                   help="count a fault only when its verdict's confidence is at least this (what live would speak)")
    s.add_argument("--obs", help="write every observation (clip, check, view, rep, magnitude, truth, found, the "
                                 "checker's value/threshold/confidence) to this CSV")
    s.add_argument("--csv", help="the per-magnitude table (default: beside a named --json/--svg, else bench/clinic/<ranges>_table.csv)")
    s.add_argument("--json", help="summary, checks, rows and clips (default: as --csv)")
    s.add_argument("--svg", help="the reliability picture, with a .png beside it (default: as --csv)")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO if a.verbose else logging.WARNING, format="%(name)s: %(message)s")
    if a.cmd == "render" and a.jobs != 1:
        print("--jobs: only 1 is supported (use --shard k/N in separate processes)", file=sys.stderr)
        return 2
    if a.cmd == "render" and a.shard:
        k, _, n = a.shard.partition("/")
        if not (k.isdigit() and n.isdigit() and 0 <= int(k) < int(n)):
            print(f"--shard {a.shard}: give k/N with 0 <= k < N (seeds with seed % N == k; 0/2 and 1/2 cover "
                  "all)", file=sys.stderr)
            return 2
    return {"render": cmd_render, "retruth": cmd_retruth, "score": cmd_score, "stats": cmd_stats}[a.cmd](a)


if __name__ == "__main__":
    raise SystemExit(main())
