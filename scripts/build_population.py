"""Build ``src/observatory_core/data/analysis/population_0_17.csv``: ONS mid-year estimates
of children aged 0-17 for England, its regions and its children's-services local areas,
mid-2011 and mid-2012 to mid-2024, the denominators of rates per 10,000 children.

Sources (copies under ``/work/shared/corpus/reference/ons-population/``; see its SOURCE.md
and ``population_0_17.SOURCE.md`` beside the output):

* ``ons_mid-year_population_estimates_2012_to_2024.csv``: DfE's extract of ONS mid-year
  estimates, ages 0-17, national, regional and local-authority rows ('x' = not available).
* ``population_0_17_by_la_2011_ons_myeb1.csv``: mid-2011, ages 0-17, from ONS MYEB1, on
  2023 local-authority boundaries.

Boundary changes (``data/area_history.toml``): a figure is carried to another code only
where the two are the same ground: a re-coded council or a county replaced by one unitary
council takes the other's figure for the years it lacks, and a county split into unitary
councils that together cover it exactly is the sum of them for the years they are all
published. Councils merged with redrawn boundaries (Bournemouth, Poole and Dorset in 2019)
get nothing derived. Years with no published figure are left out, never estimated; no data
exists here before mid-2011.

Rerun (stdlib only)::

    python scripts/build_population.py [--reference DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import csv
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "src" / "observatory_core" / "data"
DEFAULT_REFERENCE = Path("/work/shared/corpus/reference/ons-population")
DEFAULT_OUT = DATA / "analysis" / "population_0_17.csv"
DFE_FILE = "ons_mid-year_population_estimates_2012_to_2024.csv"
MYE_2011 = "population_0_17_by_la_2011_ons_myeb1.csv"
COLUMNS = ["area_code", "area_name", "level", "year", "population_0_17", "basis"]
SAME_GROUND = ("recoded", "unitary")
LEVELS = {"National": "country", "Regional": "region", "Local authority": "local_authority"}

Key = tuple[str, int]


def read_published(reference: Path, areas: dict[str, dict]) -> dict[Key, dict]:
    rows: dict[Key, dict] = {}
    with (reference / DFE_FILE).open(encoding="utf-8-sig", newline="") as fh:
        for raw in csv.DictReader(fh):
            level = LEVELS.get(raw["geographic_level"])
            value = raw["population_estimate"].strip()
            if level is None or not value.isdigit():
                continue  # 'x': not available (Bournemouth, Poole, Dorset 2012-2018)
            code = {"country": raw["country_code"], "region": raw["region_code"],
                    "local_authority": raw["new_la_code"]}[level]
            if level == "region" and not code.startswith("E12"):
                continue  # Inner and Outer London are parts of a region, not regions
            name = {"country": raw["country_name"], "region": raw["region_name"],
                    "local_authority": raw["la_name"]}[level]
            rows[(code, int(raw["time_period"]))] = {
                "area_code": code, "area_name": name, "level": level,
                "year": int(raw["time_period"]), "population_0_17": int(value),
                "basis": "published (DfE extract of ONS mid-year estimates)"}
    with (reference / MYE_2011).open(encoding="utf-8-sig", newline="") as fh:
        for raw in csv.DictReader(fh):
            rows[(raw["gss_code"], 2011)] = {
                "area_code": raw["gss_code"], "area_name": raw["area_name"],
                "level": "local_authority", "year": 2011,
                "population_0_17": int(raw["population_0_17"]),
                "basis": "published (ONS MYEB1, mid-2011 on 2023 boundaries)"}
    _sum_2011(rows, areas)
    return rows


def _sum_2011(rows: dict[Key, dict], areas: dict[str, dict]) -> None:
    """Mid-2011 has local-area rows only: regions and England are their sums (every area of
    2023 is there, so nothing is missing from a sum)."""
    totals: dict[tuple[str, str, str], int] = defaultdict(int)
    for (code, year), row in list(rows.items()):
        if year != 2011 or row["level"] != "local_authority":
            continue
        area = areas[code]
        totals[(area["region_code"], area["region_name"], "region")] += row["population_0_17"]
        totals[("E92000001", "England", "country")] += row["population_0_17"]
    for (code, name, level), value in totals.items():
        rows[(code, 2011)] = {"area_code": code, "area_name": name, "level": level,
                              "year": 2011, "population_0_17": value,
                              "basis": "sum of the mid-2011 local-area rows"}


def derive(rows: dict[Key, dict], changes: list[dict], areas: dict[str, dict]) -> int:
    """Carry figures across changes that kept the same ground; returns rows added."""
    years = sorted({y for _, y in rows})
    added = 0
    for _ in range(3):  # chains (E10000022 -> E06000048 -> E06000057) settle in two passes
        for change in changes:
            new, before = change["code"], change["from"]
            if change["kind"] in SAME_GROUND and len(before) == 1:
                old = before[0]
                for year in years:
                    for have, want in ((new, old), (old, new)):
                        if (have, year) in rows and (want, year) not in rows:
                            rows[(want, year)] = _copy(rows[(have, year)], want, areas,
                                                       f"same ground as {have} "
                                                       f"({change['kind']} "
                                                       f"{change['began']:%B %Y})")
                            added += 1
        for old, parts in _splits(changes).items():
            for year in years:
                if (old, year) in rows or not all((p, year) in rows for p in parts):
                    continue
                total = sum(rows[(p, year)]["population_0_17"] for p in parts)
                rows[(old, year)] = _copy({"population_0_17": total}, old, areas,
                                          f"sum of {' + '.join(parts)} (split, same ground)")
                added += 1
    return added


def _splits(changes: list[dict]) -> dict[str, list[str]]:
    """Counties divided into areas made from them alone: the parts cover the county."""
    parts: dict[str, list[str]] = defaultdict(list)
    for change in changes:
        if change["kind"] == "split" and len(change["from"]) == 1:
            parts[change["from"][0]].append(change["code"])
    return {old: sorted(p) for old, p in parts.items()}


def _copy(row: dict, code: str, areas: dict[str, dict], basis: str) -> dict:
    return {"area_code": code, "area_name": areas[code]["name"], "level": "local_authority",
            "year": row.get("year"), "population_0_17": row["population_0_17"],
            "basis": basis}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    with (DATA / "local_authorities.csv").open(encoding="utf-8", newline="") as fh:
        areas = {row["gss_code"]: row for row in csv.DictReader(fh)}
    changes = tomllib.loads((DATA / "area_history.toml").read_text(encoding="utf-8"))["area"]
    rows = read_published(args.reference, areas)
    unknown = sorted({c for (c, _), r in rows.items() if r["level"] == "local_authority"
                      and c not in areas})
    if unknown:
        print(f"areas not in local_authorities.csv: {', '.join(unknown)}", file=sys.stderr)
        return 1
    added = derive(rows, changes, areas)
    for (_code, year), row in rows.items():
        row["year"] = year
    ordered = sorted(rows.values(), key=lambda r: (r["year"], ["country", "region",
                                                              "local_authority"]
                                                   .index(r["level"]), r["area_code"]))
    with args.out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(ordered)
    missing = sorted(code for code in areas for year in (2011, 2024)
                     if (code, year) not in rows)
    print(f"wrote {len(ordered)} rows ({added} carried across boundary changes) to "
          f"{args.out}; areas without a figure in 2011 or 2024: {len(set(missing))}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
