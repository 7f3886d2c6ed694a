"""Controlled lists (vocabularies) as data files.

Each vocabulary is one TOML file under ``data/vocab/``: a key, a label, whether a review may
hold several terms, the source the list is taken from, and its terms. The files are the
version-controlled defaults; the web app copies them into the database, where an
administrator can edit them.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .datafiles import VocabularyFile, shape_problems

DATA_DIR = Path(__file__).parent / "data"
VOCAB_DIR = DATA_DIR / "vocab"


class VocabularyError(ValueError):
    """A vocabulary file is malformed; the message names the file and every problem."""


@dataclass(frozen=True)
class Term:
    code: str
    label: str
    description: str = ""
    source: str = ""
    order: int = 0
    # Extra attributes some lists need, e.g. an age band's bounds in months or whether a
    # document kind is confidential. Kept as plain data so new lists need no code.
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Vocabulary:
    key: str
    label: str
    source: str
    multiple: bool
    terms: tuple[Term, ...]
    description: str = ""

    def codes(self) -> list[str]:
        return [t.code for t in self.terms]

    def get(self, code: str) -> Term | None:
        return next((t for t in self.terms if t.code == code), None)

    def lookup(self, value: str) -> Term | None:
        """Find a term by code or label, ignoring case and surrounding spaces."""
        wanted = value.strip().casefold()
        for term in self.terms:
            if wanted in (term.code.casefold(), term.label.casefold()):
                return term
        return None


_REQUIRED = ("key", "label", "source", "terms")


def parse_vocabulary(data: Mapping[str, Any], origin: str) -> Vocabulary:
    problems = [f"missing '{k}'" for k in _REQUIRED if k not in data]
    terms: list[Term] = []
    seen: set[str] = set()
    for i, raw in enumerate(data.get("terms", []), start=1):
        code, label = raw.get("code"), raw.get("label")
        if not code or not label:
            problems.append(f"term {i}: needs both 'code' and 'label'")
            continue
        if code in seen:
            problems.append(f"term {i}: duplicate code '{code}'")
            continue
        seen.add(code)
        attributes = {
            k: v for k, v in raw.items() if k not in {"code", "label", "description", "source"}
        }
        terms.append(
            Term(
                code=str(code),
                label=str(label),
                description=str(raw.get("description", "")),
                source=str(raw.get("source", "")),
                order=i,
                attributes=attributes,
            )
        )
    if "terms" in data and not terms and not problems:
        problems.append("no terms")
    if problems:
        raise VocabularyError(f"{origin}: " + "; ".join(problems))
    return Vocabulary(
        key=str(data["key"]),
        label=str(data["label"]),
        source=str(data["source"]),
        multiple=bool(data.get("multiple", False)),
        description=str(data.get("description", "")),
        terms=tuple(terms),
    )


def load_vocabulary_file(path: Path) -> Vocabulary:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise VocabularyError(f"{path.name}: cannot be read as TOML ({exc})") from exc
    # The file's shape first (datafiles.py): an unknown top-level key or a wrong type is
    # named with the problems parse_vocabulary finds.
    shape = [p for p in shape_problems(VocabularyFile, data) if not p.endswith("required")]
    try:
        vocabulary = parse_vocabulary(data, path.name)
    except VocabularyError as exc:
        raise VocabularyError("; ".join([str(exc), *shape])) from None
    if shape:
        raise VocabularyError(f"{path.name}: " + "; ".join(shape))
    return vocabulary


def load_vocabularies(directory: Path | None = None) -> dict[str, Vocabulary]:
    """Load every ``*.toml`` vocabulary in ``directory`` (the shipped defaults by default)."""
    vocabularies: dict[str, Vocabulary] = {}
    for path in sorted((directory or VOCAB_DIR).glob("*.toml")):
        vocab = load_vocabulary_file(path)
        if vocab.key in vocabularies:
            raise VocabularyError(f"{path.name}: vocabulary key '{vocab.key}' defined twice")
        vocabularies[vocab.key] = vocab
    return vocabularies


def codes_of(vocab: Vocabulary, values: Iterable[str]) -> tuple[list[str], list[str]]:
    """Map labels or codes to codes; return (codes, values not recognised)."""
    found, unknown = [], []
    for value in values:
        term = vocab.lookup(value)
        (found if term else unknown).append(term.code if term else value)
    return found, unknown
