"""Bird dog trunk_rotation is judged only from a clear front diagonal (head_nearer at rest >= 0.32, clear of the
side-ish views at +0.19..+0.28: clinic c5506 +0.25 read -0.023 on a clean rep) and with a clear working arm
(clinic c5466 rep 1: the raised arm and leg both labelled left, read -0.42 on a clean rep)."""

from backform.exercises.bird_dog import BirdDogParams, front_diagonal_rotation, working_arm_clear
from backform.exercises.checks import FrameRecord, RepContext, Status
from backform.exercises.counting import RepWindow

P = BirdDogParams()


def ctx(arm=("left", 80.0, 70.0), leg="right", head_nearer=0.6, other_arm=(5.0, 5.0)):
    side, scr, wld = arm
    oth = "right" if side == "left" else "left"

    def rec(t, top):
        m = {"head_nearer": head_nearer}
        for s in ("left", "right"):
            m[f"{s}_arm_raise_deg"] = 10.0
            m[f"{s}_arm_raise_world_deg"] = 10.0
            m[f"{s}_leg_raise_deg"] = 10.0 + (80.0 if top and s == leg else 0.0)
            m[f"{s}_leg_raise_world_deg"] = m[f"{s}_leg_raise_deg"]
        if top:
            m[f"{side}_arm_raise_deg"] += scr
            m[f"{side}_arm_raise_world_deg"] += wld
            m[f"{oth}_arm_raise_deg"] += other_arm[0]
            m[f"{oth}_arm_raise_world_deg"] += other_arm[1]
        return FrameRecord(t=t, m=m, pf=None, side="left", view="diagonal")
    frames = [rec(1.0 + 0.1 * i, 2.0 <= 1.0 + 0.1 * i <= 4.0) for i in range(41)]
    rest = [rec(0.1 * i, False) for i in range(10)]
    win = RepWindow(start_s=1.0, top_s=2.0, lower_s=4.0, end_s=5.0, hold_s=2.0, rest=10.0, peak=85.0)
    return RepContext(n=1, window=win, frames=frames, rest=rest, view="diagonal", side="left")


def verdict(c, rise=-0.1):
    return front_diagonal_rotation(c, P, rise, 0.02)


def test_a_clear_front_diagonal_with_a_clear_arm_is_judged():
    assert working_arm_clear(ctx())
    assert verdict(ctx()).status == Status.FAULT
    assert verdict(ctx(head_nearer=0.38)).status == Status.FAULT   # the sample renders' view


def test_a_view_on_the_edge_of_the_side_views_is_not_judged():
    for hn in (0.25, 0.28):
        assert verdict(ctx(head_nearer=hn)).status == Status.NOT_CHECKED


def test_arm_and_leg_with_one_sides_labels_are_not_judged():
    c = ctx(leg="left")
    assert not working_arm_clear(c)
    assert verdict(c).status == Status.NOT_CHECKED


def test_screen_and_3d_disagreeing_on_the_arm_are_not_judged():
    # screen: left rose more; 3D: right rose more (c1031 rep 2 read +3/+14 on screen, +36/-13 in 3D)
    c = ctx(arm=("left", 30.0, 10.0), other_arm=(5.0, 40.0))
    assert not working_arm_clear(c)
    assert verdict(c).status == Status.NOT_CHECKED
