"""Recognise an uploaded file by its content, and refuse one whose name lies about it.

libmagic (python-magic over Debian's libmagic1, as paperless-ngx does) names the content;
this module adds the checks libmagic does not make: a file libmagic calls a PDF is an HTML
page if HTML tags open in its first kilobyte (libmagic finds '%PDF-' anywhere near the
start), a DOCX must be a zip holding ``word/document.xml``, and text is told from HTML by
its opening tags. Whether a PDF is whole is the parse step's question (pypdfium2 opens it
and a corrupt one fails its job with the reason), so uploads of damaged PDFs are kept for a
person to see. Only the first bytes (and, for DOCX, the zip directory) are read, so a huge
or hostile file is refused cheaply. Every refusal says which file and why, in words a user
can act on.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import BinaryIO

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HTML = "text/html"
TEXT = "text/plain"

EXTENSIONS = {".pdf": PDF, ".docx": DOCX, ".html": HTML, ".htm": HTML, ".txt": TEXT}
NAMES = {PDF: "a PDF", DOCX: "a Word (.docx) document", HTML: "an HTML page", TEXT: "plain text"}
HEAD_BYTES = 8192
ZIP = frozenset({"application/zip", DOCX})
TEXTUAL = frozenset({"application/json", "application/xml", "application/octet-stream"})


class FileRejected(ValueError):
    """The file cannot be accepted; ``str()`` names the file and the reason."""

    def __init__(self, filename: str, reason: str) -> None:
        super().__init__(f"{filename}: {reason}")
        self.filename = filename
        self.reason = reason


@dataclass(frozen=True)
class SniffedFile:
    filename: str
    media_type: str
    size: int
    sha256: str


def _looks_like_html(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()[:512]
    return start.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or (
        start.startswith(b"<") and b"<html" in head.lower()
    )


def _docx_ok(stream: BinaryIO) -> bool:
    try:
        with zipfile.ZipFile(stream) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def libmagic_type(head: bytes) -> str:
    """libmagic's MIME type for the first bytes of a file."""
    import magic  # python-magic; loads libmagic1 and its database once

    return magic.from_buffer(head, mime=True)


def _html_inside(head: bytes) -> bool:
    """HTML tags in the first kilobyte: a web page (an error page saved as .pdf), even if it
    holds '%PDF-'; a real PDF's first kilobyte is its header and binary objects."""
    lowered = head[:1024].lower()
    return _looks_like_html(head) or b"<html" in lowered or b"<!doctype html" in lowered


def detect_media_type(head: bytes, stream: BinaryIO | None = None) -> str | None:
    """Media type from content alone, or None if it is none of the kinds we accept."""
    found = libmagic_type(head)
    if found == PDF:
        return HTML if _html_inside(head) else PDF
    if found in ZIP:
        return DOCX if stream is not None and _docx_ok(stream) else None
    if not (found.startswith("text/") or found in TEXTUAL):
        return None  # images, executables, other archives: libmagic knows them
    if _looks_like_html(head):
        return HTML
    if b"\x00" in head:
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the head is still text.
        if exc.start < len(head) - 4:
            try:
                head.decode("cp1252")
            except UnicodeDecodeError:
                return None
    return TEXT


def sniff(filename: str, stream: BinaryIO, *, max_bytes: int) -> SniffedFile:
    """Check a file's size, content type and name; return what it is and its hash."""
    name = PurePath(filename).name or "unnamed file"
    claimed = EXTENSIONS.get(PurePath(name).suffix.lower())
    if claimed is None:
        allowed = ", ".join(sorted(EXTENSIONS))
        raise FileRejected(name, f"files of this type are not accepted (allowed: {allowed})")
    digest = hashlib.sha256()
    size = 0
    stream.seek(0)
    while chunk := stream.read(1024 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise FileRejected(name, f"is larger than the limit of {max_bytes // (1024 * 1024)} MB")
        digest.update(chunk)
    if size == 0:
        raise FileRejected(name, "is empty (0 bytes)")
    stream.seek(0)
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    actual = detect_media_type(head, stream)
    stream.seek(0)
    if actual is None:
        raise FileRejected(name, f"is named as {NAMES[claimed]} but its content is not one")
    if actual != claimed and not (claimed == HTML and actual == TEXT):
        raise FileRejected(
            name, f"is named as {NAMES[claimed]} but its content is {NAMES[actual]}"
        )
    return SniffedFile(filename=name, media_type=claimed, size=size, sha256=digest.hexdigest())


def sniff_bytes(filename: str, data: bytes, *, max_bytes: int) -> SniffedFile:
    return sniff(filename, io.BytesIO(data), max_bytes=max_bytes)
