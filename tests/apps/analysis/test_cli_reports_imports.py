"""The command line: tables in every format, the annual report as PDF (checked by turning
its pages into images) and HTML, and the linked-data importers (bad files refused whole)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from observatory.analysis.models import Evaluation, PopulationEstimate
from observatory.analysis.tables import Scope, build
from observatory.cli import main

from .helpers import with_recommendations

pytestmark = pytest.mark.django_db
ANNEX_A = (Path(__file__).resolve().parents[3] / "src" / "observatory_core" / "data"
           / "analysis" / "ofsted_scr_evaluations_2007_08.csv")


@pytest.fixture(autouse=True)
def _no_setup(monkeypatch):
    monkeypatch.setattr("observatory.cli._django", lambda: None)


@pytest.fixture
def corpus(db):
    for i in range(6):
        with_recommendations(f"CLI-{i}", ["police", "police", "probation"], year=2015)


def run(*args: str):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result


def test_table_list_and_formats(corpus, tmp_path):
    listing = run("table", "--list")
    assert "recommendations_by_agency" in listing.output and "theme_quadrant" in listing.output
    out = run("table", "recommendations_by_agency", "--filter", "region=E12000005",
              "--format", "json")
    data = json.loads(out.output)
    assert data["rows"][0]["cells"][0]["value"] in (6, 12) and data["suppression_rule"]
    csv_out = run("table", "reviews_by_year", "--format", "csv")
    assert "Suppression:" in csv_out.output
    target = tmp_path / "t.xlsx"
    assert run("table", "reviews_by_region", "--format", "xlsx", "-o", str(target)
               ).exit_code == 0
    assert target.read_bytes()[:2] == b"PK"
    bad = CliRunner().invoke(main, ["table", "reviews_by_year", "--filter", "colour=red"])
    assert bad.exit_code != 0 and "unknown filter" in bad.output


def test_annual_report_pdf_pages_render_with_charts(corpus, tmp_path):
    pdf = tmp_path / "annual.pdf"
    result = run("report", "annual", "--year", "2015", "--format", "pdf", "-o", str(pdf))
    assert result.exit_code == 0, result.output
    assert pdf.read_bytes()[:5] == b"%PDF-"
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) not installed")
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "page")],
                   check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 3
    from PIL import Image

    blue_pixels = 0
    for path in pages:
        image = Image.open(path).convert("RGB")
        colours = image.getcolors(maxcolors=1 << 20) or []
        assert len(colours) > 2, f"{path.name} is blank"
        blue_pixels += sum(n for n, (r, g, b) in colours if (r, g, b) == (29, 112, 184))
    assert blue_pixels > 50  # the bars of the charts


def test_annual_report_html_is_accessible_markup(corpus, tmp_path):
    html = tmp_path / "r.html"
    assert run("report", "annual", "--year", "2015", "--format", "html", "-o", str(html)
               ).exit_code == 0
    text = html.read_text()
    assert "<svg" in text and "<desc" in text and "Methodology" in text
    assert "suppressed" in text and "<table" in text


def test_import_evaluations_annex_a_and_judgements_by_region():
    result = run("import", "evaluations", str(ANNEX_A))
    assert result.exit_code == 0 and "50 added" in result.output
    assert run("import", "evaluations", str(ANNEX_A)).output.count("0 added, 50 updated")
    assert Evaluation.objects.count() == 50
    table = build("evaluation_judgements", Scope(None, {}, public=False))
    assert {r.key: r.cells[0].value for r in table.rows} == {
        "good": 12, "adequate": 18, "inadequate": 20}
    by_region = build("evaluation_judgements_by_region", Scope(None, {}))
    assert by_region.total.cells[-1].value == 50 and any(
        c.suppressed for r in by_region.rows for c in r.cells)


def test_bad_population_file_refused_whole_with_every_problem(tmp_path):
    bad = tmp_path / "pop.csv"
    bad.write_text("la_code,year,age_group,count\nE06000001,2020,0-17,-5\n"
                   "NOWHERE,2020,0-17,100\nE06000002,2020,0-17,100\nE06000002,2020,0-17,100\n")
    result = CliRunner().invoke(main, ["import", "population", str(bad)])
    assert result.exit_code == 1
    assert "negative" in result.output and "unknown area 'NOWHERE'" in result.output
    assert "duplicate of row 4" in result.output
    assert PopulationEstimate.objects.count() == 0


def test_rates_are_per_10000_children_and_imports_take_the_shipped_figures_place(
        corpus, tmp_path):
    shipped = build("reviews_by_local_authority", Scope(None, {"year": "2015"}, public=False))
    assert shipped.columns[-1].label == "Rate per 10,000 children aged 0-17"
    birmingham = next(r for r in shipped.rows if r.key == "E08000025")
    assert birmingham.cells[-1].value > 0 and birmingham.cells[-1].display() != "0.00"
    good = tmp_path / "pop.csv"
    good.write_text("la_code,year,age_group,count\nE08000025,2015,0-17,60000\n")
    assert run("import", "population", str(good)).exit_code == 0
    table = build("reviews_by_local_authority", Scope(None, {"year": "2015"}, public=False))
    row = next(r for r in table.rows if r.key == "E08000025")
    assert row.cells[-1].value == pytest.approx(10000 * row.cells[0].value / 60000)


def test_child_deaths_beside_reviews(corpus, tmp_path):
    empty = build("child_deaths_and_reviews", Scope(None, {}))
    assert empty.empty and "No child death review figures" in empty.empty_message
    f = tmp_path / "cdop.csv"
    f.write_text("year,area_code,count,source\n2015,,3000,test figures\n")
    assert run("import", "child-deaths", str(f)).exit_code == 0
    table = build("child_deaths_and_reviews", Scope(None, {}, public=False))
    assert table.rows[0].cells[-1].value == 3000 and table.rows[0].cells[0].value == 6
