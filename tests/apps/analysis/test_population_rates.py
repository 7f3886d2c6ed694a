"""Rates per 10,000 children aged 0-17 from the shipped ONS estimates: the right year's
figure, boundary changes carried only over the same ground, no rate (and a reason) where no
estimate exists, and downloads rounded as displayed."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from observatory.analysis.population import denominator
from observatory.analysis.tables import Scope, build
from observatory_core.stats.population import load_population

from .helpers import with_recommendations

pytestmark = pytest.mark.django_db
BIRMINGHAM = "E08000025"


def test_the_shipped_figures_are_the_published_ones():
    population = load_population()
    assert population.years == list(range(2011, 2025))
    assert population.counts[("E92000001", 2012)] == 11_403_970
    assert population.counts[("E92000001", 2024)] == 12_183_016
    assert population.counts[("E92000001", 2011)] == 11_340_751
    # Northamptonshire after 2021 is its two successors together; Sheffield's new code
    # carries the old code's figures; Bournemouth before the 2019 merger has none.
    assert population.counts[("E10000021", 2024)] == 83_113 + 96_295
    assert population.counts[("E08000039", 2024)] == population.counts[("E08000019", 2024)]
    assert not any(code == "E06000028" for code, _ in population.counts)


def test_a_year_before_the_estimates_has_no_rate_and_says_why(db):
    early = denominator(2008)
    assert early.by_area == {} and "before mid-2011" in early.source
    assert denominator(2015).year == 2015 and denominator(2030).year == 2024
    assert "mid-2024" in denominator(None).source


@pytest.fixture
def reviews(db):
    for i in range(6):
        with_recommendations(f"POP-{i}", ["police"], year=2015)


def test_rates_are_per_10000_children_with_two_decimals(reviews):
    table = build("reviews_by_local_authority", Scope(None, {"year": "2015"}))
    row = next(r for r in table.rows if r.key == BIRMINGHAM)
    children = load_population().counts[(BIRMINGHAM, 2015)]
    assert row.cells[-1].value == pytest.approx(6 * 10_000 / children)
    assert row.cells[-1].display() == f"{6 * 10_000 / children:.2f}" != "0.00"
    assert table.columns[-1].label == "Rate per 10,000 children aged 0-17"
    region = build("reviews_by_region", Scope(None, {"year": "2015"}))
    west_midlands = load_population().counts[("E12000005", 2015)]
    assert region.rows[0].cells[-1].value == pytest.approx(6 * 10_000 / west_midlands)


def test_downloads_hold_the_numbers_as_displayed_with_notes_below_the_data(reviews):
    body = Client().get("/analysis/tables/reviews_by_local_authority/?year=2015&download=csv"
                        ).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    header = rows[0]
    gap = next(i for i, r in enumerate(rows) if not any(r))  # an empty row ends the data
    data = rows[1:gap]
    rate = header.index("Rate per 10,000 children aged 0-17")
    for row in data:
        if row[rate] not in ("", "c"):
            assert len(row[rate].split(".")[1]) <= 2, row
    notes = rows[gap + 1:]
    assert notes and all(len([v for v in n if v]) == 1 for n in notes)  # one note a line
    assert any("mid-2015" in n[0] for n in notes)
