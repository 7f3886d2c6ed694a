"""The region x year two-way table: listed on the command line, in every format, suppressed
for the public (small cells and the totals that would reveal them), and every cell drills
down to exactly the reviews it counts."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from click.testing import CliRunner
from django.test import Client
from openpyxl import load_workbook

from observatory.cli import main
from observatory.repository.models import Review

from ..conftest import OTHER_AREA, OWN_AREA, make_review

pytestmark = pytest.mark.django_db
NAME = "reviews_by_region_and_year"
WEST_MIDLANDS, SOUTH_WEST = "E12000005", "E12000009"
# (area, year) -> reviews: West Midlands 2015 (2) is small; its row and column totals would
# give it away unless further cells are hidden.
LAYOUT = {(OWN_AREA, 2014): 6, (OWN_AREA, 2015): 2, (OTHER_AREA, 2014): 5,
          (OTHER_AREA, 2015): 7}


@pytest.fixture
def reviews(db):
    i = 0
    for (area, year), n in LAYOUT.items():
        for _ in range(n):
            review = make_review(f"RY-{i:02d}", area=area)
            Review.objects.filter(pk=review.pk).update(decision_date=date(year, 3, 1))
            i += 1
    undated = make_review("RY-UNDATED")
    Review.objects.filter(pk=undated.pk).update(decision_date=None)


def _table(client: Client) -> dict:
    return client.get(f"/analysis/tables/{NAME}/", {"format": "json"}).json()["data"]["table"]


def _cells(table: dict) -> dict[tuple[str, str], dict]:
    keys = [c["key"] for c in table["columns"]]
    return {(row["key"], key): cell for row in table["rows"]
            for key, cell in zip(keys, row["cells"], strict=True)}


def test_analyst_sees_every_count_and_each_cell_drills_down(reviews, users):
    c = Client()
    c.force_login(users["analyst"])
    table = _table(c)
    cells = _cells(table)
    assert cells[(WEST_MIDLANDS, "2014")]["value"] == 6
    assert cells[(WEST_MIDLANDS, "2015")]["value"] == 2
    assert cells[(WEST_MIDLANDS, "2015")]["would_suppress_in_public"]
    assert cells[(SOUTH_WEST, "total")]["value"] == 12
    assert table["total"]["cells"][-1]["value"] == 20  # the undated review is left out
    assert any("without a date" in note for note in table["notes"])
    for (region, year), cell in cells.items():
        if year == "total":
            continue
        dd = cell["drilldown"]
        assert dd == {"region": region, "year": year}
        data = c.get("/analysis/drilldown/", {"table": NAME, **dd, "format": "json"}
                     ).json()["data"]
        assert data["count"] == cell["value"], (region, year)


def test_public_table_hides_small_cells_and_the_totals_that_reveal_them(reviews):
    table = _table(Client())
    assert table["suppressed_output"] and "suppressed" in table["suppression_rule"]
    cells = _cells(table)
    small = cells[(WEST_MIDLANDS, "2015")]
    assert small["suppressed"] and small["value"] is None and small["reason"] == "primary"
    # Neither the West Midlands row nor the 2015 column can give the hidden 2 back.
    row = [cells[(WEST_MIDLANDS, k)] for k in ("2014", "total")]
    column = [cells[(SOUTH_WEST, "2015")], table["total"]["cells"][1]]
    assert any(c["suppressed"] for c in row) and any(c["suppressed"] for c in column)
    assert all(c["reason"] in ("primary", "secondary") for c in cells.values()
               if c["suppressed"])


def test_html_csv_xlsx_and_the_command_line(reviews, tmp_path, monkeypatch):
    c = Client()
    page = c.get(f"/analysis/tables/{NAME}/")
    assert page.status_code == 200 and b"West Midlands" in page.content
    text = c.get(f"/analysis/tables/{NAME}/", {"download": "csv"}).content.decode("utf-8-sig")
    assert text.startswith("Region,2014,2015") and "Suppression:" in text
    sheet = load_workbook(io.BytesIO(c.get(f"/analysis/tables/{NAME}/",
                                           {"download": "xlsx"}).content)).worksheets[0]
    assert sheet.cell(1, 1).value == "Region"
    monkeypatch.setattr("observatory.cli._django", lambda: None)
    runner = CliRunner()
    listed = runner.invoke(main, ["table", "--list"], catch_exceptions=False).output
    assert NAME in listed
    out = runner.invoke(main, ["table", NAME, "--filter", f"region={SOUTH_WEST}",
                               "--format", "json"], catch_exceptions=False).output
    data = json.loads(out)
    rows = data["rows"] if "rows" in data else data["table"]["rows"]
    assert [r["key"] for r in rows] == [SOUTH_WEST]
    target = tmp_path / "t.xlsx"
    runner.invoke(main, ["table", NAME, "--format", "xlsx", "-o", str(target)],
                  catch_exceptions=False)
    assert load_workbook(target).worksheets[0].cell(1, 1).value == "Region"
