"""The typed session model and its published JSON Schema."""
from __future__ import annotations

import json
import math

import msgspec
import pytest

from backform import session as S
from conftest import SCHEMA_FILE


def test_published_schema_is_the_models():
    """docs/session.schema.json is regenerated from the model (`backform schema > docs/session.schema.json`)."""
    assert json.loads(SCHEMA_FILE.read_text()) == S.json_schema()


def test_round_trip_keeps_every_field(session_validator):
    s = S.Session(exercise="bird_dog", source=S.SourceInfo(path="a.mp4", fps=30.0, frames=90, width=640, height=480),
                  tracking=S.Tracking(frames=90, pose_frames=88, pose_found_rate=0.9778),
                  rep_count=1, reps=[S.Rep(n=1, side="left", start_s=0.5, top_s=1.0, lower_s=3.0, end_s=3.5,
                                           hold_s=2.0, faults=["arm_low"], metrics={"arm_deg": -21.5, "x": None})],
                  faults=[S.FaultEvent(code="arm_low", rep=1, t_s=3.5, message="Raise your arm", value=-21.5)],
                  side_counts={"left": 1, "right": 0})
    text = S.dumps(s)
    assert S.loads(text) == s
    data = json.loads(text)
    assert not list(session_validator.iter_errors(data))
    assert "live" not in data and "segments" not in data  # unset: left out
    assert data["reps"][0]["metrics"]["x"] is None


def test_a_bad_field_is_one_clear_error():
    with pytest.raises(msgspec.ValidationError, match=r"\$\.reps\[0\]\.n"):
        S.loads(json.dumps({"exercise": "bridge", "reps": [{"n": "one"}]}))


def test_schema_rejects_what_the_contract_forbids(session_validator):
    ok = json.loads(S.dumps(S.Session(exercise="bridge")))
    assert not list(session_validator.iter_errors(ok))
    for broken in ({k: v for k, v in ok.items() if k != "reps"}, {**ok, "rep_count": "3"},
                   {**ok, "schema": "backform.session/0"}):
        assert list(session_validator.iter_errors(broken))


def test_older_and_newer_files_load():
    """Unknown fields (a newer writer) are ignored; missing optional ones (an older writer) are unset."""
    s = S.loads(json.dumps({"schema": "backform.session/1", "exercise": "bridge", "rep_count": 0, "reps": [],
                            "faults": [], "a_field_from_the_future": {"x": 1}}))
    assert s.exercise == "bridge" and s.live is msgspec.UNSET and s.tracking.frames == 0


def test_nan_is_not_written():
    s = S.Session(reps=[S.Rep(n=1, hold_s=math.nan)])
    assert json.loads(S.dumps(s))["reps"][0]["hold_s"] is None
