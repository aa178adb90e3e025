"""`backform batch IN_DIR --out OUT_DIR [--jobs N] [--ray [ADDRESS]]`: every recording of a folder."""
from __future__ import annotations

import os
import sys

from tqdm import tqdm

from .. import batch
from ..errors import BackformError
from . import options

EXIT_SOME_FAILED = 1


def _default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def cmd_batch(args) -> int:
    options.check_exercise(args.exercise)
    opts = batch.Options(privacy=args.privacy, video=not args.no_video, max_fps=args.max_fps, model=args.model,
                         segmentation=not args.no_segmentation, program=args.program,
                         calibration=args.calibration)
    if args.ray is not None and batch.ray_module() is None:
        raise BackformError("--ray needs Ray: pip install 'backform[ray]'")
    jobs = batch.plan(args.in_dir, args.out, opts, exercise=args.exercise)
    if not jobs:
        raise BackformError(f"no recordings ({', '.join(sorted(batch.VIDEO_EXTS))}) below {args.in_dir}")
    workers = args.jobs or _default_jobs()
    records = []
    with tqdm(total=len(jobs), desc="batch", unit="recording", disable=args.quiet or None,
              dynamic_ncols=True) as bar:
        for rec in batch.run(jobs, workers=workers, use_ray=args.ray is not None, ray_address=args.ray or None):
            records.append(rec)
            bar.update(1)
            if rec["status"] == "failed":
                bar.write(f"failed: {rec['file']}: {rec['error']}", file=sys.stderr)
    totals = batch.summary.write(args.out, records)
    if not args.quiet:
        for rec in sorted(records, key=lambda r: r["file"]):
            if rec["status"] == "failed":
                print(f"  {rec['file']}: FAILED: {rec['error']}")
            else:
                print(f"  {rec['file']}: {rec['exercise']}, {rec['reps']} reps, {rec['faults']} faults"
                      + (" (finished earlier)" if rec["status"] == "skipped" else ""))
        print(f"{totals['recordings']} recordings: {totals['done']} analysed, {totals['skipped']} finished "
              f"earlier, {totals['failed']} failed; summary in {args.out}/{batch.summary.SUMMARY_CSV} and "
              f"{batch.summary.SUMMARY_JSON}")
    return EXIT_SOME_FAILED if totals["failed"] else 0


def add_parser(sub) -> None:
    b = sub.add_parser("batch", help="analyse every recording below a folder (or an fsspec URL), one session "
                                     "folder each; resumable; --ray for a cluster")
    b.add_argument("in_dir", help="folder (searched recursively) or URL (s3://..., file://...) of recordings; "
                                  f"an {batch.EXERCISES_CSV} there (file,exercise) says which exercise each shows")
    b.add_argument("--out", "-o", required=True, help="output folder or URL: one session folder per recording, "
                                                     "summary.csv and summary.json")
    b.add_argument("--jobs", "-j", type=int, default=0,
                   help="recordings analysed at once on this machine (default: all cores; with --ray the cluster's "
                        "CPUs decide)")
    b.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                   help="run on Ray: a cluster's address (auto, ray://head:10001), or none for a local Ray")
    options.add_exercise(b, " (for recordings " + batch.EXERCISES_CSV + " does not list)")
    options.add_output_options(b)
    options.add_programme_options(b)
    options.add_pose_options(b)
    options.add_quiet(b)
    b.set_defaults(func=cmd_batch)
