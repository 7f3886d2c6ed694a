"""Recommendation splitting measured per report family (issue 13, 'Measure'):

    python bench/bench_fidelity.py [--demo-count N] [--per-file]

Families: SIF (2012-2017 inspections of local authority services), JTAI (joint inspection
letters), ILACS (2018-2025 local authority inspections) from the hand-made gold lists in
tests/core/ingest/gold/*.json, each item scored on its whole span; held-out (the gold
files of reports listed in gold/held_out.txt, never used for tuning, whatever their
family); guidance and seeds (gold/guidance, gold/seeds: first words, addressee) and demo
(the fictional corpus's own ground truth: whole text). Columns: items found, precision,
recall, F1, addressee accuracy (explicit: the item or a heading names it; inferred: from
the report's framing), and accuracy of stated timescales. Needs ../shared/corpus (and
../shared/seeds) for the real-document families; those absent are left out.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
CORPUS = Path(os.environ.get("OBSERVATORY_CORPUS", ROOT.parent / "shared" / "corpus"))
SEEDS = Path(os.environ.get("OBSERVATORY_SEEDS", ROOT.parent / "shared" / "seeds"))
NO_MODEL = ("flag_personal_data_model",)


def _ratio(correct: int, total: int) -> str:
    return f"{correct / total:.3f}" if total else "n/a"


def row(family: str, s) -> str:  # noqa: ANN001 - SpanScore
    return (f"{family:10} {s.predicted:>6} {s.gold:>5} {s.precision:>6.3f} {s.recall:>6.3f} "
            f"{s.f1:>6.3f} {_ratio(s.explicit_correct, s.explicit_total):>9} "
            f"{_ratio(s.inferred_correct, s.inferred_total):>9} "
            f"{_ratio(s.timescale_correct, s.timescale_total):>9}")


def from_text_score(s):  # noqa: ANN001, ANN201 - Score -> SpanScore (addressees explicit)
    from observatory_core.ingest.scoring import SpanScore

    return SpanScore(s.true_positives, s.predicted, s.gold, s.addressee_correct,
                     s.addressee_total)


def inspections(totals: dict, per_file: bool) -> None:
    from tests.core.ingest.gold_sets import inspection_gold, score_result

    from observatory_core.ingest import extract

    for gold in inspection_gold():
        result = extract(CORPUS / "inspections" / gold.file, skip=NO_MODEL)
        s = score_result(result, gold)
        totals["held-out" if gold.held_out else gold.family] += s
        if per_file:
            print(f"  {gold.name:34} {s.line()}")


def guidance(totals: dict) -> None:
    from observatory_core.ingest import extract
    from observatory_core.ingest.scoring import score

    for path in sorted((ROOT / "tests/core/ingest/gold/guidance").glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        result = extract(CORPUS / "guidance" / gold["file"], skip=NO_MODEL)
        predicted = [(r.text, r.addressee) for r in result.recommendations]
        expected = [(g["first_words"], g["addressee"]) for g in gold["recommendations"]]
        totals["guidance"] += from_text_score(score(predicted, expected, prefix_only=True))


def seeds(totals: dict, tmp: Path) -> None:
    from tests.core.ingest.seed_docs import render

    from observatory_core.ingest import extract
    from observatory_core.ingest.scoring import score

    for path in sorted((ROOT / "tests/core/ingest/gold/seeds").glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        for doc in render(SEEDS / gold["seed"], gold, tmp).values():
            result = extract(doc, skip=NO_MODEL)
            predicted = [(r.text, r.addressee) for r in result.recommendations]
            expected = [(g["first_words"], g["addressee"]) for g in gold["recommendations"]]
            totals["seeds"] += from_text_score(score(predicted, expected, prefix_only=True))


def demo(totals: dict, tmp: Path, count: int) -> None:
    from observatory_core.ingest import extract
    from observatory_core.ingest.scoring import score
    from observatory_demo import build_demo_corpus, write_demo_files

    reviews = build_demo_corpus(count=count)
    write_demo_files(reviews, tmp)
    for review in reviews:
        for doc in review.documents:
            result = extract(tmp / doc.filename, skip=NO_MODEL)
            predicted = [(r.text, r.addressee) for r in result.recommendations]
            expected = [(text, code) for _, code, text in doc.recommendations]
            totals["demo"] += from_text_score(score(predicted, expected))


def main() -> None:
    from observatory_core.ingest.scoring import SpanScore

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--demo-count", type=int, default=12)
    parser.add_argument("--per-file", action="store_true")
    args = parser.parse_args()
    totals: dict[str, SpanScore] = defaultdict(SpanScore)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        if (CORPUS / "inspections").is_dir():
            inspections(totals, args.per_file)
        if (CORPUS / "guidance").is_dir():
            guidance(totals)
        if SEEDS.is_dir():
            seeds(totals, Path(tmp))
        demo(totals, Path(tmp), args.demo_count)
    header = (f"{'family':10} {'found':>6} {'gold':>5} {'P':>6} {'R':>6} {'F1':>6} "
              f"{'addr expl':>9} {'addr inf':>9} {'timescale':>9}")
    print(header)
    print("-" * len(header))
    for family in ("SIF", "JTAI", "ILACS", "guidance", "seeds", "demo", "held-out"):
        if family in totals:
            print(row(family, totals[family]))
    print(f"\n{time.perf_counter() - started:.1f}s; guidance, seeds and demo are scored on "
          "first words or whole text (no spans kept), their addressees counted as explicit.")


if __name__ == "__main__":
    main()
