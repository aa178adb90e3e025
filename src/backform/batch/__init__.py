"""Batch analysis: every recording below a folder (or an fsspec URL), one session folder each, resumable.

    jobs = plan(IN, OUT, Options(), exercise=None)       # one Job per recording, its exercise, its folder
    for rec in run(jobs, workers=2):                     # or run(jobs, ray_address="auto", use_ray=True)
        ...                                              # one summary record per recording, as it finishes
    summary.write(OUT, records)                          # summary.csv + summary.json

A session folder holds what ``backform analyze`` writes (session.json, the session log, annotated.mp4,
report.html) and, written last, the finished marker ``.batch-done.json``: a rerun skips folders that have
it and redoes the others (a killed run's leftovers are removed first). A recording that fails is a record
with a one-line error; the rest go on.
"""
from __future__ import annotations

from typing import Iterator

from . import summary
from .jobs import EXERCISES_CSV, Job, Options, plan, read_exercise_table, recognition
from .runner import ray_module, run_local, run_ray, split_done
from .store import DONE_NAME, VIDEO_EXTS, Store
from .worker import analyze_recording, recognise_recording, run_job

__all__ = ["DONE_NAME", "EXERCISES_CSV", "VIDEO_EXTS", "Job", "Options", "Store", "analyze_recording", "plan",
           "recognise_recording",
           "ray_module", "read_exercise_table", "recognition", "run", "run_job", "run_local", "run_ray", "split_done",
           "summary"]


def run(jobs: list[Job], workers: int = 1, use_ray: bool = False, ray_address: str | None = None) -> Iterator[dict]:
    """One record per job: first those finished by an earlier run (status ``skipped``), then the others as
    they finish (``done`` or ``failed``)."""
    done, todo = split_done(jobs)
    yield from done
    if use_ray:
        yield from run_ray(todo, ray_address)
    else:
        yield from run_local(todo, workers)
