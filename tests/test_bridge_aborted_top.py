"""An aborted lift (up 12-38% of the range, straight back down) never straightens the hips; a weak full rep
(hips 15-35 deg short) is held; a full rep with a short hold straightens them (bridge.unstraightened_lift,
judged inside bridge.aborted_lift). Figures: clinic tuning..test4 reps (808 clips)."""
from types import SimpleNamespace

from backform.exercises.bridge import BridgeParams, aborted_lift, unstraightened_lift


def _ctx(hold, top_ext, view="side", rng=10.0, rest_ext=140.0, previous=()):
    def stat(key, how="median", frames=None, **_):
        assert key == "hip_extension_deg"
        return rest_ext if frames is not None else top_ext
    return SimpleNamespace(window=SimpleNamespace(hold_s=hold, range=rng), view=view, rest=[object()],
                           previous=list(previous), stat=stat)


def test_aborted_lift_before_any_full_rep():
    # c5710: the aborted lift comes first (8.3 deg, held 1.54 s, top 157 deg)
    assert aborted_lift(BridgeParams(), _ctx(1.54, 157.1, rng=8.3))


def test_aborted_lifts_after_full_reps_held_up_to_1_84_s():
    prev = [SimpleNamespace(metrics={"lift_range_deg": 22.0}, hold_s=3.0)]
    for hold, ext, rng in ((1.84, 163.1, 2.9), (1.84, 160.4, 10.7), (0.94, 153.3, 7.1)):   # c5645, c5635, c5565
        assert aborted_lift(BridgeParams(), _ctx(hold, ext, rng=rng, previous=prev))


def test_weak_held_first_rep_is_not_aborted():
    # hips 28-33 deg short: top 145-160, rise 3.7-5.7 deg, held 2.45-3.7 s (c1020, c1045, c5030, c5405)
    assert not aborted_lift(BridgeParams(), _ctx(2.45, 148.0, rng=4.0))
    assert not unstraightened_lift(BridgeParams(), _ctx(3.3, 145.0))


def test_full_rep_with_a_short_hold_is_not_aborted():
    assert not unstraightened_lift(BridgeParams(), _ctx(0.35, 184.1))            # side, hold 0.35 s
    assert not unstraightened_lift(BridgeParams(), _ctx(0.83, 170.8, view="diagonal"))   # hips 17 deg short


def test_aborted_from_a_diagonal():
    assert unstraightened_lift(BridgeParams(), _ctx(0.69, 135.3, view="diagonal"))   # c5470


def test_not_judged_where_the_view_misreads_the_hip_angle():
    assert not aborted_lift(BridgeParams(), _ctx(0.89, 135.5, view="back", rest_ext=77.0))   # c5415


def test_margins():
    p = BridgeParams()
    side = p.min_hip_extension_deg - p.aborted_top_short_deg
    assert side - 163.3 >= 2.5 and 184.1 - side >= 15          # aborted tops <= 163.3, unheld full side >= 184.1
    assert 170.8 - (side - p.diagonal_hips_margin_deg) >= 9     # unheld diagonal full reps >= 170.8
    assert p.aborted_top_hold_s - 1.84 >= 0.3 and 2.45 - p.aborted_top_hold_s >= 0.3
