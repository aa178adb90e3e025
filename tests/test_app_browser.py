"""`backform app` in Debian's Chromium (Playwright for Python driving /usr/bin/chromium, no browser download),
with recorded clips as the camera: the skeleton in the picture, the counters reaching the clip's rep count,
the set-up advice when the body is out of frame, the summary equal to session.json, a keyboard-only walk
through a programme at 200% zoom, two windows, a closed window, a lost camera, and axe-core's accessibility
check (no serious or critical violation). Screenshots are kept in out/test-artifacts/.

axe-core comes from the npm registry (`npm install --prefix out/axe axe-core`, or AXE_CORE_JS=path/axe.min.js).
"""
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import cv2
import pytest

from backform import session as S
from backform.app import AppRunner, AppServer
from backform.pipeline import SESSION_NAME
from backform.programme.programme import load as load_programme
from test_app import ROOT, StubPose, make_config, wait

CHROMIUM = os.environ.get("BACKFORM_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "out" / "test-artifacts"
AXE_CANDIDATES = [os.environ.get("AXE_CORE_JS", ""), ROOT / "out" / "axe" / "node_modules" / "axe-core" / "axe.min.js",
                  ROOT / "tests" / "node_modules" / "axe-core" / "axe.min.js"]
SAMPLES = ROOT / "sample_videos"

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed "
                               "(pip install playwright; no `playwright install`: the system Chromium is used)")


@pytest.fixture(scope="module")
def browser():
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def axe_js() -> str | None:
    for c in AXE_CANDIDATES:
        if c and Path(c).is_file():
            return Path(c).read_text()
    return None


def test_axe_core_is_available(axe_js):
    """The accessibility checks below run only with axe-core: say so when it is missing."""
    if axe_js is None:
        pytest.skip("axe-core not installed: `npm install --prefix out/axe axe-core` (or AXE_CORE_JS=path/axe.min.js);"
                    " the page tests run without the accessibility check")


def serve(cfg, grace_s: float = 5.0) -> AppServer:
    return AppServer(AppRunner(cfg), grace_s=grace_s, exit_when_idle=False).start()


def open_page(browser, srv, width=1280, height=900, context=None):
    # bypass_csp: the page allows no inline script, and axe-core is injected as one (tests only)
    ctx = context or browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = ctx.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(srv.url)
    page.wait_for_function("window.bf && window.bf.phase === 'home' && document.querySelector('#camera').options.length")
    return page


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"app_{name}.png"), full_page=True)


def check_axe(page, axe_js, where: str) -> None:
    """axe-core in the page: WCAG 2.0/2.1 A and AA rules; no serious or critical violation."""
    if axe_js is None:
        return
    page.add_script_tag(content=axe_js)
    res = page.evaluate("""async () => await axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}, resultTypes: ['violations']})""")
    bad = [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in res["violations"]
           if v["impact"] in ("serious", "critical")]
    (ARTIFACTS / f"app_axe_{where}.json").write_text(json.dumps(res["violations"], indent=1))
    assert not bad, f"{where}: {bad}"


def skeleton_pixels(page) -> int:
    """Pixels of the joints' green (the overlay's GREEN, BGR 80,200,80) in the page's picture."""
    return page.evaluate("""() => {
        const c = document.getElementById('video'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4)
            if (Math.abs(d[i] - 80) < 30 && Math.abs(d[i + 1] - 200) < 30 && Math.abs(d[i + 2] - 80) < 30) n++;
        return n; }""")


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


# -- a real clip through the real model ----------------------------------------------------------------------------
@pytest.mark.slow
def test_session_in_the_page_counts_the_clip_and_summary_equals_session_json(browser, axe_js, tmp_path,
                                                                             model_path):
    from backform.pose.estimator import PoseConfig, PoseEstimator
    clip = SAMPLES / "bridge_clean_s101.mp4"
    truth = json.loads(clip.with_suffix(".truth.json").read_text())
    srv = serve(make_config(tmp_path, video=clip, make_pose=lambda: PoseEstimator(model_path, PoseConfig())))
    try:
        page = open_page(browser, srv)
        assert page.evaluate("window.bf.control") is True
        shot(page, "home")
        check_axe(page, axe_js, "home")
        page.click("#start")
        page.wait_for_function("window.bf.phase === 'running' && window.bf.withPose > 5", timeout=60_000)
        assert skeleton_pixels(page) > 20  # the joints are drawn into the picture
        assert page.is_visible("#reps") and page.is_visible("#hold-box")
        shot(page, "live")
        check_axe(page, axe_js, "live")
        page.wait_for_function(f"document.getElementById('reps').textContent === '{truth['rep_count']}'",
                               timeout=60_000)
        big = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.counter-value')).fontSize)")
        assert big >= 100  # CSS px (16vh, at least 100): digits ~2.8 cm tall in a 900 px window, readable from 3 m
        page.wait_for_function("window.bf.phase === 'ended'", timeout=60_000)
        shot(page, "summary")
        check_axe(page, axe_js, "summary")
        sess = S.load(srv.runner.folder / SESSION_NAME)
        assert sess.live.final and sess.rep_count == truth["rep_count"]
        sets = sess.live.sets
        assert int(page.get_attribute("#sum-line", "data-reps")) == sum(s.rep_count for s in sets) == truth["rep_count"]
        assert int(page.get_attribute("#sum-line", "data-faults")) == sum(len(s.faults) for s in sets)
        rows = page.query_selector_all("#sum-table tbody tr")
        assert len(rows) == len(sets)
        for row, s in zip(rows, sets):
            cell = lambda col: row.query_selector(f"[data-col={col}]")  # noqa: E731
            assert cell("reps").inner_text() == str(s.rep_count)
            assert cell("holds").inner_text() == ", ".join(f"{round(r.hold_s, 1):g}" for r in s.reps)
            assert int(cell("faults").get_attribute("data-n")) == len(s.faults)
        st = sess.live.stats
        assert st["displayed"] > 50 and st["latency_ms"]["to"] == "display"  # the page's own figures
        assert srv.hub.figures()["shown"] > 50
        assert not page.errors
    finally:
        srv.shutdown()


def _cut_clip(src: Path, out: Path, keep: float = 0.55, seconds: float = 6.0) -> Path:
    """The clip with only the left ``keep`` of each frame: the head and shoulders are out of the picture."""
    cap = cv2.VideoCapture(str(src))
    fps = cap.get(cv2.CAP_PROP_FPS) or 15.0
    frames = []
    while len(frames) < int(fps * seconds):
        ok, img = cap.read()
        if not ok:
            break
        frames.append(img[:, : int(img.shape[1] * keep)].copy())
    cap.release()
    h, w = frames[0].shape[:2]
    vw = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for f in frames:
        vw.write(f)
    vw.release()
    return out


@pytest.mark.slow
def test_setup_advice_when_the_body_is_out_of_frame(browser, axe_js, tmp_path, model_path):
    from backform.pose.estimator import PoseConfig, PoseEstimator
    clip = _cut_clip(SAMPLES / "bridge_clean_s101.mp4", tmp_path / "cut.mp4")
    srv = serve(make_config(tmp_path / "s", video=clip, loop=3,
                            make_pose=lambda: PoseEstimator(model_path, PoseConfig())))
    try:
        page = open_page(browser, srv)
        page.click("#start")
        page.wait_for_function("window.bf.phase === 'running' && window.bf.last.live && window.bf.last.live.setup "
                               "&& window.bf.last.live.setup.messages.length > 0", timeout=60_000)
        page.wait_for_selector("#setup:not([hidden]) #setup-msgs li")
        # the advice shown is the advice sent: state and page read in one tick (the message can change between
        # two reads: "Your feet ..." -> "Your knees and feet ..." as the person moves)
        page.wait_for_function("(() => { const s = window.bf.last.live.setup;"
                               " const t = document.getElementById('setup-msgs').innerText;"
                               " return s.messages.length > 0 && t.includes(s.messages[0]); })()", timeout=30_000)
        live = page.evaluate("window.bf.last.live")
        assert set(live["setup"]["problems"]) & {"out_of_frame", "no_person", "too_small"}
        assert page.inner_text("#setup-msgs").strip()
        assert page.evaluate("document.getElementById('placement').naturalWidth") > 0  # the laptop's place
        assert "floor at your side" in page.get_attribute("#placement", "alt")
        shot(page, "setup")
        check_axe(page, axe_js, "setup")
        page.keyboard.press("e")
        page.wait_for_function("window.bf.phase === 'ended'", timeout=30_000)
    finally:
        srv.shutdown()
    sess = S.load(srv.runner.folder / SESSION_NAME)
    assert any(a.kind == "setup" for a in sess.live.announcements)  # the same advice was spoken
    assert sess.live.end == "quit" and sess.live.final


# -- the page's controls (a stub stands in for the model) -----------------------------------------------------------
PROGRAMME = """
[programme]
name = "Test programme"
rest_between_exercises_s = 30

[[exercise]]
name = "bridge"
sets = 2
reps = 5
hold_s = 2.0
rest_s = 30

[[exercise]]
name = "bird_dog"
sets = 1
reps = 3
hold_s = 2.0
rest_s = 30
"""


def test_keyboard_only_walkthrough_at_200_percent_zoom(browser, axe_js, tmp_path):
    (tmp_path / "p.toml").write_text(PROGRAMME)
    prog = load_programme(tmp_path / "p.toml")
    srv = serve(make_config(tmp_path / "s", exercise=None, programme=prog, loop=50))
    try:
        # 640 x 450 CSS pixels: a 1280 x 900 window at 200% zoom
        page = open_page(browser, srv, width=640, height=450)
        assert no_horizontal_scroll(page)
        assert "Bird dog" in page.inner_text("#plan") and "2 sets of 5 reps" in page.inner_text("#plan")
        focused = []
        for _ in range(12):
            page.keyboard.press("Tab")
            focused.append(page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()"))
            if focused[-1] == "start":
                break
        assert "camera" in focused and focused[-1] == "start", focused
        shot(page, "zoom200_home")
        check_axe(page, axe_js, "zoom200_home")
        page.keyboard.press("Enter")
        page.wait_for_function("window.bf.phase === 'running' && window.bf.last.live", timeout=30_000)
        assert page.evaluate("document.activeElement.id") == "pause"  # focus goes to the first control
        assert no_horizontal_scroll(page)
        page.keyboard.press("m")
        page.wait_for_function("window.bf.last.live && window.bf.last.live.muted === false")  # the app started muted
        page.keyboard.press("Space")  # the focused Pause button
        page.wait_for_function("window.bf.last.live && window.bf.last.live.paused")
        assert page.is_visible("#paused-note") and page.inner_text("#pause").startswith("Resume")
        page.keyboard.press("Space")
        page.wait_for_function("window.bf.last.live && !window.bf.last.live.paused")
        page.keyboard.press("n")  # skip: the set ends, the rest begins
        page.wait_for_function("window.bf.last.live && window.bf.last.live.rest", timeout=10_000)
        page.wait_for_selector("#rest:not([hidden])")
        left = int(page.inner_text("#rest-left"))
        assert 0 < left <= 30 and "Bridge" in page.inner_text("#rest-next")
        shot(page, "zoom200_rest")
        check_axe(page, axe_js, "zoom200_rest")
        page.keyboard.press("n")  # skip the rest: set 2
        page.wait_for_function("window.bf.last.live && window.bf.last.live.step.kind === 'set' "
                               "&& window.bf.last.live.step.set === 2", timeout=10_000)
        assert "set 2 of 2" in page.inner_text("#set-label")
        # every control of the session is reachable with Tab
        seen = set()
        for _ in range(12):
            page.keyboard.press("Tab")
            seen.add(page.evaluate("document.activeElement.id"))
        assert {"pause", "skip", "restart", "mute", "stop"} <= seen, seen
        page.keyboard.press("e")
        page.wait_for_function("window.bf.phase === 'ended'", timeout=30_000)
        assert page.evaluate("document.activeElement.id") == "summary-h"
        assert no_horizontal_scroll(page)
        assert page.evaluate("document.querySelector('#sum-table').scrollWidth <= "
                             "document.querySelector('#sum-table').parentElement.clientWidth + 1")  # reflowed
        prog_rows = page.evaluate("""() => [...document.querySelectorAll('#prog-table tbody tr')].map(tr => ({
            exercise: tr.dataset.key, sets_done: +tr.querySelector('[data-col=sets]').textContent,
            sets: +tr.querySelector('[data-col=sets-asked]').textContent}))""")
        check_axe(page, axe_js, "zoom200_summary")
        shot(page, "zoom200_summary")
        for _ in range(6):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == "again":
                break
        page.keyboard.press("Enter")
        page.wait_for_function("window.bf.phase === 'home'", timeout=10_000)
        page.wait_for_selector("#history tbody tr")
        assert not page.errors
    finally:
        srv.shutdown()
    sess = S.load(srv.runner.folder / SESSION_NAME)
    assert [s.block_set for s in sess.live.sets] == [1, 2] and sess.programme.sets_prescribed == 3
    assert sess.live.end == "quit"
    # the summary against the programme is session.json's
    assert [(r["exercise"], r["sets_done"], r["sets"]) for r in prog_rows] == \
        [(e.block.exercise, e.score.done.sets, e.block.sets) for e in sess.programme.exercises]


def test_two_windows_one_controls_and_closing_the_last_ends_the_session(browser, tmp_path):
    srv = serve(make_config(tmp_path, loop=50), grace_s=1.0)
    try:
        ctx = browser.new_context(viewport={"width": 1000, "height": 800}, bypass_csp=True)
        a = open_page(browser, srv, context=ctx)
        b = open_page(browser, srv, context=ctx)
        b.wait_for_selector("#tabnote:not([hidden])")
        assert b.is_disabled("#start") and not a.is_disabled("#start")
        a.click("#start")
        for p in (a, b):
            p.wait_for_function("window.bf.phase === 'running' && window.bf.frames > 5", timeout=30_000)
        assert b.is_disabled("#pause")
        shot(b, "watcher")
        a.close()
        b.wait_for_function("window.bf.control === true", timeout=10_000)
        b.wait_for_selector("#tabnote", state="hidden")
        assert not b.is_disabled("#pause")
        b.close()
        wait(lambda: srv.runner.result is not None, timeout=20)
        ctx.close()
    finally:
        srv.shutdown()
    sess = S.load(srv.runner.folder / SESSION_NAME)
    assert sess.live.final and sess.live.end == "tab_closed"


def test_camera_lost_is_told_on_the_page_and_the_session_saved(browser, tmp_path):
    srv = serve(make_config(tmp_path, loop=50, lost_after_s=2.0))
    try:
        page = open_page(browser, srv)
        page.select_option("#camera", "7")  # a camera that cannot be opened
        page.click("#start")
        page.wait_for_selector("#notice:not([hidden])")
        assert "could not be opened" in page.inner_text("#notice")
        shot(page, "camera_missing")
        page.select_option("#camera", "video")
        page.click("#start")
        page.wait_for_function("window.bf.phase === 'ended'", timeout=30_000)
        text = page.inner_text("#notice")
        assert "stopped sending pictures" in text and "saved" in text
        shot(page, "camera_lost")
    finally:
        srv.shutdown()
    sess = S.load(srv.runner.folder / SESSION_NAME)
    assert sess.live.final and sess.live.end == "camera_lost"
