"""End to end: the example programme (all five exercises, per-patient thresholds, a calibration profile) with
``backform analyze --program`` on the project's sample videos; each report's numbers match its session.json,
and ``backform report`` over the five folders gives the trend page. One report is rendered in Chromium."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from _report_helpers import assert_table_matches, chromium, chromium_run, parse, rep_rows, save_artifact

from backform import session as S
from backform.programme import calibration as C
from backform.programme import programme as P
from backform.report import fmt

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
PROGRAMME = ROOT / "calibration" / "example_programme.toml"
SAMPLES = ROOT / "sample_videos"
EXERCISES = ["bridge", "bird_dog", "prone_extension", "prone_arm_lift", "wall_slide"]


def sample(exercise: str) -> Path:
    found = sorted(SAMPLES.glob(f"{exercise}_clean_*.mp4"))
    if not found:
        pytest.skip(f"no clean sample video of {exercise} in {SAMPLES}")
    return found[0]


@pytest.fixture(scope="module")
def sessions(tmp_path_factory, model_path):
    base = tmp_path_factory.mktemp("programme")
    out = {}
    for ex in EXERCISES:
        d = base / f"2026-11-{10 + EXERCISES.index(ex):02d}_{ex}"
        r = subprocess.run([sys.executable, "-m", "backform", "analyze", str(sample(ex)), "--program", str(PROGRAMME),
                            "--exercise", ex, "--out", str(d), "--privacy", "skeleton", "-q"],
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr
        out[ex] = d
    return out


@pytest.mark.parametrize("exercise", EXERCISES)
def test_programme_session_and_report_agree(sessions, exercise, capsys):
    prog = P.load(PROGRAMME)
    block = prog.block(exercise)
    cal = C.load(prog.calibration)
    d = sessions[exercise]
    session = json.loads((d / "session.json").read_text())
    # the checker ran with the programme's prescription and thresholds and the calibration baseline
    assert session["exercise"] == exercise
    assert session["params"]["reps"] == block.reps and session["params"]["hold_s"] == block.hold_s
    for k, v in block.thresholds.items():
        assert session["params"][k] == v
    assert session["baseline"] == (cal.baseline_for(exercise) or {})
    # the score against the programme is in session.json and equals a fresh scoring of its reps
    pj = session["programme"]
    assert S.convert(pj["block"], S.ProgrammeBlockInfo) == S.convert(block.to_json(), S.ProgrammeBlockInfo)
    assert pj["name"] == prog.title and pj["patient"] == "P-0042"
    sc = pj["score"]
    assert sc == S.to_builtins(P.score(session, block))
    assert session["rep_count"] >= 1 and sc["done"]["reps"] == session["rep_count"]
    # the report shows exactly those numbers
    page = (d / "report.html").read_text()
    assert_table_matches(rep_rows(page), session)
    pr, dn = sc["prescribed"], sc["done"]
    if pr["per_side"]:
        for s in ("left", "right"):
            assert re.search(rf'data-kpi="reps_{s}"><b class="\w*">{dn[s]["reps"]} / {pr["reps"]}</b>', page)
    else:
        assert re.search(rf'data-kpi="reps"><b class="\w*">{dn["reps"]} / {pr["reps"]}</b>', page)
    assert f'data-kpi="holds_met"><b class="">{dn["holds_met"]} / {dn["reps"]}</b>' in page
    assert f'data-kpi="mean_hold_s"><b class="">{fmt(dn["mean_hold_s"], 2, " s")}</b>' in page
    assert f'data-kpi="sets"><b class="">{dn["sets"]} / {block.sets}</b>' in page
    plots = [a for a in parse(page).tags["svg"] if a.get("class") == "plot"]
    assert len(plots) >= 2 and all(int(a["data-reps"]) == session["rep_count"] for a in plots)
    assert "patient P-0042" in page and "Phase 1 home programme" in page
    with capsys.disabled():
        side = f" (L {dn['left']['reps']}, R {dn['right']['reps']})" if pr["per_side"] else ""
        print(f"\n{exercise}: {dn['reps']} reps{side} of {pr['reps']}{' per side' if pr['per_side'] else ''} "
              f"prescribed, holds met {dn['holds_met']}/{dn['reps']} (target {pr['hold_s']} s), mean hold "
              f"{dn['mean_hold_s']} s, faults on {dn['reps_with_faults']} reps; report table = session.json")


def test_trend_over_the_programme(sessions, tmp_path):
    dirs = [sessions[e] for e in EXERCISES]
    out = tmp_path / "trend.html"
    r = subprocess.run([sys.executable, "-m", "backform", "report", *map(str, dirs), "--program", str(PROGRAMME),
                        "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    dom = parse(out.read_text())
    for ex, d in zip(EXERCISES, dirs):
        rows = dom.tables[ex]
        session = json.loads((d / "session.json").read_text())
        assert len(rows) == 1 and rows[0]["@data-folder"] == d.name
        sc = session["programme"]["score"]
        want = f'{sc["done"]["left"]["reps"]}/{sc["done"]["right"]["reps"]}' if sc["prescribed"]["per_side"] \
            else str(sc["done"]["reps"])
        assert rows[0]["reps"] == want and rows[0]["mean_hold_s"] == fmt(sc["done"]["mean_hold_s"])


@pytest.mark.skipif(chromium() is None, reason="chromium is not installed")
def test_programme_report_in_chromium(sessions, tmp_path):
    d = sessions["bird_dog"]
    url = (d / "report.html").resolve().as_uri()
    r = chromium_run(url, tmp_path, "--dump-dom")
    assert r.returncode == 0 and 'data-check="ok"' in re.search(r"<body[^>]*>", r.stdout).group(0)
    assert_table_matches(rep_rows(r.stdout), json.loads((d / "session.json").read_text()))
    shot = tmp_path / "programme_bird_dog.png"
    chromium_run(url, tmp_path, f"--screenshot={shot}", "--window-size=1280,2000")
    assert shot.is_file()
    save_artifact(shot, "report_programme_bird_dog.png")
