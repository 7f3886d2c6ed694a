"""The minimum dataset as CSV or XLSX: reading with row-by-row validation, and writing.

Reading never stops at the first problem: every bad row is reported as
(file, row, field, reason), so a user fixes a file in one pass. Nothing here touches a
database; the caller decides to write only when there are no problems.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .dataset import FIELD_BY_NAME, FIELDS, ReviewRecord, date_order_problems
from .places import Places
from .vocab import Vocabulary

COLUMNS = [f.name for f in FIELDS]
MULTI_SEPARATOR = ";"
MAX_ROWS = 100_000
TRUE = {"yes", "y", "true", "1"}
FALSE = {"no", "n", "false", "0"}
UNKNOWN = {"", "unknown", "not known", "n/k", "nk"}


@dataclass(frozen=True)
class RowProblem:
    file: str
    row: int  # 1-based, counting the header as row 1, as a spreadsheet shows it
    field: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}, row {self.row}" + (f", {self.field}" if self.field else "")
        return f"{where}: {self.reason}"


class TableError(ValueError):
    """The file as a whole cannot be read (not a table, wrong columns, too big...)."""


def _read_csv(data: bytes) -> Iterator[dict[str, Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="strict")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    yield from reader


def _read_xlsx(data: bytes) -> Iterator[dict[str, Any]]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        for values in rows:
            if values is None or all(v is None for v in values):
                continue
            yield dict(zip(header, values, strict=False))
    finally:
        workbook.close()


def read_table(filename: str, data: bytes) -> list[dict[str, Any]]:
    """Rows of a CSV or XLSX file as dicts keyed by the header."""
    suffix = Path(filename).suffix.lower()
    if not data:
        raise TableError(f"{filename}: the file is empty")
    try:
        if suffix == ".xlsx":
            rows = list(_read_xlsx(data))
        elif suffix == ".csv":
            rows = list(_read_csv(data))
        else:
            raise TableError(f"{filename}: only .csv and .xlsx files can be imported")
    except TableError:
        raise
    except UnicodeDecodeError as exc:
        raise TableError(f"{filename}: is not text in UTF-8 or Windows-1252 ({exc})") from exc
    except Exception as exc:  # openpyxl raises many kinds on a corrupt workbook
        raise TableError(f"{filename}: cannot be read as a table ({exc})") from exc
    if len(rows) > MAX_ROWS:
        raise TableError(f"{filename}: has more than {MAX_ROWS} rows")
    return rows


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d %B %Y", "%d %b %Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date (use YYYY-MM-DD or DD/MM/YYYY)")


def parse_rows(filename: str, rows: Iterable[Mapping[str, Any]],
               vocabularies: Mapping[str, Vocabulary], places: Places
               ) -> tuple[list[ReviewRecord], list[RowProblem]]:
    """Validate rows into records; every problem is listed, nothing is skipped silently."""
    records: list[ReviewRecord] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    rows = list(rows)
    header = set(rows[0].keys()) if rows else set()
    missing = [c for c in ("reference", "title", "local_authority", "review_type")
               if c not in header]
    if rows and missing:
        problems.append(RowProblem(filename, 1, "", f"missing columns: {', '.join(missing)}"))
        return records, problems
    unknown_cols = sorted(c for c in header if c and c not in FIELD_BY_NAME)
    if unknown_cols:
        problems.append(RowProblem(filename, 1, "", f"unknown columns: {', '.join(unknown_cols)}"))
    for index, row in enumerate(rows, start=2):
        record, row_problems = _parse_row(filename, index, row, vocabularies, places)
        problems.extend(row_problems)
        if record is None:
            continue
        if record.reference in seen:
            first = seen[record.reference]
            problems.append(RowProblem(filename, index, "reference",
                                       f"'{record.reference}' also on row {first}"))
            continue
        seen[record.reference] = index
        records.append(record)
    return records, problems


def _parse_row(filename: str, index: int, row: Mapping[str, Any],
               vocabularies: Mapping[str, Vocabulary], places: Places
               ) -> tuple[ReviewRecord | None, list[RowProblem]]:
    values: dict[str, Any] = {}
    problems: list[RowProblem] = []

    def bad(name: str, reason: str) -> None:
        problems.append(RowProblem(filename, index, name, reason))

    for spec in FIELDS:
        raw = row.get(spec.name)
        text = _text(raw)
        if not text:
            if spec.required:
                bad(spec.name, "is required")
            continue
        try:
            if spec.kind == "text":
                # Undo the quote our exports put before formula-like text.
                values[spec.name] = unquote_cell(text)
            elif spec.kind == "date":
                values[spec.name] = _parse_date(raw)
            elif spec.kind == "int":
                parsed = float(text)
                if not math.isfinite(parsed):  # 'inf', '1e400', 'nan'
                    raise ValueError(f"'{text}' is not a number of months")
                number = int(parsed)
                if number < 0 or number >= 18 * 12:
                    raise ValueError(f"{number} is not an age in months under 18 years")
                values[spec.name] = number
            elif spec.kind == "bool":
                lowered = text.casefold()
                if lowered in TRUE:
                    values[spec.name] = True
                elif lowered in FALSE:
                    values[spec.name] = False
                elif lowered not in UNKNOWN:
                    raise ValueError(f"'{text}' is not yes, no or not known")
            elif spec.kind == "place":
                place = places.resolve(text)
                if place is None:
                    raise ValueError(f"'{text}' is not a known English local authority")
                values[spec.name] = place.gss_code
            elif spec.kind == "code":
                term = vocabularies[spec.vocabulary].lookup(text)
                if term is None:
                    raise ValueError(f"'{text}' is not in the {spec.vocabulary} list")
                values[spec.name] = term.code
            elif spec.kind == "codes":
                codes = []
                for part in (p.strip() for p in text.split(MULTI_SEPARATOR)):
                    if not part:
                        continue
                    term = vocabularies[spec.vocabulary].lookup(part)
                    if term is None:
                        raise ValueError(f"'{part}' is not in the {spec.vocabulary} list")
                    codes.append(term.code)
                values[spec.name] = sorted(set(codes))
        except ValueError as exc:
            bad(spec.name, str(exc))
    for name, reason in date_order_problems(values):
        bad(name, reason)
    if problems:
        return None, problems
    return ReviewRecord(**values), problems


def record_to_row(record: ReviewRecord | Mapping[str, Any]) -> dict[str, Any]:
    """A record (or a dict with the same keys) as export cells: codes, ISO dates."""
    get = (record.get if isinstance(record, Mapping)
           else lambda name: getattr(record, name, None))
    row: dict[str, Any] = {}
    for spec in FIELDS:
        value = get(spec.name)
        if spec.kind == "codes":
            value = MULTI_SEPARATOR.join(value or [])
        elif spec.kind == "bool":
            value = {True: "yes", False: "no"}.get(value, "")
        elif isinstance(value, date):
            value = value.isoformat()
        row[spec.name] = "" if value is None else value
    return row


# -- the one writer of every CSV and XLSX the product exports ------------------------------
# Every CSV/XLSX file the web app, API or CLI hands out is written here, so that no export
# can forget to neutralise spreadsheet formulas (tests/contracts/test_architecture.py
# checks that no other module writes CSV or XLSX).


def csv_text(rows: Iterable[Mapping[str, Any]], columns: list[str] | None = None, *,
             preamble: str = "", lineterminator: str = "\r\n") -> str:
    """Rows as CSV text, every cell made safe; ``preamble`` (optional) is written first as
    a row of one cell, made safe like any other."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=columns or COLUMNS, extrasaction="ignore",
                            lineterminator=lineterminator)
    if preamble:
        csv.writer(out, lineterminator=lineterminator).writerow([safe_cell(preamble)])
    writer.writerow({c: safe_cell(c) for c in writer.fieldnames})
    for row in rows:
        writer.writerow({k: safe_cell(v) for k, v in row.items()})
    return out.getvalue()


def write_csv(rows: Iterable[Mapping[str, Any]], columns: list[str] | None = None) -> bytes:
    """CSV for download: UTF-8 with a byte-order mark, which Excel needs to read it as UTF-8."""
    return csv_text(rows, columns).encode("utf-8-sig")


def write_xlsx(rows: Iterable[Mapping[str, Any]], columns: list[str] | None = None,
               sheet: str = "reviews", *, preamble: str = "") -> bytes:
    """XLSX of one sheet; ``preamble`` (optional, e.g. a watermark) is its first row."""
    from openpyxl import Workbook

    columns = columns or COLUMNS
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(_CONTROL.sub("", sheet)[:31] or "sheet")
    if preamble:
        worksheet.append([safe_cell(preamble)])
    worksheet.append([safe_cell(c) for c in columns])
    for row in rows:
        worksheet.append([safe_cell(row.get(c, "")) for c in columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# Control characters other than tab and newlines are not allowed in XLSX cells (openpyxl
# refuses the whole workbook); text pasted from reports can carry them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# A cell starting with one of these is run as a formula by Excel, LibreOffice or Google
# Sheets (OWASP, "CSV Injection"): '=', '+', '-', '@', and a tab or carriage return
# before them. A leading quote is also quoted, so that reading back is exact.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_QUOTE = "'"


def safe_cell(value: Any) -> Any:
    """A cell value that a spreadsheet shows as text and never runs: text starting like a
    formula gets a leading quote (numbers such as '-5' are left alone)."""
    if not isinstance(value, str):
        return value
    value = _CONTROL.sub("\ufffd", value)
    if value[:1] == _QUOTE or (value[:1] in FORMULA_START and not _is_number(value)):
        return _QUOTE + value
    return value


def unquote_cell(text: str) -> str:
    """Undo :func:`safe_cell` when a file we exported is imported again."""
    if text[:1] == _QUOTE and text[1:2] in (*FORMULA_START, _QUOTE):
        return text[1:]
    return text


# A plain decimal number ('-5', '+1.5e3'): a spreadsheet reads it as a number, never a
# formula. float() would also take 'inf', 'nan' and '1_000', which spreadsheets do not.
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _is_number(text: str) -> bool:
    return _NUMBER.fullmatch(text) is not None


def record_fields() -> list[str]:
    return [f.name for f in fields(ReviewRecord)]
