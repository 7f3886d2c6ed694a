"""The hand-labelled personal-data sample and its scoring, shared by the tests and
bench/bench_personal_data.py.

Gold items are (kind, text); every whole-word occurrence of a text in the document is a gold
span (longest texts first, occurrences inside an earlier span skipped). A gold span is found
when any flag overlaps it (whatever its kind: it is redacted either way); a flag is right
when it overlaps a gold span. Figures are per kind, for rules alone and rules + model.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from observatory_core.ingest import extract
from observatory_core.ingest.types import PersonalDataFlag

GOLD = Path(__file__).parent / "gold" / "personal_data" / "coroners.json"
INSPECTIONS = Path(__file__).parent / "gold" / "personal_data" / "inspections.json"
CORONERS_FIELDS = ("coroner", "area", "receiver", "investigation", "circumstances", "concerns")


@dataclass
class Sample:
    name: str
    text: str
    gold: list[tuple[str, int, int]]  # kind, start, end
    rules: list[PersonalDataFlag]
    model: list[PersonalDataFlag]


def gold_spans(text: str, items: Iterable[tuple[str, str]]) -> list[tuple[str, int, int]]:
    spans: list[tuple[str, int, int]] = []
    for kind, value in sorted(items, key=lambda item: -len(item[1])):
        for m in re.finditer(rf"(?<![\w-]){re.escape(value)}(?![\w-])", text):
            if not any(s < m.end() and m.start() < e for _, s, e in spans):
                spans.append((kind, m.start(), m.end()))
    return spans


def split(flags: Sequence[PersonalDataFlag]) -> tuple[list[PersonalDataFlag],
                                                      list[PersonalDataFlag]]:
    rules = [f for f in flags if not f.rule.startswith("flag_personal_data_model")]
    return rules, [f for f in flags if f.rule.startswith("flag_personal_data_model")]


def coroners_samples(corpus: Path) -> list[Sample]:
    csv.field_size_limit(10**9)
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    with (corpus / "coroners-pfd" / "child_suicide_cases.csv").open(encoding="utf-8") as f:
        rows = {row["id"]: row for row in csv.DictReader(f)}
    samples = []
    for doc in gold["documents"]:
        row = rows[doc["id"]]
        body = "\n\n".join(f"{field.capitalize()}: {row[field]}" for field in CORONERS_FIELDS)
        result = extract(body.encode("utf-8"), f"pfd-{doc['id']}.txt")
        rules, model = split(result.personal_data)
        samples.append(Sample(doc["id"], result.text,
                              gold_spans(result.text, [tuple(i) for i in doc["items"]]),
                              rules, model))
    return samples


def coroners_held_out() -> set[str]:
    """The coroners' reports kept aside while the flagger was tuned (reported apart)."""
    return set(json.loads(INSPECTIONS.read_text(encoding="utf-8"))["coroners_held_out"])


def inspection_samples(corpus: Path, held_out: bool) -> list[Sample]:
    """Real Ofsted inspections labelled by hand (people only: organisations, places,
    programmes and headings are not personal data); ``held_out``: those kept aside."""
    gold = json.loads(INSPECTIONS.read_text(encoding="utf-8"))
    samples = []
    for doc in gold["documents"]:
        if doc["held_out"] != held_out:
            continue
        result = extract(corpus / "inspections" / doc["file"])
        rules, model = split(result.personal_data)
        samples.append(Sample(doc["file"][:40], result.text,
                              gold_spans(result.text, [tuple(i) for i in doc["items"]]),
                              rules, model))
    return samples


def with_lists(samples: Sequence[Sample]) -> list[Sample]:
    """The samples' flags after the shipped allow/deny lists, as ingestion stores them."""
    from observatory_core.ingest.redaction_lists import apply_lists

    out = []
    for s in samples:
        pages: list = []
        kept = apply_lists(s.text, pages, [*s.rules, *s.model])
        rules, model = split(kept)
        out.append(Sample(s.name, s.text, s.gold, rules, model))
    return out


def demo_samples(files: Iterable[tuple[object, Path]]) -> list[Sample]:
    samples = []
    for doc, path in files:
        result = extract(path)
        rules, model = split(result.personal_data)
        samples.append(Sample(path.name, result.text,
                              gold_spans(result.text, doc.personal_data),  # type: ignore[attr-defined]
                              rules, model))
    return samples


def score(samples: Sequence[Sample], with_model: bool) -> dict[str, dict[str, float]]:
    """{kind: {gold, found, recall, flags, right, precision}} plus 'all'."""
    gold_n: Counter[str] = Counter()
    found: Counter[str] = Counter()
    flags_n: Counter[str] = Counter()
    right: Counter[str] = Counter()
    for s in samples:
        flags = s.rules + (s.model if with_model else [])
        for kind, start, end in s.gold:
            gold_n[kind] += 1
            found[kind] += any(f.start < end and start < f.end for f in flags)
        for f in flags:
            flags_n[f.kind] += 1
            right[f.kind] += any(start < f.end and f.start < end for _, start, end in s.gold)
    out: dict[str, dict[str, float]] = {}
    for kind in sorted(set(gold_n) | set(flags_n)) + ["all"]:
        g = sum(gold_n.values()) if kind == "all" else gold_n[kind]
        fd = sum(found.values()) if kind == "all" else found[kind]
        n = sum(flags_n.values()) if kind == "all" else flags_n[kind]
        r = sum(right.values()) if kind == "all" else right[kind]
        out[kind] = {"gold": g, "found": fd, "recall": fd / g if g else float("nan"),
                     "flags": n, "right": r, "precision": r / n if n else float("nan")}
    return out


def table(title: str, samples: Sequence[Sample]) -> str:
    lines = [title, f"{'kind':<15} {'gold':>5} | {'rules R':>8} {'rules P':>8} | "
                    f"{'+model R':>8} {'+model P':>8}"]
    rules, both = score(samples, False), score(samples, True)
    for kind in both:
        a, b = rules.get(kind, {}), both[kind]

        def fmt(v: float | None) -> str:
            return "   -    " if v is None or v != v else f"{v:8.3f}"

        lines.append(f"{kind:<15} {int(b['gold']):>5} | {fmt(a.get('recall'))} "
                     f"{fmt(a.get('precision'))} | {fmt(b['recall'])} {fmt(b['precision'])}")
    return "\n".join(lines)
