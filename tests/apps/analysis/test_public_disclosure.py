"""No small count reaches the public, in any field, any format or any sentence.

A small-number scope (three published reviews decided in 2021, one review without a
decision date) is rendered as the public would get it: every standard table under several
filter combinations as HTML, JSON, CSV and XLSX, the dashboard (HTML and JSON), the annual
and thematic reports (HTML, JSON and the PDF's text) with their charts' alt text. Every
number that is a count (a JSON cell's value or n, a whole-number table cell, a number of
reviews or recommendations in a sentence, a headline 'Reviews decided in 2021: N') must be
0, at least the threshold, or hidden.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from datetime import date

import pytest
from django.test import Client
from openpyxl import load_workbook

from observatory.analysis import reports
from observatory.analysis.models import SavedAnalysis
from observatory.analysis.tables import REGISTRY, Scope, build
from observatory.repository.models import Review
from observatory_core.stats import load_rule, unsafe_cells

from ..conftest import OTHER_AREA, make_review
from .helpers import with_recommendations

pytestmark = pytest.mark.django_db

FILTERS = [{}, {"year": "2021"}, {"region": "E12000005"}, {"year": "2021", "region":
                                                             "E12000005"}]
UNITS = r"(?:reviews?|recommendations?|children|child|evaluations?|cases?)"
# A number of things in a sentence ("3 reviews"), or a headline figure ("... 2021: 3").
PHRASES = [re.compile(rf"(?<![\d.,\-])(\d[\d,]*)\s+(?:[a-z]+\s+)?{UNITS}\b", re.I),
           re.compile(r"(?i)\b(?:reviews?|recommendations?)\b[^.:\n]{0,40}:\s*(\d[\d,]*)\b"
                      r"(?!\s*(?:to\b|-|%|\.\d|categor|themes?\b))")]


@pytest.fixture
def small(db):
    for i in range(3):  # the small scope: 3 reviews decided in 2021, each with 2 recs
        with_recommendations(f"SML-21-{i}", ["police", "police"], year=2021)
    for i in range(6):
        with_recommendations(f"SML-15-{i}", ["police", "probation"], year=2015)
    with_recommendations("SML-BRS", ["education"], area=OTHER_AREA, year=2016)
    hidden = with_recommendations("SML-UNPUB", ["police"], year=2021, published=False)
    undated = make_review("SML-NODATE")
    Review.objects.filter(pk=undated.pk).update(decision_date=None)
    SavedAnalysis.objects.create(slug="small-2021", name="Small 2021", filters={"year": "2021"})
    return hidden


def _small(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and \
        load_rule().is_small(value)


def json_leaks(data, path="") -> list[str]:
    """Every whole number 1..threshold-1 anywhere in a public JSON answer (counts are whole
    numbers; percentages, rates, means and intervals are not)."""
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("df",):
                continue
            found += json_leaks(value, f"{path}.{key}")
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found += json_leaks(value, f"{path}[{i}]")
    elif _small(data):
        found.append(f"{path} = {data}")
    return found


def text_leaks(text: str) -> list[str]:
    flat = " ".join(text.split())
    found = []
    for pattern in PHRASES:
        for m in pattern.finditer(flat):
            if _small(int(m.group(1).replace(",", ""))):
                found.append(flat[max(0, m.start() - 60):m.end() + 20])
    return found


def html_leaks(html: str) -> list[str]:
    found = []
    for cell in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S):
        inner = re.sub(r"<[^>]+>", "", cell).strip().replace(",", "")
        if inner.isdigit() and _small(int(inner)):
            found.append(f"table cell {cell!r}")
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<(?:/?(?:td|th|tr|p|li|h\d|div|caption|figcaption)\b)[^>]*>", " | ", body)
    text = re.sub(r"<[^>]+>", "", text)  # inline tags (links, spans) do not end a phrase
    alt = " ".join(re.findall(r'(?:alt|aria-label)="([^"]*)"', html))
    return found + text_leaks(text) + text_leaks(alt)


NOT_COUNTS = ("mean", "median", "percentage", "rate", "interval")


def grid_leaks(rows: list[list]) -> list[str]:
    """Whole-number cells of count columns (a spreadsheet reads a mean of 2.0 back as 2, so
    means, medians, percentages and rates are left to the JSON check) and every sentence."""
    found = []
    header = [str(v or "").lower() for v in rows[0]] if rows else []
    for row in rows:
        for i, value in enumerate(row):
            text = str(value if value is not None else "").strip().replace(",", "")
            counted = not (i < len(header) and any(w in header[i] for w in NOT_COUNTS))
            if counted and text.isdigit() and _small(int(text)):
                found.append(f"cell {value!r} in {row!r}")
            found += text_leaks(str(value or ""))
    return found


def _query(filters: dict[str, str], **extra: str) -> str:
    from urllib.parse import urlencode

    return urlencode({**filters, **extra})


def test_every_table_filter_and_format_is_safe_for_the_public(small):
    c = Client()
    problems = []
    for name in REGISTRY:
        for filters in FILTERS:
            url = f"/analysis/tables/{name}/?"
            table = build(name, Scope(None, filters))
            problems += [f"{name} {filters}: {p}" for p in unsafe_cells(table)]
            data = c.get(url + _query(filters, format="json")).json()
            problems += [f"{name} {filters} json: {p}" for p in json_leaks(data)]
            html = c.get(url + _query(filters)).content.decode()
            problems += [f"{name} {filters} html: {p}" for p in html_leaks(html)]
            body = c.get(url + _query(filters, download="csv")).content.decode("utf-8-sig")
            problems += [f"{name} {filters} csv: {p}"
                         for p in grid_leaks(list(csv.reader(io.StringIO(body))))]
            book = load_workbook(io.BytesIO(c.get(url + _query(filters, download="xlsx"))
                                            .content))
            rows = [list(r) for r in book.active.iter_rows(values_only=True)]
            problems += [f"{name} {filters} xlsx: {p}" for p in grid_leaks(rows)]
    assert not problems, "\n".join(problems[:40])


def test_dashboard_and_reports_print_no_small_count_anywhere(small):
    c = Client()
    problems = []
    for filters in FILTERS:
        page = c.get("/analysis/?" + _query(filters)).content.decode()
        problems += [f"dashboard {filters}: {p}" for p in html_leaks(page)]
        data = c.get("/analysis/?" + _query(filters, format="json")).json()
        problems += [f"dashboard {filters} json: {p}" for p in json_leaks(data)]
    for url in ("/analysis/reports/annual/2021/", "/analysis/reports/thematic/small-2021/"):
        problems += [f"{url}: {p}" for p in html_leaks(c.get(url).content.decode())]
        problems += [f"{url} json: {p}" for p in json_leaks(c.get(url + "?format=json").json())]
    assert not problems, "\n".join(problems[:40])


def test_report_pdf_text_prints_no_small_count(small, tmp_path):
    tool = shutil.which("pdftotext")
    if not tool:
        pytest.skip("pdftotext (poppler-utils) not installed")
    target = tmp_path / "annual.pdf"
    target.write_bytes(reports.render_pdf(reports.annual(2021, public=True)))
    text = subprocess.run([tool, "-layout", str(target), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Reviews decided in 2021: c" in " ".join(text.split())
    assert not text_leaks(text), text_leaks(text)


def test_the_headline_and_notes_show_the_figure_to_roles_that_may_see_it(small, users):
    report = reports.annual(2021, users["analyst"])
    assert report.subtitle.startswith("Reviews decided in 2021: 4;")  # with the unpublished
    table = build("recommendations_by_agency", Scope(users["analyst"], {"year": "2021"}))
    assert table.notes[0].startswith("4 reviews with recommendations")
    public = build("recommendations_by_agency", Scope(None, {"year": "2021"}))
    assert public.notes[0].startswith("Fewer than 5 reviews with recommendations")


def test_an_empty_rate_cell_carries_no_count(small):
    for i in range(3):  # an area with no population figures at all: no rate, and no n
        with_recommendations(f"BDF-{i}", ["police"], area="E10000001", year=2008)
    data = Client().get("/analysis/tables/reviews_by_local_authority/?format=json&year=2008"
                        ).json()["data"]["table"]
    assert data["rows"][0]["cells"][0]["suppressed"]
    for row in data["rows"] + [data["total"]]:
        for cell in row["cells"]:
            assert not _small(cell["n"]), (row["label"], cell)


def test_years_without_reviews_are_not_offered(small):
    c = Client()
    index = c.get("/analysis/reports/?format=json").json()["data"]
    assert index["years"] == [2021, 2016, 2015]  # the unpublished review's year is 2021 too
    assert c.get("/analysis/reports/annual/2019/").status_code == 404
    page = c.get("/analysis/").content.decode()
    options = re.search(r'<select[^>]*name="year_from".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option value="(\d+)"', options) == ["2015", "2016", "2021"]
    _ = date  # years come from the data, not the calendar


def test_public_dashboard_and_reports_leave_out_tables_waiting_for_coded_data(small, users):
    page = Client().get("/analysis/").content.decode()
    assert "Needs coded data" not in page and "obs-empty" not in page
    report = reports.annual(2021, public=True)
    assert all(not t.empty for t in report.tables)
    assert "Needs coded data" not in json.dumps([t.as_dict() for t in report.tables])
    analyst = reports.annual(2021, users["analyst"])
    assert any(t.empty for t in analyst.tables)  # roles that code still see what is missing


def test_the_annual_headline_is_the_trend_cell_and_the_trend_protects_with_other_years(db):
    for year, n in ((2019, 20), (2020, 3), (2021, 12)):
        for i in range(n):
            with_recommendations(f"TR-{year}-{i}", ["police"], year=year)
    report = reports.annual(2021, public=True)
    trend = next(t for t in report.tables if t.name == "reviews_by_year")
    cells = {r.key: r.cells[0] for r in trend.rows}
    assert cells["2020"].suppressed and cells["2019"].suppressed  # protected by 2019 ...
    assert not cells["2021"].suppressed  # ... not by the year the headline prints
    assert report.subtitle.startswith("Reviews decided in 2021: 12;")


@pytest.mark.parametrize("role", ["practitioner", "partnership_other"])
def test_other_roles_with_suppressed_figures_get_no_small_count(small, users, role):
    c = Client()
    c.force_login(users[role])
    problems = []
    for name in REGISTRY:
        for filters in FILTERS:
            url = f"/analysis/tables/{name}/?"
            data = c.get(url + _query(filters, format="json")).json()
            assert data["data"]["table"]["suppressed_output"] is True
            problems += [f"{name} {filters} json: {p}" for p in json_leaks(data)]
            body = c.get(url + _query(filters, download="csv")).content.decode("utf-8-sig")
            problems += [f"{name} {filters} csv: {p}"
                         for p in grid_leaks(list(csv.reader(io.StringIO(body))))]
    assert not problems, "\n".join(problems[:40])
