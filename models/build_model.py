#!/usr/bin/env python3
"""Build the offline pose model bundle: models/pose_landmarker_full.task (or --output).

    python models/build_model.py [--wheel mediapipe-0.10.21-...whl] [--output PATH]

Downloads PyPI's mediapipe==0.10.21 wheel (no dependencies) unless --wheel is given, checks the SHA-256 of
the two TFLite models inside it, adds the image-input metadata the landmark model lacks and writes an
uncompressed .task zip. The result is byte-identical every time; its SHA-256 is checked against
backform.pose.model.BUNDLE_SHA256. `backform` does the same automatically on first use (into
~/.cache/backform/models, or $BACKFORM_MODEL_DIR).
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from backform.pose.model import BUNDLE_FILENAME, ModelError, build_model, sha256_file  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheel", help="a local mediapipe-0.10.21 wheel (any platform)")
    ap.add_argument("--output", default=str(Path(__file__).resolve().parent / BUNDLE_FILENAME))
    a = ap.parse_args()
    try:
        p = build_model(a.output, wheel=a.wheel)
    except ModelError as e:
        print(f"build_model: error: {e}", file=sys.stderr)
        return 2
    print(f"{p}  sha256 {sha256_file(p)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
