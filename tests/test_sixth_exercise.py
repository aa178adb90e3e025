"""A sixth exercise defined in this file alone goes through everything the five do: analyze ->
session.json -> report.html -> programme scoring -> calibration, with no other module touched.

The toy is an overhead reach (standing, both arms up, hold at the top), measured on the kinematic body's
wall-slide motion: its shoulder flexion goes from 78 to 168 deg, or 40 deg less with ``arms_not_overhead``.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from kinematics import Camera, Plan, Rep, frames

from backform import session as S
from backform.exercises import Exercise, Panel, get, names, register, spec, unregister
from backform.exercises.checks import RepContext, judge
from backform.exercises.counting import CounterParams
from backform.io.recording import LandmarksSource, LandmarkWriter
from backform.pipeline import analyze
from backform.pose import geometry as g
from backform.pose.landmarks import side as S_
from backform.programme import calibration as C
from backform.programme import programme as P
from backform.report import write_report

NAME = "overhead_reach"


@dataclass(frozen=True)
class ReachParams:
    reps: int = 5
    hold_s: float = 1.5
    hold_tolerance_s: float = 0.3
    start_delta_deg: float = 25.0
    rest_delta_deg: float = 10.0
    min_range_deg: float = 20.0
    min_flexion_deg: float = 150.0


class OverheadReach(Exercise):
    Params = ReachParams
    label = "overhead reach"
    posture = "standing"
    views = ("side", "diagonal")
    baseline_keys = ("peak_shoulder_flex_deg",)
    range_thresholds = (("peak_shoulder_flex_deg", "min_flexion_deg", 8.0),)
    panels = (Panel("Shoulder flexion (hip-shoulder-elbow)", "deg", ("shoulder_flex_deg",),
                    (("reach from", "min_flexion_deg"),)),)
    CUES = {"reach_low": "Reach all the way up", "short_hold": "Hold at the top"}
    JOINTS = {"reach_low": ("shoulder", "elbow"), "short_hold": ("shoulder",)}

    def counter_params(self) -> CounterParams:
        p = self.params
        return CounterParams(start_delta=p.start_delta_deg, rest_delta=p.rest_delta_deg, min_range=p.min_range_deg)

    def measure(self, pf, side: str) -> dict:
        P_ = pf.pixels()
        return {"shoulder_flex_deg": g.joint_angle(P_[S_("hip", side)], P_[S_("shoulder", side)],
                                                   P_[S_("elbow", side)])}

    def signal(self, m: dict) -> float:
        return m["shoulder_flex_deg"]

    def metrics(self, ctx: RepContext) -> dict:
        return {"peak_shoulder_flex_deg": ctx.stat("shoulder_flex_deg", "max", ctx.frames)}

    def checks(self, ctx: RepContext):
        peak = ctx.stat("shoulder_flex_deg", "max", ctx.frames)
        yield judge("reach_low", peak, peak < self.params.min_flexion_deg)
        yield self.hold_verdict(ctx)


@pytest.fixture
def toy():
    register(NAME)(OverheadReach)
    try:
        yield OverheadReach
    finally:
        unregister(NAME)


def _recording(path, fr):
    with LandmarkWriter(path, {"fps": 15.0, "analysis_fps": 15.0, "width": fr[0].width, "height": fr[0].height,
                               "frames": len(fr), "source": path.name}) as w:
        for pf in fr:
            w.write(pf)
    return path


def test_a_sixth_exercise_is_one_file(toy, tmp_path, session_validator):
    assert NAME in names() and spec(NAME) is OverheadReach
    plan = Plan("wall_slide", [Rep(hold=2.0), Rep(hold=2.0, faults={"arms_not_overhead": 40.0})])
    fr = frames(plan, cam=Camera(seed=3))
    rec = _recording(tmp_path / "reach.jsonl", fr)

    # analyze -> session.json
    folder = tmp_path / "session"
    session = analyze(LandmarksSource(rec), folder, exercise=get(NAME), exercise_name=NAME)
    assert session.rep_count == 2
    assert [r.faults for r in session.reps] == [[], ["reach_low"]]
    assert session.cues["reach_low"] == "Reach all the way up"
    on_disk = S.load(folder / "session.json")
    assert on_disk == session

    # programme: a block of the toy, scored
    prog_path = tmp_path / "programme.toml"
    prog_path.write_text(f'[programme]\nname = "toy"\n[[exercise]]\nname = "{NAME}"\nsets = 1\nreps = 2\n'
                         'hold_s = 1.5\n')
    programme = P.load(prog_path)
    block = programme.block(NAME)
    assert block.label == "overhead reach" and not block.per_side

    # report.html, with the programme's score written back into session.json
    page = write_report(folder, programme).read_text()
    assert "Reach all the way up" in page and "Shoulder flexion (hip-shoulder-elbow)" in page
    scored = S.load(folder / "session.json")
    assert scored.programme.score.done.reps == 2 and scored.programme.score.complete is True

    # calibration: a person whose comfortable reach stops 30 deg short of overhead; the profile's suggested
    # threshold then spares her a reach_low on every rep
    cal = C.calibrate(frames(Plan("wall_slide", [Rep(hold=2.0, faults={"arms_not_overhead": 30.0})]),
                             cam=Camera(seed=4)), posture="standing", exercises=[NAME], source="reach-cal")
    peak = cal.baseline[NAME]["peak_shoulder_flex_deg"]
    assert 130 < peak < 150
    assert cal.thresholds[NAME]["min_flexion_deg"] == pytest.approx(peak - 8.0, abs=0.1)
    saved = cal.save(tmp_path / "profile.toml")
    assert C.load(saved).baseline[NAME] == pytest.approx(cal.baseline[NAME])
    _name, params, baseline = P.resolve(None, NAME, saved)
    again = analyze(LandmarksSource(_recording(tmp_path / "short.jsonl", frames(
        Plan("wall_slide", [Rep(hold=2.0, faults={"arms_not_overhead": 30.0})]), cam=Camera(seed=5)))),
        tmp_path / "calibrated", exercise=get(NAME, params=params, baseline=baseline), exercise_name=NAME)
    assert again.rep_count == 1 and again.faults == []
