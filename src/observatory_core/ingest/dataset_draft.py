"""A first, rule-based draft of the minimum dataset from a report's text
(``data/ingest/dataset.toml``). Each value is a ``DatasetSuggestion`` with a confidence and
the passage it was read from; a person confirms, corrects or rejects it later."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from ..dataset import age_band_for
from ..vocab import load_vocabularies
from .rules import compile_pattern, load_rules
from .text import page_at
from .types import DatasetSuggestion, Page, Passage, Section

STEP = "draft_dataset"
_NUMBERS = {w: i for i, w in enumerate(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
     "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
     "eighteen"])}
_MONTHS_PER = {"year": 12.0, "month": 1.0, "week": 12 / 52.0, "day": 12 / 365.0}
# Sections where the child and the incident are described, read first.
_OPENING = ("introduction", "family_background", None)


def _suggest(field: str, value: object, confidence: float, text: str, pages: Sequence[Page],
             start: int, end: int, rule: str) -> DatasetSuggestion:
    return DatasetSuggestion(field=field, value=value, confidence=round(confidence, 2),
                             page=page_at(pages, start), start=start, end=end,
                             rule=f"{STEP}.{rule}", quote=text[start:end][:160])


def _opening_text_end(text: str, sections: Sequence[Section]) -> int:
    """Where the report's opening (front matter, introduction, background) ends."""
    for s in sections:
        if s.kind not in _OPENING and s.level <= 2 and s.start > 0:
            return max(s.start, min(len(text), 6000))
    return min(len(text), 12000)


def _age_ranges(text: str) -> list[tuple[int, int]]:
    """Spans of age ranges ("between seven and 15 years old"): about a group, not the child."""
    return [(m.start(), m.end()) for pattern in load_rules("dataset")["age"].get("ranges", [])
            for m in compile_pattern(pattern).finditer(text)]


def _first_single_age(pattern: str, text: str, limit: int,
                      ranges: Sequence[tuple[int, int]]) -> re.Match[str] | None:
    """The first match in the opening (else anywhere) that is not part of an age range."""
    def single(m: re.Match[str]) -> bool:
        return not any(a < m.end() and m.start() < b for a, b in ranges)

    matches = [m for m in compile_pattern(pattern).finditer(text) if single(m)]
    opening = [m for m in matches if m.start() < limit]
    return (opening or matches or [None])[0]


def _number(raw: str) -> int:
    raw = raw.lower()
    return int(raw) if raw.isdigit() else _NUMBERS.get(raw, 0)


def _age(text: str, pages: Sequence[Page], limit: int) -> list[DatasetSuggestion]:
    rules = load_rules("dataset")["age"]["patterns"]
    bands = load_vocabularies()["age_band"]
    ranges = _age_ranges(text)
    for i, pattern in enumerate(rules):
        match = _first_single_age(pattern, text, limit, ranges)
        if not match:
            continue
        n = _number(match.group("n"))
        unit = match.groupdict().get("unit") or "year"
        months = int(n * _MONTHS_PER[unit.lower()])
        if match.groupdict().get("n2"):  # '1 year 9 months': both parts
            months = n * 12 + _number(match.group("n2"))
        confidence = 0.8 if match.start() < limit else 0.5
        out = [_suggest("child_age_months", months, confidence, text, pages, match.start(),
                        match.end(), f"age[{i}]")]
        band = age_band_for(months, bands)
        if band:
            out.append(_suggest("age_band", band, confidence, text, pages, match.start(),
                                match.end(), f"age[{i}].band"))
        return out
    return []


def _first(text: str, patterns: Sequence[str], limit: int) -> re.Match[str] | None:
    best: re.Match[str] | None = None
    for pattern in patterns:
        match = compile_pattern(pattern).search(text, 0, limit)
        if match and (best is None or match.start() < best.start()):
            best = match
    return best


def _choice(field: str, table: dict[str, list[str]], text: str, pages: Sequence[Page],
            limit: int) -> list[DatasetSuggestion]:
    """One value: the code whose pattern appears first in the opening of the report."""
    hits = [(m, code) for code, pats in table.items() if (m := _first(text, pats, limit))]
    if not hits:
        return []
    match, code = min(hits, key=lambda h: h[0].start())
    priority = load_rules("dataset").get("choice_priority", {}).get(field, [])
    found = {c: m for m, c in hits}
    ranked = [c for c in priority if c in found]
    if ranked:  # a death outranks serious harm mentioned before it
        code = ranked[0]
        match = found[code]
    return [_suggest(field, code, 0.7 if len(hits) == 1 else 0.55, text, pages, match.start(),
                     match.end(), f"{field}.{code}")]


def _many(field: str, table: dict[str, list[str]], text: str, pages: Sequence[Page],
          minimum: int = 2) -> list[DatasetSuggestion]:
    """Every code mentioned at least ``minimum`` times, with its first mention as evidence."""
    out = []
    for code, patterns in table.items():
        matches = [m for p in patterns for m in compile_pattern(p).finditer(text)]
        if len(matches) < minimum:
            continue
        first = min(matches, key=lambda m: m.start())
        confidence = min(0.9, 0.4 + 0.1 * len(matches))
        out.append(_suggest(field, code, confidence, text, pages, first.start(), first.end(),
                            f"{field}.{code}"))
    return out


def _agencies(text: str, pages: Sequence[Page]) -> list[DatasetSuggestion]:
    from .agencies import default_resolver

    seen: dict[str, list[tuple[int, int]]] = {}
    for match in default_resolver().find_all(text):
        if not match.generic:
            seen.setdefault(match.code, []).append((match.start, match.end))
    return [_suggest("agencies", code, min(0.9, 0.4 + 0.1 * len(spans)), text, pages,
                     spans[0][0], spans[0][1], f"agencies.{code}")
            for code, spans in sorted(seen.items()) if len(spans) >= 2]


def _dates(text: str, pages: Sequence[Page]) -> list[DatasetSuggestion]:
    out = []
    for field, patterns in load_rules("dataset")["dates"].items():
        match = _first(text, patterns, len(text))
        if not match:
            continue
        raw = match.group("date")
        value = _iso(raw)
        if value:
            out.append(_suggest(field, value, 0.7 if len(value) == 10 else 0.5, text, pages,
                                match.start("date"), match.end("date"), f"dates.{field}"))
    return out


def _iso(raw: str) -> str | None:
    for fmt, width in (("%d %B %Y", 10), ("%B %Y", 7)):
        try:
            return datetime.strptime(raw, fmt).date().isoformat()[:width]
        except ValueError:
            continue
    return None


def _sex_from_pronouns(text: str, pages: Sequence[Page], limit: int
                       ) -> list[DatasetSuggestion]:
    """The child's sex from the opening's pronouns when nothing names it ('his' used
    throughout), only when one side clearly outnumbers the other."""
    rules = load_rules("dataset").get("sex_pronouns")
    if not rules:
        return []
    found = {code: list(compile_pattern(rules[code]).finditer(text, 0, limit))
             for code in ("male", "female")}
    for code, other in (("male", "female"), ("female", "male")):
        mine, theirs = found[code], found[other]
        if len(mine) >= rules["minimum"] and len(mine) >= rules["ratio"] * max(1, len(theirs)):
            return [_suggest("child_sex", code, 0.5, text, pages, mine[0].start(),
                             mine[0].end(), f"child_sex.pronouns.{code}")]
    return []


def draft_dataset(text: str, pages: Sequence[Page], passages: Sequence[Passage],
                  sections: Sequence[Section]) -> tuple[DatasetSuggestion, ...]:
    rules = load_rules("dataset")
    limit = _opening_text_end(text, sections)
    out: list[DatasetSuggestion] = []
    out += _age(text, pages, limit)
    sex = _choice("child_sex", rules["sex"], text, pages, limit)
    out += sex or _sex_from_pronouns(text, pages, limit)
    out += _choice("outcome", rules["outcome"], text, pages, limit)
    out += _many("abuse_categories", rules["abuse_category"], text, pages)
    out += _many("family_characteristics", rules["family_characteristic"], text, pages)
    out += _agencies(text, pages)
    out += _choice("review_method", rules["review_method"], text, pages, len(text))
    out += _dates(text, pages)
    return tuple(out)
