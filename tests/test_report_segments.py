"""The report and the trend page of a whole session (issue 13): the session timeline (segments and what was not
an exercise), one reps table per segment, escaping of what comes from session.json; on the trend page each
segment counts for its own exercise and each session lists its segments."""
from __future__ import annotations

import json
import re
import shutil

import pytest
from _report_helpers import chromium, chromium_run, make_session, parse, save_artifact
from kinematics import Rep

from backform import report as R
from backform import session as S
from backform.report import fmt

# rep 2 is held, short of straight: a lift both 30 deg short and held only 1 s is the bridge's aborted-lift
# shape (bridge.unstraightened_lift), not counted
BRIDGE = [Rep(hold=2.5), Rep(hold=2.5, faults={"hips_low": 30.0}), Rep(hold=2.5)]
BIRD = [Rep(hold=2.5, side="left"), Rep(hold=2.5, side="right"), Rep(hold=2.5, side="left"),
        Rep(hold=1.0, side="right")]


def shifted(reps, faults, dt):
    return ([{**r, "start_s": r["start_s"] + dt, "top_s": r["top_s"] and r["top_s"] + dt,
              "lower_s": r["lower_s"] and r["lower_s"] + dt, "end_s": r["end_s"] + dt} for r in reps],
            [{**f, "t_s": f["t_s"] + dt} for f in faults])


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    """A session.json as ``analyze`` without --exercise writes it for a bridge, then (after 6 s of getting
    up and on all fours) a bird dog: the segments' reps are those of each checker."""
    base = tmp_path_factory.mktemp("whole")
    parts = {}
    for ex, reps in (("bridge", BRIDGE), ("bird_dog", BIRD)):
        make_session(base / ex, ex, reps)
        parts[ex] = json.loads((base / ex / "session.json").read_text())
    b, d = parts["bridge"], parts["bird_dog"]
    b_end = b["reps"][-1]["end_s"] + 1.0
    dt = b_end + 6.0
    d_reps, d_faults = shifted(d["reps"], d["faults"], dt)
    folder = base / "2026-12-01_whole"
    folder.mkdir()
    s = {"schema": S.SESSION_SCHEMA, "exercise": None, "source": b["source"], "tracking": b["tracking"],
         "rep_count": 0, "reps": [], "faults": [],
         "segments": [{"exercise": "bridge", "start_s": 0.0, "end_s": b_end, "rep_count": len(b["reps"]),
                       "reps": b["reps"], "faults": b["faults"], "confidence": 1.0,
                       "sets": [{"n": 1, "start_s": 0.0, "end_s": b_end, "reps": len(b["reps"])}]},
                      {"exercise": "bird_dog", "start_s": dt, "end_s": d_reps[-1]["end_s"] + 1.0,
                       "rep_count": len(d_reps), "reps": d_reps, "faults": d_faults, "confidence": 0.8}],
         "other": [{"start_s": b_end, "end_s": dt, "posture": None, "reason": "changing position"}]}
    (folder / "session.json").write_text(json.dumps(S.to_builtins(S.convert(s, S.Session))))
    return folder, s


def test_report_shows_the_timeline_and_each_segment(whole):
    folder, s = whole
    page = R.write_report(folder).read_text()
    dom = parse(page)
    svg = next(a for a in dom.tags["svg"] if a.get("class") == "timeline")
    assert svg["data-segments"] == "2" and svg["data-other"] == "1"
    bars = [a for a in dom.tags["rect"] if a.get("class") == "segment"]
    assert [(a["data-exercise"], a["data-reps"]) for a in bars] == [("bridge", "3"), ("bird_dog", "4")]
    assert [a["data-reason"] for a in dom.tags["rect"] if a.get("class") == "other"] == ["changing position"]
    rows = dom.tables["segments"]
    assert [(r.get("@data-exercise"), r["reps"]) for r in rows if "@data-segment" in r] == [("bridge", "3"),
                                                                                          ("bird_dog", "4")]
    assert "bird dog" in page and "not an exercise: changing position" in page
    assert "<h1>Bridge, bird dog: session report</h1>" in page
    # one reps table per segment, the same rows as the segment's reps
    for k, seg in enumerate(s["segments"], 1):
        table = dom.tables[f"reps-{k}"]
        assert [r["n"] for r in table] == [str(r["n"]) for r in seg["reps"]]
        assert [r["hold_s"] for r in table] == [fmt(r["hold_s"]) for r in seg["reps"]]
        assert [r["faults"] for r in table] == [", ".join(r["faults"]) or "–" for r in seg["reps"]]
    assert "side" in dom.tables["reps-2"][0] and "side" not in dom.tables["reps-1"][0]
    assert "reps" not in dom.tables  # no top-level exercise: no top-level reps table
    # still self-contained
    assert not re.search(r'(src|href)\s*=\s*"(?!data:|#)', page) and "default-src 'none'" in page


def test_one_exercise_session_unchanged_but_for_its_timeline(tmp_path):
    make_session(tmp_path / "b", "bridge", BRIDGE)
    page = R.write_report(tmp_path / "b").read_text()
    assert 'class="timeline"' not in page and "reps-1" not in page and 'id="reps"' in page


def test_segment_text_is_escaped(whole, tmp_path):
    folder = tmp_path / "evil"
    shutil.copytree(whole[0], folder)
    s = json.loads((folder / "session.json").read_text())
    evil = '</title><script>alert("x")</script> & <b>'
    s["other"][0]["reason"] = evil
    s["segments"][1]["exercise"] = evil
    s["segments"][0]["reps"][0]["faults"] = ['"><script>alert(1)</script>']
    (folder / "session.json").write_text(json.dumps(s))
    page = R.write_report(folder).read_text()
    assert "<script>alert" not in page and "<b>" not in page and page.count("<script") == 2
    assert "&lt;/title&gt;&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;" in page
    dom = parse(page)
    assert dom.tables["reps-1"][0]["faults"] == '"><script>alert(1)</script>'
    assert [a["data-exercise"] for a in dom.tags["rect"] if a.get("class") == "segment"][1] == evil


def test_trend_counts_each_segment_for_its_exercise(whole, tmp_path):
    folder, s = whole
    base = tmp_path / "patient"
    shutil.copytree(folder, base / folder.name)
    make_session(base / "2026-11-20_bridge", "bridge", BRIDGE[:2])
    page = R.write_trend([base / folder.name, base / "2026-11-20_bridge"], base / "trend.html").read_text()
    dom = parse(page)
    assert [r["reps"] for r in dom.tables["bridge"]] == ["2", "3"]
    assert [(r["@data-folder"], r["reps"]) for r in dom.tables["bird_dog"]] == [(folder.name, "2/2")]
    sessions = dom.tables["sessions"]
    assert [r["@data-folder"] for r in sessions] == ["2026-11-20_bridge", folder.name]
    assert sessions[1]["exercises"] == "bridge 3 · bird dog 4" and sessions[0]["exercises"] == "bridge 2"


@pytest.mark.skipif(chromium() is None, reason="no chromium")
def test_whole_session_report_in_headless_chromium(whole, tmp_path):
    """Offline in Chromium: the page script ran (no top-level reps: its check holds), the timeline and both
    segments' tables are there; a screenshot is kept."""
    folder = tmp_path / "w"
    shutil.copytree(whole[0], folder)
    url = R.write_report(folder).resolve().as_uri()
    r = chromium_run(url, tmp_path, "--dump-dom")
    assert r.returncode == 0, r.stderr[-2000:]
    assert 'data-check="ok"' in re.search(r"<body[^>]*>", r.stdout).group(0)
    dom = parse(r.stdout)
    assert len([a for a in dom.tags["rect"] if a.get("class") == "segment"]) == 2
    assert len(dom.tables["reps-1"]) == 3 and len(dom.tables["reps-2"]) == 4
    shot = tmp_path / "report_whole_session.png"
    r = chromium_run(url, tmp_path, f"--screenshot={shot}", "--window-size=1280,1400")
    assert r.returncode == 0 and shot.is_file(), r.stderr[-2000:]
    save_artifact(shot, "report_whole_session.png")


def test_one_segment_alone_draws_no_timeline(whole, tmp_path):
    """A live session of one set (one segment, nothing else): the page as before, without a timeline."""
    folder = tmp_path / "one"
    shutil.copytree(whole[0], folder)
    s = json.loads((folder / "session.json").read_text())
    seg = s["segments"][0]
    s.update(exercise="bridge", reps=seg["reps"], faults=seg["faults"], rep_count=seg["rep_count"],
             segments=[seg], other=[])
    (folder / "session.json").write_text(json.dumps(s))
    page = R.write_report(folder).read_text()
    assert 'class="timeline"' not in page and 'id="reps"' in page and "reps-1" not in page
    s["other"] = [{"start_s": 20.0, "end_s": 25.0, "posture": None, "reason": "no person in view"}]
    (folder / "session.json").write_text(json.dumps(s))
    page = R.write_report(folder).read_text()
    assert 'data-segments="1" data-other="1"' in page and 'id="reps"' in page and "reps-1" not in page
