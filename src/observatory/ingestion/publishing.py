"""Publishing a redacted copy of a report (governance point 5).

From the confirmed personal-data flags of a version, ``make_copy`` builds a PDF with those
strings removed from the file (observatory_core.redact_pdf, which verifies the copy by
extracting its text and rendering its boxes), and keeps it aside, unpublished. A second
person ``check``s it: approved, it is stored as a new version of the document
(``repository.services.store_version``), its provenance is the ``RedactedCopy`` row (source
version, flags used, who made it, who checked it and when), and it becomes the document's
public version, the only file that people who see the document redacted can download. The
original stays the version that is read, counted and searched.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import PurePath
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone

from observatory_core.redact_pdf import RedactionRefused, redact

from ..accounts.access import can
from ..audit.log import record
from ..repository.models import Document, DocumentVersion
from ..repository.services import set_current_version, store_version
from .models import Decision, PersonalDataFlag, RedactedCopy
from .redaction import ready

PENDING_STORAGE = "confidential"  # an unchecked copy is not public yet


class NotAllowed(PermissionError):
    pass


def _name(user: Any) -> str:
    return user.get_username() if getattr(user, "is_authenticated", False) else ""


def make_copy(version: DocumentVersion, user: Any, request: Any = None) -> RedactedCopy:
    """A redacted copy of ``version`` from its confirmed flags, waiting for its check.
    Raises NotAllowed or RedactionRefused (with the reason)."""
    document = version.document
    if not can(user, "change", document):
        raise NotAllowed("Only people who decide this document's personal data may redact it.")
    if version.media_type != "application/pdf":
        raise RedactionRefused("only PDF files can be redacted here")
    if not ready(version):
        raise RedactionRefused("decide every personal-data flag of this version first")
    strings = list(PersonalDataFlag.objects.filter(
        version=version, status=Decision.CONFIRMED).values_list("text", flat=True))
    with version.open() as stream:
        result = redact(stream.read(), strings)
    digest = hashlib.sha256(result.data).hexdigest()
    path = storages[PENDING_STORAGE].save(f"redacted/{version.pk}-{digest[:16]}.pdf",
                                          ContentFile(result.data))
    copy = RedactedCopy.objects.create(
        source=version, pending_path=path, sha256=digest, strings_removed=result.removed,
        pages=result.pages, flags_used=len(strings), made_by=user if _name(user) else None,
        made_by_name=_name(user))
    record(request, "create", document, user=user,
           detail=f"redacted copy of version {version.number}: {result.removed} occurrences "
                  f"of {len(set(strings))} flagged strings removed, waiting for a check")
    return copy


def open_pending(copy: RedactedCopy):
    return storages[PENDING_STORAGE].open(copy.pending_path, "rb")


def check(copy: RedactedCopy, user: Any, *, approve: bool, note: str = "",
          request: Any = None) -> DocumentVersion | None:
    """A second person's decision on ``copy``; approved, it becomes the public version."""
    document = copy.source.document
    if not can(user, "change", document):
        raise NotAllowed("Only people who decide this document's personal data may check it.")
    if copy.status != RedactedCopy.PENDING:
        raise RedactionRefused("this copy has already been checked")
    if copy.made_by_id is not None and copy.made_by_id == getattr(user, "pk", None):
        raise NotAllowed("A second person must check the copy: you made it.")
    if not approve and not note.strip():
        raise RedactionRefused("say what is wrong with the copy")
    with transaction.atomic():
        copy = RedactedCopy.objects.select_for_update().get(pk=copy.pk)
        version = None
        if approve:
            version = _publish(copy, document, user)
        RedactedCopy.objects.filter(pk=copy.pk).update(
            status=RedactedCopy.APPROVED if approve else RedactedCopy.REJECTED,
            checked_by=user, checked_by_name=_name(user), checked_at=timezone.now(),
            check_note=note.strip(), version=version)
        record(request, "change", document, user=user, detail=(
            f"redacted copy of version {copy.source.number} "
            + (f"approved: public version {version.number}" if version else
               f"rejected: {note.strip()[:300]}")))
    return version


def _publish(copy: RedactedCopy, document: Document, user: Any) -> DocumentVersion:
    if document.current_version_id is None or not document.current_chosen:
        # The original stays the version that is read and counted, not the new upload.
        set_current_version(document, copy.source)
    stem = PurePath(copy.source.original_filename).stem
    with open_pending(copy) as stream:
        result = store_version(review=document.review, kind=document.kind, document=document,
                               filename=f"{stem}-redacted.pdf",
                               stream=io.BytesIO(stream.read()), user=user)
    Document.objects.filter(pk=document.pk).update(public_version=result.version)
    return result.version


def public_file(document: Document, user: Any) -> DocumentVersion | None:
    """The version ``user`` downloads when they may see the document only redacted: its
    public version, or None when it has none (the file as it was published)."""
    if can(user, "change", document) or document.public_version_id is None:
        return None
    return document.public_version
