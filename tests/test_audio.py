"""Speech: what the coach says and when (deterministic, from frame times), and that the voices render
audible WAV files offline."""
from __future__ import annotations

import shutil
import time

import pytest

from backform.coaching.coach import Coach, CoachParams, Utterance
from backform.coaching.speech import Speaker, Voice, make_voice, render_wav, tone, wav_level, write_wav
from backform.types import Fault, FrameResult, Phase, RepEvent


def rep_stream(hold_s: float, t0: float = 0.0, n: int = 1, fps: float = 30.0, fault: str | None = "short_hold",
               side: str | None = None, side_counts: dict | None = None, target: float = 2.0,
               confidence: float | None = None):
    """FrameResults of one rep: rest 1 s, lift 0.5 s, hold ``hold_s``, lower 0.5 s, then the completion frame."""
    out, t = [], t0
    dt = 1.0 / fps

    def fr(phase, hold=0.0, completed=None, faults=()):
        return FrameResult(index=int(t * fps), t_s=t, phase=phase, rep_count=n - (completed is None),
                           side_counts=side_counts or {}, hold_s=hold, hold_target_s=target,
                           completed=completed, faults=faults)
    for phase, dur in ((Phase.START, 1.0), (Phase.LIFTING, 0.5), (Phase.HOLD, hold_s), (Phase.LOWERING, 0.5)):
        t_start = t
        while t < t_start + dur - 1e-9:
            out.append(fr(phase, hold=(t - t_start) if phase == Phase.HOLD else 0.0))
            t += dt
    rep = RepEvent(n=n, start_s=t0 + 1.0, top_s=t0 + 1.5, end_s=t, hold_s=hold_s, side=side,
                   faults=(fault,) if fault else ())
    faults = (Fault(fault, "Hold the top for 2 seconds", t, rep=n, confidence=confidence),) if fault else ()
    out.append(fr(Phase.START, completed=rep, faults=faults))
    return out, t + dt


def said(coach, frames):
    return [(u.kind, u.text) for f in frames for u in coach.update(f)]


def test_hold_count_then_lower_slowly_then_rep_count():
    frames, _ = rep_stream(hold_s=2.4, fault=None)
    got = said(Coach(), frames)
    assert got == [("hold", "Hold"), ("count", "one"), ("lower", "two, lower slowly"), ("rep", "one")]


def test_short_hold_gives_count_then_fault_cue():
    frames, _ = rep_stream(hold_s=1.3)
    got = said(Coach(), frames)
    assert got == [("hold", "Hold"), ("count", "one"), ("rep", "one"), ("fault", "Hold the top for 2 seconds")]


@pytest.mark.parametrize("confidence, spoken", [(None, True), (0.95, True), (0.7, True), (0.69, False), (0.0, False)])
def test_only_confident_faults_are_spoken(confidence, spoken):
    """A fault whose check is less than 0.7 sure is kept in the session (and shown greyed in the report) but
    not said: a wrong cue spoken to someone on the floor does more harm than a missed one."""
    frames, _ = rep_stream(hold_s=1.3, confidence=confidence)
    got = said(Coach(), frames)
    assert (("fault", "Hold the top for 2 seconds") in got) is spoken
    assert ("rep", "one") in got


def test_same_fault_cue_not_repeated_within_cooldown_and_set_complete():
    coach = Coach(CoachParams(fault_repeat_s=20.0), reps_target=3)
    t, got = 0.0, []
    for n in (1, 2, 3):
        frames, t = rep_stream(hold_s=1.0, t0=t, n=n)
        got += said(coach, frames)
    faults = [x for x in got if x[0] == "fault"]
    assert len(faults) == 1  # three short holds within ~10 s: the cue is said once
    assert ("set_done", "three. Set complete, well done") in got


def test_bird_dog_counts_per_side():
    frames, _ = rep_stream(hold_s=2.2, fault=None, side="left", side_counts={"left": 1, "right": 0})
    got = said(Coach(per_side=True, reps_target=10), frames)
    assert ("rep", "left one") in got


def test_tone_only_coach_still_says_hold_and_lower():
    frames, _ = rep_stream(hold_s=2.4, fault=None)
    got = said(Coach(CoachParams(hold_count=False)), frames)
    assert [k for k, _ in got] == ["hold", "lower", "rep"]


def test_setup_advice_is_rate_limited():
    coach = Coach(CoachParams(setup_repeat_s=8.0, gap_s=1.2))
    out = []
    for i in range(300):  # 10 s at 30 fps, the same problem all along
        out += coach.setup(["Move the laptop closer to you"], i / 30.0)
    assert [round(u.t_s, 1) for u in out] == [0.0, 8.0]


def test_wav_helpers_measure_level(tmp_path):
    loud = wav_level(write_wav(tmp_path / "t.wav", tone((440, 880))))
    assert loud["rms_dbfs"] > -20 and loud["voiced_s"] > 0.2
    quiet = wav_level(write_wav(tmp_path / "s.wav", tone((440,)) * 0.0))
    assert quiet["rms_dbfs"] == float("-inf")


@pytest.mark.skipif(not (shutil.which("espeak-ng") or shutil.which("espeak")), reason="espeak-ng not installed "
                    "(apt-get install espeak-ng)")
def test_espeak_renders_audible_speech(tmp_path):
    p = render_wav("Hold. One. Two, lower slowly.", tmp_path / "e.wav", voice="espeak")
    lv = wav_level(p)
    assert lv["duration_s"] > 1.0 and lv["rms_dbfs"] > -35 and lv["voiced_s"] > 0.5, lv


def test_pyttsx3_renders_audible_speech(tmp_path):
    pytest.importorskip("pyttsx3", reason="pyttsx3 not installed (pip install '.[speech]')")
    try:
        v = make_voice("pyttsx3")
    except RuntimeError as e:
        pytest.skip(f"pyttsx3 has no engine here: {e}")
    try:
        p = v.render("Rep three. Tuck your chin, look at the floor.", tmp_path / "p.wav")
    finally:
        v.close()
    lv = wav_level(p)
    assert lv["duration_s"] > 1.0 and lv["rms_dbfs"] > -35 and lv["voiced_s"] > 0.5, lv


def test_tones_render_audible(tmp_path):
    lv = wav_level(render_wav("ignored", tmp_path / "t.wav", voice="tones", kind="lower"))
    assert lv["rms_dbfs"] > -20


def test_speaker_one_at_a_time_drops_stale_and_mutes():
    sp = Speaker(voice="none", max_age_s=0.5)
    assert sp.wait_ready()
    sp.say(Utterance("one", "count", 0.0, 4))
    time.sleep(0.2)
    assert [u.text for u, _ in sp.stats.said] == ["one"]
    assert sp.toggle_mute() is True
    sp.say(Utterance("two", "count", 1.0, 4))
    time.sleep(0.2)
    assert [u.text for u, _ in sp.stats.said] == ["one"]
    sp.close()


def test_speaker_newer_count_replaces_pending_count():
    class Slow(Voice):
        name = "slow"

        def speak(self, text, kind="status"):
            time.sleep(0.3)
    sp = Speaker(voice=Slow)
    assert sp.wait_ready() and sp.voice_name == "slow"
    sp.say(Utterance("Hold", "hold", 0.0, 4))
    time.sleep(0.05)  # "Hold" is being said; the rest waits
    sp.say(Utterance("one", "count", 1.0, 4))
    sp.say(Utterance("two", "count", 2.0, 4))        # replaces "one": only the latest count matters
    sp.say(Utterance("Move closer", "setup", 2.0, 1))
    time.sleep(1.2)
    sp.close()
    assert [u.text for u, _ in sp.stats.said] == ["Hold", "two", "Move closer"]
    assert [u.text for u in sp.stats.dropped] == ["one"]


def test_per_side_target_from_bird_dog_style_dict():
    c = Coach(reps_target={"per_side": 1, "per_side_max": 2})
    assert c.per_side and c.reps_target == 1
    frames, t = rep_stream(hold_s=2.2, fault=None, side="left", side_counts={"left": 1, "right": 0})
    got = said(c, frames)
    assert ("rep", "left one") in got
    frames, _ = rep_stream(hold_s=2.2, t0=t, n=2, fault=None, side="right", side_counts={"left": 1, "right": 1})
    assert ("set_done", "right one. Set complete, well done") in said(c, frames)
