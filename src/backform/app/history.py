"""Past sessions on this computer: the session folders under the app's folder, newest first, and each one's
report (``backform.report``, written on first request and again when the session is newer)."""
from __future__ import annotations

import logging
import re
from datetime import datetime
from pathlib import Path

from .. import session as S
from ..errors import BackformError
from ..pipeline import SESSION_NAME
from ..report import REPORT_NAME, session_date
from ..report.write import write_report
from .state import label, summary

log = logging.getLogger(__name__)

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,120}$")


def new_folder(root: Path) -> Path:
    """A fresh session folder under ``root``, named by the local date and time (the report reads it)."""
    base = datetime.now().strftime("%Y-%m-%d_%H%M%S")
    for i in range(100):
        p = root / (base if i == 0 else f"{base}-{i}")
        if not p.exists():
            return p
    raise BackformError(f"cannot make a new session folder in {root}")


def folder(root: Path, name: str) -> Path:
    """The session folder ``name`` directly under ``root`` (a bare name; anything else is refused)."""
    if not NAME_RE.match(name or "") or name in (".", ".."):
        raise BackformError("no such session")
    p = root / name
    if not (p / SESSION_NAME).is_file():
        raise BackformError("no such session")
    return p


def sessions(root: Path, limit: int = 50) -> list[dict]:
    """Up to ``limit`` past sessions under ``root``, newest first, each with its summary figures."""
    if not root.is_dir():
        return []
    rows = []
    for p in root.iterdir():
        if not (p / SESSION_NAME).is_file() or not NAME_RE.match(p.name):
            continue
        when, ts = session_date(p)
        try:
            s = S.load(p / SESSION_NAME)
        except Exception as e:  # noqa: BLE001 - a damaged folder is listed, not fatal
            log.warning("%s: %s", p, e)
            rows.append({"name": p.name, "date": when, "ts": ts, "ok": False})
            continue
        sm = summary(s, p.name)
        exercises = sorted({x["exercise"] for x in sm["sets"]}) or [s.exercise]
        rows.append({"name": p.name, "date": when, "ts": ts, "ok": True, "exercises": [label(e) for e in exercises],
                     "reps": sm["reps"] if sm["sets"] else s.rep_count, "faults": sm["faults"] if sm["sets"] else
                     len(s.faults), "programme": sm["programme"]})
    rows.sort(key=lambda r: r["ts"], reverse=True)
    return rows[:limit]


def report(root: Path, name: str) -> Path:
    """The session's report page, written (or rewritten when older than session.json) first."""
    p = folder(root, name)
    page = p / REPORT_NAME
    if not page.is_file() or page.stat().st_mtime < (p / SESSION_NAME).stat().st_mtime:
        write_report(p)
    return page
