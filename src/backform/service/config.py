"""The service's settings: where the data lives and the knobs a clinic sets (one frozen dataclass)."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

ROLES = ("admin", "therapist", "patient")
PRIVACY_MODES = ("skeleton", "blur", "none")  # skeleton-only is the default: no picture of the person is kept
SECRET_NAME = "secret.key"


def database_url(url: str | None, data: Path) -> str:
    """The SQLAlchemy URL: SQLite in the data folder by default; ``postgresql://`` uses psycopg 3."""
    if not url:
        return f"sqlite:///{(data / 'backform.sqlite3').resolve()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def load_secret(data: Path) -> bytes:
    """The key that signs CSRF tokens: ``BACKFORM_SECRET`` or a random key kept in the data folder (0600)."""
    env = os.environ.get("BACKFORM_SECRET")
    if env:
        return env.encode()
    p = data / SECRET_NAME
    if not p.is_file():
        data.mkdir(parents=True, exist_ok=True)
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return p.read_text().strip().encode()


@dataclass(frozen=True)
class Settings:
    data: Path                                  # SQLite file, local blobs, the secret key
    db_url: str = ""                            # empty: SQLite in ``data``
    blobs_url: str = ""                         # empty: ``data/blobs``; ``s3://bucket/prefix`` via fsspec (s3fs)
    secret: bytes = b""
    cookie_secure: bool = True                  # Secure flag on cookies (off only for plain-http local use)
    max_upload_bytes: int = 512 * 1024 * 1024   # a whole upload (session folder or raw video)
    session_hours: float = 12.0                 # login sessions
    token_days: float = 180.0                   # per-patient upload tokens
    invitation_days: float = 7.0
    retention_days: float | None = None         # sessions older than this are deleted (None: kept)
    inactive_days: int = 3                      # caseload flag: no session for this many days
    login_attempts: int = 5                     # failed logins per address and per account ...
    login_window_s: float = 900.0               # ... within this window, then 429
    run_jobs_inline: bool = False               # tests: analyse a raw video in the request (no worker)
    ray: str | None = None                      # job analyses on Ray: a cluster's address, "" a local Ray (None: a
                                                # child process of the worker)

    @property
    def url(self) -> str:
        return database_url(self.db_url, self.data)

    @classmethod
    def make(cls, data: str | os.PathLike, **kw) -> Settings:
        d = Path(data)
        d.mkdir(parents=True, exist_ok=True)
        kw.setdefault("secret", load_secret(d))
        return cls(data=d, **kw)
