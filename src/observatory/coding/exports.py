"""Exports of coded segments: CSV/XLSX (one row per segment) and REFI-QDA (.qdpx, .qdc)."""

from __future__ import annotations

from typing import Any

from observatory_core.coding.formats import to_qdc
from observatory_core.coding.refi import (
    CONSENSUS_USER,
    QdaNote,
    QdaProject,
    QdaSelection,
    QdaSource,
    QdaUser,
    stable_guid,
    write_qdpx,
)
from observatory_core.tabular import write_csv, write_xlsx

from .models import Codebook, CodedSegment, CodingProgress
from .privacy import View
from .services import stored_text, to_core

COLUMNS = ["review", "document", "document_version", "page", "target", "unit_id", "start",
           "end", "text", "codebook", "codebook_version", "code", "code_name", "coder",
           "status", "origin", "confidence", "consensus", "memo"]


def views_for(user: Any, segments: Any) -> dict[int, View]:
    """Per document version, its text as ``user`` may see it (redacted for roles that may
    not change the document)."""
    out: dict[int, View] = {}
    for seg in segments.exclude(version=None).select_related(
            "version__document__review", "version__document__kind").distinct():
        if seg.version_id not in out:
            out[seg.version_id] = View(user, seg.version.document, seg.version)
    return out


def _text(s: CodedSegment, views: dict[int, View]) -> str:
    view = views.get(s.version_id) if s.version_id else None
    if view is None:
        return s.text
    base = s.start if s.start is not None else getattr(getattr(s, s.target, None), "start", None)
    return view.text(s.text, base)


def rows(segments: Any, views: dict[int, View]) -> list[dict[str, Any]]:
    """One row per segment; ``views`` (from :func:`views_for`) redact the text."""
    out = []
    for s in segments.select_related("review", "version__document", "code", "codebook",
                                     "coder"):
        out.append({"review": s.review.reference,
                    "document": s.version.document.title if s.version else "",
                    "document_version": s.version.number if s.version else "",
                    "page": s.page or "", "target": s.target, "unit_id": s.unit_id,
                    "start": "" if s.start is None else s.start,
                    "end": "" if s.end is None else s.end, "text": _text(s, views),
                    "codebook": s.codebook.key, "codebook_version": s.codebook_version,
                    "code": s.code.key, "code_name": s.code.name,
                    "coder": s.coder.get_username(), "status": s.status, "origin": s.origin,
                    "confidence": "" if s.confidence is None else round(s.confidence, 3),
                    "consensus": "yes" if s.consensus else "", "memo": s.memo})
    return out


def to_csv(segments: Any, views: dict[int, View]) -> bytes:
    return write_csv(rows(segments, views), COLUMNS)


def to_xlsx(segments: Any, views: dict[int, View]) -> bytes:
    return write_xlsx(rows(segments, views), COLUMNS, sheet="Coded segments")


def to_qdpx(book: Codebook, segments: Any, name: str, views: dict[int, View]) -> bytes:
    """One text source per document version (its stored text, offsets unchanged); each
    segment becomes a selection coded by its coder (whole-unit codes use the unit's span),
    the consensus coding by the coder "Consensus" (its memo names the adjudicator), and each
    coder's memo on the document a note. For a user who sees a version redacted, the source
    is the redacted text and every selection is moved onto it; a version still being checked
    for personal data is left out."""
    users: dict[int | str, QdaUser] = {}
    by_version: dict[int, list[CodedSegment]] = {}
    versions = {}
    for seg in segments.filter(version__isnull=False).select_related("version__document",
                                                                     "code", "coder"):
        by_version.setdefault(seg.version_id, []).append(seg)
        versions[seg.version_id] = seg.version
        if seg.consensus:
            users.setdefault("consensus", CONSENSUS_USER)
        else:
            users.setdefault(seg.coder_id, _user(seg.coder_id, seg.coder))
    memos = _document_memos(book, list(by_version), users)
    sources = []
    for vid, segs in by_version.items():
        version = versions[vid]
        view = views.get(vid)
        if view is not None and view.withheld:
            continue
        text, move = view.mapped(stored_text(version)) if view else (stored_text(version),
                                                                     lambda o: o)
        selections = [sel for seg in segs if (sel := _selection(seg, move, users)) is not None]
        sources.append(QdaSource(stable_guid("version", vid),
                                 f"{version.document.review.reference} "
                                 f"{version.document.title} v{version.number}", text,
                                 tuple(selections), notes=tuple(memos.get(vid, ()))))
    return write_qdpx(QdaProject(name, to_core(book), tuple(users.values()), tuple(sources)))


def _user(pk: int, user: Any) -> QdaUser:
    return QdaUser(stable_guid("user", pk), user.get_username())


def _selection(seg: CodedSegment, move: Any, users: dict[int | str, QdaUser],
               ) -> QdaSelection | None:
    start, end = seg.start, seg.end
    if start is None:
        unit = getattr(seg, seg.target)
        start, end = unit.start, unit.end
    start, end = move(start), move(end)
    if end <= start:
        return None
    memo = seg.memo
    if seg.consensus:
        memo = f"{memo}\nConsensus, adjudicated by {seg.coder.get_username()}.".strip()
    user = users["consensus" if seg.consensus else seg.coder_id]
    return QdaSelection(stable_guid("segment", seg.pk), start, end, seg.code.key, user.guid,
                        seg.created_at, memo)


def _document_memos(book: Codebook, version_ids: list[int],
                    users: dict[int | str, QdaUser]) -> dict[int, list[QdaNote]]:
    """Each coder's memo on a document version (``CodingProgress.memo``) as a note by them;
    a coder with a memo but no segments is added to the users."""
    out: dict[int, list[QdaNote]] = {}
    for progress in (CodingProgress.objects.filter(codebook=book, version_id__in=version_ids)
                     .exclude(memo="").select_related("coder").order_by("version", "coder")):
        user = users.setdefault(progress.coder_id, _user(progress.coder_id, progress.coder))
        out.setdefault(progress.version_id, []).append(QdaNote(
            stable_guid("memo", progress.pk), progress.memo, user.guid,
            f"Memo by {user.name}", progress.updated_at))
    return out


def codebook_qdc(book: Codebook) -> bytes:
    return to_qdc(to_core(book))
