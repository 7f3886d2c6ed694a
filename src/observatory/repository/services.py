"""Storing uploads as immutable, content-addressed document versions, and which version of
each document counts.

The current-version rule lives here and only here: ``in_current_versions`` is the filter
that analysis (tables, counts, drill-downs), search (keyword, semantic, hybrid, similar),
coding suggestions and exports apply. A document's current version is its latest upload
unless a person chose another (``set_current_version``); older versions stay readable in
the document's history, with their own coding, but are never counted or searched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, BinaryIO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Q, QuerySet

from observatory_core.filetypes import FileRejected, sniff

from ..vocabularies.models import Term
from .models import Document, DocumentVersion, Review


@dataclass
class StoreResult:
    version: DocumentVersion
    created: bool  # False when the same content was already stored (nothing changed)


def max_upload_bytes() -> int:
    return settings.OBSERVATORY["MAX_UPLOAD_BYTES"]


def store_version(*, review: Review, kind: Term, filename: str, stream: BinaryIO,
                  user: Any = None, title: str = "", document: Document | None = None
                  ) -> StoreResult:
    """Check and store one file as a new version of ``document`` (or of a new document).

    Raises FileRejected (naming the file and the reason) and leaves nothing behind when
    the file is refused or anything fails; storing the same content again is a no-op.
    """
    sniffed = sniff(filename, stream, max_bytes=max_upload_bytes())
    if document is not None and document.review_id != review.pk:
        raise FileRejected(sniffed.filename, "belongs to a document of another review")
    same = DocumentVersion.objects.filter(sha256=sniffed.sha256, document__review=review)
    if document is not None:
        same = same.filter(document=document)
    existing = same.select_related("document").first()
    if existing is not None:
        return StoreResult(existing, created=False)

    area = "confidential" if (document.kind if document else kind).attributes.get(
        "confidential") else "published"
    storage = storages[area]
    saved_path: str | None = None
    try:
        with transaction.atomic():
            if document is None:
                document = Document.objects.create(
                    review=review, kind=kind, created_by=_user(user),
                    title=title or PurePath(sniffed.filename).stem.replace("_", " ")[:300],
                )
            document = Document.objects.select_for_update().get(pk=document.pk)
            number = (document.versions.order_by("-number").values_list(
                "number", flat=True).first() or 0) + 1
            suffix = PurePath(sniffed.filename).suffix.lower()
            name = f"{review.pk}/{document.pk}/v{number}-{sniffed.sha256[:16]}{suffix}"
            stream.seek(0)
            saved_path = storage.save(name, File(stream, name=sniffed.filename))
            version = DocumentVersion.objects.create(
                document=document, number=number, sha256=sniffed.sha256, size=sniffed.size,
                original_filename=sniffed.filename, media_type=sniffed.media_type,
                storage_area=area, path=saved_path, uploaded_by=_user(user),
            )
            # A new upload becomes current unless a person chose another version.
            Document.objects.filter(pk=document.pk, current_chosen=False).update(
                current_version=version)
    except Exception:
        if saved_path is not None:
            storage.delete(saved_path)
        raise
    return StoreResult(version, created=True)


def _user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


# -- the current version ---------------------------------------------------------------------
def current_versions() -> QuerySet:
    """The ids of every document's current version (a subquery)."""
    return Document.objects.filter(current_version__isnull=False).values("current_version")


def in_current_versions(path: str = "version", *, or_none: bool = False) -> Q:
    """The filter for rows of current versions only; ``path`` names the rows' version
    foreign key. ``or_none`` also keeps rows without a version (a code on a whole review)."""
    rule = Q(**{f"{path}__in": current_versions()})
    return rule | Q(**{f"{path}__isnull": True}) if or_none else rule


def is_current(version: DocumentVersion) -> bool:
    return Document.objects.filter(pk=version.document_id, current_version=version).exists()


def set_current_version(document: Document, version: DocumentVersion | None) -> None:
    """Make ``version`` the one that counts; None returns to 'the latest upload'. Callers
    check the 'change' permission and audit. Sends ``current_version_changed`` so that what
    depends on it (which recommendations count) is worked out again."""
    from .signals import current_version_changed

    if version is not None and version.document_id != document.pk:
        raise ValueError("that version belongs to another document")
    chosen = version is not None
    version = version or document.latest
    Document.objects.filter(pk=document.pk).update(current_version=version,
                                                   current_chosen=chosen)
    document.current_version, document.current_chosen = version, chosen
    current_version_changed.send(sender=Document, document=document)


RECOMMENDATION_ROLES = dict(Document._meta.get_field("recommendations_role").choices)


def set_recommendations_role(document: Document, role: str) -> None:
    """A person's choice of what this document's items are ('' : as its kind says); which
    recommendations count is then worked out again (ingestion.counting)."""
    from .signals import recommendations_role_changed

    if role not in RECOMMENDATION_ROLES:
        raise ValueError(f"unknown role '{role}'")
    Document.objects.filter(pk=document.pk).update(recommendations_role=role)
    document.recommendations_role = role
    recommendations_role_changed.send(sender=Document, document=document)
