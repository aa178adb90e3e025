"""``bench/accuracy.py`` loaded once as a module for the tests that score clips with it (the real and the
synthetic clip tests share its clip loading, recordings and scoring)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAME = "bench_accuracy"

bench = sys.modules.get(NAME)
if bench is None:
    _spec = importlib.util.spec_from_file_location(NAME, ROOT / "bench" / "accuracy.py")
    bench = importlib.util.module_from_spec(_spec)
    sys.modules[NAME] = bench  # dataclasses look their module up while the class is built
    _spec.loader.exec_module(bench)
