"""The database: engine, sessions, and Alembic migrations run from inside the package (on start and by
``backform serve migrate``)."""
from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None  # pysqlite's own transactions off: SQLAlchemy's "begin" event issues BEGIN
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")      # readers do not block the writer
    cur.execute("PRAGMA synchronous=FULL")      # a committed upload survives a power cut
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        eng = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(eng, "connect", _sqlite_pragmas)
        # every transaction takes the write lock when it begins: two uploads never deadlock upgrading a read
        # lock (SQLite serialises writers anyway; WAL keeps readers outside transactions free)
        event.listen(eng, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        return eng
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def sessions(eng: Engine) -> sessionmaker:
    return sessionmaker(eng, expire_on_commit=False)


def alembic_config(eng: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = eng
    return cfg


def migrate(eng: Engine) -> None:
    """Bring the schema to the newest revision (idempotent)."""
    command.upgrade(alembic_config(eng), "head")
    log.info("database schema at head (%s)", eng.url.render_as_string(hide_password=True))
