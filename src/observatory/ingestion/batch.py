"""`observatory ingest PATH...`: store and process files and folders, one transaction each.

Which review a file belongs to, when ``--review`` is not given: the review whose reference
appears in the file's name or in the name of a folder it sits in (whole reference,
case-insensitive, longest wins), e.g. ``reports/DEMO-2009-002/overview.pdf`` or
``DEMO-2009-002-overview-report.pdf``. A file that names no review fails with that reason:
documents are never attached to a guessed review, and none is invented.

Which kind of document: ``--kind``, else a document kind named in the file name
(``...-imr-police.docx``, ``executive-summary``, ``chronology``...); a file that names no
kind fails, because a wrong kind could publish a confidential document.

Each file is read first (nothing is stored if it cannot be read), then stored and its
extraction saved in one transaction; a failure leaves the database as it was and the
folder goes on. The same content already stored for the review is 'unchanged'.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone

from observatory_core.filetypes import FileRejected
from observatory_core.ingest import IngestError, Limits, extract

from ..accounts.access import can
from ..audit.log import record, refused_input
from ..repository.models import Document, DocumentVersion, Review
from ..repository.services import store_version
from ..vocabularies.models import Term
from .models import IngestJob
from .services import EXTRACTOR, extractor_version, inline_processing, save_result, summary


@dataclass
class Outcome:
    path: Path
    status: str  # ingested | unchanged | failed
    reason: str = ""
    review: str = ""
    document_id: int | None = None
    seconds: float = 0.0


@dataclass
class BatchReport:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def summary(self) -> str:
        return (f"{self.count('ingested')} ingested, {self.count('unchanged')} unchanged, "
                f"{self.count('failed')} failed")


def find_files(paths: Iterable[Path]) -> list[Path]:
    """Files named, and every file under folders named (recursively; hidden ones skipped)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and not any(
                part.startswith(".") for part in p.relative_to(path).parts)))
        else:
            found.append(path)
    return found


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[^a-z0-9]+", text.lower()) if t]


class Resolver:
    """Finds the review and the document kind for a file (see the module docstring)."""

    def __init__(self, review: Review | None, kind: Term | None) -> None:
        self.review = review
        self.kind = kind
        self.references = [] if review else sorted(
            Review.objects.values_list("reference", flat=True), key=len, reverse=True)
        self.kinds: list[tuple[list[str], Term]] = []
        if kind is None:
            for term in Term.objects.filter(vocabulary__key="document_kind"):
                label = re.sub(r"\(.*?\)", " ", term.label)
                for words in {tuple(_tokens(term.code)), tuple(_tokens(label))}:
                    if words:
                        self.kinds.append((list(words), term))
            self.kinds.sort(key=lambda item: len(item[0]), reverse=True)

    def review_for(self, path: Path) -> Review | None:
        if self.review:
            return self.review
        names = [path.name, *(p.name for p in path.parents)]
        for reference in self.references:
            pattern = re.compile(rf"(?<![A-Za-z0-9]){re.escape(reference)}(?![A-Za-z0-9])",
                                 re.IGNORECASE)
            if any(pattern.search(name) for name in names):
                return Review.objects.get(reference=reference)
        return None

    def kind_for(self, path: Path) -> Term | None:
        if self.kind:
            return self.kind
        words = _tokens(path.stem)
        for wanted, term in self.kinds:
            n = len(wanted)
            if any(words[i:i + n] == wanted for i in range(len(words) - n + 1)):
                return term
        return None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ingest_file(path: Path, resolver: Resolver, user: Any = None) -> Outcome:
    started = time.perf_counter()
    review = resolver.review_for(path)
    if review is None:
        return Outcome(path, "failed", f"{path.name}: no review reference in its name or "
                                       "folder; give --review REF")
    kind = resolver.kind_for(path)
    if kind is None:
        return Outcome(path, "failed", f"{path.name}: cannot tell the document kind from "
                                       "its name; give --kind KIND", review.reference)
    if user is not None and not can(user, "change", Document(review=review, kind=kind)):
        return Outcome(path, "failed", f"{path.name}: {user.get_username()} may not add "
                                       f"{kind.label} documents to {review.reference}",
                       review.reference)
    try:
        existing = DocumentVersion.objects.filter(
            document__review=review, sha256=_sha256(path)).first()
    except OSError as exc:
        return Outcome(path, "failed", f"{path.name}: cannot be read ({exc.strerror})",
                       review.reference)
    if existing is not None:
        return Outcome(path, "unchanged", "already stored", review.reference,
                       existing.document_id)
    begun = timezone.now()
    try:
        result = extract(path, path.name, limits=Limits.from_env())
    except IngestError as exc:
        return Outcome(path, "failed", str(exc), review.reference)
    except Exception as exc:  # a bug in a step: report it, go on with the folder
        return Outcome(path, "failed", f"{path.name}: could not be read "
                                       f"({type(exc).__name__}: {exc})", review.reference)
    saved: DocumentVersion | None = None
    try:
        with inline_processing(), transaction.atomic(), path.open("rb") as stream:
            stored = store_version(review=review, kind=kind, filename=path.name, stream=stream,
                                   user=user)
            saved = stored.version
            if not stored.created:
                saved = None
                return Outcome(path, "unchanged", "already stored", review.reference,
                               stored.version.document_id)
            IngestJob.objects.create(
                version=stored.version, status=IngestJob.DONE, step="done",
                done=len(result.timings), total=len(result.timings), message=summary(result),
                extractor=EXTRACTOR, extractor_version=extractor_version(),
                timings={t.step: round(t.seconds, 4) for t in result.timings},
                started_at=begun, finished_at=timezone.now(),
                requested_by=user if getattr(user, "is_authenticated", False) else None)
            save_result(stored.version, result)
            record(None, "create", stored.version.document, user=user, channel="cli",
                   detail=f"ingest {path.name}: version {stored.version.number}")
    except FileRejected as exc:
        return Outcome(path, "failed", str(exc), review.reference)
    except Exception as exc:
        if saved is not None:
            storages[saved.storage_area].delete(saved.path)
        return Outcome(path, "failed", f"{path.name}: could not be stored "
                                       f"({type(exc).__name__}: {exc})", review.reference)
    return Outcome(path, "ingested", summary(result), review.reference, saved.document_id,
                   time.perf_counter() - started)


def ingest_paths(paths: Iterable[Path], *, review: Review | None = None,
                 kind: Term | None = None, user: Any = None,
                 progress: Callable[[Outcome], None] | None = None) -> BatchReport:
    resolver = Resolver(review, kind)
    report = BatchReport()
    for path in find_files(paths):
        outcome = ingest_file(path, resolver, user)
        if outcome.status == "failed":  # refused: audited, whatever the reason
            found = Review.objects.filter(reference=outcome.review).first() \
                if outcome.review else None
            refused_input(None, "create", found, kind=None if found else "document",
                          name=path.name, reason=outcome.reason, user=user, channel="cli")
        report.outcomes.append(outcome)
        if progress:
            progress(outcome)
    return report
