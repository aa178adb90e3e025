"""The documentation's tables of parameters and fault codes stay true to the code."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from backform.exercises import get, names

ROOT = Path(__file__).resolve().parents[1]


def _table_rows(text: str, first_cells: set[str]) -> dict[str, list[str]]:
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        key = cells[0].strip("`").split(" ")[0].strip("`")
        if len(cells) >= 2 and key in first_cells and key not in rows:  # the first table naming it
            rows[key] = cells
    return rows


def test_calibration_readme_parameter_defaults_are_the_checkers():
    rows = _table_rows((ROOT / "calibration" / "README.md").read_text(), set(names()))
    assert set(rows) == set(names())
    for name, cells in rows.items():
        pairs = re.findall(r"`([a-z0-9_]+)` \((-?[0-9.]+)\)", cells[1])
        assert pairs, cells
        params = get(name).params
        for key, value in pairs:
            assert hasattr(params, key), f"{name}: no parameter {key}"
            assert getattr(params, key) == pytest.approx(float(value)), f"{name}.{key}"


def test_readme_lists_every_fault_code_with_its_cue():
    text = (ROOT / "README.md").read_text()
    rows = _table_rows(text, set(names()))
    assert set(rows) >= set(names())
    for name in names():
        ex = get(name)
        row = " | ".join(rows[name])
        for code, cue in ex.CUES.items():
            assert f"`{code}`" in row, f"{name}: {code} missing from the README table"
            assert cue in row, f"{name}: the cue of {code} differs from the README"
