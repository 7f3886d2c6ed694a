"""Personal data: who sees a document's text unredacted, the redacted text everyone else
sees, when they may see it, and people's decisions on flags.

**Rule** (stated for people in docs/ingestion.md and docs/security.md):

1. The unredacted text of a document (viewer, JSON, API, search snippets, the personal-data
   flags themselves) is for those who may *change* the document's review
   (``can(user, 'change', document)``: partnership in its own area, analysts,
   administrators), the people who decide the flags.
2. Everyone else who may view the document sees it only redacted, and sees NOTHING of a
   version (no text, no snippet, no heading, no search hit, no count) until a person has
   decided that version's flags (``ready``): the model's and the rules' check has finished,
   no flag is still ``suggested``, and a person has said the review of the version is done
   (``RedactionReview``). Machine suggestions are never shown as redactions: they are often
   wrong ("Yorkshire", "Cafcass") and a missed name would be shown.
3. Only ``confirmed`` flags redact (a person's own flags are confirmed when added); each
   becomes ``[REDACTED: kind]`` at its span, and every other occurrence of its string in any
   text derived from the version is replaced too. Rejected flags redact nothing.
4. Every string derived from a document (passage text, section titles, headings of
   recommendations and findings, quotes, labels, explanations, document titles) goes
   through the same function, ``redact_field``, for every such role.
5. A search hit is dropped, and not counted, when ANY of the query's words is found in the
   passage only inside redacted spans (``dropped``): a name, alone or with common words,
   finds nothing.
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
from .models import Decision, DocumentText, PersonalDataFlag, RedactionReview

LABELS = {"person_name": "name", "postcode": "postcode", "nhs_number": "NHS number",
          "phone": "phone number", "date_of_birth": "date of birth", "school": "school",
          "address": "address", "email": "e-mail"}
REDACTING = (Decision.CONFIRMED,)
AWAITING = "Awaiting redaction review"
AWAITING_NOTE = ("This text will be shown once a person has checked it for personal data "
                 "(awaiting redaction review).")


def may_see_unredacted(user: Any, document: Document) -> bool:
    return can(user, "change", document)


def _id(version: DocumentVersion | int) -> int:
    return version if isinstance(version, int) else version.pk


def ready(version: DocumentVersion | int | None) -> bool:
    """May roles that see the version only redacted see it at all? Only once a person has
    decided its flags (see the module's rule, point 2)."""
    return version is not None and _id(version) in reviewed(version_ids=[_id(version)])


def not_ready(version_ids: Iterable[int]) -> set[int]:
    """The versions among ``version_ids`` not yet decided by a person (shown to nobody who
    sees them only redacted)."""
    ids = set(version_ids)
    return ids - reviewed(ids)


def reviewed(version_ids: Iterable[int]) -> set[int]:
    """The versions among ``version_ids`` whose flags a person has decided: signed off
    (``RedactionReview``), no flag still suggested, and no personal-data check running or
    failed (a check that runs again may add flags)."""
    from .models import IngestJob
    from .services import deferred_steps

    ids = set(version_ids)
    if not ids:
        return set()
    signed = set(RedactionReview.objects.filter(version_id__in=ids).values_list(
        "version_id", flat=True))
    if not signed:
        return set()
    pending = set(PersonalDataFlag.objects.filter(
        version_id__in=signed, status=Decision.SUGGESTED).values_list("version_id", flat=True))
    latest: dict[int, tuple[str, str]] = {}
    for vid, status, step in IngestJob.objects.filter(version_id__in=signed).order_by(
            "version_id", "created_at", "pk").values_list("version_id", "status", "step"):
        latest[vid] = (status, step)
    checking = {vid for vid, (status, step) in latest.items()
                if step in deferred_steps() and status in (IngestJob.RUNNING, IngestJob.FAILED)}
    return signed - pending - checking


def reviewed_sql(column: str) -> tuple[str, tuple]:
    """SQL true when the version whose id is ``column`` is signed off with no flag still
    suggested (the database half of ``reviewed``; search adds the job check in Python)."""
    review = RedactionReview._meta.db_table
    flags = PersonalDataFlag._meta.db_table
    return (f"(EXISTS (SELECT 1 FROM {review} rr WHERE rr.version_id = {column}) AND NOT "
            f"EXISTS (SELECT 1 FROM {flags} sf WHERE sf.version_id = {column} AND "
            "sf.status = %s))", (Decision.SUGGESTED,))


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
    if stored is None or not ready(version):
        return ""
    return redactor_for(version).span(stored, 0, len(stored))


def redact_field(value: str | None, redactor: Redactor | None) -> str:
    """THE function for any string derived from a document (section title, heading, quote,
    label, explanation, document title, snippet) as the user may see it: ``redactor`` is the
    version's (``redactor_for``/``redactors``, confirmed flags only) for a user who sees the
    version only redacted, None for one who may see it unredacted. Callers must withhold the
    whole version while it is not ``ready``; ``withheld`` says so for one field."""
    if not value:
        return value or ""
    return value if redactor is None else redactor.text(value)


def withheld(value: str | None) -> str:
    """What a role that sees a version only redacted gets for a field of an unreviewed one."""
    return AWAITING if value else ""


def visible_titles(user: Any, documents: Iterable[Document]) -> dict[int, str]:
    """Documents' titles (typed by a person at upload, often naming the child) as ``user``
    may see them, by rule points 2 and 4: unredacted for those who decide the flags,
    otherwise redacted by the current version's confirmed flags, and withheld while that
    version awaits its redaction review. Every page that shows a title uses this."""
    documents = list(documents)
    hidden = [d for d in documents if not may_see_unredacted(user, d)]
    current = {d.pk: d.current for d in hidden}
    ids = [v.pk for v in current.values() if v is not None]
    done, by_version = reviewed(ids), redactors(ids)
    out = {d.pk: d.title for d in documents}
    for d in hidden:
        version = current[d.pk]
        out[d.pk] = withheld(d.title) if version is None or version.pk not in done else \
            redact_field(d.title, by_version.get(version.pk, Redactor(())))
    return out


def as_seen(user: Any, document: Document, data: dict[str, Any]) -> dict[str, Any]:
    """The repository's plain data of ``document`` (``repository.serialize.document_data``)
    as ``user`` may see it: the title by ``visible_titles``, and the uploaded files' names
    (typed by whoever saved the file) only for those who may download the file itself."""
    data = {**data, "title": visible_titles(user, [document])[document.pk]}
    if not may_see_unredacted(user, document) and not can(user, "download", document):
        data["versions"] = [{**v, "filename": ""} for v in data.get("versions", [])]
    return data


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


_SUFFIXES = ("ing", "ies", "ed", "es", "ly", "s")


def term_key(word: str) -> str:
    """A crude stem, the same on both sides of a comparison: lower case, one common suffix
    off (both full-text engines stem, so 'reviews' matched 'review')."""
    word = word.lower()
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[:-len(suffix)]
    return word


def _groups(query: str) -> list[set[str]]:
    """The query as the search engines read it: groups of words joined by OR, all the words
    of a group (quoted phrases included, word by word) needed (AND binds tighter than OR)."""
    groups: list[set[str]] = [set()]
    for phrase, word in re.findall(r'"([^"]*)"|(\S+)', query):
        if word and word.upper() == "OR":
            groups.append(set())
            continue
        groups[-1].update(term_key(w) for w in re.findall(r"\w+", phrase or word)
                          if w.lower() not in ("and", "not"))
    return [g for g in groups if g]


def _keys(text: str) -> set[str]:
    return {term_key(w) for w in re.findall(r"\w+", text)}


def _found(groups: list[set[str]], keys: set[str]) -> bool:
    return any(g <= keys for g in groups)


def dropped(shown: str, stored: str, query: str) -> bool:
    """Must a search hit be left out (and not counted) for a user who sees ``shown`` (the
    redacted passage) instead of ``stored``? When nothing may be shown (''), and when the
    query matches the stored passage but not what the user sees: with the words the user
    cannot see taken out, the passage is judged as if searched in its redacted text. So if
    ANY word the query needs is in the passage only inside redacted spans, whatever else
    matches, the hit is dropped: a name finds nothing, alone or with common words, and
    'name OR word' finds exactly what 'word' finds. A hit that never contained the query's
    words (found by meaning) is not dropped for them."""
    if not shown:
        return True
    groups = _groups(query)
    if not groups:
        return False
    stored_keys = _keys(stored)
    if not _found(groups, stored_keys):
        # Found by meaning: still dropped if a word of the query is only inside a redacted
        # span (the hit would be there because of the hidden name).
        hidden = set().union(*groups) & stored_keys
        return bool(hidden - _keys(shown))
    return not _found(groups, _keys(shown))


def matches(text: str, query: str) -> bool:
    """Does ``text`` match the query (as ``dropped`` reads it)?"""
    groups = _groups(query)
    return not groups or _found(groups, _keys(text))


def _decide(flags: Iterable[PersonalDataFlag], action: str, user: Any) -> int:
    if action not in ("confirm", "reject"):
        raise ValueError("Choose confirm or reject")
    status = Decision.CONFIRMED if action == "confirm" else Decision.REJECTED
    ids = [f.pk for f in flags]
    return PersonalDataFlag.objects.filter(pk__in=ids).update(
        status=status, decided_by=user if getattr(user, "is_authenticated", False) else None,
        decided_at=timezone.now())


@transaction.atomic
def decide_flag(flag: PersonalDataFlag, action: str, user: Any, request: Any = None) -> str:
    """Confirm or reject one flag (a person with change permission); audited."""
    flag = PersonalDataFlag.objects.select_for_update().select_related(
        "version__document").get(pk=flag.pk)
    _decide([flag], action, user)
    verb = "confirmed" if action == "confirm" else "rejected"
    record(request, "change", flag.version.document, user=user,
           detail=f"personal data flag {flag.pk} ({flag.kind}, page {flag.page}, "
                  f"{flag.producer}) {verb}")
    return f"{LABELS.get(flag.kind, flag.kind).capitalize()} on page {flag.page} {verb}"


@transaction.atomic
def decide_many(version: DocumentVersion, action: str, user: Any, *, text: str = "",
                kind: str = "", request: Any = None) -> str:
    """One decision on many flags of a version: every still-suggested flag whose words are
    ``text`` (all occurrences of a string, case-blind), or every one of ``kind``; audited."""
    text = " ".join(text.split())
    if not text and not kind:
        raise ValueError("Choose the words or the kind of the flags to decide")
    flags = PersonalDataFlag.objects.select_for_update().filter(
        version=version, status=Decision.SUGGESTED)
    if kind:
        flags = flags.filter(kind=kind)
    chosen = [f for f in flags if not text or " ".join(f.text.split()).lower() == text.lower()]
    if not chosen:
        raise ValueError("No flag still to decide matches that")
    count = _decide(chosen, action, user)
    verb = "confirmed" if action == "confirm" else "rejected"
    what = f"'{text}'" if text else LABELS.get(kind, kind)
    record(request, "change", version.document, user=user,
           detail=f"{count} personal data flags ({what}) {verb} at once")
    return f"{count} flag{'s' if count != 1 else ''} ({what}) {verb}"


@transaction.atomic
def add_flag(version: DocumentVersion, user: Any, *, kind: str, start: int | None = None,
             end: int | None = None, text: str = "", request: Any = None) -> str:
    """A person flags what the machine missed: the span ``start``-``end`` of the version's
    text (selected in the viewer), or without a span every occurrence of ``text``. A
    person's flag is confirmed at once; audited."""
    from observatory_core.ingest.text import page_at

    stored = DocumentText.objects.filter(version=version).first()
    if stored is None:
        raise ValueError("This version has no text yet")
    if kind not in LABELS:
        raise ValueError("Choose the kind of personal data")
    full = stored.text
    typed = " ".join(text.split())
    if start is not None and end is not None and typed and end <= len(full) and \
            " ".join(full[start:end].split()) != typed:
        start = end = None  # the words were typed after a selection: flag the typed words
    if start is not None and end is not None:
        if not 0 <= start < end <= len(full) or end - start > 300:
            raise ValueError("Select the words to flag (at most 300 characters)")
        spans = [(start, end)]
    else:
        text = " ".join(text.split())
        if len(text) < 2:
            raise ValueError("Enter the words to flag")
        spans = [(m.start(), m.end()) for m in re.finditer(
            rf"(?<![\w-]){re.escape(text)}(?![\w-])", full, re.I)]
        if not spans:
            raise ValueError(f"'{text}' is not in this version's text")
    pages = [_Page(n, a, b) for n, a, b in stored.pages]
    now = timezone.now()
    who = user if getattr(user, "is_authenticated", False) else None
    made = 0
    for a, b in spans:
        existing = PersonalDataFlag.objects.filter(version=version, start=a, end=b).first()
        if existing is not None:
            if existing.status != Decision.CONFIRMED:
                _decide([existing], "confirm", user)
                made += 1
            continue
        PersonalDataFlag.objects.create(
            version=version, kind=kind, text=full[a:b][:300], page=page_at(pages, a) or 1,
            start=a, end=b, confidence=1.0, producer="person", status=Decision.CONFIRMED,
            decided_by=who, decided_at=now)
        made += 1
    record(request, "change", version.document, user=user,
           detail=f"{made} personal data flags ({LABELS[kind]}) added by a person")
    return f"{made} {LABELS[kind]} flag{'s' if made != 1 else ''} added"


class _Page:
    """The shape ``page_at`` reads (number, start, end) for a stored page row."""

    def __init__(self, number: int, start: int, end: int) -> None:
        self.number, self.start, self.end = number, start, end


@transaction.atomic
def finish_review(version: DocumentVersion, user: Any, request: Any = None) -> str:
    """A person says the flags of ``version`` are decided: refused while any is still
    suggested. From then on the redacted text is shown (``ready``); audited."""
    if PersonalDataFlag.objects.filter(version=version, status=Decision.SUGGESTED).exists():
        raise ValueError("Decide every suggested flag first")
    RedactionReview.objects.update_or_create(version=version, defaults={
        "reviewed_by": user if getattr(user, "is_authenticated", False) else None,
        "reviewed_at": timezone.now()})
    record(request, "change", version.document, user=user,
           detail=f"redaction review of version {version.number} finished")
    return "Redaction review finished: the redacted text is now shown to everyone allowed it"


def progress(version_ids: Iterable[int]) -> dict[str, int]:
    """Redaction review progress over some versions: flags decided and total, versions
    reviewed and awaiting review."""
    from django.db.models import Count, Q

    ids = set(version_ids)
    counts = PersonalDataFlag.objects.filter(version_id__in=ids).aggregate(
        total=Count("pk"), decided=Count("pk", filter=~Q(status=Decision.SUGGESTED)))
    done = reviewed(ids)
    return {"flags_total": counts["total"] or 0, "flags_decided": counts["decided"] or 0,
            "versions": len(ids), "versions_reviewed": len(done),
            "versions_awaiting": len(ids) - len(done)}


def review_progress(user: Any, review: Any) -> dict[str, Any] | None:
    """Redaction review progress of a review's documents (latest versions), for the people
    who decide flags (None for anyone else): flags decided of total, versions reviewed and
    awaiting review, and a link to each awaiting version's flags."""
    if not can(user, "change", review):
        return None
    latest: dict[int, DocumentVersion] = {}
    for version in DocumentVersion.objects.filter(document__review=review).select_related(
            "document").order_by("document_id", "-number"):
        latest.setdefault(version.document_id, version)
    if not latest:
        return None
    out: dict[str, Any] = progress(v.pk for v in latest.values())
    done = reviewed(v.pk for v in latest.values())
    out["awaiting"] = [
        {"document": v.document_id, "title": v.document.title, "version": v.number,
         "url": f"{v.document.get_absolute_url()}personal-data/?version={v.number}"}
        for v in latest.values() if v.pk not in done]
    return out


def redact_hits(user: Any, hits: list[Any], query: str = "") -> list[Any]:
    """Search hits as ``user`` may see them: for a document the user may not see unredacted,
    the snippet is rebuilt from the redacted passage text and every other document-derived
    field (section title, document title) redacted by ``redact_field``; a hit whose query
    words are only inside redacted spans is dropped (``dropped``), and so is a provisional
    OCR page or a version not yet reviewed (``ready``)."""
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
        redact_hit_fields(hit, redactor)
        kept.append(hit)
    return kept


HIT_TEXT_FIELDS = ("section_title", "document_title")


def redact_hit_fields(hit: Any, redactor: Redactor) -> None:
    """The document-derived fields of a search hit besides its snippet, redacted."""
    for name in HIT_TEXT_FIELDS:
        setattr(hit, name, redact_field(getattr(hit, name), redactor))
