"""The review service (issue 15): API and pages through Starlette's TestClient, on SQLite in a temporary
folder and on a real PostgreSQL server (started here from Debian's binaries; skipped with the reason when
they are absent). One test runs the real server (uvicorn) and `backform upload` against it."""
from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy", reason="the service extra is not installed (pip install -e '.[service]')")
pytest.importorskip("starlette", reason="the service extra is not installed (pip install -e '.[service]')")

from sqlalchemy import func, select  # noqa: E402
from starlette.testclient import TestClient

from _report_helpers import make_session
from test_service_helpers import PASSWORD, Clinic, Postgres, free_port, pg_bin, upload, wait_http
from kinematics import Rep

from backform.cli import build_parser, main as cli_main
from backform.cli.serve import _common_args
from backform.service import Settings, blobs as B, care, create_app, create_user, jobs
from backform.service.models import ApiToken, AuditEntry, LoginFailure, SessionRecord, now
from backform.service.web import REPORT_CSP

ROOT = Path(__file__).resolve().parents[1]
REPS = [Rep(hold=2.5), Rep(hold=2.5, faults={"hips_low": 30.0}), Rep(hold=2.5)]
PROGRAMME = '[programme]\nname = "Phase 1"\n\n[[exercise]]\nname = "bridge"\nsets = 2\nreps = 8\nhold_s = 2.0\n'


@pytest.fixture(scope="session")
def postgres():
    if pg_bin() is None:
        pytest.skip("PostgreSQL server binaries absent (/usr/lib/postgresql/*/bin: apt-get install postgresql)")
    pytest.importorskip("psycopg", reason="psycopg (v3) is not installed: the service extra brings it")
    pg = Postgres()
    try:
        pg.start()
    except Exception:
        pg.stop()
        raise
    yield pg
    pg.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request):
    if request.param == "sqlite":
        return ""
    pg = request.getfixturevalue("postgres")
    name = re.sub(r"[^a-z0-9]", "_", request.node.name.lower())[:50]
    return pg.create_db(name)


@pytest.fixture
def clinic(tmp_path, db_url):
    return Clinic(tmp_path / "data", db_url)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A bridge session folder (3 reps, one fault) as `backform analyze` writes it, from the kinematic body."""
    f = tmp_path_factory.mktemp("sess") / "2026-12-01_1030_bridge"
    make_session(f, "bridge", REPS)
    return f


def test_health_and_401_without_login(clinic):
    c = TestClient(clinic.app, follow_redirects=False)
    assert c.get("/healthz").status_code == 200
    for method, url in (("GET", "/api/sessions"), ("POST", "/api/sessions"), ("GET", "/api/sessions/1"),
                        ("GET", "/api/patients"), ("GET", "/api/programme"), ("GET", "/api/me"),
                        ("GET", "/api/patients/1/export"), ("DELETE", "/api/patients/1"), ("GET", "/api/audit")):
        r = c.request(method, url)
        assert r.status_code == 401, (method, url, r.status_code)
        assert "error" in r.json()
    assert c.get("/api/sessions", headers={"Authorization": "Bearer bf_nonsense"}).status_code == 401
    r = c.get("/caseload")
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert "script-src 'self'" in c.get("/login").headers["content-security-policy"]


def test_invitation_flow_once_only(clinic):
    t1 = clinic.browser("t1@clinic.test")
    pid, code = clinic.invite_patient(t1, "Pat <b>One</b>")
    assert clinic.browser().get(f"/join/{code}").status_code == 200
    pat = clinic.join(code, "pat1@home.test")
    me = pat.get("/api/me").json()
    assert me["role"] == "patient" and me["id"] == pid
    b = clinic.browser()
    assert b.get(f"/join/{code}").status_code == 404
    b.get("/join")
    r = b.post("/join", {"code": code, "email": "x@y.test", "password": PASSWORD, "password2": PASSWORD})
    assert r.status_code == 404  # used once
    # the therapist's caseload shows the patient, name escaped
    page = t1.page("/caseload").text
    assert "Pat &lt;b&gt;One&lt;/b&gt;" in page and "<b>One</b>" not in page
    # an admin invites a therapist the same way
    adm = clinic.browser("admin@clinic.test")
    adm.page("/admin")
    r = adm.post("/admin/users", {"name": "Third", "role": "therapist"})
    code = re.search(r'<code id="code">([^<]+)</code>', r.text).group(1)
    t3 = clinic.join(code, "t3@clinic.test")
    assert t3.get("/api/me").json()["role"] == "therapist"


def test_csrf_rejected(clinic):
    t1 = clinic.browser("t1@clinic.test")
    assert t1.post("/patients", {"name": "X", "privacy": "skeleton"}, csrf=False).status_code == 403
    assert t1.post("/patients", {"name": "X", "privacy": "skeleton", "csrf": "0" * 64}).status_code == 403
    assert t1.c.put("/api/patients/1/programme", json={"toml": PROGRAMME}).status_code == 403
    fresh = clinic.browser()
    fresh.get("/login")
    assert fresh.post("/login", {"email": "t1@clinic.test", "password": PASSWORD}, csrf=False).status_code == 403
    # the token of another browser's login session does not work either
    t2 = clinic.browser("t2@clinic.test")
    assert t1.post("/patients", {"name": "X", "privacy": "skeleton", "csrf": t2.csrf}).status_code == 403
    assert t1.post("/patients", {"name": "X", "privacy": "skeleton"}).status_code == 200


def test_role_isolation(clinic, folder):
    t1, t2 = clinic.browser("t1@clinic.test"), clinic.browser("t2@clinic.test")
    p1, pat1, tok1 = clinic.patient(t1, "Pat One", "p1@home.test")
    p2, pat2, tok2 = clinic.patient(t2, "Pat Two", "p2@home.test")
    sid = upload(pat1.c, tok1, folder).json()["id"]
    api = TestClient(clinic.app)
    # the other therapist: 404 on the patient, the session, the report, the export; not in their lists
    for url in (f"/patients/{p1}", f"/sessions/{sid}", f"/sessions/{sid}/report", f"/patients/{p1}/programme",
                f"/patients/{p1}/export"):
        assert t2.get(url).status_code == 404, url
    for url in (f"/api/sessions/{sid}", f"/api/sessions?patient={p1}", f"/api/patients/{p1}/export",
                f"/api/programme?patient={p1}"):
        assert t2.get(url).status_code == 404, url
    assert t2.c.delete(f"/api/patients/{p1}", headers={"X-CSRF-Token": t2.csrf}).status_code == 404
    assert [p["id"] for p in t2.get("/api/patients").json()["patients"]] == [p2]
    assert t2.get("/api/sessions").json()["sessions"] == []
    # the other patient, with their token or their login: 404, and only their own sessions listed
    h2 = {"Authorization": f"Bearer {tok2}"}
    assert api.get(f"/api/sessions/{sid}", headers=h2).status_code == 404
    assert api.get("/api/sessions", headers=h2).json()["sessions"] == []
    assert pat2.get(f"/sessions/{sid}").status_code == 404
    assert pat2.get("/caseload").status_code == 403 and pat2.get("/api/patients").status_code == 403
    # a patient's token is for their own uploads, not for staff routes
    assert api.get("/api/audit", headers=h2).status_code == 403
    # the owner and their therapist do see it
    assert t1.get(f"/sessions/{sid}").status_code == 200
    assert pat1.get(f"/sessions/{sid}").status_code == 200
    assert api.get(f"/api/sessions/{sid}", headers={"Authorization": f"Bearer {tok1}"}).json()["rep_count"] == 3


def test_upload_idempotent_validated_and_sized(clinic, folder, tmp_path):
    t1 = clinic.browser("t1@clinic.test")
    pid, pat, tok = clinic.patient(t1, "Pat", "p@home.test")
    c = TestClient(clinic.app)
    r1 = upload(c, tok, folder, recorded_at="2026-12-01T10:30:00+00:00")
    assert r1.status_code == 201, r1.text
    r2 = upload(c, tok, folder)
    assert r2.status_code == 200 and r2.json()["id"] == r1.json()["id"] and not r2.json()["created"]
    with clinic.app.state.db() as db:
        assert db.scalar(select(func.count()).select_from(SessionRecord)) == 1
    assert r1.json()["recorded_at"].startswith("2026-12-01T10:30")
    assert set(r1.json()["files"]) == {"session.json", "session.log.jsonl", "report.html"}
    h = {"Authorization": f"Bearer {tok}"}
    bad = c.post("/api/sessions", files={"session": ("session.json", b"{not json")}, headers=h)
    assert bad.status_code == 422 and "not JSON" in bad.json()["error"]
    doc = json.loads((folder / "session.json").read_text())
    doc["rep_count"] = "three"
    bad = c.post("/api/sessions", files={"session": ("session.json", json.dumps(doc).encode())}, headers=h)
    assert bad.status_code == 422 and "rep_count" in bad.json()["error"]
    doc = json.loads((folder / "session.json").read_text())
    del doc["reps"]
    bad = c.post("/api/sessions", files={"session": ("session.json", json.dumps(doc).encode())}, headers=h)
    assert bad.status_code == 422 and "reps" in bad.json()["error"]
    assert c.post("/api/sessions", files={"log": ("x", b"1")}, headers=h).status_code == 400
    # a hostile file name goes nowhere: blobs are keyed by the server only
    r = c.post("/api/sessions", files={"session": ("../../../../etc/evil.json",
                                                   (folder / "session.json").read_bytes().replace(b"\n", b"\n\n"))},
               headers=h)
    assert r.status_code == 201
    assert not list(tmp_path.rglob("evil*")) and not Path("/etc/evil.json").exists()
    with pytest.raises(ValueError):
        B.check_key("patients/1/../../x")
    # oversized (413), by Content-Length and while streaming
    small = Clinic(tmp_path / "small", clinic.settings.db_url and "", max_upload_bytes=200_000)
    t = small.browser("t1@clinic.test")
    _, _, tok_s = small.patient(t, "Big", "big@home.test")
    cs = TestClient(small.app)
    big = {"session": ("session.json", b" " * 300_000)}
    assert cs.post("/api/sessions", files=big, headers={"Authorization": f"Bearer {tok_s}"}).status_code == 413
    def chunks():
        for _ in range(30):
            yield b"x" * 10_000
    r = cs.post("/api/sessions", content=chunks(), headers={"Authorization": f"Bearer {tok_s}",
                                                            "Content-Type": "multipart/form-data; boundary=zz"})
    assert r.status_code == 413
    # an expired token: 401 saying so
    with clinic.app.state.db() as db:
        for t in db.scalars(select(ApiToken)):
            t.expires_at = t.expires_at - timedelta(days=400)
        db.commit()
    r = upload(c, tok, folder)
    assert r.status_code == 401 and "expired" in r.json()["error"]


def test_video_kept_only_in_the_patients_privacy_mode(clinic, folder, tmp_path):
    t1 = clinic.browser("t1@clinic.test")
    _, _, tok = clinic.patient(t1, "Pat", "p@home.test")
    c = TestClient(clinic.app)
    for mode, kept in (("none", False), ("skeleton", True)):
        f = tmp_path / f"s_{mode}"
        f.mkdir()
        doc = json.loads((folder / "session.json").read_text())
        doc["privacy"] = mode
        (f / "session.json").write_text(json.dumps(doc))
        (f / "annotated.mp4").write_bytes(b"\0\0\0\x18ftypmp42" + mode.encode())
        (f / "session.log.jsonl").write_bytes((folder / "session.log.jsonl").read_bytes())
        r = upload(c, tok, f, video=True)
        assert r.status_code == 201
        assert ("annotated.mp4" in r.json()["files"]) is kept, r.json()
        if not kept:
            assert "video not stored" in " ".join(r.json()["notes"])
            continue
        sid = r.json()["id"]
        page = t1.page(f"/sessions/{sid}").text  # the video with the angle plots whose cursor follows it
        assert '<video id="video"' in page and 'class="synced"' in page and 'class="plot"' in page
        part = t1.get(f"/sessions/{sid}/video", headers={"Range": "bytes=4-7"})
        assert part.status_code == 206 and part.content == b"ftyp"
    assert not [p for p in (clinic.settings.data / "blobs").rglob("annotated.mp4") if p.read_bytes().endswith(b"none")]


def test_crash_mid_upload_leaves_no_half_session(clinic, folder, monkeypatch):
    t1 = clinic.browser("t1@clinic.test")
    _, _, tok = clinic.patient(t1, "Pat", "p@home.test")
    c = TestClient(clinic.app, raise_server_exceptions=False)
    real_put = B.LocalBlobs.put
    calls = []

    def dying_put(self, key, src):
        calls.append(key)
        if len(calls) == 2:
            raise OSError("disk pulled out")
        return real_put(self, key, src)
    monkeypatch.setattr(B.LocalBlobs, "put", dying_put)
    assert upload(c, tok, folder).status_code == 500
    with clinic.app.state.db() as db:
        assert db.scalar(select(func.count()).select_from(SessionRecord)) == 0
    assert not list((clinic.settings.data / "blobs").rglob("*.part"))
    monkeypatch.setattr(B.LocalBlobs, "put", real_put)
    root = clinic.settings.data / "blobs"
    assert len(list(root.glob("patients/*/sessions/*"))) == 1  # the first blob, no row: the retry overwrites it
    assert upload(c, tok, folder).status_code == 201
    assert upload(c, tok, folder).status_code == 200
    with clinic.app.state.db() as db:
        assert db.scalar(select(func.count()).select_from(SessionRecord)) == 1
    # what a kill -9 leaves that is not a session goes once an hour old; the session's own folder stays
    sdir = next(root.glob("patients/*/sessions/*"))
    leftovers = [sdir / "session.log.jsonl.x1.part", sdir.parent / ("0" * 64) / "session.json",
                 clinic.settings.data / "tmp" / "upload-x1" / "session.json"]
    for f in leftovers:
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(b"{}")
    with clinic.app.state.db() as db:
        assert care.sweep_leftovers(db, clinic.app.state.blobs, clinic.settings.data / "tmp") == \
            {"staging": 0, "part": 0, "orphan": 0}  # too fresh: an upload may be writing them
        for f in (*leftovers, *(f.parent for f in leftovers)):
            os.utime(f, (0, 0))
        assert care.sweep_leftovers(db, clinic.app.state.blobs, clinic.settings.data / "tmp") == \
            {"staging": 1, "part": 1, "orphan": 1}
    assert not any(f.exists() for f in leftovers)
    assert sorted(p.name for p in sdir.iterdir()) == ["report.html", "session.json", "session.log.jsonl"]
    assert upload(c, tok, folder).status_code == 200


def test_review_comment_programme_and_patient_view(clinic, folder):
    t1 = clinic.browser("t1@clinic.test")
    pid, pat, tok = clinic.patient(t1, "Pat", "p@home.test")
    sid = upload(TestClient(clinic.app), tok, folder).json()["id"]
    page = t1.page(f"/sessions/{sid}").text
    assert f'src="/sessions/{sid}/report"' in page and 'id="reps"' in page
    rep = t1.get(f"/sessions/{sid}/report")
    assert rep.status_code == 200 and rep.headers["content-security-policy"] == REPORT_CSP
    assert "session report" in rep.text
    r = t1.post(f"/sessions/{sid}/comments", {"rep": "2", "body": "Hips dropped <script>alert(1)</script>"})
    assert r.status_code == 303
    r = t1.c.post(f"/api/sessions/{sid}/comments", json={"body": "Good session"}, headers={"X-CSRF-Token": t1.csrf})
    assert r.status_code == 201
    assert t1.post(f"/sessions/{sid}/comments", {"rep": "9", "body": "x"}).status_code == 422
    for b in (pat, t1):
        page = b.page(f"/sessions/{sid}").text
        assert "Hips dropped &lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
        assert "rep 2" in page
    assert "Hips dropped" in pat.page("/me").text
    # programme editor: validated by the programme loader, versioned; the patient gets the newest
    t1.page(f"/patients/{pid}/programme")
    bad = t1.post(f"/patients/{pid}/programme", {"toml": '[[exercise]]\nname = "cartwheel"\n'})
    assert bad.status_code == 422 and "cartwheel" in bad.text and "not an exercise" in bad.text
    assert t1.post(f"/patients/{pid}/programme", {"toml": PROGRAMME}).status_code == 303
    r = t1.c.put(f"/api/patients/{pid}/programme", json={"toml": PROGRAMME.replace("reps = 8", "reps = 10")},
                 headers={"X-CSRF-Token": t1.csrf})
    assert r.status_code == 201 and r.json()["version"] == 2
    got = TestClient(clinic.app).get("/api/programme", headers={"Authorization": f"Bearer {tok}"}).json()
    assert got["version"] == 2 and "reps = 10" in got["toml"]
    assert "reps = 10" in pat.page("/me").text
    # caseload: adherence this week and the programme's exercises
    row = t1.get("/api/patients").json()["patients"][0]
    assert row["programme_version"] == 2 and row["last_session"]
    assert "bridge" in t1.page("/caseload").text
    trend = t1.page(f"/patients/{pid}").text
    assert 'class="trend"' in trend


def test_audit_export_delete(clinic, folder):
    t1 = clinic.browser("t1@clinic.test")
    pid, pat, tok = clinic.patient(t1, "Pat", "p@home.test")
    sid = upload(TestClient(clinic.app), tok, folder).json()["id"]
    t1.page(f"/sessions/{sid}")
    t1.post(f"/sessions/{sid}/comments", {"body": "ok"})
    clinic.browser().login("t1@clinic.test", "wrong password!")
    adm = clinic.browser("admin@clinic.test")
    entries = adm.get("/api/audit").json()["entries"]
    seen = {(e["actor"].split()[0], e["action"], e["target"]) for e in entries}
    assert ("therapist", "view", f"session:{sid}") in seen
    assert ("therapist", "comment", f"session:{sid}") in seen
    assert ("patient", "upload", f"session:{sid}") in seen
    assert ("therapist", "create", f"patient:{pid}") in seen
    assert any(e["action"] == "login-failed" for e in entries)
    assert "view" in adm.page("/admin").text
    # export: everything of the patient
    r = t1.get(f"/patients/{pid}/export")
    assert r.status_code == 200
    z = zipfile.ZipFile(io.BytesIO(r.content))
    info = json.loads(z.read("patient.json"))
    assert info["patient"]["email"] == "p@home.test" and info["sessions"][0]["comments"][0]["body"] == "ok"
    assert f"sessions/{sid}/session.json" in z.namelist() and f"sessions/{sid}/report.html" in z.namelist()
    assert z.read(f"sessions/{sid}/session.json") == (folder / "session.json").read_bytes()
    # delete: rows and blobs gone, the token dead, the audit keeps who deleted what
    blob_dir = clinic.settings.data / "blobs" / "patients" / str(pid)
    assert blob_dir.is_dir()
    r = t1.c.delete(f"/api/patients/{pid}", headers={"X-CSRF-Token": t1.csrf})
    assert r.status_code == 200 and r.json()["sessions"] == 1
    assert not blob_dir.exists()
    assert TestClient(clinic.app).get("/api/sessions", headers={"Authorization": f"Bearer {tok}"}).status_code == 401
    assert t1.get(f"/sessions/{sid}").status_code == 404
    with clinic.app.state.db() as db:
        assert db.scalar(select(func.count()).select_from(SessionRecord)) == 0
        assert db.scalar(select(AuditEntry).where(AuditEntry.action == "delete",
                                                  AuditEntry.target == f"patient:{pid}")) is not None


def test_failed_logins_answer_429(clinic):
    b = clinic.browser()
    for _ in range(5):
        assert b.login("t1@clinic.test", "not the password").status_code == 401
    assert b.login("t1@clinic.test", PASSWORD).status_code == 429
    # the address is counted too: another account from it is refused as well
    assert clinic.browser().login("t2@clinic.test").status_code == 429


def test_failed_logins_counted_across_server_processes_and_restarts(clinic):
    """The attempts are in the database: two app instances (two server processes) on the same database count
    them together, and a third started afterwards (a restart) still refuses; past the window, logins work."""
    other = Clinic.__new__(Clinic)
    other.settings, other.app = clinic.settings, create_app(clinic.settings)
    for app_clinic in (clinic, other, clinic, other, clinic):
        assert app_clinic.browser().login("t1@clinic.test", "not the password").status_code == 401
    assert other.browser().login("t1@clinic.test", PASSWORD).status_code == 429
    restarted = Clinic.__new__(Clinic)
    restarted.settings, restarted.app = clinic.settings, create_app(clinic.settings)
    assert restarted.browser().login("t1@clinic.test", PASSWORD).status_code == 429
    with restarted.app.state.db() as db:  # the stored key is a hash, not the address or e-mail
        keys = list(db.scalars(select(LoginFailure.key_hash)))
        assert len(keys) == 10 and "t1@clinic.test" not in " ".join(keys)
        for f in db.scalars(select(LoginFailure)):
            f.at = f.at - timedelta(seconds=clinic.settings.login_window_s + 1)
        db.commit()
    assert restarted.browser().login("t1@clinic.test", PASSWORD).status_code == 303
    with restarted.app.state.db() as db:
        assert db.scalar(select(func.count()).select_from(LoginFailure).where(
            LoginFailure.at >= now() - timedelta(seconds=clinic.settings.login_window_s))) == 0


def test_retention_set_by_the_admin_applied_by_purge_and_audited(clinic, folder):
    adm, t1 = clinic.browser("admin@clinic.test"), clinic.browser("t1@clinic.test")
    pid, _, tok = clinic.patient(t1, "Pat", "p@home.test")
    c = TestClient(clinic.app)
    old_sid = upload(c, tok, folder).json()["id"]
    doc = json.loads((folder / "session.json").read_text())
    doc["source"]["path"] = "newer.mp4"
    (folder.parent / "newer").mkdir(exist_ok=True)
    (folder.parent / "newer" / "session.json").write_text(json.dumps(doc))
    new_sid = upload(c, tok, folder.parent / "newer").json()["id"]
    with clinic.app.state.db() as db:
        db.get(SessionRecord, old_sid).recorded_at -= timedelta(days=400)
        db.commit()
    assert "kept until their patient is deleted" in adm.page("/admin").text
    # only an admin, with the CSRF token, and a sane number of days
    assert t1.post("/admin/retention", {"days": "365"}).status_code == 403
    assert adm.post("/admin/retention", {"days": "365"}, csrf=False).status_code == 403
    for bad in ("3", "-1", "abc", "nan", "1e9"):
        assert adm.post("/admin/retention", {"days": bad}).status_code == 422, bad
    assert adm.post("/admin/retention", {"days": "365"}).status_code == 303
    page = adm.page("/admin").text
    assert "deleted 365 days after" in page and "set on this page" in page and 'value="365"' in page
    # `backform serve purge` (no --days) applies it: the old session, its comments and blobs go, the new stays
    args = ["serve", "--data", str(clinic.settings.data)] + (["--db", clinic.settings.db_url]
                                                             if clinic.settings.db_url else [])
    assert cli_main([*args, "purge"]) == 0
    with clinic.app.state.db() as db:
        assert [s.id for s in db.scalars(select(SessionRecord))] == [new_sid]
        entries = list(db.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    blob_root = clinic.settings.data / "blobs" / "patients" / str(pid) / "sessions"
    assert len(list(blob_root.iterdir())) == 1
    assert any(e.action == "update" and e.target == "setting:retention_days" and e.detail == "unset -> 365"
               and e.actor.startswith("admin") for e in entries)
    purged = [e for e in entries if e.action == "purge" and e.target == f"patient:{pid}"]
    assert len(purged) == 1 and f"session:{old_sid}" in purged[0].detail and "365 days" in purged[0].detail
    assert purged[0].actor == "system" and purged[0].patient_id == pid
    assert any(e.action == "purge" and e.target == "sessions" and e.detail.startswith("1 sessions")
               for e in entries)
    # empty: kept again (audited); the command-line option only applies while no admin has set one
    assert adm.post("/admin/retention", {"days": ""}).status_code == 303
    assert "kept until their patient is deleted" in adm.page("/admin").text
    with clinic.app.state.db() as db:
        db.get(SessionRecord, new_sid).recorded_at -= timedelta(days=400)
        db.commit()
    assert cli_main([*args, "--retention-days", "100", "purge"]) == 0
    with clinic.app.state.db() as db:
        assert db.scalar(select(func.count()).select_from(SessionRecord)) == 1
        assert db.scalar(select(AuditEntry).where(AuditEntry.detail == "365 -> keep")) is not None


def test_cookies_secure_by_default(tmp_path):
    app_clinic = Clinic(tmp_path / "d", cookie_secure=True)
    c = TestClient(app_clinic.app, base_url="https://testserver", follow_redirects=False)
    page = c.get("/login")
    assert "Secure" in page.headers["set-cookie"] and "HttpOnly" in page.headers["set-cookie"]
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    r = c.post("/login", data={"email": "t1@clinic.test", "password": PASSWORD, "csrf": csrf})
    assert r.status_code == 303
    sc = r.headers["set-cookie"]
    assert "bf_session=" in sc and "Secure" in sc and "HttpOnly" in sc and "samesite=lax" in sc.lower()


def _raw_video_job(tmp_path, folder, ray: str | None = None):
    """A landmarks recording stands in for a raw video (no pose model needed): queued, analysed by the batch
    worker (a child process, or a Ray task with ``ray``), taken in as a session, the raw upload deleted."""
    clinic = Clinic(tmp_path / "data")
    t1 = clinic.browser("t1@clinic.test")
    _, _, tok = clinic.patient(t1, "Pat", "p@home.test")
    rec = folder.parent / f"{folder.name}.landmarks.jsonl"
    c = TestClient(clinic.app)
    h = {"Authorization": f"Bearer {tok}"}
    assert c.post("/api/videos", files={"video": ("x.exe", b"MZ")}, data={"exercise": "bridge"},
                  headers=h).status_code == 422
    r = c.post("/api/videos", files={"video": (rec.name, rec.read_bytes())}, data={"exercise": "bridge"}, headers=h)
    assert r.status_code == 202, r.text
    jid = r.json()["id"]
    settings = dataclasses.replace(clinic.settings, ray=ray)
    assert jobs.work(clinic.app.state.db, clinic.app.state.blobs, settings, once=True) == 1
    j = c.get(f"/api/jobs/{jid}", headers=h).json()
    assert j["status"] == "done", j
    s = c.get(f"/api/sessions/{j['session_id']}", headers=h).json()
    assert s["rep_count"] == 3 and s["exercise"] == "bridge"
    assert not list((clinic.settings.data / "blobs").rglob("raw.jsonl"))
    assert not [p for p in clinic.settings.data.iterdir() if p.name.startswith("job")]  # the work folder goes


def test_raw_video_job_runs_the_analyze_pipeline(tmp_path, folder):
    _raw_video_job(tmp_path, folder)


@pytest.fixture
def local_ray():
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'backform[ray]')")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(num_cpus=1, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False,
             configure_logging=False)
    yield ray
    ray.shutdown()


def test_raw_video_job_on_ray(local_ray, tmp_path, folder):
    """`backform serve --ray`: the same job submitted as a Ray task (batch.run_ray) on a local Ray."""
    _raw_video_job(tmp_path, folder, ray="")
    assert local_ray.is_initialized()  # the worker used the Ray it found, and left it running


def test_serve_ray_option_reaches_the_workers():
    args = build_parser().parse_args(["serve", "--data", "d", "--ray", "auto", "worker"])
    assert args.ray == "auto" and args.action == "worker"
    assert _common_args(args)[-1] == "--ray=auto"
    args = build_parser().parse_args(["serve", "--data", "d", "worker", "--ray"])
    assert args.worker_ray == "" and args.ray is None


def test_real_server_and_backform_upload(tmp_path, folder, monkeypatch, capsys):
    """`backform serve` (uvicorn on 127.0.0.1) in its own process; `backform upload` twice (one session) and
    `backform programme pull` against it (in this process: the command-line entry point, over HTTP)."""
    data, port = tmp_path / "data", free_port()
    settings = Settings.make(data, cookie_secure=False)
    create_user(settings, "t1@clinic.test", "Theo", PASSWORD, "therapist")
    srv = subprocess.Popen([sys.executable, "-m", "backform", "serve", "--data", str(data), "--port", str(port),
                            "--workers", "0", "--insecure-cookies"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_http(url + "/healthz", 90)
        # the therapist's side through a second app on the same data (the server keeps no state of its own)
        clinic = Clinic.__new__(Clinic)
        clinic.settings, clinic.app = settings, create_app(settings)
        t1 = clinic.browser("t1@clinic.test")
        pid, _, tok = clinic.patient(t1, "Pat", "p@home.test")
        t1.page(f"/patients/{pid}/programme")
        assert t1.post(f"/patients/{pid}/programme", {"toml": PROGRAMME}).status_code == 303
        cfg = tmp_path / "upload.toml"
        cfg.write_text(f'server = "{url}"\ntoken = "{tok}"\n')
        monkeypatch.setenv("BACKFORM_CONFIG", str(cfg))
        for key in ("BACKFORM_TOKEN", "BACKFORM_SERVER"):
            monkeypatch.delenv(key, raising=False)
        assert cli_main(["upload", str(folder)]) == 0
        assert "uploaded (session" in capsys.readouterr().out
        assert cli_main(["upload", str(folder)]) == 0
        assert "already on the server" in capsys.readouterr().out
        sessions = t1.get("/api/sessions").json()["sessions"]
        assert len(sessions) == 1 and sessions[0]["recorded_at"].startswith("2026-12-01")
        pulled = tmp_path / "prog.toml"
        assert cli_main(["programme", "pull", "--out", str(pulled)]) == 0
        assert pulled.read_text() == PROGRAMME and "version 1" in capsys.readouterr().out
        assert cli_main(["upload", "--calibration", str(ROOT / "calibration" / "example_profile.toml")]) == 0
        assert "calibration profile uploaded" in capsys.readouterr().out
        assert 'id="calibration"' in t1.page(f"/patients/{pid}").text
        monkeypatch.setenv("BACKFORM_TOKEN", "bf_wrong")
        assert cli_main(["upload", str(folder)]) == 1
        assert "refused (401)" in capsys.readouterr().out
    finally:
        srv.terminate()
        srv.wait(timeout=30)


def test_calibration_profile_upload_and_view(clinic):
    t1 = clinic.browser("t1@clinic.test")
    pid, pat, tok = clinic.patient(t1, "Pat", "p@home.test")
    c = TestClient(clinic.app)
    h = {"Authorization": f"Bearer {tok}"}
    bad = c.put("/api/calibration", content=b'[calibration]\nschema = "backform.calibration/1"\n[baseline.cartwheel]\nx = 1\n',
                headers=h)
    assert bad.status_code == 422 and "cartwheel" in bad.json()["error"]
    profile = (ROOT / "calibration" / "example_profile.toml").read_bytes()
    r = c.put("/api/calibration", content=profile, headers=h)
    assert r.status_code == 201, r.text
    page = t1.page(f"/patients/{pid}").text
    assert 'id="calibration"' in page and r.json()["exercises"][0] in page
    assert t1.c.put("/api/calibration", content=profile, headers={"X-CSRF-Token": t1.csrf}).status_code == 403
    z = zipfile.ZipFile(io.BytesIO(t1.get(f"/patients/{pid}/export").content))
    assert z.read("calibration.toml") == profile


def test_browser_upload_form_and_object_store_blobs(tmp_path, folder):
    """The patient's upload form (CSRF, multipart) with the blobs in an fsspec store (memory:// standing in
    for s3://): stored, shown, exported, deleted."""
    clinic = Clinic(tmp_path / "data", blobs_url="memory://bf-test")
    t1 = clinic.browser("t1@clinic.test")
    pid, pat, _ = clinic.patient(t1, "Pat", "p@home.test")
    pat.page("/me")
    files = {"session": ("session.json", (folder / "session.json").read_bytes()),
             "log": ("session.log.jsonl", (folder / "session.log.jsonl").read_bytes())}
    assert pat.c.post("/me/upload", data={"kind": "session"}, files=files).status_code == 403  # no CSRF token
    r = pat.c.post("/me/upload", data={"kind": "session", "csrf": pat.csrf}, files=files)
    assert r.status_code == 303 and r.headers["location"].startswith("/sessions/")
    sid = int(r.headers["location"].rsplit("/", 1)[1])
    blobs = clinic.app.state.blobs
    assert isinstance(blobs, B.FsspecBlobs) and not (clinic.settings.data / "blobs").exists()
    assert sorted(k.rsplit("/", 1)[1] for k in blobs.keys(f"patients/{pid}")) == \
        ["report.html", "session.json", "session.log.jsonl"]
    assert "session report" in t1.get(f"/sessions/{sid}/report").text
    z = zipfile.ZipFile(io.BytesIO(t1.get(f"/patients/{pid}/export").content))
    assert f"sessions/{sid}/session.log.jsonl" in z.namelist()
    assert t1.c.delete(f"/api/patients/{pid}", headers={"X-CSRF-Token": t1.csrf}).status_code == 200
    assert list(blobs.keys(f"patients/{pid}")) == []
