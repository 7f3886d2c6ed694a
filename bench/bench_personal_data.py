"""Personal-data recall and precision per kind, rules alone vs rules + named-entity model,
on the hand-labelled sample: the demo corpus's ground truth and real coroners' reports
(tests/core/ingest/gold/personal_data/coroners.json; skipped without ../shared/corpus).

    python bench/bench_personal_data.py [--demo 48]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))
CORPUS = Path(os.environ.get("OBSERVATORY_CORPUS", ROOT.parent / "shared" / "corpus"))


def main() -> int:
    from core.ingest.personal_data_gold import coroners_samples, demo_samples, table
    from observatory_demo import build_demo_corpus, write_demo_files

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=int, default=48, help="demo reviews")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        reviews = build_demo_corpus(count=args.demo)
        write_demo_files(reviews, Path(tmp))
        files = [(d, Path(tmp) / d.filename) for r in reviews for d in r.documents]
        started = time.perf_counter()
        print(table(f"demo corpus ({len(files)} documents)", demo_samples(files)))
        print(f"({time.perf_counter() - started:.1f} s)\n")
    if CORPUS.exists():
        print(table("coroners' reports, hand-labelled", coroners_samples(CORPUS)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
