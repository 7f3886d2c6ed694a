"""Golden tests: recommendation splitting and addressees against known answers.

* The fictional demo corpus (PDF and DOCX) carries its ground truth.
* Hand-made gold sets of real Ofsted inspection reports (tests/core/ingest/gold/*.json, each
  item's start and end offsets, addressee with its source, stated timescale; see
  gold_sets.py), read only when ../shared/corpus is present.
* Hand-made gold sets of guidance documents (gold/guidance/*.json, ../shared/corpus/guidance)
  and of seed excerpts rendered to PDF and DOCX at test time (gold/seeds/*.json,
  ../shared/seeds, see seed_docs.py).
Run with ``-s`` to see precision/recall/F1 and addressee accuracy per document and kind.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from observatory_core.ingest import extract
from observatory_core.ingest.scoring import Score, SpanScore, score

from ...shared_data import missing, seeds_path
from .gold_sets import SPLIT_ONLY, inspection_gold, score_result
from .seed_docs import render

# The named-entity model is measured in test_personal_data_model.py; here it only costs time.
NO_MODEL = ("flag_personal_data_model",)

GOLD = Path(__file__).parent / "gold"
SEEDS = seeds_path()


def _zero() -> Score:
    return Score(0, 0, 0, 0, 0)


@pytest.fixture(scope="module")
def demo_scores(demo_files):
    totals: dict[str, Score] = defaultdict(_zero)
    for doc, path in demo_files:
        result = extract(path, skip=NO_MODEL)
        predicted = [(r.text, r.addressee) for r in result.recommendations]
        gold = [(text, code) for _, code, text in doc.recommendations]
        totals[doc.fmt] += score(predicted, gold)
    return totals


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_demo_recommendations(demo_scores, fmt):
    total = demo_scores[fmt]
    print(f"\ndemo {fmt}: {total.line()}")
    assert total.gold > 100
    assert total.f1 >= 0.95, total.line()
    # DOCX executive summaries may repeat the overview's table numbers without the agency
    # column, so some addressees are not in the text at all.
    assert total.addressee_accuracy >= (0.95 if fmt == "pdf" else 0.85), total.line()


def test_demo_personal_data_recall(demo_files):
    found = wanted = 0
    for doc, path in demo_files:
        if not doc.personal_data:
            continue
        flags = {(f.kind, f.text) for f in extract(path, skip=NO_MODEL).personal_data}
        wanted += len(doc.personal_data)
        found += sum((kind, value) in flags for kind, value in doc.personal_data)
    print(f"\ndemo personal data recall: {found}/{wanted}")
    assert wanted and found / wanted >= 0.95


def test_demo_pages_and_sections(demo_files):
    for doc, path in demo_files[:20]:
        result = extract(path, skip=NO_MODEL)
        assert result.pages and result.sections, doc.filename
        if doc.kind == "overview_report":
            kinds = {s.kind for s in result.sections}
            assert {"introduction", "recommendations"} <= kinds, doc.filename


# Per report family: the least F1 and addressee accuracy the tuning part must keep; the
# held-out part (gold/held_out.txt, never used for tuning) is asserted on its own, lower
# bar, the goal being F1 >= 0.97 and addressee accuracy >= 0.95 there.
FAMILY_FLOOR = {"SIF": (0.97, 0.95), "JTAI": (0.97, 0.95), "ILACS": (0.97, 0.95),
                "held-out": (0.90, 0.85)}


@pytest.mark.corpus
def test_inspection_gold_set(corpus_dir):
    """Every inspection gold file, each item scored on its whole span (start and end, a
    few characters of whitespace allowed): an item cut at a page break or run into the
    next is not found. Scores per family printed and asserted."""
    totals: dict[str, SpanScore] = defaultdict(SpanScore)
    for gold in inspection_gold():
        result = extract(corpus_dir / "inspections" / gold.file, skip=SPLIT_ONLY)
        s = score_result(result, gold)
        family = "held-out" if gold.held_out else gold.family
        print(f"\n{family} {gold.name}: {s.line()}")
        totals[family] += s
    assert sum(t.gold for t in totals.values()) >= 350
    for family, total in sorted(totals.items()):
        print(f"\ninspection gold set {family}: {total.line()}")
        f1, addressee = FAMILY_FLOOR[family]
        assert total.f1 >= f1, f"{family}: {total.line()}"
        assert total.addressee_accuracy >= addressee, f"{family}: {total.line()}"
        if total.timescale_total:
            assert total.timescale_correct / total.timescale_total >= 0.95, total.line()


def _gold_score(path: Path, gold: dict) -> Score:
    result = extract(path, skip=NO_MODEL)
    predicted = [(r.text, r.addressee) for r in result.recommendations]
    expected = [(g["first_words"], g["addressee"]) for g in gold["recommendations"]]
    return score(predicted, expected, prefix_only=True)


@pytest.mark.corpus
def test_guidance_gold_set(corpus_dir):
    """Long guidance and evaluation reports: two with numbered or bulleted recommendations
    (the Essex social worker recording report adds bullets run together in the text layer,
    short numbered items in a larger font and 'LAs' as addressee), and statutory guidance
    whose numbered paragraphs are not recommendations (gold list empty: it measures false
    positives). Each document must reach the goal on its own, not only the total."""
    total = _zero()
    for gold_file in sorted((GOLD / "guidance").glob("*.json")):
        gold = json.loads(gold_file.read_text(encoding="utf-8"))
        s = _gold_score(corpus_dir / "guidance" / gold["file"], gold)
        print(f"\nguidance {gold_file.stem}: {s.line()}")
        assert s.f1 >= 0.95 and s.addressee_accuracy >= 0.95, f"{gold_file.stem}: {s.line()}"
        total += s
    print(f"\nguidance gold set: {total.line()}")
    assert total.gold >= 80
    assert total.f1 >= 0.95, total.line()
    assert total.addressee_accuracy >= 0.95, total.line()


def test_seed_gold_set(tmp_path):
    """The numbered recommendations of seed 003 and implications of seed 000, as PDF and
    DOCX rendered from the seed text (nothing of their prose is kept in the repository)."""
    if not SEEDS.is_dir():
        missing(f"seed reports not found at {SEEDS}")
    totals: dict[str, Score] = defaultdict(_zero)
    for gold_file in sorted((GOLD / "seeds").glob("*.json")):
        gold = json.loads(gold_file.read_text(encoding="utf-8"))
        for fmt, path in render(SEEDS / gold["seed"], gold, tmp_path).items():
            s = _gold_score(path, gold)
            print(f"\n{gold_file.stem} {fmt}: {s.line()}")
            totals[fmt] += s
    for fmt, total in sorted(totals.items()):
        print(f"\nseed gold set {fmt}: {total.line()}")
        assert total.gold >= 30
        assert total.f1 >= 0.95, total.line()
        assert total.addressee_accuracy >= 0.95, total.line()
