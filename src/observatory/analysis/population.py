"""Denominators of rates: children aged 0-17 by local area and region for the year a table
is about, from the shipped ONS estimates (observatory_core.stats.population) with any
figures imported later (``observatory import population``) taking their place."""

from __future__ import annotations

from dataclasses import dataclass

from observatory_core.stats.population import LABEL, Population, load_population

from .models import PopulationEstimate

SOURCE = ("Population: ONS mid-year estimates of children aged 0-17 (Department for "
          "Education extract; mid-2011 from ONS MYEB1), carried across boundary changes "
          "only where the area is the same ground.")


@dataclass(frozen=True)
class Denominator:
    by_area: dict[str, int]  # ONS code -> children aged 0-17
    by_region: dict[str, int]
    label: str
    source: str  # which year, or why there are no rates, and where the figures come from
    year: int | None = None


def _with_imports(shipped: Population) -> Population:
    imported = {(code, year): count for code, year, count in PopulationEstimate.objects
                .filter(age_group="0-17")
                .values_list("local_authority__gss_code", "year", "count")}
    return Population({**shipped.counts, **imported}) if imported else shipped


def denominator(year: int | None = None) -> Denominator:
    """Children aged 0-17 for a table about ``year`` (None: several years)."""
    population = _with_imports(load_population())
    chosen, sentence = population.year_for(year)
    if chosen is None:
        return Denominator({}, {}, LABEL, sentence)
    figures = population.for_year(chosen)
    regions = {code: n for code, n in figures.items() if code.startswith("E12")}
    return Denominator(figures, regions, LABEL, f"{sentence} {SOURCE}", chosen)
