"""Normalise an addressee ('The LSCB should...', a heading 'Police', '(Health)') to a code of
the agency vocabulary (``data/vocab/agency.toml``: label and ``aliases`` of each term) plus
the extra names in ``data/ingest/recommendations.toml``."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from ..vocab import Vocabulary, load_vocabularies
from .rules import load_rules

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'"})


@dataclass(frozen=True)
class AgencyMatch:
    code: str
    text: str
    start: int
    end: int
    generic: bool  # matched only a loose name such as 'health'


class AgencyResolver:
    def __init__(self, vocabulary: Vocabulary, extra: dict[str, list[str]]) -> None:
        names: dict[str, str] = {}
        for term in vocabulary.terms:
            if term.code == "other":
                continue
            for name in [term.label, *[str(a) for a in term.attributes.get("aliases", [])]]:
                names.setdefault(self._key(name), term.code)
        self.generic = {self._key(n) for n in extra.get("health_commissioner", [])[:1]}
        for code, extra_names in extra.items():
            if vocabulary.get(code) is None:
                continue
            for name in extra_names:
                names[self._key(name)] = code
        self.names = names
        ordered = sorted(names, key=len, reverse=True)
        acronyms = [n for n in ordered if n.isupper() and len(n) <= 5]
        words = [n for n in ordered if n not in acronyms]
        parts = [re.escape(n).replace("'", "['\u2019]") + r"s?" for n in words]
        self.pattern = re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])",
                                  re.IGNORECASE)
        self.acronyms = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, acronyms))
                                   + r")s?(?![\w-])") if acronyms else None

    @staticmethod
    def _key(name: str) -> str:
        name = " ".join(name.translate(_QUOTES).split())
        return name if (name.isupper() and len(name) <= 5) else name.casefold()

    def _code(self, text: str) -> str | None:
        key = self._key(text)
        if key in self.names:
            return self.names[key]
        folded = key.casefold()
        if folded.endswith("s") and folded[:-1] in self.names:
            return self.names[folded[:-1]]
        return self.names.get(folded)

    def find_all(self, text: str) -> list[AgencyMatch]:
        found: list[AgencyMatch] = []
        for pattern in filter(None, (self.pattern, self.acronyms)):
            for m in pattern.finditer(text):
                code = self._code(m.group(0))
                if code:
                    found.append(AgencyMatch(code, m.group(0), m.start(), m.end(),
                                             self._key(m.group(0)) in self.generic))
        found.sort(key=lambda a: (a.start, -(a.end - a.start)))
        out: list[AgencyMatch] = []
        for match in found:
            if out and match.start < out[-1].end:
                continue
            out.append(match)
        return out

    def near(self, phrase: str) -> AgencyMatch | None:
        """An agency whose name is one typing or OCR slip away from ``phrase`` (at least six
        letters; one character changed, added or dropped)."""
        bare = re.sub(r"^(?:the|all|each)\s+", "", phrase.strip(), flags=re.IGNORECASE)
        key = self._key(bare).casefold()
        if len(key) < 6 or len(key) > 60:
            return None
        for name, code in self.names.items():
            if abs(len(name) - len(key)) <= 1 and _one_edit(name.casefold(), key):
                return AgencyMatch(code, bare, 0, len(phrase), name in self.generic)
        return None

    def whole(self, text: str) -> AgencyMatch | None:
        """The agency a short text (a heading, a table cell, '(Health)') names as a whole."""
        bare = re.sub(r"^(?:the|all|for|to)\s+", "", text.strip(" ()[]:.-\u2013\u2014*\t"),
                      flags=re.IGNORECASE).strip()
        bare = re.sub(r"^recommendations?\s+(?:for|to)\s+(?:the\s+)?", "", bare, flags=re.I)
        if not bare or len(bare) > 90:
            return None
        code = self._code(bare)
        if code:
            return AgencyMatch(code, bare, 0, len(text), self._key(bare) in self.generic)
        matches = self.find_all(bare)
        if matches and (matches[0].end - matches[0].start) >= 0.5 * len(bare):
            return matches[0]
        return None


def _one_edit(a: str, b: str) -> bool:
    if a == b:
        return True
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    if len(a) > len(b):
        a, b = b, a
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a))
    return a[i:] == b[i + 1:]


@functools.cache
def default_resolver() -> AgencyResolver:
    rules = load_rules("recommendations")
    return AgencyResolver(load_vocabularies()["agency"],
                          dict(rules.get("addressee", {}).get("extra", {})))
