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


def purge(settings: Settings, days: float | None = None) -> int:
    """Delete the sessions recorded longer ago than ``days``, or, without it, than the clinic's retention (the
    admin page's setting, else ``--retention-days``); audited. Returns how many (0 when sessions are kept).
    Crash leftovers older than an hour go too (:func:`care.sweep_leftovers`)."""
    eng = make_engine(settings.url)
    migrate(eng)
    try:
        with sessions(eng)() as db:
            blobs = open_store(settings.blobs_url, settings.data)
            care.sweep_leftovers(db, blobs, settings.data / "tmp")
            why = "backform serve purge --days"
            if days is None:
                r = care.retention(db, settings.retention_days)
                if r.days is None:
                    log.info("no retention set: sessions are kept until their patient is deleted")
                    return 0
                days, why = r.days, f"backform serve purge, retention from the {r.source}"
            return care.purge_expired(db, blobs, days, why)
    finally:
        eng.dispose()
