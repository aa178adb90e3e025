"""Accuracy of the exercise checkers over every labelled clip: one table, per clip and in total.

    nice -n 10 .venv/bin/python bench/accuracy.py [--shared ../shared] [--synthetic sample_videos]
                                                  [--landmarks DIR] [--no-pose] [--clip NAME ...]

Real clips: ``<shared>/clips/labels.json``; synthetic clips: ``sample_videos/*.truth.json`` (same rep fields).
Each clip runs through the same checker the ``analyze`` command uses (``backform.exercises.get``), on a landmark
recording: ``<dir>/<clip stem>.jsonl`` from ``--landmarks`` dirs (default ``$BACKFORM_LANDMARKS``) or the cache
``~/.cache/backform/landmarks``, else made once by the product's pose pass (``backform.pipeline.pose_pass``:
<= 20 poses/s, in chunks) into that cache, keyed on the video's size, time and the pass's mode (``--no-pose``:
skip clips without a recording).

Scoring, as ``labels.json`` asks:
- count: exact when the count is in ``rep_count_ok``; error = distance to the nearest accepted count;
- reps are matched to labelled reps by time overlap; hold error on matched reps;
- faults per matched rep: expected = the label's ``faults``; ``either`` are borderline (counted neither way);
  found-and-expected = true positive, expected-not-found = missed (shown as "not-checked" when the checker
  reported that check as not judged on that rep), found-not-expected = false; faults on an unmatched rep are
  false. A negative clip (``rep_count_ok == [0]``) scores every counted rep as a count error.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from backform.exercises import get  # noqa: E402
from backform.io.recording import LandmarkWriter, read_landmarks  # noqa: E402

log = logging.getLogger("bench.accuracy")


@dataclass
class Clip:
    name: str
    kind: str            # "real" / "synthetic"
    exercise: str
    video: Path
    rep_count_ok: list[int]
    reps: list[dict]
    variant: str = ""


@dataclass
class Score:
    clip: Clip
    counted: int = 0
    count_err: int = 0
    hold_errs: list[float] = field(default_factory=list)
    tp: int = 0
    missed: list[str] = field(default_factory=list)
    unjudged: list[str] = field(default_factory=list)  # expected, but the checker said "not checked" on that rep
    false: list[str] = field(default_factory=list)
    expected: int = 0
    note: str = ""
    tp_conf: list[float] = field(default_factory=list)     # confidence of each fault found and expected
    false_conf: list[float] = field(default_factory=list)  # ... and of each false one


def load_clips(shared: Path | None, synthetic: Path | None) -> list[Clip]:
    out = []
    if shared and (shared / "clips" / "labels.json").is_file():
        for d in json.loads((shared / "clips" / "labels.json").read_text()):
            out.append(Clip(d["clip"], "real", d["exercise"], shared / "clips" / d["clip"], d["rep_count_ok"],
                            d["reps"], d.get("variant", "")))
    else:
        log.warning("no real clips (%s/clips/labels.json absent)", shared)
    if synthetic and synthetic.is_dir():
        for f in sorted(synthetic.glob("*.truth.json")):
            d = json.loads(f.read_text())
            video = synthetic / d["clip"]
            if video.is_file():
                out.append(Clip(d["clip"], "synthetic", d["exercise"], video,
                                d.get("rep_count_ok", [d["rep_count"]]), d["reps"], d.get("variant", "")))
    return out


CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "backform" / "landmarks"


def pose_mode() -> str:
    """The pose pass's mode as the cache key holds it: its chunks (length, overlap, shortest split video, in
    seconds; or "single": one model) and a digest of what else decides the model's input and settings (``pose_input``, PoseConfig)."""
    import hashlib
    import inspect

    from backform.io import sources
    from backform.pose import parallel as P
    from backform.pose.estimator import PoseConfig
    from backform.pose.estimator import ZoomFallback
    # the zoom fallback's code and settings too: it decides the frames where the tracker finds nobody
    digest = hashlib.sha256((inspect.getsource(sources.pose_input) + inspect.getsource(ZoomFallback)
                             + repr(PoseConfig())).encode()).hexdigest()[:8]
    chunks = f"c{P.CHUNK_S:g}o{P.OVERLAP_S:g}m{P.MIN_SPLIT_S:g}" if P.ENABLED else "single"
    return f"{chunks}-{digest}"


def content_digest(path: Path) -> str:
    """The first 16 hex digits of the file's SHA-256 (a few milliseconds for a clip of a few MB)."""
    import hashlib
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def recording_for(clip: Clip, search: list[Path], cache: Path, make: bool) -> Path | None:
    stem = Path(clip.name).stem
    for d in search:
        for cand in (d / f"{stem}.jsonl", d / f"{stem}.jsonl.gz"):
            if cand.is_file():
                return cand
    # the cache is keyed on the video's content too (a re-rendered clip gets a new recording, a copied one keeps
    # its own: a file's time changes with every fresh copy of ../shared), and on the pose pass's mode (its
    # chunks: backform.pose.parallel), so that a changed pass never serves stale poses
    try:
        key = f"{stem}.{content_digest(clip.video)}.{pose_mode()}"
    except OSError:
        key = f"{stem}.{pose_mode()}"
    cached = cache / f"{key}.jsonl"
    if cached.is_file():
        return cached
    if not make or not clip.video.is_file():
        return None
    from backform.pipeline import DEFAULT_MAX_FPS, pose_pass
    from backform.io.sources import VideoFileSource
    cache.mkdir(parents=True, exist_ok=True)
    out = cached
    tmp = out.with_suffix(".partial")
    src = VideoFileSource(clip.video, max_fps=DEFAULT_MAX_FPS)
    print(f"  (pose) {clip.name} ...", file=sys.stderr, flush=True)
    poses = pose_pass(src)  # the pose pass of backform analyze (chunks, two models at once)
    with LandmarkWriter(tmp, {
            "model": poses.model_name, "model_sha256": poses.model_sha256, "fps": src.fps,
            "analysis_fps": getattr(src, "analysis_fps", src.fps), "width": src.width, "height": src.height,
            "frames": src.frame_count, "source": clip.name, "pose_mode": pose_mode()}) as w:
        for pf, _ in poses:
            w.write(pf)
    tmp.replace(out)
    return out


def run_checker(exercise: str, rec: Path):
    _, frames = read_landmarks(rec)
    ex = get(exercise)
    last = 0.0
    for pf in frames:
        ex.update(pf)
        last = pf.t_s
    ex.finish(last)
    return ex


def _interval(r: dict) -> tuple[float, float]:
    end = r.get("end_s")
    if end is None:
        end = r.get("lower_s") or r.get("top_s") or r["start_s"]
    return float(r["start_s"]), float(end)


def match(ours, labelled) -> list[tuple[int, int]]:
    """Pairs (our index, label index) by largest time overlap, each used once."""
    cands = []
    for i, o in enumerate(ours):
        for j, lab in enumerate(labelled):
            a0, a1 = o.start_s, o.end_s
            b0, b1 = _interval(lab)
            ov = min(a1, b1) - max(a0, b0)
            if ov > 0:
                cands.append((ov, i, j))
    used_i, used_j, pairs = set(), set(), []
    for ov, i, j in sorted(cands, reverse=True):
        if i not in used_i and j not in used_j:
            used_i.add(i)
            used_j.add(j)
            pairs.append((i, j))
    return sorted(pairs)


def score(clip: Clip, ex) -> Score:
    s = Score(clip, counted=len(ex.reps))
    s.count_err = min(abs(s.counted - k) for k in clip.rep_count_ok)
    conf = {(f.rep, f.code): (f.confidence if f.confidence is not None else 1.0) for f in ex.faults}
    pairs = match(ex.reps, clip.reps)
    matched_i = {i for i, _ in pairs}
    matched_j = {j for _, j in pairs}
    for i, j in pairs:
        o, lab = ex.reps[i], clip.reps[j]
        if lab.get("hold_s") is not None and (lab.get("lower_s") is not None):
            s.hold_errs.append(abs(o.hold_s - float(lab["hold_s"])))
        exp, either, found = set(lab.get("faults", [])), set(lab.get("either", [])), set(o.faults)
        s.expected += len(exp)
        s.tp += len(exp & found)
        s.missed += [f"{c}@{lab['n']}" for c in sorted(exp - found) if c not in o.not_checked]
        s.unjudged += [f"{c}@{lab['n']}" for c in sorted(exp - found) if c in o.not_checked]
        s.false += [f"{c}@{o.n}" for c in sorted(found - exp - either)]
        s.tp_conf += [conf.get((o.n, c), 1.0) for c in exp & found]
        s.false_conf += [conf.get((o.n, c), 1.0) for c in found - exp - either]
    for j, lab in enumerate(clip.reps):
        if j not in matched_j:
            s.expected += len(lab.get("faults", []))
            s.missed += [f"{c}@{lab['n']}(rep missed)" for c in lab.get("faults", [])]
    for i, o in enumerate(ex.reps):
        if i not in matched_i:
            s.false += [f"{c}@{o.n}(extra rep)" for c in o.faults]
            s.false_conf += [conf.get((o.n, c), 1.0) for c in o.faults]
    return s


def fmt_table(scores: list[Score]) -> str:
    head = (f"{'clip':34s} {'kind':5s} {'exercise':15s} {'exp':>5s} {'got':>3s} {'ok':>2s} {'hold err':>8s} "
            f"{'faults exp/found/false':>22s}  notes")
    lines = [head, "-" * len(head)]
    for s in scores:
        he = f"{statistics.median(s.hold_errs):.2f}" if s.hold_errs else "-"
        exp = "/".join(map(str, s.clip.rep_count_ok))
        ok = "y" if s.count_err == 0 else "n"
        notes = " ".join(([f"missed:{','.join(s.missed)}"] if s.missed else [])
                         + ([f"not-checked:{','.join(s.unjudged)}"] if s.unjudged else [])
                         + ([f"false:{','.join(s.false)}"] if s.false else []) + ([s.note] if s.note else []))
        lines.append(f"{Path(s.clip.name).stem[:34]:34s} {s.clip.kind[:5]:5s} {s.clip.exercise:15s} {exp:>5s} "
                     f"{s.counted:>3d} {ok:>2s} {he:>8s} {s.expected:>8d}/{s.tp:>5d}/{len(s.false):>5d}    {notes}")
    return "\n".join(lines)


def totals(scores: list[Score], label: str) -> str:
    if not scores:
        return f"{label}: no clips"
    n = len(scores)
    exact = sum(s.count_err == 0 for s in scores)
    off1 = sum(s.count_err == 1 for s in scores)
    mae = sum(s.count_err for s in scores) / n
    holds = [h for s in scores for h in s.hold_errs]
    tp = sum(s.tp for s in scores)
    fn = sum(len(s.missed) + len(s.unjudged) for s in scores)
    nc = sum(len(s.unjudged) for s in scores)
    fp = sum(len(s.false) for s in scores)
    prec = tp / (tp + fp) if tp + fp else float("nan")
    rec = tp / (tp + fn) if tp + fn else float("nan")
    within = sum(s.count_err <= 1 for s in scores)
    return (f"{label}: {n} clips | count exact {exact}/{n} ({exact / n:.0%}), off by one {off1}/{n} ({off1 / n:.0%}), "
            f"within one {within}/{n}, mean abs count error {mae:.2f} | hold error median "
            f"{statistics.median(holds) if holds else float('nan'):.2f} s, max {max(holds) if holds else float('nan'):.2f} s "
            f"({len(holds)} reps, {sum(h <= 0.3 for h in holds)} within 0.3 s) | faults: expected {tp + fn}, found {tp}, "
            f"missed {fn} (of which reported not checked {nc}), false {fp}; precision {prec:.2f}, recall {rec:.2f} "
            f"(recall of the judged: {tp / (tp + fn - nc) if tp + fn - nc else float('nan'):.2f}) | "
            f"confident faults (>= {CONFIDENT}): found {sum(c >= CONFIDENT for s in scores for c in s.tp_conf)}, "
            f"false {sum(c >= CONFIDENT for s in scores for c in s.false_conf)}")


CONFIDENT = 0.7  # the confidence from which live speaks a fault and the report shows it in full


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=Path(os.environ.get("BACKFORM_SHARED", ROOT.parent / "shared")))
    ap.add_argument("--synthetic", type=Path, default=ROOT / "sample_videos")
    ap.add_argument("--landmarks", type=Path, action="append",
                    help="folder(s) of existing recordings <clip stem>.jsonl (default: $BACKFORM_LANDMARKS); "
                         f"new ones are made in {CACHE}")
    ap.add_argument("--no-pose", action="store_true", help="skip clips without a landmark recording")
    ap.add_argument("--clip", action="append", help="only these clips (file names or stems)")
    ap.add_argument("--kind", choices=("real", "synthetic"), help="only real or only synthetic clips")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO if a.verbose else logging.WARNING, format="%(name)s: %(message)s")
    clips = load_clips(a.shared, a.synthetic)
    if a.clip:
        want = {Path(c).stem for c in a.clip}
        clips = [c for c in clips if Path(c.name).stem in want]
    if a.kind:
        clips = [c for c in clips if c.kind == a.kind]
    scores, skipped = [], []
    for c in clips:
        search = a.landmarks or ([Path(os.environ["BACKFORM_LANDMARKS"])] if os.environ.get("BACKFORM_LANDMARKS")
                                 else [])
        try:
            rec = recording_for(c, search, CACHE, make=not a.no_pose)
        except Exception as e:  # a broken or half-written video: report, do not stop the table
            print(f"  cannot analyse {c.name}: {e}", file=sys.stderr)
            rec = None
        if rec is None:
            skipped.append(c.name)
            continue
        sc = score(c, run_checker(c.exercise, rec))
        if c.variant:
            sc.note = f"[{c.variant}]"
        scores.append(sc)
    print(fmt_table(scores))
    print()
    print(totals([s for s in scores if s.clip.kind == "real"], "REAL"))
    print(totals([s for s in scores if s.clip.kind == "synthetic"], "SYNTHETIC"))
    print(totals(scores, "ALL"))
    if skipped:
        print(f"skipped (no landmark recording, --no-pose): {', '.join(skipped)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
