"""Flag identifiers for redaction by rules written as data (``data/ingest/personal_data.toml``):
postcodes, NHS numbers (with their check digit), UK phone numbers, dates of birth, titles
before capitalised names, named schools, e-mail and street addresses. Pseudonyms such as
'Child X', 'Mr B' or 'Sibling 1' are not flagged. A named-entity model comes later."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .rules import compile_pattern, load_rules
from .text import page_at
from .types import Page, PersonalDataFlag, Span

STEP = "flag_personal_data"


def nhs_check_digit(value: str) -> bool:
    digits = [int(c) for c in value if c.isdigit()]
    if len(digits) != 10:
        return False
    check = 11 - sum(d * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    check = 0 if check == 11 else check
    return check != 10 and check == digits[9]


def uk_phone(value: str) -> bool:
    digits = re.sub(r"\D", "", value)
    if digits.startswith("44"):
        digits = "0" + digits[2:].lstrip("0")
    return len(digits) in (10, 11) and digits.startswith("0") and digits[1] in "123578"


VALIDATORS: dict[str, Callable[[str], bool]] = {"nhs_check_digit": nhs_check_digit,
                                                "uk_phone": uk_phone}


@dataclass(frozen=True)
class PdRule:
    id: str
    kind: str
    pattern: re.Pattern[str]
    validator: Callable[[str], bool] | None
    confidence: float


@functools.cache
def load_pd_rules() -> tuple[tuple[PdRule, ...], tuple[re.Pattern[str], ...],
                             tuple[re.Pattern[str], ...]]:
    data: dict[str, Any] = load_rules("personal_data")
    rules = tuple(PdRule(
        id=r["id"], kind=r["kind"],
        pattern=compile_pattern(r["pattern"], 0 if r.get("flags") == "case" else re.IGNORECASE),
        validator=VALIDATORS[r["validator"]] if r.get("validator") else None,
        confidence=float(r.get("confidence", 0.8))) for r in data["rules"])
    pseudonyms = tuple(compile_pattern(p, 0) for p in data["pseudonyms"]["patterns"])
    not_school = tuple(compile_pattern(p, 0) for p in data["pseudonyms"].get("not_school", []))
    return rules, pseudonyms, not_school


def _inside(spans: Sequence[Span], start: int, end: int) -> bool:
    return any(s.start <= start and end <= s.end for s in spans)


def flag_personal_data(text: str, pages: Sequence[Page],
                       furniture: Sequence[Span] = ()) -> tuple[PersonalDataFlag, ...]:
    rules, pseudonyms, not_school = load_pd_rules()
    found: list[PersonalDataFlag] = []
    taken: list[tuple[int, int]] = []
    for rule in rules:
        for match in rule.pattern.finditer(text):
            group = "value" if "value" in rule.pattern.groupindex else 0
            value, start, end = match.group(group), match.start(group), match.end(group)
            stripped = value.rstrip(" -,.")
            value, end = stripped, start + len(stripped)
            if rule.validator and not rule.validator(value):
                continue
            if rule.kind == "person_name" and any(p.search(value) for p in pseudonyms):
                continue
            if rule.kind == "school" and any(p.search(value) for p in not_school):
                continue
            if any(s < end and start < e for s, e in taken) or _inside(furniture, start, end):
                continue
            taken.append((start, end))
            found.append(PersonalDataFlag(kind=rule.kind, text=value, page=page_at(pages, start),
                                          start=start, end=end, rule=f"{STEP}.{rule.id}",
                                          confidence=rule.confidence))
    found.sort(key=lambda f: f.start)
    return tuple(found)
