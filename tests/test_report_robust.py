"""Robust records: ``backform analyze`` killed with SIGKILL half-way, then ``backform report`` on the partial
session folder reports the reps completed before the kill (rebuilt from the session log)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _report_helpers import parse

from backform import report as R

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_videos" / "bridge_clean_s101.mp4"


def backform(*args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "backform", *args], capture_output=True, text=True,
                          timeout=300, **kw)


def logged_reps(log: Path) -> list[dict]:
    reps = []
    for line in log.read_text().splitlines()[1:]:
        try:
            rec = json.loads(line)
        except ValueError:
            break
        if (rec.get("result") or {}).get("rep"):
            reps.append(rec["result"]["rep"])
    return reps


@pytest.fixture(scope="module")
def video() -> Path:
    if SAMPLE.is_file() and SAMPLE.stat().st_size > 10_000:
        return SAMPLE
    pytest.skip(f"{SAMPLE} is not available")


@pytest.mark.slow
def test_sigkill_half_way_then_report(video, tmp_path, model_path, capsys):
    full = tmp_path / "full"
    r = backform("analyze", str(video), "--exercise", "bridge", "--out", str(full), "--no-video", "-q")
    assert r.returncode == 0, r.stderr
    complete = json.loads((full / "session.json").read_text())
    assert complete["rep_count"] >= 2
    frames_total = complete["tracking"]["frames"]

    out = tmp_path / "killed"
    log = out / "session.log.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "backform", "analyze", str(video), "--exercise", "bridge",
                             "--out", str(out), "-q", "--privacy", "skeleton"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    killed_at = None
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            if log.is_file() and logged_reps(log):  # the first rep is logged: kill now, half-way through
                os.killpg(proc.pid, signal.SIGKILL)  # the analysis and its encoder, by process group id
                killed_at = time.monotonic()
                break
            time.sleep(0.02)
    finally:
        if proc.poll() is None and killed_at is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert killed_at is not None, "the analysis finished before a rep was logged"
    assert proc.returncode == -signal.SIGKILL
    assert not (out / "session.json").exists()
    lines = log.read_text().splitlines()
    assert 1 < len(lines) - 1 < frames_total  # killed half-way
    before = logged_reps(log)
    assert 1 <= len(before) < complete["rep_count"]

    r = backform("report", str(out))
    assert r.returncode == 0, r.stderr
    assert "partial" in r.stdout
    page = (out / "report.html").read_text()
    assert 'id="partial"' in page and f"<b>{len(before)}</b> reps completed" in page
    rows = parse(page).tables["reps"]
    assert [int(x["n"]) for x in rows] == [x["n"] for x in before]
    for row, rep, ref in zip(rows, before, complete["reps"]):
        assert row["hold_s"] == R.fmt(rep["hold_s"]) and row["start_s"] == R.fmt(rep["start_s"])
        # the same rep as in the uninterrupted run
        assert abs(rep["start_s"] - ref["start_s"]) < 0.01 and abs(rep["hold_s"] - ref["hold_s"]) < 0.01
    session, ld = R.load_session(out)
    assert session.partial and session.rep_count == len(before)
    with capsys.disabled():
        print(f"\nSIGKILL after {len(lines) - 1} of {frames_total} frames ({ld.last_t_s} s); "
              f"report of the partial folder: {len(before)} of {complete['rep_count']} reps, as in the full run")
