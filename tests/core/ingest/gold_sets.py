"""The hand-made gold lists of recommendations (gold/*.json) and how one document is scored
against its list: each item on its whole span (start and end offsets into the normalised
text), addressee (explicit and inferred apart) and stated timescale. Shared by
test_golden.py and bench/bench_fidelity.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from observatory_core.ingest.scoring import SpanItem, SpanScore, score_spans
from observatory_core.ingest.types import ExtractionResult

GOLD = Path(__file__).parent / "gold"
# Only what splitting needs: the dataset draft and personal-data steps cost more than the
# splitter itself and are measured elsewhere (keeps every gold file within the time budget).
SPLIT_ONLY = ("split_findings", "draft_dataset", "flag_personal_data",
              "flag_personal_data_model")
HELD_OUT = GOLD / "held_out.txt"


@dataclass(frozen=True)
class GoldFile:
    name: str
    family: str  # SIF | JTAI | ILACS
    file: str  # the report's file name in ../shared/corpus/inspections
    held_out: bool
    items: tuple[SpanItem, ...]


def held_out_names() -> frozenset[str]:
    lines = HELD_OUT.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def inspection_gold() -> Iterator[GoldFile]:
    held = held_out_names()
    for path in sorted(GOLD.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        items = tuple(SpanItem(g["start"], g["end"], g.get("addressee"),
                               g.get("addressee_source"), g.get("timescale"))
                      for g in data["recommendations"])
        yield GoldFile(path.stem, data["family"], data["file"], data["file"] in held, items)


def predicted_items(result: ExtractionResult) -> list[SpanItem]:
    return [SpanItem(r.start, r.end, r.addressee, r.addressee_source, r.timescale)
            for r in result.recommendations]


def score_result(result: ExtractionResult, gold: GoldFile) -> SpanScore:
    return score_spans(result.text, predicted_items(result), gold.items)
