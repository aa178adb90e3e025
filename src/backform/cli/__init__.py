"""The ``backform`` command line: the only place that parses arguments or prints. Library code logs.

Every expected failure (missing or corrupt video, no person, unknown exercise, missing model ...) ends with
one line on stderr and a non-zero exit code, never a traceback. One module per command family:
``analyze`` (analyze, demo, track, model), ``live``, ``calibrate``, ``report``, ``synth`` (optional extra).
"""
from __future__ import annotations

import argparse
import logging
import os
import sys

from .. import __version__
from ..errors import BackformError
from . import analyze, app, batch, calibrate, live, report, serve, upload

EXIT_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="backform", description="Checks the form of osteoporosis back exercises "
                                 "from a webcam or a video, counts reps and holds, and coaches out loud.")
    ap.add_argument("--version", action="version", version=f"backform {__version__}")
    ap.add_argument("-v", "--verbose", action="store_true", help="log details (and native MediaPipe logs)")
    sub = ap.add_subparsers(dest="command", required=True)
    analyze.add_parsers(sub)
    live.add_parser(sub)
    app.add_parser(sub)
    calibrate.add_parser(sub)
    report.add_parser(sub)
    batch.add_parser(sub)
    serve.add_parser(sub)
    upload.add_parsers(sub)
    sy = sub.add_parser("synth", add_help=False,
                        help="render synthetic exercise clips with ground truth (needs the synth extra; "
                             "`backform synth --help`)")
    sy.set_defaults(func=lambda a: _synth([]))
    return ap


def _silence_native_stderr() -> None:
    """MediaPipe's C++ code writes log lines straight to file descriptor 2. Keep Python's stderr (our
    messages, progress bars, logging) on a duplicate of the terminal and point descriptor 2 at /dev/null."""
    try:
        sys.stderr.flush()
        keep = os.dup(2)
        sys.stderr = os.fdopen(keep, "w", buffering=1, encoding=sys.stderr.encoding or "utf-8", errors="replace")
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass


def _synth(argv: list[str]) -> int:
    """``backform synth ...`` is handed whole to the renderer's own parser (an optional extra)."""
    from .synth import synth_main  # the optional synth extra (torch, pyrender)
    return synth_main(argv)


def main(argv: list[str] | None = None) -> int:
    raw = sys.argv[1:] if argv is None else argv
    if raw[:1] == ["synth"]:
        return _synth(raw[1:])
    args = build_parser().parse_args(argv)
    if not args.verbose and argv is None:
        _silence_native_stderr()
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args) or 0
    except BackformError as e:
        print(f"backform: error: {e}", file=sys.stderr)
        return getattr(e, "exit_code", EXIT_ERROR)
    except KeyboardInterrupt:
        print("backform: interrupted; the session log keeps every frame analysed so far", file=sys.stderr)
        return 130
    except (OSError, ValueError) as e:
        if args.verbose:
            raise
        print(f"backform: error: {e}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
