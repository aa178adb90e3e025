"""prone_extension chin_not_tucked: the end-on head and the face-turn bound (rendered-clinic robustness)."""
from backform.exercises import get
from backform.exercises.checks import FrameRecord, RepContext, Status
from backform.exercises.counting import RepWindow


def _ctx(top_chin: float, rest_chin: float, face_len: float = 0.16, lift: float = 12.0) -> RepContext:
    def rec(t, chin, chest):
        return FrameRecord(t, {"chin_deg": chin, "chest_lift_deg": chest, "face_len": face_len,
                               "face_hidden": 0.0, "face_forearm": 1.0}, None, "left", "side")
    rest = [rec(t / 10, rest_chin, 0.0) for t in range(10)]
    frames = [rec(1.0 + t / 10, top_chin, lift) for t in range(60)]
    w = RepWindow(1.0, 1.0, 6.9, 7.0, 5.9, 0.0, 15.0)
    return RepContext(1, w, frames, rest, "side", "left")


def _chin(ctx, **baseline):
    ex = get("prone_extension")
    ex.baseline = dict(baseline)
    return next(v for v in ex.checks(ctx) if v.code == "chin_not_tucked")


def test_poke_needs_the_face_turned_forward_of_perpendicular():
    # excess over the rest +15.8 (rest -110, lift 12): the face still points down past perpendicular -> ok
    v = _chin(_ctx(top_chin=-81.0 - 1.1 * 12.0 - 2.0, rest_chin=-112.0))
    assert v.status == Status.OK and v.value < 8.0
    # the same excess with the face turned forward (-75 at the top): a poke
    v = _chin(_ctx(top_chin=-75.0, rest_chin=-75.0 - 1.1 * 12.0 - 16.0))
    assert v.status == Status.FAULT


def test_calibrated_reference_is_not_bounded():
    v = _chin(_ctx(top_chin=-100.0, rest_chin=-130.0), chin_deg=-115.0)
    assert v.status == Status.FAULT


def test_head_seen_end_on_is_not_checked():
    v = _chin(_ctx(top_chin=-75.0, rest_chin=-105.0, face_len=0.06))
    assert v.status == Status.NOT_CHECKED and "end-on" in v.reason


def test_short_hold_confirmed_on_the_plateau():
    """A brief spike of the lift signal sets the counter's top (0.5-s "hold"); the 5.6-s plateau under it is
    no short hold. A genuinely short hold stays one."""
    def ctx(plateau_s):
        frames = []
        for i in range(int((plateau_s + 2.0) * 10)):
            t = 1.0 + i / 10
            v = 0.5 + 15.0 * min(1.0, (t - 1.0) / 1.0, max(0.0, (plateau_s + 2.0 - (t - 1.0)) / 1.0))
            if 2.5 <= t <= 3.0:
                v += 8.0   # the spike
            frames.append(FrameRecord(t, {"head_lift_deg": v}, None, "left", "side"))
        w = RepWindow(1.0, 2.5, 3.0, frames[-1].t, 0.5, 0.0, 23.5)
        return RepContext(1, w, frames, [], "side", "left")
    ex = get("prone_extension")
    assert ex._hold(ctx(5.6)).status == Status.OK
    assert ex._hold(ctx(2.0)).status == Status.FAULT
