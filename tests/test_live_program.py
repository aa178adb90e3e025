"""``backform live --program``: the session walks through the programme set by set, with rests between.

The rendered bridge sample (2 reps, 15 fps) plays through the fake camera, headless, against a programme of
2 sets of 1 rep with a 1 s rest: the first rep completes set 1, the rest (timed by frame timestamps) is
announced and counts nothing, the second rep completes set 2 and the programme ends. The clip plays at half
speed (frame timestamps unchanged) so this shared machine drops few frames."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from backform import session as S
from backform.io.fakecam import FakeCamera
from backform.live import LiveOptions, LiveSession
from backform.pose.estimator import PoseEstimator
from backform.programme.programme import load

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT / "sample_videos" / "bridge_clean_s101.mp4"

PROGRAMME = """\
[programme]
name = "Bridge test"
patient = "T-1"

[[exercise]]
name = "bridge"
sets = 2
reps = 1
hold_s = 2.0
rest_s = 1
"""


@pytest.mark.slow
def test_live_walks_through_the_programme(model_path, tmp_path):
    path = tmp_path / "prog.toml"
    path.write_text(PROGRAMME)
    prog = load(path)
    out = tmp_path / "live"
    with PoseEstimator(model_path) as pose:
        live = LiveSession(FakeCamera(CLIP, speed=0.5), LiveOptions(
            exercise="bridge", window=False, out=out, voice="none", programme=prog), pose).run()
    assert live.live.end == "programme_done", live.live.end
    sets = live.live.sets
    assert [(s.block_set, s.rep_count, s.complete) for s in sets] == [(1, 1, True), (2, 1, True)], sets
    # the reps are the clip's first and second: set 1 has the rep starting ~1.3 s, set 2 the one at ~8.9 s
    assert sets[0].reps[0].start_s < 4.0 < sets[1].reps[0].start_s, sets
    # announcements: set 1, the rest, set 2, the end, in that order; the rest is 1 s of frame time
    ann = [a for a in live.live.announcements if a.kind == "programme"]
    texts = [a.text for a in ann]
    assert len(texts) == 4, texts
    assert texts[0].startswith("Let's start: Bridge test. First: the bridge. 2 sets of 1 rep"), texts
    assert texts[1] == "Rest for 1 second. Then set 2 of 2 of the bridge.", texts
    assert texts[2].startswith("Set 2 of 2: 1 rep"), texts
    assert texts[3] == "That's the whole programme done. Well done!", texts
    assert ann[1].t_s == pytest.approx(sets[0].end_s, abs=0.01)
    assert 1.0 <= ann[2].t_s - ann[1].t_s <= 1.3, ann
    assert sets[1].start_s == pytest.approx(ann[2].t_s, abs=0.01)
    # no rep is counted during the rest: nothing starts between set 1's end and set 2's start
    assert all(not (sets[0].end_s < r.start_s < sets[1].start_s) for s in sets for r in s.reps)
    # session.json: the programme's progress, scored as analyze --program does; the same as run() returned
    saved = json.loads((out / "session.json").read_text())
    def without_stats(d):  # the timing figures are taken again for run()'s return value
        return {**d, "live": {**d["live"], "stats": None}}
    assert without_stats(saved) == without_stats(S.to_builtins(live))
    pr = saved["programme"]
    assert pr["name"] == "Bridge test" and pr["complete"] is True
    assert (pr["sets_done"], pr["sets_prescribed"]) == (2, 2)
    sc = pr["exercises"][0]["score"]
    assert sc["prescribed"]["sets"] == 2 and sc["prescribed"]["reps"] == 2
    assert sc["done"]["sets"] == 2 and sc["done"]["reps_per_set"] == [1, 1] and sc["done"]["reps"] == 2
    assert sc["complete"] is True and sc["completion"] == 1.0
    # the log goes on through the rest: frames with no result, between the two sets
    recs = [json.loads(line) for line in (out / "session.log.jsonl").read_text().splitlines()[1:]]
    rest = [r for r in recs if r.get("step") == "rest"]
    assert rest and all("result" not in r for r in rest), "no frame logged during the rest"
    assert all(sets[0].end_s < r["t_ms"] / 1000 < sets[1].start_s + 0.01 for r in rest)


def test_invalid_programme_is_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[[exercise]]\nname = 'bridge'\nsets = 20\n")
    p = subprocess.run([sys.executable, "-m", "backform", "live", "--program", str(bad), "--no-window",
                        "--video", str(CLIP), "--out", str(tmp_path / "o")],
                       capture_output=True, text=True, timeout=120)
    err = p.stderr.strip()
    assert p.returncode != 0
    assert "Traceback" not in p.stderr and err.count("\n") == 0, p.stderr
    assert err.startswith("backform: error: ") and "sets = 20 is out of range" in err, err
