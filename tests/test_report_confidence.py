"""The report greys the faults its checks were not sure of (issue 12): confidence below 0.7."""
from __future__ import annotations

import re

from _report_helpers import make_session
from kinematics import Rep

from backform import session as S
from backform.report import write_report


def test_unsure_faults_are_greyed_and_sure_ones_are_not(tmp_path):
    folder = tmp_path / "s"
    sess = make_session(folder, "bridge", [Rep(hold=0.6, faults={"short_hold": 1}), Rep(hold=0.6)])
    assert [r.faults for r in sess.reps] == [["short_hold"], ["short_hold"]]
    # rep 2's verdict made unsure, as a half-hidden joint would
    for v in sess.reps[1].verdicts:
        if v.code == "short_hold":
            v.confidence = 0.4
    S.write(folder / "session.json", sess)
    page = write_report(folder).read_text()
    cells = re.findall(r'<tr data-n="(\d)"[^>]*>.*?data-field="faults">(.*?)</td>', page, re.S)
    by_rep = dict(cells)
    assert 'class="sure"' in by_rep["1"] and "unsure" not in by_rep["1"]
    assert 'class="unsure" title="confidence 0.40"' in by_rep["2"]
    assert "not spoken during the session" in page
