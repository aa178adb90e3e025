"""The HTML session report and the trend page: content matches session.json, self-contained, rendered in a
real headless Chromium (no network) with a screenshot kept as test output; sessions rebuilt from the log."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from _report_helpers import assert_table_matches, chromium, chromium_run, make_session, parse, rep_rows, save_artifact
from kinematics import Rep

from backform import report as R
from backform import session as S
from backform.cli import report as cli_report
from backform.programme import programme as P
from backform.report import render

ROOT = Path(__file__).resolve().parents[1]
BRIDGE_REPS = [Rep(hold=2.5), Rep(hold=1.0), Rep(hold=2.5, faults={"hips_low": 30.0}), Rep(hold=2.5)]
BIRD_REPS = [Rep(hold=2.5, side="left"), Rep(hold=2.5, side="right", faults={"arm_low": 30.0}),
             Rep(hold=2.5, side="left"), Rep(hold=1.0, side="right")]


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    base = tmp_path_factory.mktemp("sessions")
    out = {}
    for name, ex, reps in (("2026-11-02_bridge", "bridge", BRIDGE_REPS), ("2026-11-02_bird", "bird_dog", BIRD_REPS)):
        folder = base / name
        make_session(folder, ex, reps)
        out[ex] = folder
    return out


@pytest.mark.parametrize("exercise", ["bridge", "bird_dog"])
def test_report_numbers_match_session_json(sessions, exercise):
    folder = sessions[exercise]
    page = R.write_report(folder).read_text()
    session = json.loads((folder / "session.json").read_text())
    assert session["rep_count"] == 4 and session["faults"]
    assert_table_matches(rep_rows(page), session)
    dom = parse(page)
    # fault counts by code
    counts = {}
    for f in session["faults"]:
        counts[f["code"]] = counts.get(f["code"], 0) + 1
    got = {row["@data-code"]: int(row["count"]) for row in dom.tables["fault-counts"]}
    assert got == counts
    # plots: every panel has data, one band per rep, one marker per fault
    svgs = [a for a in dom.tags["svg"] if a.get("class") == "plot"]
    assert len(svgs) >= 2
    for a in svgs:
        assert int(a["data-points"]) > 50 and int(a["data-reps"]) == 4 and int(a["data-faults"]) == len(session["faults"])
    bands = [a for a in dom.tags["rect"] if a.get("class") == "rep-band"]
    assert len(bands) == 4 * len(svgs)
    marks = [a for a in dom.tags["path"] if a.get("class") == "fault-mark"]
    assert sorted({m["data-code"] for m in marks}) == sorted(counts)
    # a still per rep with faults; from a landmarks file there is no video: skeleton only
    stills = [a for a in dom.tags["figure"] if a.get("class") == "still"]
    assert sorted(int(s["data-rep"]) for s in stills) == sorted({f["rep"] for f in session["faults"]})
    assert {s["data-mode"] for s in stills} == {"skeleton"}
    assert all(i["src"].startswith("data:image/jpeg;base64,") for i in dom.tags["img"])


def test_report_summary_against_programme(sessions, tmp_path):
    prog = P.parse({"programme": {"name": "Morning", "patient": "P-1"},
                    "exercise": [{"name": "bird_dog", "sets": 1, "reps": 3, "hold_s": 2.0}]})
    folder = tmp_path / "bird"
    shutil.copytree(sessions["bird_dog"], folder)
    page = R.write_report(folder, prog).read_text()
    session = json.loads((folder / "session.json").read_text())
    sc = session["programme"]["score"]  # the score is saved in session.json too
    assert session["programme"]["block"]["reps"] == 3
    assert sc == S.to_builtins(P.score(session, prog.block("bird_dog")))
    assert sc["done"]["left"]["reps"] == 2 and sc["done"]["right"]["reps"] == 2 and sc["complete"] is False
    kpi = {a["data-kpi"]: a for a in parse(page).tags["div"] if "data-kpi" in a}
    assert set(kpi) >= {"reps_left", "reps_right", "holds_met", "mean_hold_s", "reps_with_faults", "sets"}
    assert re.search(r'data-kpi="reps_left"><b class="bad">2 / 3</b>', page)
    assert f'data-kpi="holds_met"><b class="">{sc["done"]["holds_met"]} / 4</b>' in page
    assert f'{sc["done"]["mean_hold_s"]:.2f} s' in page
    assert "patient P-1" in page and "Morning" in page


def test_report_is_self_contained(sessions):
    page = R.write_report(sessions["bridge"]).read_text()
    # nothing to fetch: no external src/href, a CSP that forbids any network access
    assert not re.search(r'(src|href)\s*=\s*"(?!data:|#)', page)
    assert "default-src 'none'" in page
    assert "<script src" not in page and "<link" not in page


def test_report_written_atomically(sessions, monkeypatch):
    folder = sessions["bridge"]
    before = (folder / "report.html").read_text() if (folder / "report.html").exists() else None

    def boom(*a, **k):
        raise RuntimeError("disk full")
    monkeypatch.setattr(render, "render_session", boom)
    with pytest.raises(RuntimeError):
        R.write_report(folder)
    assert ((folder / "report.html").read_text() if before is not None else None) == before
    assert not list(folder.glob("*.tmp"))


def test_rebuilt_from_a_truncated_log(sessions, tmp_path):
    """A killed analysis: no session.json, the log cut mid-line. The report shows the reps whose end was
    logged before the cut."""
    src = sessions["bridge"]
    lines = (src / "session.log.jsonl").read_text().splitlines(keepends=True)
    ends = [i for i, ln in enumerate(lines) if '"rep":{' in ln]
    assert len(ends) == 4
    cut = ends[2] + 5  # after the third rep ended
    folder = tmp_path / "killed"
    folder.mkdir()
    (folder / "session.log.jsonl").write_text("".join(lines[:cut]) + lines[cut][: len(lines[cut]) // 2])
    session, ld = R.load_session(folder)
    assert isinstance(session, S.Session)
    assert session.partial and ld.truncated and session.rep_count == 3
    full = json.loads((src / "session.json").read_text())
    assert [r.n for r in session.reps] == [1, 2, 3]
    for a, b in zip(session.reps, full["reps"][:3]):
        assert S.to_builtins(a) == b
    assert [f.code for f in session.faults] == [f["code"] for f in full["faults"] if f["rep"] <= 3]
    page = R.write_report(folder).read_text()
    assert 'id="partial"' in page and "<b>3</b> reps completed" in page
    assert f"stopped at {R.fmt(ld.last_t_s)} s" in page
    assert_table_matches(rep_rows(page), S.to_builtins(session))
    assert not (folder / "session.json").exists()  # a partial session is not dressed up as a finished one


def test_stale_session_json_is_not_trusted(sessions, tmp_path):
    import os
    folder = tmp_path / "stale"
    shutil.copytree(sessions["bridge"], folder)
    lines = (folder / "session.log.jsonl").read_text().splitlines(keepends=True)
    ends = [i for i, ln in enumerate(lines) if '"rep":{' in ln]
    (folder / "session.log.jsonl").write_text("".join(lines[: ends[0] + 3]))
    old = (folder / "session.json").stat().st_mtime - 60
    os.utime(folder / "session.json", (old, old))
    session, _ = R.load_session(folder)
    assert session.partial and session.rep_count == 1


def test_trend_over_sessions(sessions, tmp_path):
    """Three sessions of one patient, one of them killed: per exercise, per session: reps, average hold,
    fault rate."""
    base = tmp_path / "patient"
    dirs = []
    for day, reps in (("2026-11-01", BRIDGE_REPS[:2]), ("2026-11-08", BRIDGE_REPS), ("2026-11-15", [Rep(hold=2.5)] * 3)):
        d = base / f"{day}_bridge"
        make_session(d, "bridge", list(reps), seed=int(day[-2:]))
        dirs.append(d)
    (dirs[1] / "session.json").unlink()  # killed: rebuilt from the log (all 4 reps were logged)
    bird = base / "2026-11-09_bird"
    shutil.copytree(sessions["bird_dog"], bird)
    out = R.write_trend([dirs[2], bird, dirs[0], dirs[1]], base / "trend.html")
    page = out.read_text()
    dom = parse(page)
    rows = dom.tables["bridge"]
    assert [r["@data-folder"] for r in rows] == [d.name for d in dirs]  # in date order
    expect = [R.load_session(d)[0] for d in dirs]
    for row, s in zip(rows, expect):
        sc = P.score(s)
        assert row["reps"] == str(s.rep_count) == str(sc.done.reps)
        assert row["mean_hold_s"] == R.fmt(sc.done.mean_hold_s)
        assert row["holds_met"] == str(sc.done.holds_met)
        assert row["fault_rate"] == f"{100 * sc.fault_rate:.0f}%"
    assert [r["reps"] for r in rows] == ["2", "4", "3"]
    assert "(partial)" in page
    bird_rows = dom.tables["bird_dog"]
    assert len(bird_rows) == 1 and bird_rows[0]["reps"] == "2/2"
    trends = [a for a in dom.tags["svg"] if a.get("class") == "trend"]
    assert {a["data-key"] for a in trends} == {f"{e}:{k}" for e in ("bridge", "bird_dog") for k in ("reps", "hold", "faults")}
    assert all(a["data-sessions"] == ("3" if a["data-key"].startswith("bridge") else "1") for a in trends)


def test_report_command(sessions, tmp_path, capsys):
    import argparse
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers()
    cli_report.add_parser(sub)
    d1, d2 = tmp_path / "a", tmp_path / "b"
    shutil.copytree(sessions["bridge"], d1)
    shutil.copytree(sessions["bridge"], d2)
    (d2 / "session.json").unlink()
    args = ap.parse_args(["report", str(d1), str(d2), "--privacy", "skeleton"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert (d1 / "report.html").is_file() and (d2 / "report.html").is_file() and (tmp_path / "trend.html").is_file()
    assert "partial: recovered from the session log" in out and "trend over 2 sessions" in out
    from backform.errors import BackformError
    with pytest.raises(BackformError, match="not a session folder"):
        args = ap.parse_args(["report", str(tmp_path / "nothing")])
        args.func(args)


# --- in a real browser ------------------------------------------------------------------------------------------
needs_chromium = pytest.mark.skipif(chromium() is None, reason="chromium is not installed (apt-get install chromium)")


@needs_chromium
@pytest.mark.parametrize("exercise", ["bridge", "bird_dog"])
def test_report_in_headless_chromium(sessions, tmp_path, exercise):
    """Loaded offline in Chromium: the DOM after scripts ran still has the per-rep table with the numbers of
    session.json, the plots, the stills; the page's own consistency check passed; a screenshot is kept."""
    folder = tmp_path / exercise
    shutil.copytree(sessions[exercise], folder)
    page = R.write_report(folder)
    session = json.loads((folder / "session.json").read_text())
    url = page.resolve().as_uri()
    r = chromium_run(url, tmp_path, "--dump-dom")
    assert r.returncode == 0, r.stderr[-2000:]
    dom_text = r.stdout
    body = re.search(r"<body[^>]*>", dom_text).group(0)
    assert 'data-check="ok"' in body  # the page's script ran and found its table equal to session.json
    n_plots = int(re.search(r'data-plots="(\d+)"', body).group(1))
    assert n_plots >= 2
    assert_table_matches(rep_rows(dom_text), session)
    dom = parse(dom_text)
    assert len([a for a in dom.tags["svg"] if a.get("class") == "plot"]) == n_plots
    assert len([a for a in dom.tags.get("polyline", []) if a.get("class") == "series"]) >= n_plots
    assert len([a for a in dom.tags["figure"] if a.get("class") == "still"]) == len({f["rep"] for f in session["faults"]})
    shot = tmp_path / f"report_{exercise}.png"
    r = chromium_run(url, tmp_path, f"--screenshot={shot}", "--window-size=1280,2000")
    assert r.returncode == 0 and shot.is_file() and shot.stat().st_size > 20_000, r.stderr[-2000:]
    save_artifact(shot, f"report_{exercise}.png")


@needs_chromium
def test_trend_page_in_headless_chromium(sessions, tmp_path):
    dirs = []
    for day in ("2026-11-01", "2026-11-08"):
        d = tmp_path / f"{day}_bridge"
        shutil.copytree(sessions["bridge"], d)
        dirs.append(d)
    out = R.write_trend(dirs, tmp_path / "trend.html")
    r = chromium_run(out.resolve().as_uri(), tmp_path, "--dump-dom")
    assert r.returncode == 0
    assert len(parse(r.stdout).tables["bridge"]) == 2 and r.stdout.count('class="trend"') == 3
    shot = tmp_path / "trend.png"
    r = chromium_run(out.resolve().as_uri(), tmp_path, f"--screenshot={shot}", "--window-size=1280,1400")
    assert shot.is_file()
    save_artifact(shot, "trend.png")


def test_live_session_of_several_sets_lists_every_set(sessions, tmp_path):
    """A live programme session keeps only its last set in the top-level reps; the report lists every set."""
    folder = tmp_path / "live"
    shutil.copytree(sessions["bridge"], folder)
    s = json.loads((folder / "session.json").read_text())
    first = {"set": 1, "exercise": "bird_dog", "start_s": 0.0, "end_s": 30.0, "rep_count": 2,
             "reps": [S.to_builtins(S.Rep(n=1, start_s=1.0, top_s=2.0, lower_s=4.4, end_s=5.0, hold_s=2.4)),
                      S.to_builtins(S.Rep(n=2, start_s=9.0, top_s=10.0, lower_s=11.1, end_s=12.0, hold_s=1.1))],
             "faults": [{"code": "short_hold", "rep": 2, "t_s": 25.0, "message": "Hold"}],
             "block": 0, "block_set": 1, "block_sets": 2,
             "reps_prescribed": 10, "per_side": True, "complete": False}
    last = {"set": 2, "exercise": "bridge", "start_s": 40.0, "end_s": 80.0, "rep_count": s["rep_count"],
            "reps": s["reps"], "faults": s["faults"]}
    s["live"] = {"sets": [first, last]}
    (folder / "session.json").write_text(json.dumps(s))
    page = R.write_report(folder).read_text()
    assert "Sets in this live session (2)" in page
    rows = re.findall(r'<tr data-set="(\d+)">(.*?)</tr>', page)
    assert [n for n, _ in rows] == ["1", "2"]
    assert "bird dog" in rows[0][1] and "2 / 10 per side" in rows[0][1] and "rep 2: short_hold" in rows[0][1]
    assert "2.4 s, 1.1 s" in rows[0][1] and "<td>no</td>" in rows[0][1]
    assert f"<td>{s['rep_count']}</td>" in rows[1][1]
    # a single-exercise session (no live sets) has no such section
    assert "Sets in this live session" not in R.write_report(sessions["bridge"]).read_text()


def test_rebuilt_session_is_a_valid_session(sessions, tmp_path, session_validator):
    """The session rebuilt from the log of a session that did not finish is a typed Session that validates
    (msgspec round trip and the published JSON Schema), with the checker's targets and thresholds."""
    folder = tmp_path / "killed"
    folder.mkdir()
    shutil.copy(sessions["bird_dog"] / "session.log.jsonl", folder)
    session, ld = R.load_session(folder)
    assert isinstance(session, S.Session) and session.partial is True and not ld.truncated
    data = json.loads(S.dumps(session))
    assert S.convert(data, S.Session) == session
    session_validator.validate(data)
    full = json.loads((sessions["bird_dog"] / "session.json").read_text())
    assert data["rep_count"] == full["rep_count"] and data["reps"] == full["reps"]
    assert data["side_counts"] == {"left": 2, "right": 2}
    assert data["targets"] == full["targets"] and data["cues"] == full["cues"] and data["checks"] == full["checks"]
    assert data["tracking"]["frames"] == full["tracking"]["frames"]


def test_fault_text_is_escaped(sessions, tmp_path):
    """Text from session.json (a fault's message, a cue, a fault code) cannot inject markup or script: it is
    escaped in the tables, the plot titles and the stills' captions, and the page data cannot end its
    <script> element."""
    folder = tmp_path / "evil"
    shutil.copytree(sessions["bridge"], folder)
    s = json.loads((folder / "session.json").read_text())
    evil = '</title><script>alert("x")</script> \'quoted\' & <b>'
    s["faults"][0]["message"] = evil
    s["cues"][s["faults"][0]["code"]] = evil
    s["reps"][0]["faults"] = ['"><script>alert(1)</script>']
    (folder / "session.json").write_text(json.dumps(s))
    page = R.write_report(folder).read_text()
    assert "<script>alert" not in page and "</title><script>" not in page and "<b>" not in page
    assert page.count("<script") == 2  # the page data and the page script, nothing else
    assert "&lt;/title&gt;&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &#39;quoted&#39; &amp; &lt;b&gt;" in page
    data = re.search(r'<script type="application/json" id="session-data">(.*?)</script>', page, re.S).group(1)
    assert json.loads(data)["reps"][0]["faults"] == ['"><script>alert(1)</script>']
    dom = parse(page)
    assert rep_rows(page)[0]["faults"] == '"><script>alert(1)</script>'
    assert {a["data-code"] for a in dom.tags["path"] if a.get("class") == "fault-mark"} >= {s["faults"][0]["code"]}
