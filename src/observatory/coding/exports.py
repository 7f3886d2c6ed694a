"""Exports of coded segments: CSV/XLSX (one row per segment) and REFI-QDA (.qdpx, .qdc)."""

from __future__ import annotations

import csv
import io
from typing import Any

from observatory_core.coding.formats import to_qdc
from observatory_core.coding.refi import (
    QdaProject,
    QdaSelection,
    QdaSource,
    QdaUser,
    stable_guid,
    write_qdpx,
)

from .models import Codebook, CodedSegment
from .services import stored_text, to_core

COLUMNS = ["review", "document", "document_version", "page", "target", "unit_id", "start",
           "end", "text", "codebook", "codebook_version", "code", "code_name", "coder",
           "status", "origin", "confidence", "consensus", "memo"]


def rows(segments: Any) -> list[dict[str, Any]]:
    out = []
    for s in segments.select_related("review", "version__document", "code", "codebook",
                                     "coder"):
        out.append({"review": s.review.reference,
                    "document": s.version.document.title if s.version else "",
                    "document_version": s.version.number if s.version else "",
                    "page": s.page or "", "target": s.target, "unit_id": s.unit_id,
                    "start": "" if s.start is None else s.start,
                    "end": "" if s.end is None else s.end, "text": s.text,
                    "codebook": s.codebook.key, "codebook_version": s.codebook_version,
                    "code": s.code.key, "code_name": s.code.name,
                    "coder": s.coder.get_username(), "status": s.status, "origin": s.origin,
                    "confidence": "" if s.confidence is None else round(s.confidence, 3),
                    "consensus": "yes" if s.consensus else "", "memo": s.memo})
    return out


def to_csv(segments: Any) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows(segments))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(segments: Any) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Coded segments"
    sheet.append(COLUMNS)
    for row in rows(segments):
        sheet.append([row[c] for c in COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_qdpx(book: Codebook, segments: Any, name: str) -> bytes:
    """One text source per document version (its stored text, offsets unchanged); each
    segment becomes a selection coded by its coder (whole-unit codes use the unit's span)."""
    users: dict[int, QdaUser] = {}
    by_version: dict[int, list[CodedSegment]] = {}
    versions = {}
    for seg in segments.filter(version__isnull=False).select_related("version__document",
                                                                     "code", "coder"):
        by_version.setdefault(seg.version_id, []).append(seg)
        versions[seg.version_id] = seg.version
        users.setdefault(seg.coder_id, QdaUser(stable_guid("user", seg.coder_id),
                                               seg.coder.get_username()))
    sources = []
    for vid, segs in by_version.items():
        version = versions[vid]
        text = stored_text(version)
        selections = []
        for seg in segs:
            start, end = seg.start, seg.end
            if start is None:
                unit = getattr(seg, seg.target)
                start, end = unit.start, unit.end
            memo = seg.memo + (" [consensus]" if seg.consensus else "")
            selections.append(QdaSelection(stable_guid("segment", seg.pk), start, end,
                                           seg.code.key, users[seg.coder_id].guid,
                                           seg.created_at, memo.strip()))
        sources.append(QdaSource(stable_guid("version", vid),
                                 f"{version.document.review.reference} "
                                 f"{version.document.title} v{version.number}", text,
                                 tuple(selections)))
    return write_qdpx(QdaProject(name, to_core(book), tuple(users.values()), tuple(sources)))


def codebook_qdc(book: Codebook) -> bytes:
    return to_qdc(to_core(book))
