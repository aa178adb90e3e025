"""What ``backform serve`` does from the terminal: migrate, create the first admin, run a worker, purge."""
from __future__ import annotations

import logging

from sqlalchemy import select

from . import audit, auth, care, jobs
from .blobs import open_store
from .config import Settings
from .db import make_engine, migrate, sessions
from .models import User

log = logging.getLogger(__name__)


def migrate_db(settings: Settings) -> str:
    eng = make_engine(settings.url)
    migrate(eng)
    eng.dispose()
    return eng.url.render_as_string(hide_password=True)


def create_user(settings: Settings, email: str, name: str, password: str, role: str = "admin") -> int:
    """An active account (the first admin; the others come by invitation). ValueError if the e-mail is taken
    or the password too short."""
    eng = make_engine(settings.url)
    migrate(eng)
    try:
        with sessions(eng)() as db:
            email = email.strip().lower()
            if db.scalar(select(User).where(User.email == email)) is not None:
                raise ValueError(f"an account with the e-mail {email} exists already")
            u = User(role=role, name=name, email=email, password_hash=auth.hash_password(password), active=True)
            db.add(u)
            db.flush()
            audit.record(db, None, "create", f"user:{u.id}", None, f"{role} from the terminal")
            db.commit()
            return u.id
    finally:
        eng.dispose()


def run_worker(settings: Settings, once: bool = False) -> int:
    eng = make_engine(settings.url)
    migrate(eng)
    try:
        return jobs.work(sessions(eng), open_store(settings.blobs_url, settings.data), settings, once=once)
    finally:
        eng.dispose()


def purge(settings: Settings, days: float) -> int:
    eng = make_engine(settings.url)
    migrate(eng)
    try:
        with sessions(eng)() as db:
            return care.purge_expired(db, open_store(settings.blobs_url, settings.data), days)
    finally:
        eng.dispose()
