"""Number formatting and JSON embedding shared by the report's pages, plots and tests."""
from __future__ import annotations

import json
import math

from markupsafe import Markup
from msgspec import UNSET


def fmt(v, nd: int = 2, unit: str = "") -> str:
    """The one number format shared by the report and its tests."""
    if v is None or v is UNSET or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v}{unit}"
    return f"{float(v):.{nd}f}{unit}"


def opt(v):
    """``None`` for a field the session does not have (``UNSET``), else the value."""
    return None if v is UNSET else v


def clean(o):
    """JSON-safe copy (NaN -> None)."""
    if isinstance(o, dict):
        return {k: clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [clean(v) for v in o]
    if isinstance(o, float) and not math.isfinite(o):
        return None
    return o


def json_for_script(obj) -> Markup:
    """``obj`` as JSON that is safe inside ``<script type="application/json">``: ``<``, ``>`` and ``&`` are
    written as ``\\u003c`` etc., so no ``</script>`` (or comment opener) can end the element early."""
    s = json.dumps(clean(obj), separators=(",", ":"), allow_nan=False, default=str)
    return Markup(s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
