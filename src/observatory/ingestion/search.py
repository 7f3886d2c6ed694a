"""Full-text search over passages, one interface over SQLite FTS5 and PostgreSQL.

``search(user, text, ...)`` returns a ``SearchPage``: the total and one page of hits with
highlighted snippets. Who may see what is decided IN the query (``visible_passages``):
confidential passages a role may not view are never matched, so they are never counted.

Backends (chosen by the connection's vendor):
- SQLite: the FTS5 table ``ingestion_passage_fts`` (external content over
  ``ingestion_passage``, porter stemming), kept in sync by triggers from migration 0002,
  so bulk inserts and deletes of passages are indexed too.
- PostgreSQL: an expression GIN index on ``to_tsvector('english', text)`` (migration 0002),
  queried with ``websearch_to_tsquery`` and highlighted with ``ts_headline``.
- Anything else: a slow ``icontains`` fallback, so the app still runs.

Seam for semantic search: a ``Retriever`` is anything with ``search(query_text,
allowed_ids_sql, params, limit, offset) -> (total, [(passage_id, score, snippet)])``;
``RETRIEVERS`` holds the keyword one. An embedding retriever (issue 7, later) registers
next to it and ``search(..., mode='hybrid')`` will fuse the ranked lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from observatory_core.access import allowed

from ..accounts.access import area_of, role_of
from ..repository.filters import visible_reviews
from .models import Passage

START, STOP = "\x02", "\x03"
SNIPPET_WORDS = 24


@dataclass
class Hit:
    passage_id: int
    score: float
    snippet: SafeString
    review: str
    review_title: str
    document_id: int
    document_title: str
    version: int
    page: int
    index: int
    section_kind: str
    section_title: str
    confidential: bool
    url: str

    def as_dict(self) -> dict[str, Any]:
        return {"passage": self.passage_id, "score": round(self.score, 4),
                "snippet": str(self.snippet), "review": self.review,
                "review_title": self.review_title, "document": self.document_id,
                "document_title": self.document_title, "version": self.version,
                "page": self.page, "passage_index": self.index,
                "section_kind": self.section_kind or None,
                "section_title": self.section_title, "confidential": self.confidential,
                "url": self.url}


@dataclass
class SearchPage:
    query: str
    total: int
    hits: list[Hit] = field(default_factory=list)
    offset: int = 0
    limit: int = 20
    backend: str = ""


def visible_passages(user: Any, reviews: QuerySet | None = None) -> QuerySet[Passage]:
    """Passages of documents the user may view, as one queryset (the filter is SQL).

    Mirrors ``can(user, 'view', document)``: the review must be visible (published, or
    unpublished where the policy allows) and a confidential document needs the
    confidential_document grant (for partnership users: only in their own area)."""
    role = role_of(user)
    reviews = reviews if reviews is not None else visible_reviews(user)
    qs = Passage.objects.filter(review__in=reviews.values("pk"))
    if allowed(role, "confidential_document", "view"):
        return qs
    area = area_of(user)
    if area and allowed(role, "confidential_document", "view", same_area=True):
        return qs.filter(Q(confidential=False) | Q(review__local_authority_id=area))
    return qs.filter(confidential=False)


class Retriever(Protocol):
    name: str

    def search(self, text: str, allowed_sql: str, params: tuple, limit: int,
               offset: int) -> tuple[int, list[tuple[int, float, str]]]: ...


def fts5_query(text: str) -> str:
    """User words to a safe FTS5 query: "quoted phrases" kept, every other word quoted
    (so no FTS5 operator or column filter can be injected), OR kept between terms."""
    parts: list[str] = []
    for phrase, word in re.findall(r'"([^"]*)"|(\S+)', text):
        if word and word.upper() == "OR" and parts and parts[-1] != "OR":
            parts.append("OR")
            continue
        tokens = re.findall(r"\w+", phrase or word)
        if tokens:
            parts.append('"' + " ".join(tokens) + '"')
    while parts and parts[-1] == "OR":
        parts.pop()
    return " ".join(parts)


class SQLiteFTS5:
    name = "sqlite-fts5"

    def search(self, text, allowed_sql, params, limit, offset):
        match = fts5_query(text)
        if not match:
            return 0, []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM ingestion_passage_fts WHERE ingestion_passage_fts MATCH %s"
                f" AND rowid IN ({allowed_sql})", (match, *params))
            total = cursor.fetchone()[0]
            if not total:
                return 0, []
            cursor.execute(
                "SELECT rowid, bm25(ingestion_passage_fts), snippet(ingestion_passage_fts, 0, "
                f"%s, %s, '…', {SNIPPET_WORDS}) FROM ingestion_passage_fts "
                "WHERE ingestion_passage_fts MATCH %s"
                f" AND rowid IN ({allowed_sql}) ORDER BY bm25(ingestion_passage_fts), rowid "
                "LIMIT %s OFFSET %s", (START, STOP, match, *params, limit, offset))
            rows = [(pk, -score, snippet) for pk, score, snippet in cursor.fetchall()]
        return total, rows


class PostgresFTS:
    name = "postgresql-fts"
    vector = "to_tsvector('english'::regconfig, text)"

    def search(self, text, allowed_sql, params, limit, offset):
        if not re.search(r"\w", text):
            return 0, []
        query = "websearch_to_tsquery('english'::regconfig, %s)"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM ingestion_passage WHERE {self.vector} @@ {query}"
                f" AND id IN ({allowed_sql})", (text, *params))
            total = cursor.fetchone()[0]
            if not total:
                return 0, []
            cursor.execute(
                f"SELECT top.id, top.score, ts_headline('english'::regconfig, p.text, {query}, "
                "%s) FROM (SELECT id, ts_rank_cd(" + self.vector + f", {query}) AS score "
                f"FROM ingestion_passage WHERE {self.vector} @@ {query} "
                f"AND id IN ({allowed_sql}) ORDER BY score DESC, id LIMIT %s OFFSET %s) top "
                "JOIN ingestion_passage p ON p.id = top.id ORDER BY top.score DESC, top.id",
                (text, f"StartSel={START}, StopSel={STOP}, MaxWords={SNIPPET_WORDS}, "
                       "MinWords=10, ShortWord=2", text, text, *params, limit, offset))
            rows = cursor.fetchall()
        return total, rows


class SubstringFallback:
    name = "substring"

    def search(self, text, allowed_sql, params, limit, offset):
        qs = Passage.objects.filter(text__icontains=text.strip('"'),
                                    id__in=RawSQL(allowed_sql, params))
        total = qs.count()
        return total, [(p.pk, 1.0, p.text[:300]) for p in qs.order_by("id")[offset:offset + limit]]


def keyword_retriever() -> Retriever:
    return {"sqlite": SQLiteFTS5, "postgresql": PostgresFTS}.get(
        connection.vendor, SubstringFallback)()


RETRIEVERS = {"keyword": keyword_retriever}


def render_snippet(raw: str) -> SafeString:
    """Escape the passage text but keep the highlight markers as <mark>."""
    return mark_safe(escape(raw).replace(START, "<mark>").replace(STOP, "</mark>"))


def search(user: Any, text: str, *, reviews: QuerySet | None = None,
           section_kind: str = "", limit: int = 20, offset: int = 0,
           mode: str = "keyword") -> SearchPage:
    """Search the passages ``user`` may see (optionally only of ``reviews``, already
    filtered by dataset fields, and only in one kind of section)."""
    text = (text or "").strip()[:500]
    page = SearchPage(query=text, total=0, offset=offset, limit=limit)
    if not text:
        return page
    qs = visible_passages(user, reviews)
    if section_kind:
        qs = qs.filter(section_kind=section_kind)
    allowed_sql, params = qs.values("id").query.sql_with_params()
    retriever = RETRIEVERS[mode]()
    page.backend = retriever.name
    page.total, rows = retriever.search(text, allowed_sql, tuple(params), limit, offset)
    found = {p.pk: p for p in Passage.objects.filter(pk__in=[r[0] for r in rows]).select_related(
        "review", "document", "version")}
    for pk, score, snippet in rows:
        p = found.get(pk)
        if p is None:
            continue
        page.hits.append(Hit(
            passage_id=pk, score=float(score or 0), snippet=render_snippet(snippet or ""),
            review=p.review.reference, review_title=p.review.title, document_id=p.document_id,
            document_title=p.document.title, version=p.version.number, page=p.page,
            index=p.index, section_kind=p.section_kind, section_title=p.section_title,
            confidential=p.confidential,
            url=f"/documents/{p.document_id}/text/?version={p.version.number}"
                f"&page={p.page}#p-{p.index}"))
    return page
