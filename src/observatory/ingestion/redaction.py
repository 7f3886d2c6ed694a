"""Personal data: who sees a document's text unredacted, the redacted text everyone else
sees, and a person's decision on one flag.

**Rule.** The unredacted text of a document (viewer, JSON, API, search snippets, the
personal-data flags themselves) is for those who may *change* the document's review
(``can(user, 'change', document)``: partnership in its own area, analysts, administrators),
the people who confirm or reject the flags. Everyone else who may view the document gets
the redacted text: every flag still ``suggested`` or ``confirmed`` is replaced by
``[REDACTED: name]`` (suggested ones too: safer), and so is every other occurrence of a
flagged string. Rejected flags are not redacted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ..accounts.access import can
from ..audit.log import record
from ..repository.models import Document, DocumentVersion
from .models import Decision, DocumentText, PersonalDataFlag

LABELS = {"person_name": "name", "postcode": "postcode", "nhs_number": "NHS number",
          "phone": "phone number", "date_of_birth": "date of birth", "school": "school",
          "address": "address", "email": "e-mail"}
REDACTING = (Decision.SUGGESTED, Decision.CONFIRMED)


def may_see_unredacted(user: Any, document: Document) -> bool:
    return can(user, "change", document)


def ready(version: DocumentVersion | int | None) -> bool:
    """Has the version's personal data been checked (rules and model)? Not while the task's
    second phase (the model) is still to run or failed: until then roles that may not see the
    unredacted text see nothing of the version."""
    from .models import IngestJob
    from .services import deferred_steps

    if version is None:
        return False
    latest = IngestJob.objects.filter(version=version).order_by("-created_at", "-pk").values(
        "status", "step").first()
    return latest is None or not (latest["step"] in deferred_steps() and latest["status"] in (
        IngestJob.RUNNING, IngestJob.FAILED))


def not_ready(version_ids: Iterable[int]) -> set[int]:
    """The versions among ``version_ids`` whose personal data is not checked yet."""
    from .models import IngestJob
    from .services import deferred_steps

    latest: dict[int, tuple[str, str]] = {}
    for vid, status, step in IngestJob.objects.filter(version_id__in=set(version_ids)).order_by(
            "version_id", "created_at", "pk").values_list("version_id", "status", "step"):
        latest[vid] = (status, step)
    return {vid for vid, (status, step) in latest.items()
            if step in deferred_steps() and status in (IngestJob.RUNNING, IngestJob.FAILED)}


def marker(kind: str) -> str:
    return f"[REDACTED: {LABELS.get(kind, kind.replace('_', ' '))}]"


class Redactor:
    """Redacts any text derived from one version: spans of its DocumentText precisely, and
    any other string by replacing every flagged value (longest first)."""

    def __init__(self, flags: Sequence[tuple[str, str, int, int]]) -> None:
        self.spans = sorted((start, end, kind) for kind, _, start, end in flags)
        values: dict[str, str] = {}
        for kind, text, _, _ in flags:
            if len(text.strip()) >= 2:
                values.setdefault(text.strip(), kind)
        self.kinds = values
        self.pattern = re.compile("|".join(
            rf"(?<![\w-]){re.escape(v)}(?![\w-])"
            for v in sorted(values, key=len, reverse=True))) if values else None

    def __bool__(self) -> bool:
        return bool(self.spans)

    def text(self, value: str) -> str:
        if not value or self.pattern is None:
            return value
        return self.pattern.sub(lambda m: marker(self.kinds.get(m.group(0), "")), value)

    def span(self, full: str, start: int, end: int) -> str:
        """``full[start:end]`` with the flags inside it (or overlapping it) replaced."""
        return self.piece(full[start:end], start)

    def piece(self, value: str, offset: int) -> str:
        """``value``, which is the version's text from ``offset`` on, redacted."""
        end = offset + len(value)
        parts, cursor = [], offset
        for a, b, kind in self.spans:
            if b <= cursor or a >= end:
                continue
            parts.append(value[cursor - offset:max(cursor, a) - offset])
            parts.append(marker(kind))
            cursor = max(cursor, b)
        parts.append(value[cursor - offset:] if cursor < end else "")
        return self.text("".join(parts))


def redactor_for(version: DocumentVersion | int | None) -> Redactor:
    if version is None:
        return Redactor(())
    flags = PersonalDataFlag.objects.filter(version=version, status__in=REDACTING).values_list(
        "kind", "text", "start", "end")
    return Redactor(list(flags))


def redactors(version_ids: Iterable[int]) -> dict[int, Redactor]:
    rows: dict[int, list[tuple[str, str, int, int]]] = {}
    for vid, kind, text, start, end in PersonalDataFlag.objects.filter(
            version_id__in=set(version_ids), status__in=REDACTING).values_list(
            "version_id", "kind", "text", "start", "end"):
        rows.setdefault(vid, []).append((kind, text, start, end))
    return {vid: Redactor(flags) for vid, flags in rows.items()}


def redacted_text(version: DocumentVersion) -> str:
    stored = DocumentText.objects.filter(version=version).values_list("text", flat=True).first()
    if stored is None:
        return ""
    return redactor_for(version).span(stored, 0, len(stored))


@lru_cache(maxsize=1)
def _word() -> re.Pattern[str]:
    return re.compile(r"[\w']+")


def snippet(text: str, query: str, width: int = 220) -> SafeString:
    """An escaped window of ``text`` around the first query word, query words in <mark>."""
    words = [w.lower() for w in _word().findall(query) if w.lower() not in ("or", "and")]
    lowered = text.lower()
    first = min((i for i in (lowered.find(w) for w in words) if i >= 0), default=0)
    left = max(0, first - width // 3)
    right = min(len(text), left + width)
    window = text[left:right]
    html = escape(window)
    if words:
        pattern = re.compile("|".join(re.escape(str(escape(w))) for w in
                                      sorted(set(words), key=len, reverse=True)), re.I)
        html = pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", str(html))
    return mark_safe(("…" if left else "") + html + ("…" if right < len(text) else ""))


def dropped(shown: str, stored: str, query: str) -> bool:
    """Must a search hit be left out for a user who sees ``shown`` (the redacted passage)
    instead of ``stored``? When nothing may be shown (''), and when the query's words were
    in the passage only inside what redaction removed: searching for a name finds nothing.
    A hit that never contained the query's words (found by meaning) stays."""
    if not shown:
        return True
    return bool(query) and matches(stored, query) and not matches(shown, query)


def matches(text: str, query: str) -> bool:
    """Does the redacted text still contain a word of the query (prefix, case-blind)?"""
    words = [w.lower() for w in _word().findall(query) if w.lower() not in ("or", "and")]
    lowered = text.lower()
    return not words or any(w[:5] in lowered for w in words)


@transaction.atomic
def decide_flag(flag: PersonalDataFlag, action: str, user: Any, request: Any = None) -> str:
    """Confirm or reject one flag (a person with change permission); audited."""
    if action not in ("confirm", "reject"):
        raise ValueError("Choose confirm or reject")
    flag = PersonalDataFlag.objects.select_for_update().select_related(
        "version__document").get(pk=flag.pk)
    flag.status = Decision.CONFIRMED if action == "confirm" else Decision.REJECTED
    flag.decided_by = user if getattr(user, "is_authenticated", False) else None
    flag.decided_at = timezone.now()
    flag.save()
    verb = "confirmed" if action == "confirm" else "rejected"
    record(request, "change", flag.version.document, user=user,
           detail=f"personal data flag {flag.pk} ({flag.kind}, page {flag.page}, "
                  f"{flag.producer}) {verb}")
    return f"{LABELS.get(flag.kind, flag.kind).capitalize()} on page {flag.page} {verb}"


def redact_hits(user: Any, hits: list[Any], query: str = "") -> list[Any]:
    """Search hits as ``user`` may see them: for a document the user may not see unredacted,
    the snippet is rebuilt from the redacted passage text; a hit whose query words were only
    inside redacted spans is dropped (searching for a name finds nothing), and so is a
    provisional OCR page or a version whose personal data is not checked yet."""
    from .models import Passage

    if not hits:
        return hits
    documents = {d.pk: d for d in Document.objects.filter(
        pk__in={h.document_id for h in hits}).select_related("kind", "review")}
    hidden = {pk for pk, d in documents.items() if not may_see_unredacted(user, d)}
    if not hidden:
        return hits
    rows = {p["pk"]: p for p in Passage.objects.filter(
        pk__in=[h.passage_id for h in hits if h.document_id in hidden]).values(
        "pk", "version_id", "text", "start", "kind")}
    by_version = redactors(r["version_id"] for r in rows.values())
    unchecked = not_ready(r["version_id"] for r in rows.values())
    kept = []
    for hit in hits:
        row = rows.get(hit.passage_id)
        if hit.document_id not in hidden:
            kept.append(hit)
            continue
        if row is None or row["kind"] == "ocr_page" or row["version_id"] in unchecked:
            continue
        redactor = by_version.get(row["version_id"], Redactor(()))
        text = redactor.piece(row["text"], row["start"])
        if dropped(text, row["text"], query):
            continue
        hit.snippet = snippet(text, query)
        kept.append(hit)
    return kept
