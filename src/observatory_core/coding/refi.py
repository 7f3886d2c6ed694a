"""REFI-QDA project exchange (.qdpx): a zip with ``project.qde`` (XML in the
``urn:QDA-XML:project:1.0`` namespace, schema ``Project-mrt2019.xsd``) and each text source's
plain text under ``sources/``.

Selections are ``startPosition``/``endPosition`` character offsets (Unicode code points,
zero-based, end exclusive) into the stored text exactly as given, so they stay stable against
the text the Observatory keeps. Memos travel as each selection's ``Description``; a coder's
memo on a whole document travels as a ``Note`` (its ``creatingUser`` the coder) referred to
by the source's ``NoteRef``. The consensus coding is exported under a coder of its own
(``CONSENSUS_USER``): a tool that merges identical codings by the same user would otherwise
drop it as a duplicate of the adjudicator's own.
"""

from __future__ import annotations

import uuid
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from typing import Any
from xml.etree import ElementTree as ET

from .codebook import Codebook, CodebookError, parse_codebook
from .formats import PROJECT_NS, code_guid, codes_element, codes_from_element

NS = PROJECT_NS
_Q = f"{{{NS}}}"
_GUID_NS = uuid.UUID("0d5b5a2e-7f0e-4a9a-9f7e-3c2b1a0e9d84")


class QdpxError(ValueError):
    pass


def stable_guid(*parts: object) -> str:
    return str(uuid.uuid5(_GUID_NS, "/".join(str(p) for p in parts))).upper()


@dataclass(frozen=True)
class QdaUser:
    guid: str
    name: str


@dataclass(frozen=True)
class QdaSelection:
    guid: str
    start: int
    end: int
    code: str  # the code's id in the codebook
    user: str | None = None  # user guid
    created: datetime | None = None
    memo: str = ""
    name: str = ""


@dataclass(frozen=True)
class QdaNote:
    """A memo on a whole source by one user (a REFI-QDA ``Note``)."""

    guid: str
    text: str
    user: str | None = None  # user guid
    name: str = ""
    created: datetime | None = None


@dataclass(frozen=True)
class QdaSource:
    guid: str
    name: str
    text: str
    selections: tuple[QdaSelection, ...] = ()
    description: str = ""
    notes: tuple[QdaNote, ...] = ()


# The consensus is a coder of its own in an export (see the module's docstring).
CONSENSUS_USER = QdaUser(str(uuid.uuid5(_GUID_NS, "user/consensus")).upper(), "Consensus")


@dataclass(frozen=True)
class QdaProject:
    name: str
    codebook: Codebook | None
    users: tuple[QdaUser, ...] = ()
    sources: tuple[QdaSource, ...] = ()
    origin: str = "Case Review Observatory"
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


def _when(value: datetime | None) -> str:
    value = value or datetime.now(UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def project_xml(project: QdaProject) -> bytes:
    ET.register_namespace("", NS)
    root = ET.Element(f"{_Q}Project", {"name": project.name, "origin": project.origin,
                                         "creationDateTime": _when(None)})
    if project.users:
        users = ET.SubElement(root, f"{_Q}Users")
        for user in project.users:
            ET.SubElement(users, f"{_Q}User", {"guid": user.guid, "name": user.name})
    book = project.codebook
    if book is not None and book.codes:
        ET.SubElement(root, f"{_Q}CodeBook").append(codes_element(book, NS))
    if project.sources:
        sources = ET.SubElement(root, f"{_Q}Sources")
        for source in project.sources:
            el = ET.SubElement(sources, f"{_Q}TextSource", {
                "guid": source.guid, "name": source.name,
                "plainTextPath": f"internal://{source.guid}.txt"})
            if source.description:
                ET.SubElement(el, f"{_Q}Description").text = source.description
            for sel in sorted(source.selections, key=lambda s: (s.start, s.end, s.guid)):
                if not 0 <= sel.start <= sel.end <= len(source.text):
                    raise QdpxError(f"{source.name}: selection {sel.start}-{sel.end} is outside "
                                    f"the text ({len(source.text)} characters)")
                attrs = {"guid": sel.guid, "name": sel.name or source.text[sel.start:sel.end][:60],
                         "startPosition": str(sel.start), "endPosition": str(sel.end),
                         "creationDateTime": _when(sel.created)}
                if sel.user:
                    attrs["creatingUser"] = sel.user
                sel_el = ET.SubElement(el, f"{_Q}PlainTextSelection", attrs)
                if sel.memo:
                    ET.SubElement(sel_el, f"{_Q}Description").text = sel.memo
                coding = {"guid": stable_guid("coding", sel.guid),
                          "creationDateTime": _when(sel.created)}
                if sel.user:
                    coding["creatingUser"] = sel.user
                coding_el = ET.SubElement(sel_el, f"{_Q}Coding", coding)
                ET.SubElement(coding_el, f"{_Q}CodeRef",
                              {"targetGUID": code_guid(book.key if book else "", sel.code)})
            for note in source.notes:
                ET.SubElement(el, f"{_Q}NoteRef", {"targetGUID": note.guid})
    notes = [note for source in project.sources for note in source.notes]
    if notes:
        notes_el = ET.SubElement(root, f"{_Q}Notes")
        for note in notes:
            attrs = {"guid": note.guid, "name": note.name or "Memo",
                     "creationDateTime": _when(note.created)}
            if note.user:
                attrs["creatingUser"] = note.user
            note_el = ET.SubElement(notes_el, f"{_Q}Note", attrs)
            ET.SubElement(note_el, f"{_Q}PlainTextContent").text = note.text
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def write_qdpx(project: QdaProject) -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", project_xml(project))
        for source in project.sources:
            archive.writestr(f"sources/{source.guid}.txt", source.text.encode("utf-8"))
    return buffer.getvalue()


def _source_text(archive: zipfile.ZipFile, el: ET.Element) -> str:
    content = el.find(f"{_Q}PlainTextContent")
    if content is not None and content.text is not None:
        return content.text
    path = el.get("plainTextPath", "")
    if path.startswith("internal://"):
        name = f"sources/{path[len('internal://'):]}"
        try:
            return archive.read(name).decode("utf-8-sig")
        except KeyError as exc:
            raise QdpxError(f"missing {name} in the archive") from exc
    return ""


# A project's text sources are small; anything unpacking to more is a zip bomb.
MAX_UNPACKED_BYTES = 256 * 1024 * 1024


def read_qdpx(data: bytes, *, codebook_key: str = "imported") -> QdaProject:
    """Read a .qdpx from any QDA tool; text sources with their coded selections. Whatever
    the bytes, the only error raised is QdpxError, saying what is wrong."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise QdpxError("not a .qdpx (zip) file") from exc
    with archive:
        unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            raise QdpxError(f"the archive would unpack to {unpacked:,} bytes, more than the "
                            f"{MAX_UNPACKED_BYTES:,} allowed")
        try:
            return _read_project(archive, codebook_key)
        except QdpxError:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
                UnicodeDecodeError, ValueError, TypeError) as exc:
            # damaged members, encrypted ones, numbers or dates that are not
            raise QdpxError(f"the archive is damaged or not REFI-QDA ({exc})") from exc


def _read_project(archive: zipfile.ZipFile, codebook_key: str) -> QdaProject:
    names = [n for n in archive.namelist() if n.lower().endswith(".qde")]
    if not names:
        raise QdpxError("no project.qde in the archive")
    try:
        root = ET.fromstring(archive.read(names[0]))
    except (ET.ParseError, LookupError) as exc:  # LookupError: an unknown encoding declared
        raise QdpxError(f"project.qde is not valid XML ({exc})") from exc
    if root.tag != f"{_Q}Project":
        raise QdpxError(f"not a REFI-QDA project (root element {root.tag})")
    users = tuple(QdaUser(u.get("guid", ""), u.get("name", ""))
                  for u in root.iterfind(f"{_Q}Users/{_Q}User"))
    codes_el = root.find(f"{_Q}CodeBook/{_Q}Codes")
    raw = codes_from_element(codes_el, NS) if codes_el is not None else []
    by_guid = {c["guid"].upper(): c["id"] for c in raw}
    book = None
    if raw:
        for c in raw:
            c.pop("guid", None)
        try:
            origin = root.get("origin", "a QDA tool")
            book = parse_codebook({"key": codebook_key, "name": root.get("name", ""),
                                   "source": f"imported from {origin}",
                                   "codes": raw}, "project.qde")
        except CodebookError as exc:
            raise QdpxError(str(exc)) from exc
    notes = {}
    for el in root.iterfind(f"{_Q}Notes/{_Q}Note"):
        created = el.get("creationDateTime")
        notes[el.get("guid", "").upper()] = QdaNote(
            el.get("guid", ""), _source_text(archive, el), el.get("creatingUser"),
            el.get("name", ""),
            datetime.fromisoformat(created.replace("Z", "+00:00")) if created else None)
    sources = []
    for el in root.iterfind(f"{_Q}Sources/{_Q}TextSource"):
        text = _source_text(archive, el)
        selections = []
        for sel in el.iterfind(f"{_Q}PlainTextSelection"):
            desc = sel.find(f"{_Q}Description")
            created = sel.get("creationDateTime")
            for coding in sel.iterfind(f"{_Q}Coding"):
                ref = coding.find(f"{_Q}CodeRef")
                target = (ref.get("targetGUID", "") if ref is not None else "").upper()
                if target not in by_guid:
                    raise QdpxError(f"selection {sel.get('guid')} refers to an unknown code")
                selections.append(QdaSelection(
                    guid=sel.get("guid", ""), start=int(sel.get("startPosition", 0)),
                    end=int(sel.get("endPosition", 0)), code=by_guid[target],
                    user=coding.get("creatingUser") or sel.get("creatingUser"),
                    created=datetime.fromisoformat(created.replace("Z", "+00:00"))
                    if created else None,
                    memo=(desc.text or "") if desc is not None else "",
                    name=sel.get("name", "")))
        desc = el.find(f"{_Q}Description")
        refs = [r.get("targetGUID", "").upper() for r in el.iterfind(f"{_Q}NoteRef")]
        sources.append(QdaSource(el.get("guid", ""), el.get("name", ""), text,
                                 tuple(selections),
                                 (desc.text or "") if desc is not None else "",
                                 tuple(notes[r] for r in refs if r in notes)))
    return QdaProject(root.get("name", ""), book, users, tuple(sources),
                      root.get("origin", ""))
