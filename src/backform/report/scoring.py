"""The session against its prescription: the report's one call into programme scoring."""
from __future__ import annotations

import logging

from .. import session as S
from ..programme import programme as P

log = logging.getLogger(__name__)


def score(session: S.Session, block: P.Block | None = None) -> S.Score:
    """:func:`backform.programme.programme.score`, typed in and out."""
    return P.score(session, block)


def score_block(session: S.Session, programme: P.Programme | None = None) -> tuple[S.Score, P.Block | None]:
    """``(score, block)``: against the programme's block of the session's exercise, else (no programme, or an
    exercise not in it) against the checker's own targets."""
    block = None
    if programme is not None:
        try:
            block = programme.block(session.exercise)
        except P.ProgrammeError:  # an exercise not in the programme: score against the checker's targets
            block = None
    return score(session, block), block
