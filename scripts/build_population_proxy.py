"""Build src/observatory_core/data/analysis/population_0_25_proxy.csv from the Ofsted
provider lookup in ../shared/corpus/reference/Provider_data_lookup.csv (column
ons_population_0-25), matched to this project's local areas by DfE code.

    .venv/bin/python scripts/build_population_proxy.py [LOOKUP.csv]
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from observatory_core.places import Places  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "corpus" / "reference" / "Provider_data_lookup.csv"
OUT = ROOT / "src" / "observatory_core" / "data" / "analysis" / "population_0_25_proxy.csv"


def main(source: Path = DEFAULT) -> int:
    places = Places()
    rows, missing = [], []
    with source.open(encoding="utf-8-sig", newline="") as handle:
        for raw in csv.DictReader(handle):
            count = (raw.get("ons_population_0-25") or "").strip()
            area = places.by_dfe(raw["la_code"].strip()) or places.by_gss(
                raw["la_code_new"].strip())
            if not count:
                continue
            if area is None:
                missing.append(raw["local_authority_ons_name"])
                continue
            rows.append({"la_code": area.gss_code, "dfe_code": area.dfe_code,
                         "name": area.name, "age_group": "0-25", "count": int(count)})
    rows.sort(key=lambda r: r["la_code"])
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} areas written to {OUT.relative_to(ROOT)}; unmatched: {missing}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT))
