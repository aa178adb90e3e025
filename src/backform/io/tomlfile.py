"""Reading the TOML files people write by hand (programmes, calibration profiles): one clear error line."""
from __future__ import annotations

import tomllib
from pathlib import Path

from ..errors import BackformError


def read_toml(path: Path, error: type[BackformError], what: str) -> dict:
    """The parsed TOML of ``path``; any problem (not valid TOML, not text, unreadable) raises ``error`` with one
    line naming the file and ``what`` it should have been."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise error(f"{path}: not valid TOML ({e})") from None
    except UnicodeDecodeError:
        raise error(f"{path}: not a text file (expected a {what} in TOML)") from None
    except OSError as e:
        raise error(f"cannot read {what} {path}: {e.strerror or e}") from None
