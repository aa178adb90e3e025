"""The review service in Debian's Chromium (Playwright driving the system browser; no browser download):
a therapist invites a patient, the patient joins and uploads a session with `backform upload`, the therapist
reviews it and comments on a rep, the patient sees the comment. The strict CSP holds (no violation, no
injected script runs); screenshots of the caseload, the session review and the programme editor are kept in
out/test-artifacts/service/."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy", reason="the service extra is not installed (pip install -e '.[service]')")
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed "
                               "(pip install playwright; no `playwright install`: the system Chromium is used)")

from _report_helpers import make_session  # noqa: E402
from kinematics import Rep  # noqa: E402
from test_service_helpers import PASSWORD, free_port, wait_http  # noqa: E402

from backform.cli import main as cli_main  # noqa: E402
from backform.service import Settings, create_user  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("BACKFORM_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = ROOT / "out" / "test-artifacts" / "service"
PROGRAMME = '[programme]\nname = "Phase 1"\n\n[[exercise]]\nname = "bridge"\nsets = 2\nreps = 8\nhold_s = 2.0\n'
EVIL = '<img src=x onerror="window.pwned=1">Pat'


def _watch(page, problems: list) -> None:
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))


def _until(page, expr: str, timeout_s: float = 30.0) -> None:
    """Poll ``expr`` (page.wait_for_function compiles it with eval, which the page's CSP forbids)."""
    t0 = time.monotonic()
    while not page.evaluate(expr):
        assert time.monotonic() - t0 < timeout_s, f"timed out waiting for {expr}"
        page.wait_for_timeout(100)


def test_invite_upload_review_comment_in_chromium(tmp_path, monkeypatch, capsys):
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    folder = tmp_path / "bridge_today"  # no date in the name: recorded when its log was written (now)
    make_session(folder, "bridge", [Rep(hold=2.5), Rep(hold=2.5, faults={"hips_low": 30.0}), Rep(hold=2.5)])
    video = shutil.which("ffmpeg") is not None
    if video:  # a playable skeleton-only video (H.264), which `backform upload` sends by default
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "color=c=black:s=320x240:d=23:r=15",
                        "-c:v", "libx264", "-pix_fmt", "yuv420p", str(folder / "annotated.mp4")], check=True, timeout=120)
        doc = json.loads((folder / "session.json").read_text())
        doc["privacy"] = "skeleton"
        (folder / "session.json").write_text(json.dumps(doc, indent=1))
    data, port = tmp_path / "data", free_port()
    create_user(Settings.make(data), "t1@clinic.test", "Theo Therapist", PASSWORD, "therapist")
    # Secure cookies as in production: Chromium accepts them on http://localhost
    srv = subprocess.Popen([sys.executable, "-m", "backform", "serve", "--data", str(data), "--port", str(port),
                            "--workers", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://localhost:{port}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", 90)
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            ther = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            pat = browser.new_context(viewport={"width": 1000, "height": 900}).new_page()
            for pg in (ther, pat):
                _watch(pg, problems)
            # the therapist logs in and invites a patient
            ther.goto(url + "/")
            ther.fill("input[name=email]", "t1@clinic.test")
            ther.fill("input[name=password]", PASSWORD)
            ther.click("button:has-text('Log in')")
            ther.wait_for_url(url + "/caseload")
            ther.fill("form[action='/patients'] input[name=name]", EVIL)
            ther.click("button:has-text('Create and get an invitation')")
            code = ther.inner_text("#code")
            pid = int(re.search(r"/patients/(\d+)", ther.get_attribute("a[href^='/patients/']", "href")).group(1))
            # the patient joins with the code and makes an upload token
            pat.goto(f"{url}/join/{code}")
            pat.fill("input[name=email]", "pat@home.test")
            pat.fill("input[name=password]", PASSWORD)
            pat.fill("input[name=password2]", PASSWORD)
            pat.click("button:has-text('Create my account')")
            pat.wait_for_url(url + "/me")
            pat.click("button:has-text('New token')")
            token = re.search(r'token = "([^"]+)"', pat.inner_text("#config")).group(1)
            # ... and uploads a session from the command line
            monkeypatch.setenv("BACKFORM_SERVER", url)
            monkeypatch.setenv("BACKFORM_TOKEN", token)
            monkeypatch.setenv("BACKFORM_CONFIG", str(tmp_path / "none.toml"))
            assert cli_main(["upload", str(folder)]) == 0
            sid = int(re.search(r"session (\d+)", capsys.readouterr().out).group(1))
            # the therapist: caseload, patient, session review (report in its sandbox), a comment on rep 2
            ther.goto(url + "/caseload")
            assert "1/5 days" in ther.inner_text("#caseload")
            ther.screenshot(path=str(SHOTS / "caseload.png"), full_page=True)
            ther.click(f"a[href='/patients/{pid}']")
            ther.click(f"a[href='/sessions/{sid}']")
            ther.wait_for_url(f"{url}/sessions/{sid}")
            report = ther.frame_locator("iframe.report")
            assert "session report" in report.locator("h1").inner_text()
            if video:  # the plots' time cursor follows the video; a rep's start time seeks it
                _until(ther, "document.getElementById('video').readyState >= 1")
                ther.click("#reps tbody tr:nth-child(2) button.seek")
                _until(ther, "document.querySelector('#reps tbody tr:nth-child(2)').classList.contains('now')")
                ther.evaluate("document.getElementById('video').pause()")
                x = float(ther.get_attribute("svg.plot .cursor", "x1"))
                t = ther.evaluate("document.getElementById('video').currentTime")
                assert abs(x - (56 + 890 * t / float(ther.get_attribute(".synced", "data-tend")))) < 2.0
                assert x > 56
            ther.select_option("select[name=rep]", "2")
            ther.fill("textarea[name=body]", "Keep the hips up at the top <script>window.pwned=1</script>")
            ther.click("button:has-text('Add comment')")
            ther.wait_for_selector("li[data-comment]")
            ther.frame_locator("iframe.report").locator("h1").wait_for()  # the page reloaded: so did the report
            ther.wait_for_timeout(500)
            ther.screenshot(path=str(SHOTS / "session_review.png"), full_page=True)
            # the programme editor: a bad programme is refused with the loader's reason, a good one saved
            ther.goto(f"{url}/patients/{pid}/programme")
            ther.fill("#toml", '[[exercise]]\nname = "cartwheel"\n')
            ther.click("button:has-text('Save as a new version')")
            assert "not an exercise" in ther.inner_text("#error")
            ther.fill("#toml", PROGRAMME)
            ther.click("button:has-text('Save as a new version')")
            ther.wait_for_selector("#versions li a")
            ther.screenshot(path=str(SHOTS / "programme_editor.png"), full_page=True)
            # the patient sees the comment and the programme
            pat.goto(url + "/me")
            me = pat.inner_text("main")
            assert "Keep the hips up at the top <script>" in me and "Theo Therapist" in me and "Phase 1" in me
            pat.goto(f"{url}/sessions/{sid}")
            assert "rep 2" in pat.inner_text(".comments")
            for pg in (ther, pat):
                assert pg.evaluate("window.pwned") is None
            browser.close()
    finally:
        srv.terminate()
        srv.wait(timeout=30)
    assert problems == []
