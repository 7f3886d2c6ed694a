"""Codebooks as data: hierarchical, versioned, each citing its source.

A codebook file (``data/codebooks/*.toml``) has ``key``, ``name``, ``version``, ``source`` and
either ``[[codes]]`` (``id``, ``name``, optional ``parent``, ``description``, ``source``,
``keywords``, ``patterns``, ``examples``) or ``vocabulary = "<controlled list>"``, which turns
the terms of ``data/vocab/<list>.toml`` into codes (label -> name, aliases -> keywords) so the
list is reused, never duplicated. :func:`validate` lists every problem at once; loading
refuses a codebook with any problem (:class:`CodebookError`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..datafiles import CodebookFile, shape_problems

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CODEBOOK_DIR = DATA_DIR / "codebooks"
VOCAB_DIR = DATA_DIR / "vocab"
_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,80}$")


class CodebookError(ValueError):
    """A codebook that cannot be used; ``problems`` lists every reason."""

    def __init__(self, origin: str, problems: list[str]):
        self.origin = origin
        self.problems = list(problems)
        super().__init__(f"{origin}: " + "; ".join(self.problems))


@dataclass(frozen=True)
class Code:
    id: str
    name: str
    parent: str | None = None
    description: str = ""
    source: str = ""
    keywords: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    retired: bool = False

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "name": self.name}
        if self.parent:
            out["parent"] = self.parent
        for key in ("description", "source"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        for key in ("keywords", "patterns", "examples"):
            if getattr(self, key):
                out[key] = list(getattr(self, key))
        if self.retired:
            out["retired"] = True
        return out


@dataclass(frozen=True)
class Codebook:
    key: str
    name: str
    version: str
    source: str
    codes: tuple[Code, ...]
    description: str = ""
    vocabulary: str = ""
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def code(self, code_id: str) -> Code:
        for code in self.codes:
            if code.id == code_id:
                return code
        raise KeyError(code_id)

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.codes]

    def children(self, code_id: str | None) -> list[Code]:
        return [c for c in self.codes if c.parent == code_id]

    def path(self, code_id: str) -> list[str]:
        """Ids from the root down to ``code_id``."""
        out, seen = [], set()
        current: str | None = code_id
        while current and current not in seen:
            seen.add(current)
            out.append(current)
            current = self.code(current).parent
        return list(reversed(out))

    def depth_first(self) -> list[tuple[int, Code]]:
        out: list[tuple[int, Code]] = []

        def walk(parent: str | None, level: int) -> None:
            for child in self.children(parent):
                out.append((level, child))
                walk(child.id, level + 1)

        walk(None, 0)
        return out

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "name": self.name, "version": self.version,
                               "source": self.source}
        if self.description:
            out["description"] = self.description
        out["codes"] = [c.as_dict() for c in self.codes]
        return out


def _strings(value: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"{where}: expected a list of strings")
        return ()
    return tuple(v for v in value if v.strip())


def _vocab_codes(name: str, extra_keywords: dict[str, list[str]],
                 problems: list[str]) -> list[dict[str, Any]]:
    path = VOCAB_DIR / f"{name}.toml"
    if not path.is_file():
        problems.append(f"vocabulary '{name}' not found")
        return []
    vocab = tomllib.loads(path.read_text(encoding="utf-8"))
    out = []
    for term in vocab.get("terms", []):
        out.append({"id": term["code"], "name": term["label"],
                    "description": term.get("description", ""),
                    "source": term.get("source", ""),
                    "keywords": [term["label"], *term.get("aliases", []),
                                 *extra_keywords.get(term["code"], [])]})
    return out


def parse_codebook(data: dict[str, Any], origin: str = "codebook") -> Codebook:
    """Build a codebook from its dict form, or raise CodebookError listing every problem."""
    problems: list[str] = []
    for key in ("key", "name", "source"):
        if not str(data.get(key) or "").strip():
            problems.append(f"missing {key}")
    raw_codes = list(data.get("codes") or [])
    vocabulary = str(data.get("vocabulary") or "")
    if vocabulary:
        raw_codes = _vocab_codes(vocabulary, dict(data.get("keywords") or {}), problems) + raw_codes
    if not raw_codes:
        problems.append("no codes")
    codes: list[Code] = []
    for n, raw in enumerate(raw_codes, start=1):
        if not isinstance(raw, dict):
            problems.append(f"code {n}: not a table")
            continue
        code_id = str(raw.get("id") or "").strip()
        where = f"code {n}" + (f" '{code_id}'" if code_id else "")
        if not code_id:
            problems.append(f"{where}: missing id")
        elif not _ID.match(code_id):
            problems.append(f"{where}: id may use only letters, digits and _ . : -")
        name = str(raw.get("name") or "").strip()
        if not name:
            problems.append(f"{where}: missing name")
        patterns = _strings(raw.get("patterns"), f"{where} patterns", problems)
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                problems.append(f"{where}: bad pattern {pattern!r} ({exc})")
        codes.append(Code(
            id=code_id, name=name, parent=(str(raw.get("parent") or "").strip() or None),
            description=str(raw.get("description") or "").strip(),
            source=str(raw.get("source") or "").strip(),
            keywords=_strings(raw.get("keywords"), f"{where} keywords", problems),
            patterns=patterns,
            examples=_strings(raw.get("examples"), f"{where} examples", problems),
            retired=bool(raw.get("retired", False))))
    problems.extend(structure_problems(codes))
    if problems:
        raise CodebookError(origin, problems)
    return Codebook(key=str(data["key"]).strip(), name=str(data["name"]).strip(),
                    version=str(data.get("version") or "1"), source=str(data["source"]).strip(),
                    description=str(data.get("description") or "").strip(),
                    vocabulary=vocabulary, codes=tuple(codes))


def structure_problems(codes: list[Code] | tuple[Code, ...]) -> list[str]:
    """Duplicate ids, unknown parents and cycles, each listed once."""
    problems: list[str] = []
    seen: dict[str, int] = {}
    for code in codes:
        if code.id:
            seen[code.id] = seen.get(code.id, 0) + 1
    problems.extend(f"duplicate id '{i}' ({n} times)" for i, n in seen.items() if n > 1)
    parents = {c.id: c.parent for c in codes if c.id}
    for code in codes:
        if code.parent and code.parent not in parents:
            problems.append(f"code '{code.id}': unknown parent '{code.parent}'")
    reported: set[str] = set()
    for start in parents:
        chain: list[str] = []
        current: str | None = start
        while current and current in parents and current not in chain:
            chain.append(current)
            current = parents[current]
        if current and current in chain:
            cycle = chain[chain.index(current):]
            if not reported & set(cycle):
                reported.update(cycle)
                problems.append("cycle: " + " -> ".join([*cycle, current]))
    return problems


def validate(data: dict[str, Any]) -> list[str]:
    try:
        parse_codebook(data)
    except CodebookError as exc:
        return exc.problems
    return []


def load_codebook(path: Path) -> Codebook:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CodebookError(path.name, [f"not valid TOML ({exc})"]) from exc
    # A shipped file's shape (datafiles.py: unknown keys, types) with the codebook's own
    # checks; imports of a person's codebook go through parse_codebook alone.
    shape = shape_problems(CodebookFile, data)
    try:
        book = parse_codebook(data, path.name)
    except CodebookError as exc:
        raise CodebookError(path.name, [*exc.problems, *shape]) from None
    if shape:
        raise CodebookError(path.name, shape)
    return book


def shipped_codebooks() -> list[Codebook]:
    return [load_codebook(p) for p in sorted(CODEBOOK_DIR.glob("*.toml"))]


def with_codes(book: Codebook, codes: list[Code], version: str | None = None) -> Codebook:
    return replace(book, codes=tuple(codes), version=version or book.version)
