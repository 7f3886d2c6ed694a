"""Personal-data precision and recall per kind on the real, hand-labelled documents only
(coroners' reports and Ofsted inspections), the tuning part and the held-out part apart,
with and without the shipped allow/deny lists.

    python bench/bench_personal_data_real.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))
CORPUS = Path(os.environ.get("OBSERVATORY_CORPUS", ROOT.parent / "shared" / "corpus"))


def main() -> int:
    from core.ingest.personal_data_gold import (
        coroners_held_out,
        coroners_samples,
        inspection_samples,
        table,
        with_lists,
    )

    if not CORPUS.exists():
        print(f"no corpus at {CORPUS}")
        return 1
    held = coroners_held_out()
    coroners = coroners_samples(CORPUS)
    parts = {
        "tuning: coroners": [s for s in coroners if s.name not in held],
        "tuning: inspections": inspection_samples(CORPUS, held_out=False),
        "held out: coroners": [s for s in coroners if s.name in held],
        "held out: inspections": inspection_samples(CORPUS, held_out=True),
    }
    for title, samples in parts.items():
        print(table(f"{title} ({len(samples)} documents), no lists", samples))
        print(table(f"{title}, with the shipped allow/deny lists", with_lists(samples)))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
