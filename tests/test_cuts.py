"""Scene cuts (backform.pose.cuts) and how the rep driver treats them; the driver's recount of a movement
opened on a stale rest level."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from kinematics import Plan, Rep, frames, run

from backform.exercises import get
from backform.exercises.driver import RepDriver
from backform.pose.cuts import CutDetector, CutParams, is_cut, jump, tracker_jumped
from backform.pose.landmarks import L
from backform.types import PoseFrame

FPS = 15.0
EXERCISES = ["bridge", "bird_dog", "prone_extension", "prone_arm_lift", "wall_slide"]


def trunk_frame(t_s: float, shoulder=(40.0, 30.0), hip=(40.0, 70.0), dx=0.0, scale=1.0, vis=1.0,
                dy=0.0) -> PoseFrame:
    """A 100x100 px frame whose shoulders and hips (both sides at one point) are at ``shoulder`` and ``hip``
    scaled by ``scale`` about the origin and moved ``dx``, ``dy`` px; torso length 40 px * scale, shoulder
    width 0."""
    lm = np.zeros((33, 5), np.float32)
    lm[:, 3:] = 1.0
    for name, (x, y) in (("SHOULDER", shoulder), ("HIP", hip)):
        for s in ("LEFT", "RIGHT"):
            i = L[f"{s}_{name}"]
            lm[i, 0], lm[i, 1], lm[i, 3] = (x * scale + dx) / 100, (y * scale + dy) / 100, vis
    return PoseFrame(0, t_s * 1000.0, 100, 100, landmarks=lm)


def test_jump_is_the_trunk_middle_move_in_body_sizes():
    a, b = trunk_frame(1.0), trunk_frame(1.1, dx=20.0)  # trunk middle (40, 50) -> (60, 50); body 40 px
    j = jump(a, b)
    assert j.move == pytest.approx(0.5)
    assert j.speed == pytest.approx(5.0)
    assert j.resize == pytest.approx(1.0)
    assert j.dt == pytest.approx(0.1)
    # a body twice the size: the move is measured in the larger of the two sizes
    j = jump(trunk_frame(0.0), trunk_frame(0.05, scale=2.0))  # middle (40, 50) -> (80, 100), 40 -> 80 px
    assert j.move == pytest.approx(np.hypot(40, 50) / 80)
    assert j.resize == pytest.approx(2.0)


def test_jump_needs_two_frames_with_a_visible_trunk_in_time_order():
    a = trunk_frame(1.0)
    assert jump(a, PoseFrame(1, 1100.0, 100, 100)) is None            # no pose
    assert jump(a, trunk_frame(1.1, vis=0.2)) is None                 # trunk hidden
    assert jump(a, trunk_frame(1.0, dx=30)) is None                   # not later
    assert jump(trunk_frame(1.1), a) is None


@pytest.mark.parametrize("b, cut", [
    (trunk_frame(0.067, dx=40.0), True),        # a whole body size in one frame
    (trunk_frame(0.067, dx=32.0), True),        # 0.8 body sizes (12 sizes/s)
    (trunk_frame(0.067, dx=24.0), False),       # 0.6: a camera turning within a recording moves it as far
    (trunk_frame(0.067, dx=4.0), False),        # 0.1 body sizes: a quick real movement
    (trunk_frame(0.2, dx=12.0), False),         # 0.3 sizes in 0.2 s (1.5/s)
    (trunk_frame(0.4, dx=40.0), False),         # 1 size in 0.4 s (2.5/s: a pose lost for a few frames)
    (trunk_frame(0.8, dx=200.0), False),        # 0.8 s without a pose in between: not compared
    (trunk_frame(0.067, scale=1.8, dx=-32.0), True),   # the body 1.8 times larger, its middle moved 0.56 sizes
    (trunk_frame(0.067, scale=1.2, dx=-8.0), False),   # 1.2 times larger, middle moved 0.36 sizes
    (trunk_frame(0.067, scale=1.6, dx=-24.0, dy=-24.0), False),  # 1.6 times, middle moved 0.09: a misread
    (trunk_frame(0.067, scale=1.6, dx=-24.0, dy=-12.0), True),   # 1.6 times, middle moved 0.19 sizes
])
def test_is_cut(b, cut):
    assert is_cut(trunk_frame(0.0), b) is cut


def test_is_cut_thresholds_are_parameters():
    a, b = trunk_frame(0.0), trunk_frame(0.067, dx=12.0)  # 0.3 sizes, 4.5/s
    assert not is_cut(a, b)
    assert is_cut(a, b, CutParams(min_move=0.25, min_speed=4.0))
    assert not is_cut(a, b, CutParams(min_move=0.25, min_speed=5.0))


def _rows(pf: PoseFrame) -> np.ndarray:
    rows = pf.landmarks[:, :4].astype(np.float64)
    rows[:, :2] *= (pf.width, pf.height)
    return rows


@pytest.mark.parametrize("b, jumped", [
    (trunk_frame(0.05, dx=20.0), True),                      # 0.5 body sizes
    (trunk_frame(0.05, dx=16.0), False),                     # 0.4
    (trunk_frame(0.05, scale=1.5, dx=-20.0, dy=-25.0), True),  # 1.5 times the size, the middle kept
    (trunk_frame(0.05, scale=1.3, dx=-12.0, dy=-15.0), False),
    (trunk_frame(0.05, dx=40.0, vis=0.2), False),            # trunk hidden: nothing to compare
])
def test_tracker_jumped(b, jumped):
    """What makes the pose estimator check the tracker against a fresh detection (a scene cut)."""
    assert tracker_jumped(_rows(trunk_frame(0.0)), _rows(b)) is jumped


def _detected(frames_: list[PoseFrame]) -> list[float]:
    """The first frame of the new scene of each cut reported."""
    det = CutDetector()
    return [det.cut_t for pf in frames_ if det.update(pf)]


def test_the_detector_wants_the_body_tracked_steadily_before_the_jump():
    """The pose model's first frames on a person wander (the real clip wanshape_prone_t_raises: 1.2 body
    sizes and 1.9 times the size within its first 0.7 s): a jump counts as a cut only from 0.3 s of steady
    tracking (the trunk's middle within 0.15 body sizes, its size within 15%), to frames up to 0.35 s later."""
    dt = 1 / 15
    steady = [trunk_frame(k * dt) for k in range(6)]                     # 0.33 s still

    def there(k0, dx=40.0, n=3):
        return [trunk_frame((k0 + k) * dt, dx=dx) for k in range(n)]
    assert _detected(steady + there(6)) == [pytest.approx(6 * dt)]
    assert _detected(steady[:4] + there(4)) == []                        # 0.2 s still: not yet steady
    wander = [trunk_frame(k * dt, dx=3.0 * k) for k in range(6)]         # 0.34 sizes in 0.33 s: not steady
    assert _detected(wander + there(6, dx=90.0)) == []
    gap = steady + [PoseFrame(6, 6 * dt * 1000, 100, 100)] * 9 + [trunk_frame(0.8, dx=40.0)]
    assert _detected(gap) == []                                          # 0.47 s without a pose: not compared
    # after a cut the new scene must be steady for 0.3 s before the next cut counts
    after = [trunk_frame((6 + k) * dt, dx=40.0) for k in range(6)]
    assert _detected(steady + after[:3] + [trunk_frame(9 * dt)]) == [pytest.approx(6 * dt)]
    assert _detected(steady + after + there(12, dx=0.0)) == [pytest.approx(6 * dt), pytest.approx(12 * dt)]


def test_a_cut_the_pose_model_spreads_over_frames_is_found():
    """The model smooths its landmarks over time: the body reaches its new place over 2-3 frames, none of
    them a cut from the one before. The jump is measured from the last steady frame."""
    dt = 1 / 15
    steady = [trunk_frame(k * dt) for k in range(6)]
    spread = [trunk_frame((6 + k) * dt, dx=12.0 * (k + 1)) for k in range(3)]  # 0.3 body sizes a frame
    assert not any(is_cut(a, b) for a, b in zip(steady[-1:] + spread, spread))
    still = [trunk_frame((9 + k) * dt, dx=36.0) for k in range(2)]
    assert _detected(steady + spread + still) == [pytest.approx(8 * dt)]   # 0.9 body sizes from 8 * dt on
    slow = [trunk_frame((6 + k) * dt, dx=12.0 * (k + 1)) for k in range(2)] + \
        [trunk_frame((8 + k) * dt, dx=24.0) for k in range(5)]  # 0.6 body sizes, then still: not a cut
    assert _detected(steady + slow) == []


def test_a_pose_glitch_that_comes_back_is_not_a_cut():
    """A cut puts the body elsewhere and it stays; a pose glitch comes back within a few frames (the clinic
    render c5286, a bird dog mid-hold at 20/s: the body read 4 and 10 times smaller on two frames, then
    back). The jump is decided on the first frame 0.1 s (``confirm_s``) after it."""
    for fps in (15.0, 20.0, 30.0):
        dt = 1 / fps
        steady = [trunk_frame(k * dt, shoulder=(30.0, 40.0), hip=(70.0, 40.0)) for k in range(int(0.4 * fps))]
        n = len(steady)

        def at(k, scale=1.0, dx=0.0):
            return trunk_frame((n + k) * dt, shoulder=(30.0, 40.0), hip=(70.0, 40.0), scale=scale, dx=dx)
        glitch = [at(0, 0.24, 38.0), at(1, 0.1, 45.0)]      # 4 and 10 times smaller, about the same place
        back = [at(k, 0.98) for k in range(2, 8)]
        assert _detected(steady + glitch + back) == []
        stays = [at(k, 0.1, 45.0) for k in range(2, 8)]       # the same jump, staying: a cut
        assert _detected(steady + glitch + stays) == [pytest.approx(n * dt)]
        halfway = [at(k, 0.8, 8.0) for k in range(2, 8)]     # neither back nor beyond a person: not a cut
        assert _detected(steady + glitch + halfway) == []
    # the new scene's first frames may be unsteady and the trunk hidden: the decision reads it at any
    # visibility (bench/recognition.py's programme_order join at 58.1 s: no pose for 0.2 s, then 0.6 times
    # the size)
    dt = 1 / 15
    steady = [trunk_frame(k * dt) for k in range(6)]
    new = [trunk_frame(6 * dt, dx=40.0), trunk_frame(7 * dt, dx=48.0, scale=0.9),
           trunk_frame(8 * dt, dx=44.0, scale=0.6, vis=0.2), trunk_frame(9 * dt, dx=44.0, scale=0.6)]
    assert _detected(steady + new) == [pytest.approx(6 * dt)]


def _moved(fr: list[PoseFrame], t0: float, dx=-0.2, dy=-0.05, k=0.8) -> list[PoseFrame]:
    """``fr`` as another video would show it: the picture scaled by ``k`` about its centre and moved, its
    timestamps starting at ``t0``."""
    out = []
    for i, pf in enumerate(fr):
        lm = pf.landmarks.copy()
        lm[:, 0] = 0.5 + (lm[:, 0] - 0.5) * k + dx
        lm[:, 1] = 0.5 + (lm[:, 1] - 0.5) * k + dy
        cont = None
        if pf.contour is not None:
            cont = pf.contour.copy()
            cont[:, 0] = 0.5 + (cont[:, 0] - 0.5) * k + dx
            cont[:, 1] = 0.5 + (cont[:, 1] - 0.5) * k + dy
        out.append(dataclasses.replace(pf, index=i, timestamp_ms=pf.timestamp_ms + t0 * 1000, landmarks=lm,
                                       contour=cont))
    return out


def _reps(exercise: str, n: int) -> list[Rep]:
    return [Rep(side=("left", "right")[i % 2] if exercise == "bird_dog" else None) for i in range(n)]


@pytest.mark.parametrize("exercise", EXERCISES)
def test_a_scene_cut_ends_one_recording_and_starts_another(exercise, monkeypatch):
    """Clip A ends during its third rep's hold (alone: not counted, the end of a recording does not count a
    rep still at the top); clip B, joined after it, shows the person elsewhere and smaller. The checker over
    the joined frames counts what it counts on A and B alone; without the cut it would count A's last rep
    too (B starts at rest, which looks like A's rep coming down)."""
    plan = Plan(exercise, _reps(exercise, 3))
    a = [pf for pf in frames(plan, FPS) if pf.t_s < plan.starts[2] + 1.5 + 1.0]
    b = _moved(frames(Plan(exercise, _reps(exercise, 2)), FPS), a[-1].t_s + 1 / FPS)
    assert is_cut(a[-1], b[0]) and _detected(a + b) == [b[0].t_s]
    assert (len(run(exercise, a).reps), len(run(exercise, b).reps)) == (2, 2)
    joined = run(exercise, a + b)
    assert len(joined.reps) == 4
    assert all(r.end_s < a[-1].t_s or r.start_s >= b[0].t_s for r in joined.reps)
    monkeypatch.setattr(RepDriver, "cuts", None)
    # without the cut, A's last rep "comes down" in one frame: counted, except by the prone extension, which
    # takes a lowering faster than a chest can come down (min_lowering_s) for a jump of the signal
    assert len(run(exercise, a + b).reps) == (4 if exercise == "prone_extension" else 5)


def test_the_rep_a_cut_ends_on_its_way_down_counts_and_is_the_frames_result():
    """A cut during the lowering counts the rep, as the end of a recording does, on the frame that confirms
    the cut (the new place held ``confirm_s``: the third frame of the new scene at 15/s). The two frames of
    the new scene the old count saw before cannot end the rep (min_phase_s); its end is A's."""
    plan = Plan("bridge", _reps("bridge", 2))
    down = plan.starts[1] + 1.5 + 2.5 + 1.0  # two thirds of the way down the second rep
    a = [pf for pf in frames(plan, FPS) if pf.t_s < down]
    b = _moved(frames(Plan("bridge", _reps("bridge", 1)), FPS), a[-1].t_s + 1 / FPS)
    alone = run("bridge", a).reps
    assert len(alone) == 2
    ex = get("bridge")
    results = [ex.update(pf) for pf in a + b]
    assert [r.completed for r in results[len(a):len(a) + 2]] == [None, None]
    confirmed = results[len(a) + 2]
    assert confirmed.completed is not None and confirmed.completed.n == 2
    assert confirmed.rep_count == 2
    assert alone[1].end_s <= confirmed.completed.end_s < b[0].t_s
    ex.finish(b[-1].t_s)
    assert len(ex.reps) == 3


def _glitched(pf: PoseFrame, k: float, dx: float) -> PoseFrame:
    """``pf`` as a pose glitch reads it: the body ``k`` times its size about its middle, moved ``dx`` of the
    picture's width."""
    lm = pf.landmarks.copy()
    c = lm[:, :2].mean(axis=0)
    lm[:, :2] = c + (lm[:, :2] - c) * k + (dx, 0.0)
    cont = None if pf.contour is None else (c + (pf.contour - c) * k + (dx, 0.0)).astype(np.float32)
    return dataclasses.replace(pf, landmarks=lm, contour=cont)


@pytest.mark.parametrize("exercise", ["bridge", "bird_dog", "prone_arm_lift", "wall_slide"])
def test_a_pose_glitch_mid_hold_does_not_end_the_rep(exercise, monkeypatch):
    """Two frames mid-hold read 4 and 10 times smaller and a little aside (the clinic render c5286, a bird
    dog): a jump beyond a person from the steady body, but it comes back, so no scene cut: the checker counts
    and times the reps as without the glitch. Decided on the jump's first frame (``confirm_s`` 0, the rule
    before), it was a cut that dropped the held rep and the rest of it."""
    plan = Plan(exercise, _reps(exercise, 3))
    clean = frames(plan, FPS)
    i = next(k for k, pf in enumerate(clean) if pf.t_s >= plan.starts[1] + 1.5 + 1.25)
    glitch = clean[:i] + [_glitched(clean[i], 0.25, 0.05), _glitched(clean[i + 1], 0.1, 0.06)] + clean[i + 2:]
    det = CutDetector(CutParams(confirm_s=0.0))
    assert [pf.t_s for pf in glitch if det.update(pf)] == [clean[i].t_s]   # a jump beyond a person
    assert _detected(glitch) == []
    want = [(r.start_s, r.end_s, r.hold_s) for r in run(exercise, clean).reps]
    assert len(want) == 3
    assert [(r.start_s, r.end_s, r.hold_s) for r in run(exercise, glitch).reps] == want
    monkeypatch.setattr(RepDriver, "cuts", CutParams(confirm_s=0.0))
    assert len(run(exercise, glitch).reps) == 2


@pytest.mark.parametrize("exercise", EXERCISES)
def test_a_join_confirmed_later_splits_the_count_at_its_first_frame(exercise):
    """The cut is confirmed ``confirm_s`` after the join, on B's third frame at 15/s; the checker counts A
    up to its last frame and B from its first, as each alone: B's first rep starts 0.15 s into it, so a count
    begun on the confirming frame would differ (it misses B's rest before the first rep)."""
    plan = Plan(exercise, _reps(exercise, 3))
    a = [pf for pf in frames(plan, FPS) if pf.t_s < plan.starts[2] + 1.5 + 1.0]
    b = _moved(frames(Plan(exercise, _reps(exercise, 2), lead_in=0.15), FPS), a[-1].t_s + 1 / FPS)
    assert _detected(a + b) == [b[0].t_s]

    def key(reps, n0=0):
        return [(r.n + n0, r.start_s, r.top_s, r.end_s, r.hold_s, r.side, r.faults) for r in reps]
    alone_a, alone_b, joined = run(exercise, a).reps, run(exercise, b).reps, run(exercise, a + b).reps
    assert len(alone_a) == len(alone_b) == 2
    assert key(joined) == key(alone_a) + key(alone_b, n0=2)


ARMS = [L.LEFT_ELBOW, L.RIGHT_ELBOW, L.LEFT_WRIST, L.RIGHT_WRIST, L.LEFT_PINKY, L.RIGHT_PINKY, L.LEFT_INDEX,
        L.RIGHT_INDEX, L.LEFT_THUMB, L.RIGHT_THUMB]


@pytest.mark.parametrize("drop", [0.006, 0.01])
def test_a_rep_opened_on_a_stale_rest_level_is_counted_again(drop, monkeypatch):
    """The pose model settling on the person: over the first 0.3 s the hands read lower (``drop`` of the
    picture's height: 3-5 px, 0.03-0.05 body sizes) than the person's rest. The rest level taken there is too
    low: after the first rep the counter reopens at once (the person's rest is above it) and the second rep's
    start at rest is never seen. The driver counts again from the first rep's end with a fresh counter."""
    out = []
    for pf in frames(Plan("prone_arm_lift", _reps("prone_arm_lift", 2)), FPS):
        if pf.t_s < 0.3:
            lm = pf.landmarks.copy()
            lm[ARMS, 1] += drop
            pf = dataclasses.replace(pf, landmarks=lm)
        out.append(pf)
    truth = Plan("prone_arm_lift", _reps("prone_arm_lift", 2)).truth()
    # the arm lift also ignores its first 0.4 s (settle_s) for that reason; without it the driver's recount
    # alone must still give both reps
    for params in (None, {"settle_s": 0.0}):
        ex = run("prone_arm_lift", out, params=params)
        assert len(ex.reps) == 2 and not ex._not_counted
        assert ex.reps[1].start_s == pytest.approx(truth[1]["start_s"], abs=0.2)
        assert ex.reps[1].end_s == pytest.approx(truth[1]["end_s"], abs=0.2)
    monkeypatch.setattr(RepDriver, "recount_stale_rest", False)
    ex = run("prone_arm_lift", out, params={"settle_s": 0.0})
    assert len(ex.reps) == 1 and "not seen" in ex._not_counted[0]["reason"]
    assert len(run("prone_arm_lift", out).reps) == 2   # the settling alone also keeps the stale rest out
