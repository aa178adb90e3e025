"""Session reports for the therapist: ``report.html`` beside ``session.json``, and a trend page over sessions.

The report is one self-contained HTML file (inline CSS, inline SVG plots, JPEG stills as data URIs, a few
lines of inline JavaScript): it opens offline from a USB stick or an e-mail attachment, nothing is fetched.
Every figure in it comes from ``session.json`` (reps, holds, faults) or from ``session.log.jsonl`` (the
per-frame angles), so the report and the JSON always agree.

The package:

- :mod:`.load`: the session folder: the typed session, the log, a session rebuilt from the log when
  ``session.json`` is missing or older than its log (the analysis was killed; the report then shows the reps
  completed before the kill, marked partial);
- :mod:`.scoring`: the session against the programme (the one call into programme scoring);
- :mod:`.svg`: the plots (hand-written SVG); :mod:`.stills`: the fault stills; :mod:`.trend`: the trend rows
  and plots;
- :mod:`.render`: the pages from the Jinja2 templates in ``templates/`` (autoescaped);
- :mod:`.write`: :func:`write_report` and :func:`write_trend`.

Privacy: the still frames of fault moments follow the session's privacy mode (``none``: as recorded,
``blur``: face blurred, ``skeleton``: skeleton on a blank background; ``blur`` when unknown). The video itself
is never embedded unless asked (``embed_video=True``: the annotated video, in its own privacy mode).
"""
from .formatting import fmt
from .load import REPORT_NAME, LogData, load_session, read_log, rebuild_session
from .render import render_session, render_trend
from .scoring import score, score_block
from .stills import MAX_STILLS, Still, fault_stills
from .trend import TrendRow, session_date, svg_trend, trend_rows
from .svg import plots, svg_plot
from .write import write_report, write_trend

__all__ = ["REPORT_NAME", "MAX_STILLS", "LogData", "Still", "TrendRow", "fault_stills", "fmt", "load_session",
           "read_log", "rebuild_session", "render_session", "render_trend", "score", "score_block", "session_date",
           "plots", "svg_plot", "svg_trend", "trend_rows", "write_report", "write_trend"]
