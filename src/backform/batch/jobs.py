"""What a batch has to do: one job per recording, with its exercise and its session folder.

The exercise of a recording comes from, in this order: ``exercises.csv`` in the input folder (columns
``file,exercise``; ``file`` is the path below the input folder, or just the file name when that is unique),
the ``--exercise`` given for the whole batch, a programme with a single exercise, and exercise recognition
(``backform.recognition``, when that package exists: the recording is analysed as ``backform analyze``
without ``--exercise`` does, one segment per exercise found). A recording with none of these is a failed
job with a one-line reason; the others still run.
"""
from __future__ import annotations

import csv
import importlib
import io
import logging
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

from ..errors import BackformError
from ..exercises import names
from ..programme.programme import load as load_programme
from .store import Store

log = logging.getLogger(__name__)
EXERCISES_CSV = "exercises.csv"


@dataclass(frozen=True)
class Options:
    """How every recording is analysed: the options of ``backform analyze``."""

    privacy: str = "none"
    video: bool = True                 # write annotated.mp4
    max_fps: float | None = None       # None: the product's default
    model: str | None = None           # a .task file every worker can read (None: the bundled build)
    segmentation: bool = True
    program: str | None = None         # a programme file every worker can read
    calibration: str | None = None


@dataclass(frozen=True)
class Job:
    """One recording: ``file`` below ``src``, analysed into ``folder`` below ``out``."""

    file: str
    folder: str
    src: str
    out: str
    exercise: str | None
    options: Options = Options()
    error: str | None = None           # known before running (no exercise for it, ...)
    recognise: bool = False            # no exercise given: the worker asks backform.recognition


def read_exercise_table(text: str) -> dict[str, str]:
    """``exercises.csv`` -> {file: exercise}. A header line ``file,exercise`` is expected."""
    rows = csv.DictReader(io.StringIO(text))
    if not rows.fieldnames or not {"file", "exercise"} <= {f.strip().lower() for f in rows.fieldnames}:
        raise BackformError(f"{EXERCISES_CSV} needs a header line 'file,exercise'")
    out = {}
    for row in rows:
        row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        f = row.get("file", "").replace("\\", "/")
        if f.startswith("./"):
            f = f[2:]
        if f:
            out[f] = row.get("exercise") or ""
    return out


def recognition():
    """The exercise recognition package (``backform.recognition``, issue 13) when it is there and has what a
    batch needs (recognise, check, session_of, FrameCollector), else None. Looked up by name: it is another
    part's work and an older checkout may not have it."""
    try:
        mod = importlib.import_module("backform.recognition")
    except ImportError:
        return None
    need = ("FrameCollector", "recognise", "check", "session_of")
    return mod if all(hasattr(mod, n) for n in need) else None


def _below(src: Store, out: Store) -> str | None:
    """``out``'s path relative to ``src`` when it is inside it (both local folders), else None."""
    if src.local is None or out.local is None:
        return None
    try:
        rel = out.local.resolve().relative_to(src.local.resolve()).as_posix()
    except ValueError:
        return None
    return rel if rel != "." else ""


def _folders(files: list[str]) -> dict[str, str]:
    """Session folder per recording: its path without the extension (with it when two share a stem)."""
    stems: dict[str, int] = {}
    for f in files:
        stem = str(PurePosixPath(f).with_suffix(""))
        stems[stem] = stems.get(stem, 0) + 1
    out = {}
    for f in files:
        p = PurePosixPath(f)
        stem = str(p.with_suffix(""))
        out[f] = stem if stems[stem] == 1 else f"{stem}_{p.suffix.lstrip('.').lower()}"
    return out


def plan(src: str, out: str, options: Options = Options(), exercise: str | None = None) -> list[Job]:
    """One job per recording below ``src`` (recursively), sorted by path. When the output folder is inside
    the input folder, what is below it (annotated videos of an earlier run) is not a recording."""
    store = Store(src)
    files = store.recordings()
    inside = _below(store, Store(out))
    if inside is not None:
        files = [f for f in files if not (f + "/").startswith(inside + "/")]
    table_text = store.read_text(EXERCISES_CSV)
    table = read_exercise_table(table_text) if table_text is not None else {}
    by_name: dict[str, list[str]] = {}
    for f in files:
        by_name.setdefault(PurePosixPath(f).name, []).append(f)
    programme = load_programme(options.program) if options.program else None
    only = None
    if programme is not None and len(programme.exercises) == 1:
        only = programme.exercises[0]
    can_recognise = recognition() is not None
    folders = _folders(files)
    jobs = []
    for f in files:
        name = table.get(f)
        if name is None and len(by_name[PurePosixPath(f).name]) == 1:
            name = table.get(PurePosixPath(f).name)
        job = Job(file=f, folder=folders[f], src=src, out=out, exercise=name or exercise or only, options=options)
        if job.exercise is None and can_recognise:
            job = replace(job, recognise=True)
        elif job.exercise is None:
            job = replace(job, error=f"no exercise given (add it to {EXERCISES_CSV}, or use --exercise or "
                                     "--program)")
        elif job.exercise not in names():
            job = replace(job, error=f"unknown exercise {job.exercise!r}; choose one of: {', '.join(names())}")
        elif programme is not None and job.exercise not in programme.exercises:
            job = replace(job, error=f"{job.exercise} is not in the programme {options.program}")
        jobs.append(job)
    log.info("batch: %d recordings below %s", len(jobs), src)
    return jobs
