"""The live recogniser's answers the live session builds on (issue 13): when the current posture began
(``posture_since_s``: its candidate checkers see from there) and where a label's evidence begins
(``first_rep_s``: the start of its first movement in the window)."""
from __future__ import annotations

from kinematics import Plan, Rep, frames
from test_live_follow import FPS, join

from backform.recognition import Recognizer


def test_posture_since_and_first_rep():
    a = frames(Plan("bridge", [Rep() for _ in range(2)]), FPS)
    b = frames(Plan("prone_extension", [Rep() for _ in range(2)]), FPS)
    poses, spans = join(a, b, gap_s=4.0)
    rec = Recognizer()
    seen = []
    for pf in poses:
        r = rec.update(pf)
        seen.append((pf.t_s, r.posture, r.label, rec.posture_since_s, rec.first_rep_s("bridge"),
                     rec.first_rep_s("prone_extension")))
    assert seen[0][3] == 0.0  # the first frame's posture is held from its start
    at = lambda t: next(x for x in seen if x[0] >= t)  # noqa: E731
    t, posture, label, since, first_b, first_e = at(spans[0][1] - 0.5)
    assert (posture, label, since) == ("supine", "bridge", 0.0) and 1.0 <= first_b <= 3.0 and first_e is None
    # lying face down after the gap: the posture is dated back to when it began (switch_s before it was taken)
    t, posture, label, since, first_b, first_e = at(spans[1][1] - 0.5)
    assert posture == "prone" and label == "prone_extension" and first_b is None
    assert abs(since - spans[1][0]) <= 0.25 and since <= first_e <= since + 3.0
