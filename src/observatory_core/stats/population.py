"""Children aged 0-17 by area and year (data/analysis/population_0_17.csv, see its
.SOURCE.md): the denominators of rates per 10,000 children. No Django.

A table is given one population year: the year it is about, or the latest year published
when it is about a later year or about several years. Before the first year there is no
population and no rate, and the table says so; nothing is estimated.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

POPULATION_FILE = (Path(__file__).resolve().parent.parent / "data" / "analysis"
                   / "population_0_17.csv")
LABEL = "children aged 0-17"


@dataclass(frozen=True)
class Population:
    # (area code, year) -> children aged 0-17
    counts: dict[tuple[str, int], int]

    @property
    def years(self) -> list[int]:
        return sorted({y for _, y in self.counts})

    def year_for(self, wanted: int | None) -> tuple[int | None, str]:
        """The population year for a table about ``wanted`` (None: several years), and the
        sentence that says which (or why there is none)."""
        years = self.years
        if not years:
            return None, "No population figures are loaded, so no rates are shown."
        first, last = years[0], years[-1]
        if wanted is None:
            return last, (f"Rates are per 10,000 {LABEL}, with the mid-{last} population "
                          "(the latest published) for every year in scope.")
        if wanted < first:
            return None, (f"No population estimates exist here before mid-{first}, so no "
                          f"rates are shown for {wanted}.")
        if wanted > last:
            return last, (f"Rates are per 10,000 {LABEL}, with the mid-{last} population "
                          f"(the latest published; none yet for {wanted}).")
        year = max(y for y in years if y <= wanted)
        return year, f"Rates are per 10,000 {LABEL}, with the mid-{year} population."

    def for_year(self, year: int) -> dict[str, int]:
        return {code: n for (code, y), n in self.counts.items() if y == year}


def parse_population(rows) -> Population:
    return Population({(r["area_code"], int(r["year"])): int(r["population_0_17"])
                       for r in rows})


@lru_cache(maxsize=2)
def load_population(path: Path = POPULATION_FILE) -> Population:
    with path.open(encoding="utf-8", newline="") as fh:
        return parse_population(csv.DictReader(fh))
