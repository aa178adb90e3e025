"""The batch summary: one row per recording (reps, holds, faults, or its error), as CSV and JSON."""
from __future__ import annotations

import csv
import io
import json

from .store import Store

SUMMARY_CSV = "summary.csv"
SUMMARY_JSON = "summary.json"
COLUMNS = ("file", "exercise", "status", "reps", "holds", "mean_hold_s", "faults", "fault_codes",
           "pose_found_rate", "seconds", "session", "error")


def row(rec: dict) -> dict:
    """A record as a flat CSV row: holds as ``1.2;1.5``, fault codes as ``hips_low:2;lumbar_arch:1``."""
    holds = rec.get("holds_s") or []
    return {
        "file": rec["file"], "exercise": rec.get("exercise") or "", "status": rec["status"],
        "reps": "" if rec.get("reps") is None else rec["reps"],
        "holds": ";".join(f"{h:.2f}" for h in holds),
        "mean_hold_s": f"{sum(holds) / len(holds):.2f}" if holds else "",
        "faults": "" if rec.get("faults") is None else rec["faults"],
        "fault_codes": ";".join(f"{k}:{v}" for k, v in (rec.get("fault_codes") or {}).items()),
        "pose_found_rate": "" if rec.get("pose_found_rate") is None else rec["pose_found_rate"],
        "seconds": "" if rec.get("seconds") is None else rec["seconds"],
        "session": rec.get("session") or "", "error": rec.get("error") or "",
    }


def write(out: str, records: list[dict]) -> dict:
    """Write summary.csv and summary.json into the output location; the totals."""
    records = sorted(records, key=lambda r: r["file"])
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in records:
        w.writerow(row(r))
    totals = {"recordings": len(records),
              "done": sum(r["status"] == "done" for r in records),
              "skipped": sum(r["status"] == "skipped" for r in records),
              "failed": sum(r["status"] == "failed" for r in records)}
    store = Store(out)
    store.write_text(SUMMARY_CSV, buf.getvalue())
    store.write_text(SUMMARY_JSON, json.dumps({"totals": totals, "recordings": records}, indent=1))
    return totals
