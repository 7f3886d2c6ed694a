"""Codebook import and export: TOML (the shipped form), CSV (one row per code) and the
REFI-QDA codebook exchange format (.qdc, for NVivo, ATLAS.ti and MAXQDA).

Every reader returns a :class:`Codebook` or raises :class:`CodebookError` listing every
problem; nothing is half-read.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
import uuid
from typing import Any
from xml.etree import ElementTree as ET

from ..tabular import csv_text, unquote_cell
from .codebook import Code, Codebook, CodebookError, parse_codebook

QDA_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"
CSV_COLUMNS = ["id", "name", "parent", "description", "source", "keywords", "patterns",
               "examples", "retired"]
_GUID_NS = uuid.UUID("6f3c1f6e-3a55-4f43-9c61-1a3b8c9f0d21")


def code_guid(book_key: str, code_id: str) -> str:
    """A stable GUID per (codebook, code), so exports of the same code always match."""
    return str(uuid.uuid5(_GUID_NS, f"{book_key}/{code_id}")).upper()


# -- TOML -----------------------------------------------------------------------------------
def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{text}"'


def to_toml(book: Codebook) -> str:
    data = book.as_dict()
    lines = [f"{k} = {_toml_value(data[k])}" for k in ("key", "name", "version", "description",
                                                         "source") if k in data]
    for code in data["codes"]:
        lines.append("")
        lines.append("[[codes]]")
        lines.extend(f"{k} = {_toml_value(v)}" for k, v in code.items())
    return "\n".join(lines) + "\n"


def from_toml(text: str, origin: str = "codebook.toml") -> Codebook:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CodebookError(origin, [f"not valid TOML ({exc})"]) from exc
    return parse_codebook(data, origin)


# -- CSV ------------------------------------------------------------------------------------
def to_csv(book: Codebook) -> str:
    """One row per code, after a first row of one cell with the codebook's key, name,
    version and source; written by the product's one CSV writer, which neutralises
    spreadsheet formulas."""
    meta = "; ".join(f"{k}={' '.join(str(v).split())}" for k, v in
                     (("key", book.key), ("name", book.name), ("version", book.version),
                      ("source", book.source)))
    return csv_text(({"id": code.id, "name": code.name, "parent": code.parent or "",
                      "description": code.description, "source": code.source,
                      "keywords": "\n".join(code.keywords),
                      "patterns": "\n".join(code.patterns),
                      "examples": "\n".join(code.examples),
                      "retired": "yes" if code.retired else ""} for code in book.codes),
                    CSV_COLUMNS, preamble=f"# {meta}", lineterminator="\n")


def _preamble(first_line: str) -> dict[str, str]:
    """The key=value pairs of the first row (a single cell, quoted when it holds a comma)."""
    cells = next(csv.reader([first_line]), [""])
    meta: dict[str, str] = {}
    for part in (cells[0] if cells else "").lstrip("#").split(";"):
        k, _, v = part.strip().partition("=")
        meta[k.strip()] = v.strip()
    return meta


def from_csv(text: str, *, key: str = "", name: str = "", source: str = "",
             origin: str = "codebook.csv") -> Codebook:
    text = text.lstrip("\ufeff")
    meta: dict[str, str] = {}
    if text.startswith(("#", '"#')):
        first, _, text = text.partition("\n")
        meta = _preamble(first)
    try:
        # newline="": line breaks inside quoted cells (lists) are data, not row ends
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
    except csv.Error as exc:  # e.g. a bare carriage return inside an unquoted cell
        raise CodebookError(origin, [f"not a readable CSV file ({exc})"]) from exc
    problems = []
    if rows and ("id" not in rows[0] or "name" not in rows[0]):
        problems.append("the header must include id and name")
    if problems:
        raise CodebookError(origin, problems)
    codes = []
    for row in rows:
        cell = {k: unquote_cell(v) for k, v in row.items() if isinstance(k, str)
                and isinstance(v, str)}
        item: dict[str, Any] = {k: (cell.get(k) or "").strip() for k in
                                ("id", "name", "parent", "description", "source")}
        for k in ("keywords", "patterns", "examples"):
            item[k] = [v for v in (cell.get(k) or "").splitlines() if v.strip()]
        item["retired"] = (cell.get("retired") or "").strip().lower() in ("yes", "true", "1")
        codes.append(item)
    return parse_codebook({"key": key or meta.get("key", ""), "name": name or meta.get("name", ""),
                           "version": meta.get("version", "1"),
                           "source": source or meta.get("source", ""), "codes": codes}, origin)


# -- REFI-QDA codebook (.qdc) ----------------------------------------------------------------
# Two notes a code's Description may carry so nothing is lost in a QDA tool and both come back
# on import. A retired code stays codable (QualCoder, for one, drops codings of a code marked
# not codable), and a name shared by two codes (e.g. "Other" under two parents) is made unique
# (QualCoder merges codes by name and orphans the second one's codings).
RETIRED_NOTE = "Retired in the codebook: not for new coding; kept codable so its codings stay."
_RENAMED = re.compile(r'^Named "(?P<name>.*)" in the codebook; exported as ".*" so every code '
                      r"name is unique\.$")


def export_names(book: Codebook) -> dict[str, str]:
    """Each code's name on export: unique across the codebook (compared without case). A
    shared name gets its parent's name in brackets (or the code's id, if that is still
    shared)."""
    seen: dict[str, int] = {}
    for code in book.codes:
        seen[code.name.casefold()] = seen.get(code.name.casefold(), 0) + 1
    names = {c.id: c.name for c in book.codes}
    out: dict[str, str] = {}
    taken = {c.name.casefold() for c in book.codes if seen[c.name.casefold()] == 1}
    for code in book.codes:
        name = code.name
        if seen[name.casefold()] > 1:
            name = f"{code.name} ({names[code.parent]})" if code.parent else code.name
            if name.casefold() in taken or name == code.name:
                name = f"{code.name} ({code.id})"
        taken.add(name.casefold())
        out[code.id] = name
    return out


def codes_element(book: Codebook, ns: str) -> ET.Element:
    """The <Codes> tree (nested by parent) in namespace ``ns``; every code codable and every
    name unique (see ``RETIRED_NOTE``)."""
    codes = ET.Element(f"{{{ns}}}Codes")
    names = export_names(book)

    def add(parent_el: ET.Element, parent_id: str | None) -> None:
        for code in book.children(parent_id):
            el = ET.SubElement(parent_el, f"{{{ns}}}Code", {
                "guid": code_guid(book.key, code.id), "name": names[code.id],
                "isCodable": "true"})
            lines = [f"[{code.id}] {code.description or ''}".strip()]
            if code.retired:
                lines.append(RETIRED_NOTE)
            if names[code.id] != code.name:
                lines.append(f'Named "{code.name}" in the codebook; exported as '
                             f'"{names[code.id]}" so every code name is unique.')
            ET.SubElement(el, f"{{{ns}}}Description").text = "\n".join(lines)
            add(el, code.id)

    add(codes, None)
    return codes


def to_qdc(book: Codebook) -> bytes:
    ET.register_namespace("", QDA_NS)
    root = ET.Element(f"{{{QDA_NS}}}CodeBook", {"origin": f"Case Review Observatory: {book.key} "
                                                          f"v{book.version}"})
    root.append(codes_element(book, QDA_NS))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def codes_from_element(codes_el: ET.Element, ns: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def walk(el: ET.Element, parent: str | None) -> None:
        for child in el.findall(f"{{{ns}}}Code"):
            desc_el = child.find(f"{{{ns}}}Description")
            desc = (desc_el.text or "").strip() if desc_el is not None else ""
            code_id = child.get("guid", "")
            if desc.startswith("[") and "]" in desc:
                code_id, desc = desc[1:desc.index("]")], desc[desc.index("]") + 1:].strip()
            name, retired, kept = child.get("name", ""), child.get("isCodable") == "false", []
            for line in desc.split("\n"):  # the notes our own export adds come back as data
                renamed = _RENAMED.match(line.strip())
                if line.strip() == RETIRED_NOTE:
                    retired = True
                elif renamed:
                    name = renamed["name"]
                else:
                    kept.append(line)
            out.append({"id": code_id, "name": name, "parent": parent,
                        "description": "\n".join(kept).strip(), "guid": child.get("guid", ""),
                        "retired": retired})
            walk(child, code_id)

    walk(codes_el, None)
    return out


def from_qdc(data: bytes, *, key: str, name: str = "", source: str = "",
             origin: str = "codebook.qdc") -> Codebook:
    try:
        root = ET.fromstring(data)
    except (ET.ParseError, LookupError, ValueError) as exc:  # LookupError: unknown encoding
        raise CodebookError(origin, [f"not valid XML ({exc})"]) from exc
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    codes_el = root.find(f"{{{ns}}}Codes")
    if codes_el is None:
        raise CodebookError(origin, ["no <Codes> element"])
    codes = codes_from_element(codes_el, ns)
    for c in codes:
        c.pop("guid", None)
    return parse_codebook({"key": key, "name": name or key,
                           "source": source or f"imported from {origin} ({root.get('origin', '')})",
                           "codes": codes}, origin)


def rename(book: Codebook, codes: list[Code]) -> Codebook:
    return Codebook(key=book.key, name=book.name, version=book.version, source=book.source,
                    description=book.description, codes=tuple(codes))
