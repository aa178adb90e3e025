"""`backform serve`: the therapist review service (needs the ``service`` extra).

    backform serve --data DIR --port 8000            # SQLite and blobs in DIR, one job worker beside it
    backform serve --db postgresql://... --data DIR  # PostgreSQL; blobs still in DIR (or --blobs s3://...)
    backform serve --data DIR migrate                # schema to the newest revision (also done on start)
    backform serve --data DIR admin create --email a@clinic --name "A. Admin"   # the first admin
    backform serve --data DIR worker                 # a job worker on its own (another machine)
    backform serve --data DIR --ray auto             # raw videos analysed on a Ray cluster (the ray extra)
    backform serve --data DIR purge                  # delete sessions older than the retention (admin page)
"""
from __future__ import annotations

import argparse
import getpass
import os
import signal
import subprocess
import sys

from .. import batch
from ..errors import BackformError

try:  # the optional service extra (starlette, sqlalchemy, alembic, uvicorn, argon2-cffi, ...)
    import uvicorn

    from .. import service
    MISSING = None
except ImportError as e:
    service = uvicorn = None
    MISSING = e


def _need_extra() -> None:
    if service is None:
        raise BackformError(f"backform serve needs the service extra: pip install 'backform[service]' ({MISSING})")


def ray_of(args) -> str | None:
    """None: analyses in a child process of each job worker; "" a local Ray; else a Ray cluster's address."""
    ray = getattr(args, "worker_ray", None)
    ray = getattr(args, "ray", None) if ray is None else ray
    if ray is not None and batch.ray_module() is None:
        raise BackformError("--ray needs Ray: pip install 'backform[ray]'")
    return ray


def settings_of(args):
    _need_extra()
    kw = {"ray": ray_of(args), "db_url": args.db or os.environ.get("BACKFORM_DB", ""), "blobs_url": args.blobs or "",
          "cookie_secure": not args.insecure_cookies, "retention_days": args.retention_days,
          "max_upload_bytes": int(args.max_upload_mb * 2**20)}
    return service.Settings.make(args.data, **kw)


def _common_args(args) -> list[str]:
    out = ["--data", str(args.data)]
    if args.db:
        out += ["--db", args.db]
    if args.blobs:
        out += ["--blobs", args.blobs]
    if args.retention_days:
        out += ["--retention-days", str(args.retention_days)]
    if args.ray is not None:
        out.append(f"--ray={args.ray}")  # one argument: an empty address is not taken for the next word
    return out


def cmd_serve(args) -> int:
    action = getattr(args, "action", None)
    if action == "migrate":
        print(f"schema up to date: {service.migrate_db(settings_of(args))}")
        return 0
    if action == "admin":
        return _admin(args)
    if action == "worker":
        n = service.run_worker(settings_of(args), once=args.once)
        print(f"{n} jobs run")
        return 0
    if action == "purge":
        print(f"{service.purge(settings_of(args), args.days)} sessions deleted")
        return 0
    settings = settings_of(args)
    app = service.create_app(settings)  # migrates first
    workers = []
    for _ in range(args.workers):
        workers.append(subprocess.Popen([sys.executable, "-m", "backform", "serve", *_common_args(args), "worker"]))
    host = args.host
    print(f"backform serve: http://{'localhost' if host in ('127.0.0.1', '::1') else host}:{args.port}/ "
          f"(data in {settings.data}, {len(workers)} job worker{'s' * (len(workers) != 1)}"
          f"{'' if settings.ray is None else ' on Ray ' + (settings.ray or '(local)')}; Ctrl+C stops)",
          flush=True)
    # uvicorn re-raises SIGTERM/SIGINT once it has shut down: end through the finally below, workers included
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        uvicorn.run(app, host=host, port=args.port, log_level="warning", proxy_headers=args.proxy_headers,
                    forwarded_allow_ips="127.0.0.1")
    except KeyboardInterrupt:
        pass
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            try:
                w.wait(timeout=10)
            except subprocess.TimeoutExpired:
                w.kill()
    return 0


def _admin(args) -> int:
    password = os.environ.get("BACKFORM_ADMIN_PASSWORD")
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    if not password:
        password = getpass.getpass("password (10 characters or more): ")
        if getpass.getpass("again: ") != password:
            raise BackformError("the two passwords differ")
    try:
        uid = service.create_user(settings_of(args), args.email, args.name, password, role=args.role)
    except ValueError as e:
        raise BackformError(str(e)) from None
    print(f"{args.role} {args.email} created (id {uid}); log in at the server's /login")
    return 0


def add_parser(sub) -> None:
    s = sub.add_parser("serve", help="run the therapist review service (needs the service extra)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("--data", default=os.environ.get("BACKFORM_DATA", "backform-data"),
                   help="folder for the SQLite database, the blobs and the secret key (default ./backform-data)")
    s.add_argument("--db", help="database URL, e.g. postgresql://user:pw@host/backform (default: SQLite in --data; "
                                "or BACKFORM_DB)")
    s.add_argument("--blobs", help="blob store: a folder or an fsspec URL such as s3://bucket/prefix (default "
                                   "--data/blobs)")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; put a TLS proxy "
                                                       "in front for anything else)")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--workers", type=int, default=1, help="job worker processes analysing raw videos (default 1)")
    s.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                   help="job workers submit each analysis to Ray (the ray extra): a cluster's address (auto, "
                        "ray://head:10001), or none for a local Ray; --data must be on a folder every node mounts "
                        "at the same path")
    s.add_argument("--retention-days", type=float, help="delete sessions recorded longer ago than this")
    s.add_argument("--max-upload-mb", type=float, default=512, help="largest upload (default 512 MB)")
    s.add_argument("--insecure-cookies", action="store_true",
                   help="cookies without the Secure flag (plain http on a host other than localhost; never in "
                        "production)")
    s.add_argument("--proxy-headers", action="store_true", help="trust X-Forwarded-* from a proxy on 127.0.0.1")
    acts = s.add_subparsers(dest="action")
    acts.add_parser("migrate", help="bring the database schema to the newest revision")
    a = acts.add_parser("admin", help="create an account from the terminal (the first admin)")
    a.add_argument("what", choices=["create"])
    a.add_argument("--email", required=True)
    a.add_argument("--name", required=True)
    a.add_argument("--role", choices=["admin", "therapist"], default="admin")
    a.add_argument("--password-stdin", action="store_true",
                   help="read the password from stdin (else BACKFORM_ADMIN_PASSWORD, else a prompt)")
    w = acts.add_parser("worker", help="run a job worker (raw video analysis)")
    w.add_argument("--once", action="store_true", help="stop when the queue is empty")
    w.add_argument("--ray", dest="worker_ray", nargs="?", const="", default=None, metavar="ADDRESS",
                   help="submit each analysis to Ray (as serve's --ray)")
    p = acts.add_parser("purge", help="delete sessions recorded longer ago than the retention (or --days)")
    p.add_argument("--days", type=float, help="this many days instead of the retention set on the admin page "
                                              "(else --retention-days)")
    s.set_defaults(func=cmd_serve)
