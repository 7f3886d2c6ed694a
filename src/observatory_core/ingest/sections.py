"""Find headings and the sections they open, by rules written as data
(``data/ingest/sections.toml``) plus layout cues: the format's own heading styles, a font
larger than the body text, bold, heading-style numbering and short all-capitals lines.
Headings that match no rule are kept with ``kind=None``."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .rules import compile_pattern, load_rules
from .types import Passage, Section


@dataclass(frozen=True)
class HeadingRules:
    kinds: tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]
    numbering: tuple[re.Pattern[str], ...]
    not_heading: tuple[re.Pattern[str], ...]
    max_chars: int
    max_words: int
    larger_by: float
    adopting: frozenset[str] = frozenset()

    @classmethod
    def load(cls, data: dict[str, Any] | None = None) -> HeadingRules:
        data = data or load_rules("sections")
        layout = data.get("layout", {})
        return cls(
            kinds=tuple((k["key"], tuple(compile_pattern("^(?:" + p + ")")
                                         for p in k["patterns"])) for k in data["kinds"]),
            numbering=tuple(compile_pattern(p, 0) for p in layout.get("numbering", [])),
            not_heading=tuple(compile_pattern(p) for p in layout.get("not_heading", [])),
            max_chars=int(layout.get("max_heading_chars", 120)),
            max_words=int(layout.get("max_heading_words", 14)),
            larger_by=float(layout.get("larger_by", 0.9)),
            adopting=frozenset(layout.get("adopt_subheadings", [])),
        )


def strip_numbering(title: str, rules: HeadingRules) -> tuple[str, str | None]:
    """('Recommendations', '7') from '7. Recommendations'; the number is None if absent."""
    for pattern in rules.numbering:
        match = pattern.match(title)
        if match and match.end() < len(title):
            return title[match.end():].strip(" :.-\u2013\u2014"), match.group("num")
    return title, None


def classify(title: str, rules: HeadingRules) -> tuple[str | None, str]:
    """The canonical kind of a heading (or None) and the id of the rule that decided it."""
    bare, number = strip_numbering(title.strip(), rules)
    if number and number.split()[0].lower() in ("appendix", "annex"):
        return "appendices", "sections.appendix_number"
    bare = re.sub(r"^(?:Finding|Theme)\s+\d+\s*[:.\-\u2013]\s*", "Finding: ", bare)
    for key, patterns in rules.kinds:
        for i, pattern in enumerate(patterns):
            if pattern.match(bare):
                return key, f"sections.{key}[{i}]"
    return None, "sections.unrecognised"


def _looks_like_heading(p: Passage, text: str, body: float | None, rules: HeadingRules,
                        sizes: Sequence[float], has_layout: bool) -> int | None:
    """The heading level of a passage by layout cues, or None if it is not a heading."""
    if p.kind in ("table_row", "title") or not text or "\n" in text:
        return None
    if len(text) > rules.max_chars or len(text.split()) > rules.max_words:
        return None
    if text.rstrip().endswith((".", ",", ";")) and not re.search(r"\d\.$", text):
        return None
    if any(pattern.match(text) for pattern in rules.not_heading):
        return None
    if p.style_level:
        return p.style_level
    letters = [c for c in text if c.isalpha()]
    larger = body is not None and p.font_size is not None and p.font_size >= body + rules.larger_by
    if larger:
        assert p.font_size is not None
        return 1 + sum(1 for s in sizes if s > p.font_size + 0.2)
    numbered = strip_numbering(text, rules)[1]
    if p.bold:
        return 1 + len(sizes) + (1 if numbered and "." in numbered else 0)
    if len(letters) >= 4 and text.upper() == text and len(text.split()) <= 10:
        return 1 + len(sizes)
    if not has_layout and p.kind in ("paragraph", "list_item") and text[:1].isalpha() and (
            len(text.split()) <= 8) and not text.endswith(":"):
        # No layout cues at all (plain text): a short line that names a known section is a
        # heading; another short title-like line (an agency's name, say) a sub-heading.
        if re.match(r"^(?:Finding|Theme|Lesson)\s+\d", text):
            return 2
        if classify(text, rules)[0] is not None:
            return 1 + (1 if numbered and "." in numbered.strip(".") else 0)
        if len(text.split()) <= 5 and text[:1].isupper() and not text.endswith("?"):
            return 2
    return None


def _adopt_subheadings(heads: list[tuple[int, int]], passages: Sequence[Passage], text: str,
                       rules: HeadingRules) -> list[tuple[int, int]]:
    """A recognised heading with nothing under it but another heading set the same way
    ('Areas for improvement' straight followed by 'Leadership and management' in joint
    inspection letters, both 12 pt bold) heads the unrecognised headings that follow at
    its level: they become its sub-sections, up to the next recognised heading (such as
    'Case study: areas for improvement') or a higher one. Without this the list under
    them belongs to no recommendations section (issue 13: Milton Keynes, Central
    Bedfordshire and Croydon joint inspections gave no items)."""
    out = list(heads)
    kinds = [classify(text[passages[pos].start:passages[pos].end].strip(), rules)[0]
             for pos, _ in heads]
    for n, (pos, level) in enumerate(heads):
        if kinds[n] not in rules.adopting or n + 1 >= len(heads) or heads[n + 1][0] != pos + 1:
            continue
        for m in range(n + 1, len(heads)):
            later_level = heads[m][1]
            if kinds[m] is not None or later_level < level:
                break
            if later_level == level:
                out[m] = (heads[m][0], level + 1)
    return out


def find_sections(text: str, passages: Sequence[Passage], body_font_size: float | None,
                  rules: HeadingRules | None = None
                  ) -> tuple[tuple[Section, ...], tuple[Passage, ...], tuple[int | None, ...]]:
    """Sections, the passages with ``section_index`` set (headings get kind 'heading'), and
    each section's parent section index."""
    rules = rules or HeadingRules.load()
    sizes = sorted({round(p.font_size, 1) for p in passages if p.font_size and body_font_size
                    and p.font_size >= body_font_size + rules.larger_by
                    and len(text[p.start:p.end]) <= rules.max_chars}, reverse=True)
    heads: list[tuple[int, int]] = []  # (passage position, level)
    has_layout = any(p.font_size or p.style_level is not None or p.bold for p in passages)
    for pos, p in enumerate(passages):
        level = _looks_like_heading(p, text[p.start:p.end].strip(), body_font_size, rules,
                                    sizes, has_layout)
        if level is not None:
            heads.append((pos, level))
    heads = _adopt_subheadings(heads, passages, text, rules)
    sections: list[Section] = []
    parents: list[int | None] = []
    stack: list[tuple[int, int]] = []  # (section index, level)
    for n, (pos, level) in enumerate(heads):
        p = passages[pos]
        title = text[p.start:p.end].strip()
        kind, rule = classify(title, rules)
        end = len(text)
        for later_pos, later_level in heads[n + 1:]:
            if later_level <= level:
                end = passages[later_pos].start
                break
        while stack and stack[-1][1] >= level:
            stack.pop()
        parents.append(stack[-1][0] if stack else None)
        stack.append((len(sections), level))
        sections.append(Section(title=title, kind=kind, level=level, page=p.page,
                                start=p.start, end=end, rule=rule))
    heading_at = {pos: i for i, (pos, _) in enumerate(heads)}
    out: list[Passage] = []
    current: int | None = None
    for pos, p in enumerate(passages):
        if pos in heading_at:
            current = heading_at[pos]
            out.append(dataclasses.replace(p, kind="heading", section_index=current))
        else:
            out.append(dataclasses.replace(p, section_index=current))
    return tuple(sections), tuple(out), tuple(parents)


def effective_kind(index: int | None, sections: Sequence[Section],
                   parents: Sequence[int | None]) -> str | None:
    """The kind of a section, or of its nearest recognised ancestor."""
    while index is not None:
        if sections[index].kind:
            return sections[index].kind
        index = parents[index]
    return None
