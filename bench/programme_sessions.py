"""Rendered full-programme sessions: segment the whole recording without --exercise and score it (issue 13).

    nice -n 15 python bench/programme_sessions.py              # render (cached) and score the 2 default sessions
    nice -n 15 python bench/programme_sessions.py -n 3         # the first 3 sessions
    python bench/programme_sessions.py --render-only           # just render what is not cached
    python bench/programme_sessions.py --score-only            # score the cached sessions (no rendering)

Each session is one video from ``backform.synth.programme_render`` (one body, one room, 640x360 @ 15 fps, the
exercises joined by transitions: get down, lower to prone, roll over, sit up and stand, walk to the wall or
back to the mat; rests between) with a truth file (``backform.truth/2``: segments, other stretches, reps in
absolute seconds), cached in ``~/.cache/backform/programme_sessions``. The seeds are fixed: the same videos
every time (rendering one takes about 0.3 s a frame on a loaded 2-core machine: 8-10 minutes a session).

Scoring, as ``bench/recognition.py --joined`` does for joined recordings (its functions, imported):
``backform analyze VIDEO --out DIR`` without --exercise; segment F1@50 (a found segment counts when its
intersection over union with a true one is >= 0.5 and its exercise is right); each found segment's rep
count against ``backform analyze --exercise E`` on that true segment's time range (the segment cut out of
the video with ffmpeg, re-encoded, as a user trimming the recording would), against the right checker over
that true segment's frames of the whole recording (what --exercise runs, on the same pose pass), and
against the truth.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))


from backform.io.recording import read_session_log  # noqa: E402
from backform.recognition.segments import run_checker  # noqa: E402
from backform.synth.motion import FaultSpec  # noqa: E402
from backform.synth.programme import Block  # noqa: E402

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "backform" / "programme_sessions"

# (name, blocks, seed, camera, near side); the first two are the default run
SESSIONS = [
    ("prog_a", [Block("bird_dog", 3), Block("prone_arm_lift", 2), Block("bridge", 3), Block("wall_slide", 2)],
     101, "cut", "+y"),
    ("prog_b", [Block("wall_slide", 2, (FaultSpec("arms_not_overhead", 40.0, (2,)),)),
                Block("bird_dog", 3, (FaultSpec("back_sag", 25.0, (2,)),), start_side="right"),
                Block("prone_arm_lift", 2), Block("bridge", 3, (FaultSpec("hips_low", 25.0, (3,)),))],
     202, "cut", "-y"),
    ("prog_c", [Block("bird_dog", 2), Block("prone_arm_lift", 2), Block("bridge", 2), Block("wall_slide", 2)],
     303, "one", "+y"),
]


def render(name, blocks, seed, camera, near) -> tuple[Path, dict]:
    from backform.synth.programme_render import ProgrammeSpec, render_programme

    CACHE.mkdir(parents=True, exist_ok=True)
    video, truth = CACHE / f"{name}.mp4", CACHE / f"{name}.truth.json"
    if not (video.is_file() and truth.is_file()):
        cmd = f"python bench/programme_sessions.py (session {name})"
        r = render_programme(ProgrammeSpec(blocks, seed=seed, camera=camera, near=near, name=name), CACHE, cmd,
                             write_video=not video.is_file())  # a render interrupted after its video: truth only
        print(f"rendered {name}: {r['frames']} frames, pose {r['pose_s']:.0f} s, render {r['render_s']:.0f} s "
              f"({r['render_s'] / r['frames']:.3f} s/frame), {r['bytes'] / 1e6:.1f} MB", flush=True)
    return video, json.loads(truth.read_text())


def cut(video: Path, a: float, b: float, dest: Path) -> Path:
    """The part [a, b] s of ``video``, re-encoded (frame-exact)."""
    if not dest.is_file():
        dest.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(video), "-ss", f"{a:.3f}", "-to", f"{b:.3f}", "-an",
                        "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", str(dest)],
                       check=True)
    return dest


def score(sessions, work: Path) -> None:
    import recognition as R  # bench/recognition.py: analyze (the CLI in-process), iou

    tp = fp = fn = wrong_ex = 0
    rows = []
    for name, *_ in sessions:
        video, truth = CACHE / f"{name}.mp4", json.loads((CACHE / f"{name}.truth.json").read_text())
        s, el = R.analyze(video, work / "out" / name)
        _, recs = read_session_log(work / "out" / name / "session.log.jsonl")
        frames = [pf for pf, _ in recs]
        segs_t = truth["segments"]
        print(f"\n{name} ({truth['width']}x{truth['height']} @ {truth['fps']:g} fps, {truth['duration_s']:.1f} s, "
              f"camera {truth['camera_mode']}, cuts at {truth['camera_cuts_s']}; analysed in {el:.1f} s)")
        print("  truth: " + " | ".join(f"{g['exercise']} {g['start_s']:.1f}-{g['end_s']:.1f} ({g['rep_count']})"
                                       for g in segs_t))
        print("  other: " + " | ".join(f"{o['name']} {o['start_s']:.1f}-{o['end_s']:.1f}" for o in truth["other"]
                                       if o["kind"] == "transition"))
        matched = set()
        for sg in s.segments or []:
            best = max(range(len(segs_t)), key=lambda j: R.iou(sg.start_s, sg.end_s, segs_t[j]["start_s"],
                                                               segs_t[j]["end_s"]), default=None)
            v = R.iou(sg.start_s, sg.end_s, segs_t[best]["start_s"], segs_t[best]["end_s"]) if best is not None else 0
            hit = best is not None and v >= 0.5 and best not in matched
            ok_ex = hit and segs_t[best]["exercise"] == sg.exercise
            if hit:
                matched.add(best)
                wrong_ex += not ok_ex
            tp += ok_ex
            fp += not ok_ex
            alone = part = want = None
            if hit:
                g = segs_t[best]
                part_video = cut(video, g["start_s"], g["end_s"], work / "parts" / f"{name}_{best}.mp4")
                alone = R.analyze(part_video, work / "alone" / f"{name}_{best}", g["exercise"])[0].rep_count
                part = len(run_checker(g["exercise"], [pf for pf in frames
                                                       if g["start_s"] <= pf.t_s < g["end_s"]]).reps)
                want = g["rep_count"]
            rows.append((name, sg.exercise, sg.rep_count, alone, part, want))
            print(f"  found {sg.exercise:16s} {sg.start_s:6.1f}-{sg.end_s:6.1f} s  reps {sg.rep_count:2d} "
                  f"(--exercise on the segment's time range: {alone}; checker on the true segment's frames: {part}; "
                  f"truth {want})  IoU {v:.2f}{'' if ok_ex else '  WRONG'}  conf {sg.confidence}")
        for j, g in enumerate(segs_t):
            if j not in matched:
                fn += 1
                part = len(run_checker(g["exercise"],
                                       [pf for pf in frames if g["start_s"] <= pf.t_s < g["end_s"]]).reps)
                print(f"  MISSED {g['exercise']} {g['start_s']:.1f}-{g['end_s']:.1f} s (truth {g['rep_count']} reps; "
                      f"its checker on the true segment's frames: {part})")
        for o in s.other or []:
            print(f"  other {o.start_s:6.1f}-{o.end_s:6.1f} s  {o.reason}")
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    n = len(rows)
    same_alone = sum(1 for r in rows if r[3] is not None and r[2] == r[3])
    same_part = sum(1 for r in rows if r[4] is not None and r[2] == r[4])
    same_truth = sum(1 for r in rows if r[5] is not None and r[2] == r[5])
    print(f"\nsegment F1@50 = {f1:.3f} (tp {tp}, fp {fp}, fn {fn}); wrong exercise on a matched segment: {wrong_ex}; "
          f"segment rep counts equal to --exercise on the segment's time range: {same_alone}/{n}, to the checker "
          f"on the true segment's frames of the recording: {same_part}/{n}, to the truth: {same_truth}/{n}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=2, help="how many sessions (of %d)" % len(SESSIONS))
    ap.add_argument("--render-only", action="store_true")
    ap.add_argument("--score-only", action="store_true")
    ap.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    sessions = SESSIONS[: a.n]
    if not a.score_only:
        for sess in sessions:
            t0 = time.perf_counter()
            render(*sess)
            print(f"{sess[0]}: ready ({time.perf_counter() - t0:.0f} s)", flush=True)
    if a.render_only:
        return 0
    sessions = [s for s in sessions if (CACHE / f"{s[0]}.truth.json").is_file()]
    with tempfile.TemporaryDirectory() as tmp:
        score(sessions, a.work or Path(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
