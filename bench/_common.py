"""Shared helpers for the benchmarks: where the real clips are, and their labels."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BACKFORM_SHARED", ROOT.parent / "shared"))
CLIPS = SHARED / "clips"


def labels() -> list[dict]:
    """``clips/labels.json`` entries, or exit with a clear line when ../shared is absent."""
    path = CLIPS / "labels.json"
    if not path.is_file():
        sys.exit(f"no labelled clips at {CLIPS} (set BACKFORM_SHARED to the shared folder)")
    return json.loads(path.read_text())


def rep_intervals(label: dict) -> list[tuple[float, float]]:
    """(start_s, end_s) of each labelled rep; an open rep (clip ends first) runs to the clip end."""
    return [(r["start_s"], r["end_s"] if r["end_s"] is not None else float("inf")) for r in label.get("reps", [])]


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    if not n:
        return float("nan")
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])
