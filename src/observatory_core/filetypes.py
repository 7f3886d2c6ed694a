"""Recognise an uploaded file by its content, and refuse one whose name lies about it.

Only the first bytes (and, for DOCX, the zip directory) are read, so a huge or hostile file
is refused cheaply. Every refusal says which file and why, in words a user can act on.
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


def detect_media_type(head: bytes, stream: BinaryIO | None = None) -> str | None:
    """Media type from content alone, or None if it is none of the kinds we accept."""
    if head.startswith(b"%PDF-") or head[:1024].find(b"%PDF-") != -1:
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return DOCX if stream is not None and _docx_ok(stream) else None
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
    actual = detect_media_type(head, stream if head.startswith(b"PK") else None)
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
