"""Writing the pages: ``report.html`` beside ``session.json``, and the trend page over several sessions."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from .. import session as S
from ..io.files import write_text_atomic
from ..pipeline import SESSION_NAME
from . import render
from .load import REPORT_NAME, load_session
from .scoring import score_block
from .trend import trend_rows

log = logging.getLogger(__name__)


def write_report(session_dir: str | os.PathLike, programme=None, privacy: str | None = None,
                 embed_video: bool = False, out: str | os.PathLike | None = None) -> Path:
    """Write ``report.html`` beside ``session.json`` (atomically) and return its path. With a
    ``programme`` (a :class:`backform.programme.programme.Programme`), also record the score against it in
    ``session.json`` (``programme``), so the report and the JSON carry the same figures. A ``privacy`` mode
    is kept in ``session.json`` too, for later reports of the same folder."""
    folder = Path(session_dir)
    if privacy is not None:
        render.check_privacy(privacy)
    session, ld = load_session(folder)
    changed = False
    if privacy is not None and session.privacy != privacy:
        session.privacy = privacy
        changed = True
    if programme is not None:
        sc, block = score_block(session, programme)
        if block is not None:
            session.programme = S.ProgrammeInfo(name=programme.title, patient=programme.patient,
                                                path=str(programme.path) if programme.path else None,
                                                block=S.convert(block.to_json(), S.ProgrammeBlockInfo), score=sc)
            changed = True
    if changed and not session.partial:  # a partial session is not dressed up as a finished one
        S.write(folder / SESSION_NAME, session)
    page = render.render_session(session, ld, folder, programme, privacy, embed_video)
    dest = Path(out) if out else folder / REPORT_NAME
    write_text_atomic(dest, page)
    log.info("wrote %s (%d reps)", dest, session.rep_count)
    return dest


def write_trend(dirs: list, out: str | os.PathLike, programme=None) -> Path:
    """The trend page over session folders ``dirs`` (any order: sorted by date), written atomically."""
    out = Path(out)
    rows = trend_rows(dirs, programme)
    write_text_atomic(out, render.render_trend(rows, programme, base=out.parent.resolve()))
    return out
