"""Build ``src/observatory_core/data/local_authorities.csv`` from public reference data.

The table lists the English local authorities with children's services responsibility (upper
tier: counties, unitary authorities, metropolitan districts, London boroughs, the City of London
and the Isles of Scilly), including councils that have since been abolished or re-coded, with
their end dates.

Sources (copies under ``/work/shared/corpus/reference/``; see that folder's README):

* ``dfe/las.csv``, ``dfe/regions.csv``, ``dfe/region_la_hierarchy.csv`` from
  dfe-analytical-services/dfe-published-data-qa @ bcc7ca54, ``data/`` (MIT; data OGL v3):
  ONS (GSS) code, DfE three-digit code, name, region, dates of operation and termination.
* ``mysociety/uk_local_authorities_current.csv``, ``uk_local_authorities_future.csv``,
  ``lookup_name_to_registry.csv``, ``lookup_gss_to_registry.csv`` from
  mysociety/uk_local_authority_names_and_codes @ 67ef8b11, ``data/packages/`` (MIT; data OGL):
  official names and the name variants used for ``alt_names``.

Rerun (stdlib only)::

    python scripts/build_local_authorities.py [--reference DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REFERENCE = Path("/work/shared/corpus/reference")
DEFAULT_OUT = ROOT / "src" / "observatory_core" / "data" / "local_authorities.csv"
UPPER_TIER = {"E06", "E08", "E09", "E10"}  # unitary, metropolitan district, London, county
# The DfE table starts every code that existed when GSS codes were introduced on this date;
# it is not the date the council was created, so it is written as unknown (blank).
GSS_BASELINE = date(2009, 1, 1)
COLUMNS = ["gss_code", "dfe_code", "name", "region_code", "region_name", "start_date",
           "end_date", "status", "alt_names"]


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _date(value: str) -> date | None:
    value = value.strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def _key(name: str) -> str:
    name = name.casefold().replace("&", " and ")
    return " ".join(re.sub(r"[^\w\s]", " ", name).split())


def build(reference: Path) -> list[dict[str, str]]:
    dfe, soc = reference / "dfe", reference / "mysociety"
    regions = {r["region_code"]: r["region_name"] for r in _read(dfe / "regions.csv")}
    hierarchy = {r["new_la_code"]: r for r in _read(dfe / "region_la_hierarchy.csv")}

    # mySociety registry: GSS code (current or former) -> registry code -> names.
    registry: dict[str, dict[str, str]] = {}
    for name in ("uk_local_authorities_future.csv", "uk_local_authorities_current.csv"):
        for row in _read(soc / name):
            registry[row["local-authority-code"]] = row  # current file wins
    gss_to_reg = {r["gss-code"]: r["local-authority-code"]
                  for r in _read(soc / "lookup_gss_to_registry.csv")}
    for code, row in registry.items():
        gss_to_reg.setdefault(row["gss-code"], code)
        for former in filter(None, row["former-gss-codes"].split(",")):
            gss_to_reg.setdefault(former.strip(), code)
    names_by_reg: dict[str, list[str]] = {}
    for row in _read(soc / "lookup_name_to_registry.csv"):
        names_by_reg.setdefault(row["local-authority-code"], []).append(row["la-name"])

    out = []
    for row in _read(dfe / "las.csv"):
        gss = row["new_la_code"].strip()
        if "/" in gss or gss[:3] not in UPPER_TIER:
            continue  # combined reporting rows and non-geographic entries
        region_code = row["parent_geography_code"].strip()
        if region_code not in regions and gss in hierarchy:
            region_code = hierarchy[gss]["region_code"]
        dfe_code = row["old_la_code"].strip()
        if not re.fullmatch(r"\d{3}", dfe_code):
            dfe_code = ""
        start, end = _date(row["date_of_operation"]), _date(row["date_of_termination"])
        if start == GSS_BASELINE:
            start = None
        name = row["la_name"].strip()
        reg = registry.get(gss_to_reg.get(gss, ""))
        variants: list[str] = []
        if reg:
            variants += [reg["official-name"], reg["nice-name"]]
            variants += names_by_reg.get(reg["local-authority-code"], [])
        if gss in hierarchy:
            variants.append(hierarchy[gss]["la_name"])
        seen = {_key(name)}
        alt = []
        for variant in variants:
            variant = variant.strip()
            if variant and _key(variant) not in seen:
                seen.add(_key(variant))
                alt.append(variant)
        out.append({
            "gss_code": gss,
            "dfe_code": dfe_code,
            "name": name,
            "region_code": region_code,
            "region_name": regions.get(region_code, ""),
            "start_date": start.isoformat() if start else "",
            "end_date": end.isoformat() if end else "",
            "status": "terminated" if end else "live",
            "alt_names": "|".join(alt),
        })
    out.sort(key=lambda r: r["gss_code"])
    return out


def check(rows: list[dict[str, str]]) -> list[str]:
    problems = []
    gss = [r["gss_code"] for r in rows]
    if len(gss) != len(set(gss)):
        problems.append("duplicate GSS codes")
    for r in rows:
        if not r["region_name"]:
            problems.append(f"{r['gss_code']} has no region")
        if r["dfe_code"] and not re.fullmatch(r"\d{3}", r["dfe_code"]):
            problems.append(f"{r['gss_code']} has a malformed DfE code")
    live = sum(r["status"] == "live" for r in rows)
    if not 140 <= live <= 160:
        problems.append(f"{live} live authorities; expected about 153")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    rows = build(args.reference)
    problems = check(rows)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    with args.out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    live = sum(r["status"] == "live" for r in rows)
    print(f"wrote {len(rows)} authorities ({live} live, {len(rows) - live} terminated) "
          f"to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
