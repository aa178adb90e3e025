"""Load and crash bench of the review service (issue 15): 50 patients uploading at once, then kill -9.

    nice -n 10 .venv/bin/python bench/service_load.py [--patients 50] [--sessions 2] [--db sqlite postgresql]
                                                      [--clip sample_videos/bridge_clean_s101.mp4] [--no-clip]

Session folders: a real clip analysed once by ``backform analyze --privacy skeleton`` (session.json, the log and
the skeleton-only annotated.mp4; kept in ``--cache``) and two kinematic sessions made by the tests' kinematic
body through the same pipeline (bridge with a fault, bird dog). Every patient gets their own copies (their
session.json names its own source, so every session has its own digest), ``--sessions`` for the load and as
many again for the crash.

For each database (SQLite in the data folder; PostgreSQL started from Debian's binaries with the tests' helper):

1. ``backform serve --workers 0`` is started as its own process on 127.0.0.1; a therapist (made with the
   service's ``create_user``) logs in and invites the patients, who join and make an upload token, all over
   HTTP through the pages;
2. load: every patient uploads their folders at the same moment (one thread each, uploads in sequence, with
   ``backform upload``'s own client); none lost = every upload answered 201 and is stored exactly once (one row
   per (patient, digest), blobs complete, session.json byte for byte); p50/p95 latency per upload;
3. crash: every patient uploads their second batch and the server gets SIGKILL once a share of them is done
   (``--kill-after``), with uploads in flight; the rows and the blob folder are checked (no row with missing or
   short blobs); the server is restarted and every patient re-uploads everything: no duplicate, no half
   session, nothing lost, every blob folder belongs to a row. Crash leftovers that are not sessions (``.part``
   files of a blob being written, staging folders of an upload) are counted and printed, then swept the way
   ``backform serve purge`` and the job worker sweep them once they are an hour old (here at any age), and the
   sessions are checked again.

Exit status 1 when a check fails. The machine is shared: the load average is printed with the figures.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))
warnings.filterwarnings("ignore", message=".*httpx.*", category=DeprecationWarning)  # the tests' TestClient import

import httpx  # noqa: E402
from sqlalchemy import select  # noqa: E402

from _report_helpers import make_session  # noqa: E402
from kinematics import Rep  # noqa: E402
from test_service_helpers import CSRF_RE, Postgres, free_port, pg_bin, wait_http  # noqa: E402

from backform.cli.upload import upload_folder  # noqa: E402
from backform.errors import BackformError  # noqa: E402
from backform.exercises import names as exercise_names  # noqa: E402
from backform.service import Settings, care, create_user  # noqa: E402
from backform.service.blobs import open_store  # noqa: E402
from backform.service.db import make_engine, sessions  # noqa: E402
from backform.service.models import SessionRecord, User  # noqa: E402

PASSWORD = "load bench password"
DEFAULT_CLIP = ROOT / "sample_videos" / "bridge_clean_s101.mp4"


# --- session folders -----------------------------------------------------------------------------------------------
def templates(cache: Path, clips: list[Path]) -> list[Path]:
    """The session folders every patient's copies are made from (made once, kept in ``cache``)."""
    out = []
    kin = cache / "kinematic"
    for name, reps in (("bridge", [Rep(hold=2.5), Rep(hold=2.5, faults={"hips_low": 30.0}), Rep(hold=2.5)]),
                       ("bird_dog", [Rep(hold=2.0)] * 4)):
        f = kin / f"2026-12-01_1030_{name}"
        if not (f / "session.json").is_file():
            make_session(f, name, reps)
        out.append(f)
    for clip in clips:
        f = cache / "analysed" / clip.stem
        if not (f / "session.json").is_file():
            exercise = next((e for e in sorted(exercise_names(), key=len, reverse=True) if clip.stem.startswith(e)),
                            None)
            t0 = time.monotonic()
            cmd = [sys.executable, "-m", "backform", "analyze", str(clip), "--privacy", "skeleton", "--out", str(f),
                   "-q", *(["--exercise", exercise] if exercise else [])]
            subprocess.run(cmd, check=True)
            print(f"analysed {clip.name} once ({time.monotonic() - t0:.0f} s): {f}", flush=True)
        out.append(f)
    return out


@dataclass
class Folder:
    patient: int           # index 0..N-1
    path: Path
    digest: str            # sha256 of session.json: the server's key with the patient
    sizes: dict[str, int]  # the files sent


def copies(tpls: list[Path], work: Path, patients: int, first: int, count: int) -> list[list[Folder]]:
    """Per patient, ``count`` session folders (numbered from ``first``), each with its own session.json."""
    out = []
    for i in range(patients):
        mine = []
        for j in range(first, first + count):
            src = tpls[(i + j) % len(tpls)]
            doc = json.loads((src / "session.json").read_text())
            doc.setdefault("source", {})["path"] = f"patient{i:02d}-session{j}-{src.name}.mp4"
            dest = work / f"p{i:02d}" / f"2026-12-{1 + j % 28:02d}_10{j % 60:02d}_{doc.get('exercise') or 'x'}"
            dest.mkdir(parents=True)
            raw = json.dumps(doc, indent=1).encode()
            (dest / "session.json").write_bytes(raw)
            sizes = {"session.json": len(raw)}
            for name in ("session.log.jsonl", "annotated.mp4"):
                if (src / name).is_file():
                    os.link(src / name, dest / name)
                    sizes[name] = (src / name).stat().st_size
            mine.append(Folder(i, dest, hashlib.sha256(raw).hexdigest(), sizes))
        out.append(mine)
    return out


# --- the server and its people ---------------------------------------------------------------------------------------
class Server:
    """``backform serve`` in its own process (no job worker: nothing else to kill)."""

    def __init__(self, data: Path, db_url: str, log: Path):
        self.data, self.db_url, self.log, self.port = data, db_url, log, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> float:
        t0 = time.monotonic()
        cmd = [sys.executable, "-m", "backform", "serve", "--data", str(self.data), "--port", str(self.port),
               "--workers", "0", "--insecure-cookies", *(["--db", self.db_url] if self.db_url else [])]
        with self.log.open("a") as logf:
            self.proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT)
        wait_http(self.url + "/healthz", 180)
        return time.monotonic() - t0

    def kill9(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Web:
    """A browser-like HTTP client keeping cookies and the CSRF token of the last page."""

    def __init__(self, url: str):
        self.c = httpx.Client(base_url=url, follow_redirects=True, timeout=120)
        self.csrf = ""

    def get(self, path: str) -> httpx.Response:
        r = self.c.get(path)
        m = CSRF_RE.search(r.text)
        if m:
            self.csrf = m.group(1)
        return r

    def post(self, path: str, data: dict) -> httpx.Response:
        return self.c.post(path, data={**data, "csrf": self.csrf})


def people(server: Server, settings: Settings, patients: int) -> list[str]:
    """A therapist (from the service's own function) invites ``patients`` through the caseload page; each joins
    with the invitation code and makes an upload token on their page. Returns the tokens."""
    create_user(settings, "therapist@load.test", "Theo Load", PASSWORD, "therapist")
    t = Web(server.url)
    t.get("/login")
    assert t.post("/login", {"email": "therapist@load.test", "password": PASSWORD}).status_code == 200
    t.get("/caseload")
    codes = []
    for i in range(patients):
        r = t.post("/patients", {"name": f"Patient {i:02d}", "reference": f"L-{i:02d}", "privacy": "skeleton"})
        r.raise_for_status()
        codes.append(re.search(r'<code id="code">([^<]+)</code>', r.text).group(1))

    def join(i: int) -> str:
        p = Web(server.url)
        p.get(f"/join/{codes[i]}")
        r = p.post("/join", {"code": codes[i], "email": f"p{i:02d}@load.test", "password": PASSWORD,
                             "password2": PASSWORD})
        r.raise_for_status()
        p.get("/me")
        r = p.post("/me/tokens", {"label": "bench"})
        return re.search(r'token = "([^"]+)"', r.text).group(1)
    with ThreadPoolExecutor(8) as ex:
        return list(ex.map(join, range(patients)))


# --- uploading ------------------------------------------------------------------------------------------------------
@dataclass
class Result:
    folder: Folder
    status: int = 0          # 0: no answer (connection refused or reset, after the client's retries)
    seconds: float = 0.0
    session_id: int | None = None
    error: str = ""


@dataclass
class Run:
    """Every patient's thread uploads its folders in sequence, all starting together."""
    url: str
    tokens: list[str]
    results: list[Result] = field(default_factory=list)
    started: int = 0
    finished: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _patient(self, folders: list[Folder], gate: threading.Barrier) -> None:
        gate.wait()
        for f in folders:
            with self.lock:
                self.started += 1
            r = Result(f)
            t0 = time.monotonic()
            try:
                r.status, body = upload_folder(f.path, self.url, self.tokens[f.patient])
                r.session_id, r.error = body.get("id"), body.get("error", "")
            except BackformError as e:
                r.error = str(e)
            r.seconds = time.monotonic() - t0
            with self.lock:
                self.finished += 1
                self.results.append(r)
            if r.status == 0:
                return  # the server is gone: this patient stops (and uploads again later)

    def start(self, per_patient: list[list[Folder]]) -> list[threading.Thread]:
        gate = threading.Barrier(len(per_patient))
        threads = [threading.Thread(target=self._patient, args=(fs, gate), daemon=True) for fs in per_patient]
        for th in threads:
            th.start()
        return threads


def run_all(url: str, tokens: list[str], per_patient: list[list[Folder]]) -> tuple[Run, float]:
    run = Run(url, tokens)
    t0 = time.monotonic()
    for th in run.start(per_patient):
        th.join()
    return run, time.monotonic() - t0


def latency(results: list[Result]) -> str:
    s = sorted(r.seconds for r in results)
    if not s:
        return "no uploads"
    p95 = s[min(len(s) - 1, round(0.95 * (len(s) - 1)))]
    return (f"latency per upload p50 {statistics.median(s):.2f} s, p95 {p95:.2f} s, max {s[-1]:.2f} s "
            f"({len(s)} uploads)")


# --- what is stored ---------------------------------------------------------------------------------------------------
@dataclass
class Stored:
    rows: int = 0
    duplicates: int = 0                                 # more than one row for one (patient, digest)
    half: list[str] = field(default_factory=list)      # a row whose blobs are missing, short, or not all sent
    missing: int = 0                                    # expected folders without a row
    unexpected: int = 0                                 # rows that are none of the expected folders
    orphans: int = 0                                    # session blob folders no row points to
    parts: int = 0                                      # .part files (a blob being written when the server died)
    staging: int = 0                                    # staging folders of uploads (data/tmp/upload-*)
    stored: set = field(default_factory=set)            # (patient index, digest) of the expected folders stored

    def line(self) -> str:
        return (f"rows {self.rows}, duplicates {self.duplicates}, half sessions {len(self.half)}, "
                f"blob folders without a row {self.orphans}; crash leftovers that are not sessions: "
                f"{self.parts} .part files, {self.staging} upload staging folders")


def inspect(settings: Settings, expected: list[Folder]) -> Stored:
    """The rows and the blob folder against the folders sent."""
    eng = make_engine(settings.url)
    with sessions(eng)() as db:
        ids = {u.email: u.id for u in db.scalars(select(User).where(User.role == "patient"))}
        rows = list(db.scalars(select(SessionRecord)))
    eng.dispose()
    root = settings.data / "blobs"
    st = Stored(rows=len(rows))
    by_key: dict[tuple[int, str], list[SessionRecord]] = {}
    for r in rows:
        by_key.setdefault((r.patient_id, r.digest), []).append(r)
        for name, size in r.blobs.items():
            p = root / r.blob_prefix / name
            if not p.is_file() or p.stat().st_size != size:
                st.half.append(f"session {r.id}: {name} missing or not {size} bytes")
    st.duplicates = sum(len(v) - 1 for v in by_key.values())
    exp = {(ids[f"p{f.patient:02d}@load.test"], f.digest): f for f in expected}
    for key, f in exp.items():
        if key not in by_key:
            st.missing += 1
            continue
        st.stored.add((f.patient, f.digest))
        r = by_key[key][0]
        if r.session_json.encode() != (f.path / "session.json").read_bytes():
            st.half.append(f"session {r.id}: session.json differs from the one sent")
        short = [n for n, size in f.sizes.items() if r.blobs.get(n) != size]
        if short or "report.html" not in r.blobs:
            st.half.append(f"session {r.id}: {short or 'report.html'} not stored whole")
    st.unexpected = sum(1 for key in by_key if key not in exp)
    prefixes = {r.blob_prefix for r in rows}
    st.orphans = sum(1 for d in root.glob("patients/*/sessions/*")
                     if d.relative_to(root).as_posix() not in prefixes)
    st.parts = sum(1 for _ in root.rglob("*.part"))
    st.staging = sum(1 for _ in (settings.data / "tmp").glob("upload-*")) if (settings.data / "tmp").is_dir() else 0
    return st


def load_avg() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


# --- one database -----------------------------------------------------------------------------------------------------
def bench_db(kind: str, args, tpls: list[Path]) -> bool:
    base = Path(tempfile.mkdtemp(prefix=f"backform-load-{kind}-"))
    pg, server, ok = None, None, True
    try:
        db_url = ""
        if kind == "postgresql":
            pg = Postgres()
            pg.start()
            db_url = pg.create_db("load")
        data = base / "data"
        settings = Settings.make(data, db_url=db_url, cookie_secure=False)
        server = Server(data, db_url, base / "server.log")
        n, k = args.patients, args.sessions
        print(f"\n== {kind}: backform serve --workers 0 on {server.url} ({load_avg()})", flush=True)
        t_start = server.start()
        t0 = time.monotonic()
        tokens = people(server, settings, n)
        print(f"server up in {t_start:.1f} s; {n} patients invited, joined and given a token over HTTP in "
              f"{time.monotonic() - t0:.1f} s", flush=True)
        batch1 = copies(tpls, base / "sessions", n, 0, k)
        batch2 = copies(tpls, base / "sessions", n, k, k)
        all1 = [f for fs in batch1 for f in fs]
        all2 = [f for fs in batch2 for f in fs]
        mb = sum(sum(f.sizes.values()) for f in all1) / 2**20

        # 1. load
        run1, wall = run_all(server.url, tokens, batch1)
        st = inspect(settings, all1)
        statuses = sorted({r.status for r in run1.results})
        lost = len(all1) - len(st.stored)
        good = (len(run1.results) == len(all1) and statuses == [201] and lost == 0 and st.rows == len(all1)
                and not st.duplicates and not st.half and not st.unexpected)
        ok &= good
        print(f"load: {n} patients x {k} uploads at once ({mb:.0f} MB): answers {statuses}, stored "
              f"{len(st.stored)}/{len(all1)}, none lost (each stored exactly once, blobs whole): "
              f"{'yes' if good else 'NO'}", flush=True)
        print(f"  {latency(run1.results)}; {len(all1) / wall:.1f} uploads/s, {mb / wall:.1f} MB/s; {load_avg()}")
        print(f"  {st.line()}", flush=True)
        ids1 = {(r.folder.patient, r.folder.digest): r.session_id for r in run1.results}

        # 2. kill -9 with uploads in flight
        run2 = Run(server.url, tokens)
        threads = run2.start(batch2)
        target = max(1, round(args.kill_after * len(all2)))
        while run2.finished < target and any(th.is_alive() for th in threads):
            time.sleep(0.005)
        with run2.lock:
            done, in_flight = run2.finished, run2.started - run2.finished
        server.kill9()
        for th in threads:
            th.join()
        answered = sum(1 for r in run2.results if r.status == 201)
        st2 = inspect(settings, all1 + all2)
        unanswered_but_stored = sum(1 for r in run2.results if r.status == 0
                                    and (r.folder.patient, r.folder.digest) in st2.stored)
        good = not st2.half and not st2.duplicates and not st2.unexpected
        ok &= good and in_flight > 0
        print(f"kill -9 after {done} of {len(all2)} uploads of the second batch answered, {in_flight} in flight; "
              f"{answered} answered 201 in all, {len(all2) - answered} not", flush=True)
        print(f"  after the kill: {st2.line()}; stored without an answer (committed, then killed): "
              f"{unanswered_but_stored}; no half session: {'yes' if good else 'NO ' + '; '.join(st2.half[:3])}")

        # 3. restart, everyone uploads everything again
        t_restart = server.start()
        run3, wall = run_all(server.url, tokens, [a + b for a, b in zip(batch1, batch2)])
        st3 = inspect(settings, all1 + all2)
        by_status: dict[int, int] = {}
        for r in run3.results:
            by_status[r.status] = by_status.get(r.status, 0) + 1
        same_ids = all(r.session_id == ids1[(r.folder.patient, r.folder.digest)] and r.status == 200
                       for r in run3.results if (r.folder.patient, r.folder.digest) in ids1)
        total = len(all1) + len(all2)
        good = (len(run3.results) == total and set(by_status) <= {200, 201} and same_ids and st3.rows == total
                and st3.missing == 0 and not st3.duplicates and not st3.half and not st3.unexpected
                and not st3.orphans)
        ok &= good
        print(f"restart: healthy in {t_restart:.1f} s; re-upload of all {total}: answers "
              f"{dict(sorted(by_status.items()))} (200 = already stored, same id: {'yes' if same_ids else 'NO'})",
              flush=True)
        for status, what in ((201, "new"), (200, "already stored")):
            print(f"  {what}: {latency([r for r in run3.results if r.status == status])}")
        print(f"  {load_avg()}")
        print(f"  final: {st3.line()}; expected {total}, missing {st3.missing}; no duplicate, no half session, "
              f"none lost: {'yes' if good else 'NO'}", flush=True)

        # 4. the leftovers' sweep (backform serve purge and the worker do it hourly for those an hour old)
        eng = make_engine(settings.url)
        with sessions(eng)() as db:
            swept = care.sweep_leftovers(db, open_store("", data), data / "tmp", older_than_s=0)
        eng.dispose()
        st4 = inspect(settings, all1 + all2)
        good = st4.rows == total and not st4.half and not st4.missing and not (st4.parts + st4.staging + st4.orphans)
        ok &= good
        print(f"sweep of crash leftovers (at age 0 here): removed {swept}; then {st4.line()}; sessions intact: "
              f"{'yes' if good else 'NO'}", flush=True)
        return ok
    finally:
        if server is not None:
            server.stop()
        if pg is not None:
            pg.stop()
        if args.keep:
            print(f"kept: {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--patients", type=int, default=50)
    ap.add_argument("--sessions", type=int, default=2, help="uploads per patient in the load and again in the crash")
    ap.add_argument("--db", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    ap.add_argument("--clip", type=Path, action="append", help=f"a clip to analyse once into a session folder "
                                                               f"(default {DEFAULT_CLIP.relative_to(ROOT)})")
    ap.add_argument("--no-clip", action="store_true", help="kinematic session folders only (no pose model)")
    ap.add_argument("--kill-after", type=float, default=0.3,
                    help="share of the second batch answered before the server gets SIGKILL (default 0.3)")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "backform-service-load",
                    help="where the template session folders are kept between runs")
    ap.add_argument("--keep", action="store_true", help="keep the data folders (printed)")
    args = ap.parse_args()
    clips = [] if args.no_clip else (args.clip or ([DEFAULT_CLIP] if DEFAULT_CLIP.is_file() else []))
    t0 = time.monotonic()
    tpls = templates(args.cache, clips)
    kinds = ", ".join(f"{p.name} ({sum(f.stat().st_size for f in p.iterdir()) / 2**10:.0f} kB)" for p in tpls)
    print(f"session folders: {kinds}; {os.cpu_count()} cores, {load_avg()} (a shared machine: other jobs run "
          f"beside this)")
    ok = True
    for kind in args.db:
        if kind == "postgresql" and pg_bin() is None:
            print("\n== postgresql: skipped, no server binaries (apt-get install postgresql)")
            continue
        ok &= bench_db(kind, args, tpls)
    print(f"\n{'all checks passed' if ok else 'A CHECK FAILED'} ({time.monotonic() - t0:.0f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
