"""Helpers of the report tests: session folders from the kinematic body, HTML parsing, headless Chromium."""
from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

from kinematics import Camera, Plan, frames

from backform.exercises import get
from backform.report import fmt
from backform.io.recording import LandmarksSource, LandmarkWriter
from backform.pipeline import analyze

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "out" / "test-artifacts"


def make_session(folder: Path, exercise: str, reps: list, params=None, seed: int = 1) -> dict:
    """Analyse a kinematic recording of ``reps`` into ``folder`` (session.json + session.log.jsonl)."""
    fr = frames(Plan(exercise, reps), cam=Camera(seed=seed))
    rec = folder.parent / f"{folder.name}.landmarks.jsonl"
    folder.parent.mkdir(parents=True, exist_ok=True)
    with LandmarkWriter(rec, {"fps": 15.0, "analysis_fps": 15.0, "width": fr[0].width, "height": fr[0].height,
                              "frames": len(fr), "source": rec.name}) as w:
        for pf in fr:
            w.write(pf)
    return analyze(LandmarksSource(rec), folder, exercise=get(exercise, params=params), exercise_name=exercise)


class DomTables(HTMLParser):
    """Collects tables (by id / class) as rows of {data-field: text}, and element attributes by tag."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[dict]] = {}
        self.tags: dict[str, list[dict]] = {}
        self._table: str | None = None
        self._row: dict | None = None
        self._field: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.setdefault(tag, []).append(a)
        if tag == "table":
            self._table = a.get("id") or a.get("data-exercise") or a.get("class")
            self.tables.setdefault(self._table, [])
        elif tag == "tr" and self._table is not None:
            self._row = dict(("@" + k, v) for k, v in a.items())
        elif tag == "td" and self._row is not None:
            self._field = a.get("data-field")
            self._text = []

    def handle_endtag(self, tag):
        if tag == "td" and self._row is not None and self._field:
            self._row[self._field] = "".join(self._text).strip()
            self._field = None
        elif tag == "tr" and self._row is not None:
            if any(not k.startswith("@") for k in self._row):
                self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._field:
            self._text.append(data)


def parse(html_text: str) -> DomTables:
    p = DomTables()
    p.feed(html_text)
    return p


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


def chromium_run(url: str, tmp: Path, *extra: str, timeout: float = 120.0) -> subprocess.CompletedProcess:
    """Headless Chromium with networking off (every host resolves to nothing, no background services)."""
    exe = chromium()
    cmd = ["nice", "-n", "10", exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
           "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={tmp / 'chromium-profile'}",
           "--virtual-time-budget=5000", *extra, url]
    env = dict(os.environ, HOME=str(tmp))
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)


def save_artifact(src: Path, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    dst = ARTIFACTS / name
    shutil.copyfile(src, dst)
    return dst


def rep_rows(html_text: str) -> list[dict]:
    return parse(html_text).tables["reps"]


def assert_table_matches(rows: list[dict], session: dict):
    reps = session["reps"]
    assert len(rows) == len(reps) == session["rep_count"]
    for row, r in zip(rows, reps):
        assert row["n"] == str(r["n"]) and row["@data-n"] == str(r["n"])
        for k in ("start_s", "top_s", "lower_s", "end_s", "hold_s"):
            assert row[k] == fmt(r[k]), (k, row, r)
        for k, v in r["metrics"].items():
            assert row[f"m:{k}"] == fmt(v), (k, row, r)
        assert row["faults"] == (", ".join(r["faults"]) or "–")
        assert row["not_checked"] == (", ".join(r["not_checked"]) or "–")
        if "side" in row:
            assert row["side"] == (r["side"] or "–")
