"""Every CSV and XLSX the product writes goes through observatory_core/tabular.py, the one
writer that neutralises spreadsheet formulas, so no export can forget to (issue: formula
injection in coding exports). Checked from the source: nothing else calls the csv module's
writers or builds an openpyxl workbook."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
WRITER = SRC / "observatory_core" / "tabular.py"
WRITES = re.compile(r"csv\.(writer|DictWriter)\b|\bWorkbook\s*\(|from openpyxl import[^\n]*"
                    r"\bWorkbook\b")


def test_only_the_tabular_module_writes_csv_or_xlsx():
    offenders = [f"{p.relative_to(SRC)}:{n}" for p in sorted(SRC.rglob("*.py")) if p != WRITER
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if WRITES.search(line)]
    assert not offenders, f"write CSV/XLSX with observatory_core.tabular instead: {offenders}"


def test_the_writer_is_found():
    assert WRITES.search(WRITER.read_text(encoding="utf-8"))
