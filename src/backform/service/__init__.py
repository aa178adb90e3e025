"""``backform serve``: the therapist review service a clinic runs (issue 15).

Patients upload their session folders (``backform upload``) or raw videos (analysed on the server by a job
queue); therapists see their caseload, review sessions with the report, comment, and edit the programme;
patients see their own sessions, comments and programme. Starlette (ASGI) + SQLAlchemy 2 with Alembic
migrations (SQLite in the data folder by default, PostgreSQL with ``--db``), argon2 passwords, Jinja2 pages
with a strict CSP, blobs in the data folder (or any fsspec store). See docs/service.md.

- :mod:`.config` settings; :mod:`.models` tables; :mod:`.db` engine and migrations; :mod:`.blobs` storage;
- :mod:`.auth` passwords, logins, tokens, CSRF, who sees whom; :mod:`.audit` the audit log;
- :mod:`.ingest` taking in a session folder; :mod:`.jobs` the raw-video queue and worker;
- :mod:`.care` caseload, trends, programme versions, export, deletion, retention;
- :mod:`.web` request helpers; :mod:`.api` the JSON API; :mod:`.pages` the HTML pages; :mod:`.app` the app;
- :mod:`.ops` what the terminal commands do.
"""
from .app import create_app
from .config import PRIVACY_MODES, ROLES, Settings
from .ops import create_user, migrate_db, purge, run_worker

__all__ = ["PRIVACY_MODES", "ROLES", "Settings", "create_app", "create_user", "migrate_db", "purge", "run_worker"]
