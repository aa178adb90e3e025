"""Bytes per analysed frame of the session log, in today's format and in ``backform.landmarks/1``.

    nice -n 10 python bench/log_size.py [CLIP] [--exercise NAME] [--max-fps 20] [--keep DIR]

Runs ``backform analyze CLIP --no-video`` (the pose model, at the default analysis rate unless --max-fps)
into a temporary folder, measures its ``session.log.jsonl``, then re-writes the same frames (poses, checker
results, extra fields) the way the ``/1`` writer did (JSON float rows rounded to 5/4/4 decimals) and
measures that too, in the same run. Also checks that both files read back to bit-identical poses and the
same records. CLIP defaults to ``../shared/clips/lena_glute_bridge.mp4``; the exercise to its label in
``clips/labels.json``. Target: <= 2,500 bytes per analysed frame on that clip.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from _common import CLIPS

from backform.io.recording import SCHEMA_V1, read_session_log

DECIMALS = {"lm": 5, "world": 4, "contour": 4}   # the /1 writer's rounding


def v1_line(pf, rec: dict) -> str:
    """One record as the /1 writer wrote it (pose fields first, then the extra fields and the result)."""
    out = {"i": pf.index, "t_ms": round(float(pf.timestamp_ms), 3)}
    for key, a in (("lm", pf.landmarks), ("world", pf.world), ("contour", pf.contour)):
        out[key] = None if a is None else np.round(a.astype(np.float64), DECIMALS[key]).tolist()
    out.update({k: v for k, v in rec.items() if k not in ("i", "t_ms")})
    return json.dumps(out, separators=(",", ":")) + "\n"


def rewrite_v1(log: Path, dest: Path) -> int:
    header, recs = read_session_log(log)
    h = {"schema": SCHEMA_V1, **{k: v for k, v in header.items() if k not in ("schema", "units")}}
    n = 0
    with open(dest, "w", encoding="utf-8") as f:
        f.write(json.dumps(h) + "\n")
        for pf, rec in recs:
            f.write(v1_line(pf, rec))
            n += 1
    return n


def field_bytes(log: Path) -> dict:
    """Mean bytes per record of each top-level field (its JSON text, key included)."""
    sums: dict = {}
    lines = log.read_text(encoding="utf-8").splitlines()[1:]
    for line in lines:
        for k, v in json.loads(line).items():
            sums[k] = sums.get(k, 0) + len(json.dumps({k: v}, separators=(",", ":"))) - 2
    return {k: s / max(1, len(lines)) for k, s in sorted(sums.items(), key=lambda kv: -kv[1])}


def same(a: Path, b: Path) -> bool:
    (_, ra), (_, rb) = read_session_log(a), read_session_log(b)
    for (pa, xa), (pb, xb) in zip(ra, rb, strict=True):
        if xa != xb or (pa.index, pa.timestamp_ms) != (pb.index, pb.timestamp_ms):
            return False
        for f in ("landmarks", "world", "contour"):
            u, v = getattr(pa, f), getattr(pb, f)
            if (u is None) != (v is None) or (u is not None and not np.array_equal(u.view(np.uint32),
                                                                                      v.view(np.uint32))):
                return False
    return True


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clip", nargs="?", default=str(CLIPS / "lena_glute_bridge.mp4"))
    ap.add_argument("--exercise", help="default: the clip's label in clips/labels.json")
    ap.add_argument("--max-fps", type=float, help="analysis rate cap (default: analyze's)")
    ap.add_argument("--keep", help="analyse into this folder (kept) instead of a temporary one")
    ap.add_argument("--log", help="measure this session log instead of analysing CLIP")
    a = ap.parse_args()
    clip = Path(a.clip)
    exercise = a.exercise
    if exercise is None and (CLIPS / "labels.json").is_file():
        exercise = {d["clip"]: d["exercise"] for d in json.loads((CLIPS / "labels.json").read_text())}.get(clip.name)
    with tempfile.TemporaryDirectory(prefix="log_size_") as tmp:
        out = Path(a.keep) if a.keep else Path(tmp) / "session"
        if a.log:
            log, clip = Path(a.log), Path(a.log)
        else:
            cmd = [sys.executable, "-m", "backform", "analyze", str(clip), "--no-video", "-q", "--out", str(out)]
            cmd += ["--exercise", exercise] if exercise else []
            cmd += ["--max-fps", str(a.max_fps)] if a.max_fps is not None else []
            print(" ".join(cmd[1:]), file=sys.stderr, flush=True)
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit(f"analyze failed:\n{r.stderr}")
            log = out / "session.log.jsonl"
        old = Path(tmp) / "session.log.v1.jsonl"
        frames = rewrite_v1(log, old)
        header = json.loads(log.read_text(encoding="utf-8").splitlines()[0])
        size, size_v1 = log.stat().st_size, old.stat().st_size
        identical = same(log, old)
        print(f"{clip.name}: {frames} analysed frames ({header.get('analysis_fps')} /s, exercise "
              f"{header.get('exercise')}), contour points per frame: "
              f"{sorted({len(pf.contour) for pf, _ in read_session_log(log)[1] if pf.contour is not None})}")
        print(f"{'format':36} {'bytes':>10} {'bytes/frame':>12}")
        print(f"{header['schema']:36} {size:>10} {size / frames:>12.0f}")
        print(f"{SCHEMA_V1 + ' (re-written)':36} {size_v1:>10} {size_v1 / frames:>12.0f}")
        print(f"ratio {size_v1 / size:.2f}x smaller; read back identical (poses bit for bit, records): {identical}")
        print("per field, bytes/frame:  " + header["schema"] + ": " +
              ", ".join(f"{k} {v:.0f}" for k, v in field_bytes(log).items()))
        print("                         " + SCHEMA_V1 + ": " +
              ", ".join(f"{k} {v:.0f}" for k, v in field_bytes(old).items()))
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
