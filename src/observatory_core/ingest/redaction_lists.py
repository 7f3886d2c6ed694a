"""The "never flag" (allow) and "always flag" (deny) lists of personal data, as data: the
shipped ones in ``data/ingest/redaction_lists.toml`` plus an installation's own (given by
the caller, e.g. from the database). Applied to machine flags before they are stored.

Why: the model flags organisations, places and programmes as people ("Cafcass",
"Yorkshire", "Personal Education [Plans]"), and a name known to be in a review should be
flagged even where the model misses it."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .rules import load_rules
from .text import page_at
from .types import Page, PersonalDataFlag

RULE = "redaction_lists.deny"


@dataclass(frozen=True)
class Lists:
    allow: tuple[str, ...] = ()
    deny: tuple[tuple[str, str], ...] = ()  # (kind, text)
    _allow_keys: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    def merged(self, allow: Iterable[str] = (), deny: Iterable[tuple[str, str]] = ()) -> Lists:
        return make_lists([*self.allow, *allow], [*self.deny, *deny])


def _norm(value: str) -> str:
    return " ".join(re.sub(r"[\u2019']s$", "", value.strip(" .,;:'\u2019")).split()).casefold()


def make_lists(allow: Iterable[str], deny: Iterable[tuple[str, str]]) -> Lists:
    allow = tuple(dict.fromkeys(a for a in allow if a.strip()))
    deny = tuple(dict.fromkeys((k, t) for k, t in deny if len(t.strip()) >= 2))
    return Lists(allow, deny, frozenset(_norm(a) for a in allow))


@functools.cache
def shipped() -> Lists:
    data = load_rules("redaction_lists")
    allow = [w for words in data.get("allow", {}).values() for w in words]
    deny = [(kind, t) for kind, texts in data.get("deny", {}).items() for t in texts]
    return make_lists(allow, deny)


@functools.cache
def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    return re.compile("|".join(rf"(?<![\w-]){re.escape(p)}(?![\w-])"
                               for p in sorted(phrases, key=len, reverse=True)), re.I)


def allowed_spans(text: str, lists: Lists) -> list[tuple[int, int]]:
    pattern = _pattern(lists.allow)
    return [(m.start(), m.end()) for m in pattern.finditer(text)] if pattern else []


def apply_lists(text: str, pages: Sequence[Page], flags: Sequence[PersonalDataFlag],
                lists: Lists | None = None) -> tuple[PersonalDataFlag, ...]:
    """``flags`` without those the allow list excuses (the flag's words are an entry, or lie
    inside an entry's occurrence), plus a flag for every occurrence of a deny entry not
    already covered."""
    lists = lists or shipped()
    spans = allowed_spans(text, lists)
    kept = [f for f in flags
            if _norm(f.text) not in lists._allow_keys
            and not any(a <= f.start and f.end <= b for a, b in spans)]
    taken = [(f.start, f.end) for f in kept]
    for kind, value in lists.deny:
        for m in re.finditer(rf"(?<![\w-]){re.escape(value)}(?![\w-])", text, re.I):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            kept.append(PersonalDataFlag(kind=kind, text=m.group(0),
                                         page=page_at(pages, m.start()), start=m.start(),
                                         end=m.end(), rule=RULE, confidence=1.0))
    kept.sort(key=lambda f: f.start)
    return tuple(kept)
