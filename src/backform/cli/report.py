"""`backform report`: the HTML report of session folders, and the trend page over several."""
from __future__ import annotations

import os
from pathlib import Path

from ..errors import BackformError
from ..pipeline import LOG_NAME, SESSION_NAME
from ..programme.programme import load
from ..report import load_session, write_report, write_trend
from . import options


def cmd_report(args) -> int:
    programme = None
    if args.program:
        programme = load(args.program)
    dirs = [Path(d) for d in args.dirs]
    for d in dirs:
        if not d.is_dir():
            raise BackformError(f"not a session folder: {d}")
        if not (d / SESSION_NAME).is_file() and not (d / LOG_NAME).is_file():
            raise BackformError(f"{d}: neither {SESSION_NAME} nor {LOG_NAME} found: not a session folder")
    for d in dirs:
        p = write_report(d, programme, privacy=args.privacy, embed_video=args.embed_video,
                         out=args.out if len(dirs) == 1 and args.out else None)
        if not args.quiet:
            s, _ = load_session(d)
            part = " (partial: recovered from the session log)" if s.partial else ""
            print(f"wrote {p}: {s.exercise}, {s.rep_count} reps{part}")
    if len(dirs) > 1:
        out = Path(args.out) if args.out else Path(os.path.commonpath([str(d.resolve()) for d in dirs])) / "trend.html"
        write_trend(dirs, out, programme)
        if not args.quiet:
            print(f"wrote {out}: trend over {len(dirs)} sessions")
    return 0


def add_parser(subparsers) -> None:
    """Register ``backform report``."""
    r = subparsers.add_parser("report", help="HTML report of a session folder; with several folders, also a "
                                             "trend page over them")
    r.add_argument("dirs", nargs="+", metavar="DIR", help="session folder(s) written by `backform analyze`")
    r.add_argument("--program", help="programme file (TOML): score the sessions against it")
    r.add_argument("--out", "-o", help="output file (one folder: instead of DIR/report.html; several: the trend "
                                       "page, default trend.html in their common parent)")
    r.add_argument("--privacy", choices=options.PRIVACY_CHOICES,
                   help="still frames of fault moments: as recorded, face blurred, or skeleton only "
                        "(default: the session's own mode, else blur)")
    r.add_argument("--embed-video", action="store_true", help="embed the annotated video in the report")
    options.add_quiet(r, "no summary")
    r.set_defaults(func=cmd_report)
