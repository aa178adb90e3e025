"""Helpers of the service tests (no tests in here): a throwaway PostgreSQL server, a browser-like client that keeps the CSRF
token, and a clinic (admin, two therapists, patients who joined by invitation)."""
from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the service extra is not installed (pip install -e '.[service]')")

from starlette.testclient import TestClient  # noqa: E402

from argon2 import PasswordHasher  # noqa: E402

from backform.service import Settings, auth, create_app, create_user  # noqa: E402

auth.use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))  # cheap hashes: tests only

PASSWORD = "correct horse battery"
CSRF_RE = re.compile(r'name="csrf" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


class Postgres:
    """initdb into a temporary folder and pg_ctl start on 127.0.0.1 (as the ``postgres`` user when running as
    root: the server refuses to run as root)."""

    def __init__(self):
        # a folder of its own under /tmp: pytest's folders are private to root, and the server runs as postgres
        base = Path(tempfile.mkdtemp(prefix="backform-pg-"))
        os.chmod(base, 0o755)
        self.base = base
        self.bin = pg_bin()
        self.dir = base / "pgdata"
        self.sock = base / "pgsock"
        self.port = free_port()
        self.as_user = None
        if os.geteuid() == 0:
            self.as_user = "postgres"
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True)
        self.sock.mkdir()
        if self.as_user:
            shutil.chown(base, self.as_user)
            shutil.chown(self.sock, self.as_user)
            os.chmod(base, 0o755)

    def _run(self, *cmd: str, timeout: float = 120) -> subprocess.CompletedProcess:
        full = [str(self.bin / cmd[0]), *cmd[1:]]
        if self.as_user:
            full = ["runuser", "-u", self.as_user, "--", *full]
        r = subprocess.run(full, capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd[:2])} failed ({r.returncode}): {r.stderr.strip()[-800:]}")
        return r

    def start(self) -> str:
        self._run("initdb", "-D", str(self.dir), "-U", "bf", "--auth=trust", "-E", "UTF8", "--no-sync")
        self._run("pg_ctl", "-D", str(self.dir), "-w", "-l", str(self.dir / "server.log"), "-o",
                  f"-h 127.0.0.1 -p {self.port} -k {self.sock} -c fsync=off -c full_page_writes=off", "start")
        return f"postgresql://bf@127.0.0.1:{self.port}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.dir), "-m", "fast", "-w", "stop", timeout=60)
        except (subprocess.SubprocessError, OSError, RuntimeError):
            pass
        shutil.rmtree(self.base, ignore_errors=True)

    def create_db(self, name: str) -> str:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "bf", name)
        return f"postgresql://bf@127.0.0.1:{self.port}/{name}"


class Browser:
    """A TestClient that remembers the CSRF token of the last page it loaded."""

    def __init__(self, app):
        self.c = TestClient(app, follow_redirects=False)
        self.csrf = ""

    def get(self, url: str, **kw):
        r = self.c.get(url, **kw)
        m = CSRF_RE.search(r.text) if r.headers.get("content-type", "").startswith("text/html") else None
        if m:
            self.csrf = m.group(1)
        return r

    def post(self, url: str, data: dict | None = None, csrf: bool = True, **kw):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf", self.csrf)
        return self.c.post(url, data=data, **kw)

    def login(self, email: str, password: str = PASSWORD):
        self.get("/login")
        r = self.post("/login", {"email": email, "password": password})
        if r.status_code == 303:
            self.get("/")
            self.get(r.headers["location"] if r.headers["location"] != "/" else "/")
        return r

    def page(self, url: str):
        """GET a page (following the role redirect) and keep its CSRF token."""
        r = self.get(url)
        while r.status_code in (302, 303, 307):
            r = self.get(r.headers["location"])
        return r


class Clinic:
    """An app with an admin, therapists ``t1`` and ``t2`` (created from the terminal function) and helpers
    to invite and join patients."""

    def __init__(self, data: Path, db_url: str = "", **kw):
        kw.setdefault("cookie_secure", False)
        self.settings = Settings.make(data, db_url=db_url, **kw)
        self.app = create_app(self.settings)
        create_user(self.settings, "admin@clinic.test", "Ada Admin", PASSWORD, "admin")
        create_user(self.settings, "t1@clinic.test", "Theo One", PASSWORD, "therapist")
        create_user(self.settings, "t2@clinic.test", "Tess Two", PASSWORD, "therapist")

    def browser(self, email: str | None = None) -> Browser:
        b = Browser(self.app)
        if email:
            r = b.login(email)
            assert r.status_code == 303, r.text
            b.page("/")
        return b

    def invite_patient(self, therapist: Browser, name: str, privacy: str = "skeleton") -> tuple[int, str]:
        therapist.page("/caseload")
        r = therapist.post("/patients", {"name": name, "reference": "P-1", "privacy": privacy})
        assert r.status_code == 200, r.text
        code = re.search(r'<code id="code">([^<]+)</code>', r.text).group(1)
        pid = int(re.search(r'href="/patients/(\d+)"', r.text).group(1))
        return pid, code

    def join(self, code: str, email: str) -> Browser:
        b = Browser(self.app)
        b.get(f"/join/{code}")
        r = b.post("/join", {"code": code, "email": email, "password": PASSWORD, "password2": PASSWORD})
        assert r.status_code == 303, r.text
        b.page("/")
        return b

    def patient(self, therapist: Browser, name: str, email: str, privacy: str = "skeleton") -> tuple[int, Browser, str]:
        """(patient id, their logged-in browser, an upload token)."""
        pid, code = self.invite_patient(therapist, name, privacy)
        b = self.join(code, email)
        r = b.post("/me/tokens", {"label": "laptop"})
        token = re.search(r'token = "([^"]+)"', r.text).group(1)
        return pid, b, token


def upload(client: TestClient, token: str, folder: Path, video: bool = False, **extra):
    files = {"session": ("session.json", (folder / "session.json").read_bytes(), "application/json")}
    if (folder / "session.log.jsonl").is_file():
        files["log"] = ("session.log.jsonl", (folder / "session.log.jsonl").read_bytes())
    if video and (folder / "annotated.mp4").is_file():
        files["video"] = ("annotated.mp4", (folder / "annotated.mp4").read_bytes())
    return client.post("/api/sessions", files=files, data=extra, headers={"Authorization": f"Bearer {token}"})


def wait_http(url: str, timeout: float = 60.0) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(url)
