"""`backform upload` and `backform programme pull`: the patient's side of the review service (standard library
only: a patient installs no server parts).

The server and the token come from ``BACKFORM_SERVER`` / ``BACKFORM_TOKEN`` or from the config file
(``~/.config/backform/upload.toml``, or ``BACKFORM_CONFIG``)::

    server = "https://review.clinic.example"
    token = "bf_..."

Uploading the same session folder again is harmless: the server keeps one copy (it answers "already
uploaded"). A network error is retried; the server never keeps half a session.
"""
from __future__ import annotations

import json
import os
import secrets
import time
import tomllib
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

from ..errors import BackformError
from ..io.files import write_text_atomic
from ..pipeline import LOG_NAME, SESSION_NAME
from ..programme.programme import parse as parse_programme
from ..report import session_date

VIDEO_NAME = "annotated.mp4"
RETRIES = 3


def config_path() -> Path:
    return Path(os.environ.get("BACKFORM_CONFIG") or Path.home() / ".config" / "backform" / "upload.toml")


def server_and_token(server: str | None) -> tuple[str, str]:
    cfg = {}
    p = config_path()
    if p.is_file():
        try:
            cfg = tomllib.loads(p.read_text())
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise BackformError(f"{p}: {e}") from None
    url = server or os.environ.get("BACKFORM_SERVER") or cfg.get("server")
    token = os.environ.get("BACKFORM_TOKEN") or cfg.get("token")
    if not url:
        raise BackformError(f"no server: give --server, set BACKFORM_SERVER or put server = \"...\" in {p}")
    if not token:
        raise BackformError(f"no upload token: set BACKFORM_TOKEN or put token = \"...\" in {p} (your page on the "
                            "server makes one)")
    return str(url).rstrip("/"), str(token)


def _multipart(fields: dict[str, str], files: dict[str, Path]) -> tuple[str, list, int]:
    """(content type, body pieces (bytes or paths streamed later), length)."""
    b = "bf" + secrets.token_hex(12)
    pieces: list = []
    for k, v in fields.items():
        pieces.append(f'--{b}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    for k, path in files.items():
        pieces.append(f'--{b}\r\nContent-Disposition: form-data; name="{k}"; filename="{path.name}"\r\n'
                      f'Content-Type: application/octet-stream\r\n\r\n'.encode())
        pieces.append(path)
        pieces.append(b"\r\n")
    pieces.append(f"--{b}--\r\n".encode())
    n = sum(p.stat().st_size if isinstance(p, Path) else len(p) for p in pieces)
    return f"multipart/form-data; boundary={b}", pieces, n


def _stream(pieces: list):
    for p in pieces:
        if isinstance(p, Path):
            with p.open("rb") as f:
                while chunk := f.read(1 << 20):
                    yield chunk
        else:
            yield p


def request(method: str, url: str, token: str, fields=None, files=None, body: bytes | None = None) -> tuple[int, dict]:
    """One API call, retried on network errors. Returns (status, JSON body); HTTP errors are returned too."""
    for attempt in range(RETRIES):
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        data = body
        if body is not None:
            headers["Content-Type"] = "application/toml"
        if files is not None or fields is not None:
            ctype, pieces, n = _multipart(fields or {}, files or {})
            headers.update({"Content-Type": ctype, "Content-Length": str(n)})
            data = _stream(pieces)
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=600) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            try:
                body = json.loads(e.read() or b"{}")
            except ValueError:
                body = {"error": e.reason}
            return e.code, body
        except (urllib.error.URLError, ConnectionError, TimeoutError) as e:
            if attempt == RETRIES - 1:
                raise BackformError(f"cannot reach {url}: {getattr(e, 'reason', e)}") from None
            time.sleep(1.5 * (attempt + 1))
    raise AssertionError("unreachable")


def recorded_at(folder: Path) -> str:
    _, ts = session_date(folder)
    return datetime.fromtimestamp(ts, timezone.utc).isoformat() if ts else ""


def upload_folder(folder: Path, server: str, token: str, video: str = "auto") -> tuple[int, dict]:
    sp = folder / SESSION_NAME
    if not sp.is_file():
        raise BackformError(f"{folder}: no {SESSION_NAME} (is this a session folder from backform analyze/live?)")
    files = {"session": sp}
    if (folder / LOG_NAME).is_file():
        files["log"] = folder / LOG_NAME
    if (folder / VIDEO_NAME).is_file() and video != "never":
        try:
            privacy = json.loads(sp.read_text()).get("privacy")
        except ValueError:
            privacy = None
        if video == "always" or privacy == "skeleton":  # by default only a skeleton-only video leaves the computer
            files["video"] = folder / VIDEO_NAME
    return request("POST", f"{server}/api/sessions", token, {"recorded_at": recorded_at(folder)}, files)


def cmd_upload(args) -> int:
    server, token = server_and_token(args.server)
    failed = 0
    if args.calibration:
        st, body = request("PUT", f"{server}/api/calibration", token, body=Path(args.calibration).read_bytes())
        if st != 201:
            raise BackformError(f"{args.calibration}: refused ({st}): {body.get('error', '')}")
        print(f"{args.calibration}: calibration profile uploaded ({', '.join(body['exercises']) or 'no exercise'})")
        if not args.folders:
            return 0
    if args.analyse:
        st, body = request("POST", f"{server}/api/videos", token, {"exercise": args.exercise or ""},
                           {"video": Path(args.analyse)})
        if st != 202:
            raise BackformError(f"{args.analyse}: {body.get('error', st)}")
        print(f"{args.analyse}: queued for analysis on the server (job {body['id']})")
        return 0
    if not args.folders:
        raise BackformError("give one or more session folders (or --analyse VIDEO --exercise NAME)")
    for f in args.folders:
        st, body = upload_folder(Path(f), server, token, args.video)
        if st in (200, 201):
            what = "uploaded" if body.get("created") else "already on the server"
            notes = "; ".join(body.get("notes") or [])
            print(f"{f}: {what} (session {body['id']}){': ' + notes if notes and body.get('created') else ''}")
        else:
            failed += 1
            print(f"{f}: refused ({st}): {body.get('error', '')}")
    return 1 if failed else 0


def cmd_programme(args) -> int:
    server, token = server_and_token(args.server)
    st, body = request("GET", f"{server}/api/programme", token)
    if st != 200:
        raise BackformError(f"no programme from {server}: {body.get('error', st)}")
    out = Path(args.out)
    try:
        parse_programme(tomllib.loads(body["toml"]), out)  # the same loader `--program` uses
    except (tomllib.TOMLDecodeError, BackformError) as e:
        raise BackformError(f"the server's programme does not load here (is backform up to date?): {e}") from None
    write_text_atomic(out, body["toml"])
    print(f"programme version {body['version']} written to {out}")
    return 0


def add_parsers(sub) -> None:
    u = sub.add_parser("upload", help="send session folders to the clinic's review service",
                       description=__doc__.split("\n\n")[0])
    u.add_argument("folders", nargs="*", metavar="SESSION_DIR", help="session folders (session.json, log, video)")
    u.add_argument("--server", help="the service's address (else BACKFORM_SERVER or the config file)")
    u.add_argument("--video", choices=["auto", "always", "never"], default="auto",
                   help="send annotated.mp4: auto = only when it is skeleton-only (default)")
    u.add_argument("--analyse", metavar="VIDEO", help="send a recorded video to be analysed on the server instead")
    u.add_argument("--exercise", "-e", help="the exercise the --analyse video shows")
    u.add_argument("--calibration", metavar="PROFILE", help="send your calibration profile (from `backform calibrate`)")
    u.set_defaults(func=cmd_upload)
    p = sub.add_parser("programme", help="the programme your therapist keeps on the review service")
    p.add_argument("action", choices=["pull"])
    p.add_argument("--server", help="the service's address (else BACKFORM_SERVER or the config file)")
    p.add_argument("--out", "-o", default="programme.toml", help="where to write it (default programme.toml)")
    p.set_defaults(func=cmd_programme)
