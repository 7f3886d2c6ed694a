"""Addressees inferred from a report's framing (rules in ``data/ingest/framing.toml``).

Most inspection recommendations name no one: 'The quality of assessments.' The kind of
report (a joint inspection is addressed to the partnership, a local authority inspection to
the local authority) and the part of the report the item is in (the review of the
safeguarding board) say who must act. Items whose own words or heading name an addressee
keep it; the others get the framing's, with source 'framing' and the passage that framed it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from .rules import compile_pattern, load_rules
from .types import Recommendation, Section

STEP = "split_recommendations.framing"


@dataclass(frozen=True)
class Frame:
    id: str
    label: str
    pattern: re.Pattern[str]
    addressee: str
    # Reports of this kind write one recommendation per paragraph where the text layer
    # shows no bullets: only there are unmarked paragraphs taken as items.
    paragraph_items: bool = False


@dataclass(frozen=True)
class FramingRules:
    document_chars: int
    documents: tuple[Frame, ...]
    parts: tuple[Frame, ...]

    @classmethod
    def load(cls, data: dict[str, Any] | None = None) -> FramingRules:
        data = data or load_rules("framing")

        def frames(key: str) -> tuple[Frame, ...]:
            return tuple(Frame(f["id"], f["label"], compile_pattern(f["pattern"]),
                               f["addressee"], bool(f.get("paragraph_items", False)))
                         for f in data.get(key, []))

        return cls(int(data.get("document_chars", 4000)), frames("document"), frames("part"))


def _quote(text: str, start: int, end: int, width: int = 160) -> str:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start:line_end if line_end != -1 else len(text)].strip()
    return line if len(line) <= width else line[:width - 1] + "\u2026"


def document_frame(text: str, rules: FramingRules | None = None
                   ) -> tuple[Frame, str] | None:
    """The kind of report named in the opening text, with the line that names it: the
    EARLIEST phrase found, which is the report's title. A local authority inspection's
    summary may mention an earlier joint inspection ('since the last inspection, the Joint
    Targeted Area Inspection (JTAI), in April 2017'); taking the first rule that matched
    anywhere framed such reports as joint inspections (held-out Bradford 2018, Cheshire
    East 2024)."""
    rules = rules or FramingRules.load()
    opening = text[:rules.document_chars]
    found = [(m.start(), i, frame, m) for i, frame in enumerate(rules.documents)
             if (m := frame.pattern.search(opening))]
    if not found:
        return None
    _, _, frame, match = min(found, key=lambda f: (f[0], f[1]))
    return frame, _quote(text, match.start(), match.end())


def frame_addressees(text: str, sections: Sequence[Section],
                     recommendations: Sequence[Recommendation],
                     rules: FramingRules | None = None) -> tuple[Recommendation, ...]:
    rules = rules or FramingRules.load()
    document = document_frame(text, rules)
    parts = [(s.start, frame, s.title.strip()) for s in sections for frame in rules.parts
             if frame.pattern.search(s.title.strip())]
    out = []
    for rec in recommendations:
        if rec.addressee is not None:
            out.append(rec)
            continue
        part = next(((f, title) for start, f, title in reversed(parts) if start < rec.start),
                    None)
        if part is not None:
            frame, quote = part
            basis = f"from the report's framing: the item is in the part headed \u2018{quote}\u2019"
        elif document is not None:
            frame, quote = document
            basis = (f"from the report's framing: a {frame.label} (\u2018{quote}\u2019), "
                     f"section \u2018{rec.heading}\u2019")
        else:
            out.append(rec)
            continue
        out.append(replace(rec, addressee=frame.addressee, addressee_text=frame.label,
                           addressee_source="framing", addressee_basis=basis,
                           confidence=round(min(rec.confidence, 0.7), 2),
                           rule=f"{rec.rule}+framing.{frame.id}"))
    return tuple(out)
