"""The driver's lead-in rep (a rep under way when the recording began, :class:`backform.exercises.driver.LeadIn`)
is judged once with its start unseen: the checks see ``ctx.start_seen`` False and as ``rest`` the start position
after the rep; every check that depends on the start is not checked, unless the exercise declares it in
``START_INDEPENDENT``."""
from backform.exercises import get
from backform.exercises.checks import UNSEEN_START
from kinematics import Camera, Plan, Rep, frames


def _bird_dog_mid_rise(**attrs):
    reps = [Rep(hold=2.5, side="left" if i % 2 == 0 else "right") for i in range(3)]
    fr = frames(Plan("bird_dog", reps, lead_in=-0.7), cam=Camera(noise_px=0.5, seed=3))
    ex = get("bird_dog")
    for k, v in attrs.items():
        setattr(ex, k, v)
    seen = []
    checks = ex.checks

    def spy(ctx):
        seen.append((ctx.n, ctx.start_seen, ctx.window, [r.t for r in ctx.rest]))
        return checks(ctx)

    ex.checks = spy
    for pf in fr:
        ex.update(pf)
    ex.finish(fr[-1].t_s)
    return ex, seen


def test_lead_in_rep_checks_are_told_the_start_was_not_seen():
    ex, seen = _bird_dog_mid_rise(START_INDEPENDENT=frozenset())
    assert len(ex.reps) == 3
    n, start_seen, win, rest_t = seen[0]
    assert n == 1 and start_seen is False
    assert rest_t and min(rest_t) > win.end_s  # its rest: the start position held right after it
    assert all(s is True for _, s, _, _ in seen[1:])
    first = ex.reps[0]
    assert first.faults == () and set(first.not_checked) == {v.code for v in first.verdicts}
    assert all(v.status == "not_checked" and v.reason == UNSEEN_START and v.value is None and v.confidence == 0.0
               for v in first.verdicts)
    s = ex.summary()
    for v in first.verdicts:
        assert 1 in s["not_checked"][v.code]
    assert not any(f.rep == 1 for f in ex.faults)


def test_a_start_independent_check_is_judged_on_the_lead_in_rep():
    ex, _ = _bird_dog_mid_rise(START_INDEPENDENT=frozenset({"arm_high", "leg_high"}))
    first = {v.code: v for v in ex.reps[0].verdicts}
    for code in ("arm_high", "leg_high"):
        assert first[code].status in ("ok", "fault") and first[code].reason != UNSEEN_START
    others = [v for c, v in first.items() if c not in ("arm_high", "leg_high")]
    assert others and all(v.status == "not_checked" and v.reason == UNSEEN_START for v in others)


def test_the_bird_dog_judges_its_limb_heights_on_a_lead_in_rep():
    """Its limb heights are absolute angles at the top: judged (a clean rep: ok) without the start; the trunk
    checks, compared with the rest, are not."""
    ex, _ = _bird_dog_mid_rise()
    first = {v.code: v for v in ex.reps[0].verdicts}
    limbs = {"arm_low", "arm_high", "leg_low", "leg_high"}
    assert ex.START_INDEPENDENT == limbs
    assert all(first[c].status == "ok" for c in limbs)
    assert all(v.status == "not_checked" and v.reason == UNSEEN_START for c, v in first.items() if c not in limbs)
    assert ex.reps[0].faults == ()
