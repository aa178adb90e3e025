"""Running a batch's jobs: in this process, on N local worker processes, or on a Ray cluster.

Each runner yields one summary record per job as it finishes (in finishing order); the caller sorts them.
Finished recordings (their marker present) are skipped by the worker itself, so a rerun of a killed batch
redoes only what was not finished, whichever runner ran it before.
"""
from __future__ import annotations

import concurrent.futures as cf
import faulthandler
import importlib
import logging
import multiprocessing
import os
from typing import Iterable, Iterator

from .jobs import Job
from .store import Store
from .worker import record, run_job

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 2  # Ray: a task whose worker died is tried once more, then reported


def split_done(jobs: Iterable[Job]) -> tuple[list[dict], list[Job]]:
    """Records of the jobs finished by an earlier run, and the jobs still to do."""
    done, todo = [], []
    stores: dict[str, Store] = {}
    for job in jobs:
        out = stores.setdefault(job.out, Store(job.out))
        rec = None if job.error else out.done(job.folder)
        if rec is not None:
            done.append({**rec, "status": "skipped"})
        else:
            todo.append(job)
    return done, todo


def _init_worker() -> None:
    # one pose model per worker process; MediaPipe's own threads stay within the process's share
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    faulthandler.enable()  # a crash in native code leaves its stack on stderr


def run_local(jobs: list[Job], workers: int = 1) -> Iterator[dict]:
    """Run ``jobs`` here (``workers`` 1) or on ``workers`` processes. A worker process that dies (a crash in
    native code on a corrupt file) breaks the pool: the jobs it took down are run again one process each,
    so only the one that kills its process fails, not the batch."""
    if workers <= 1:
        for job in jobs:
            yield run_job(job)
        return
    ctx = multiprocessing.get_context("spawn")  # no fork after MediaPipe's threads have started
    broken: list[Job] = []
    with cf.ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=ctx,
                                initializer=_init_worker) as pool:
        futures = {pool.submit(run_job, j): j for j in jobs}
        for fut in cf.as_completed(futures):
            try:
                yield fut.result()
            except cf.process.BrokenProcessPool:
                broken.append(futures[fut])
    for job in broken:  # alone, so that a crash is pinned on its own recording
        with cf.ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=_init_worker) as pool:
            try:
                yield pool.submit(run_job, job).result()
            except cf.process.BrokenProcessPool:
                yield record(job, "failed", error="the worker process analysing it died")


def ray_module():
    """The ``ray`` package (an optional extra: ``pip install 'backform[ray]'``)."""
    try:
        return importlib.import_module("ray")
    except ImportError:
        return None


def run_ray(jobs: list[Job], address: str | None = None, cpus_per_job: float = 1.0) -> Iterator[dict]:
    """Run ``jobs`` as Ray tasks: on the cluster at ``address`` ("auto", "ray://head:10001", "head:6379"),
    on the Ray already initialised in this process, or on a local Ray started for the batch. Workers read
    and write through the jobs' paths or fsspec URLs, so a cluster needs locations every node can reach
    (a shared folder, an S3-compatible store)."""
    ray = ray_module()
    if ray is None:
        raise ImportError("--ray needs Ray: pip install 'backform[ray]'")
    started = False
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # patients' clinics: nothing phones home
    if not ray.is_initialized():
        if address:  # a cluster (or Ray client) decides its own resources and dashboard
            ray.init(address=address, log_to_driver=False, configure_logging=False)
        else:
            ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False)
        started = True
    try:
        task = ray.remote(num_cpus=cpus_per_job, max_retries=MAX_ATTEMPTS - 1)(run_job)
        refs = {task.remote(j): j for j in jobs}
        while refs:
            ready, _ = ray.wait(list(refs), num_returns=1)
            for ref in ready:
                job = refs.pop(ref)
                try:
                    yield ray.get(ref)
                except Exception as e:  # noqa: BLE001 - a task that died is that recording's error line
                    yield record(job, "failed", error=f"Ray task failed: {type(e).__name__}")
    finally:
        if started:
            ray.shutdown()
