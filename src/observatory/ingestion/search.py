"""Full-text search over passages, one interface over SQLite FTS5 and PostgreSQL.

``search(user, text, ...)`` returns a ``SearchPage``: the total and one page of hits with
highlighted snippets. Who may see what is decided IN the query (``visible_passages``):
confidential passages a role may not view are never matched, so they are never counted.

Backends (chosen by the connection's vendor):
- SQLite: the FTS5 table ``ingestion_passage_fts`` (external content over
  ``ingestion_passage``, porter stemming), kept in sync by triggers from migration 0002,
  so bulk inserts and deletes of passages are indexed too.
  The access filter is written ``+rowid IN (...)``: the unary plus keeps SQLite from
  handing the id list to FTS5 as its index constraint, which would run the MATCH once per
  allowed id (0.5 s instead of 6 ms over 5k passages).
- PostgreSQL: an expression GIN index on ``to_tsvector('english', text)`` (migration 0002),
  queried with ``websearch_to_tsquery`` and highlighted with ``ts_headline``.
- Anything else: a slow ``icontains`` fallback, so the app still runs.

Modes (``search(..., mode=...)``): ``keyword``; ``semantic`` (the ``semantic`` retriever,
registered in ``RETRIEVERS`` by the ``semantic`` app: passage embeddings, nearest by cosine,
the same ``allowed_sql``); ``hybrid`` (reciprocal rank fusion of the keyword top ranks and
the semantic ones: ``observatory_core.embeddings.fuse_rrf``). ``mode=None`` picks hybrid
when any passage has an embedding, else keyword. A ``Retriever`` has ``search(query_text,
allowed_ids_sql, params, limit, offset) -> (total, [(passage_id, score, snippet)])``,
``ranked(...) -> (total, [(passage_id, score)])`` and ``snippets(query_text, ids)``.
Every total is counted inside ``allowed_sql``: what a role may not see is never counted.
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
    mode: str = "keyword"
    notice: str = ""


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
                f" AND +rowid IN ({allowed_sql})", (match, *params))
            total = cursor.fetchone()[0]
            if not total:
                return 0, []
            cursor.execute(
                "SELECT rowid, bm25(ingestion_passage_fts), snippet(ingestion_passage_fts, 0, "
                f"%s, %s, '…', {SNIPPET_WORDS}) FROM ingestion_passage_fts "
                "WHERE ingestion_passage_fts MATCH %s"
                f" AND +rowid IN ({allowed_sql}) ORDER BY bm25(ingestion_passage_fts), rowid "
                "LIMIT %s OFFSET %s", (START, STOP, match, *params, limit, offset))
            rows = [(pk, -score, snippet) for pk, score, snippet in cursor.fetchall()]
        return total, rows

    def ranked(self, text, allowed_sql, params, limit):
        match = fts5_query(text)
        if not match:
            return 0, []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM ingestion_passage_fts WHERE ingestion_passage_fts MATCH %s"
                f" AND +rowid IN ({allowed_sql})", (match, *params))
            total = cursor.fetchone()[0]
            if not total or not limit:
                return total, []
            cursor.execute(
                "SELECT rowid, bm25(ingestion_passage_fts) FROM ingestion_passage_fts "
                "WHERE ingestion_passage_fts MATCH %s"
                f" AND +rowid IN ({allowed_sql}) ORDER BY bm25(ingestion_passage_fts), rowid "
                "LIMIT %s", (match, *params, limit))
            return total, [(pk, -score) for pk, score in cursor.fetchall()]

    def snippets(self, text, ids):
        match = fts5_query(text)
        if not match or not ids:
            return {}
        marks = ",".join(["%s"] * len(ids))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid, snippet(ingestion_passage_fts, 0, "
                f"%s, %s, '…', {SNIPPET_WORDS}) FROM ingestion_passage_fts "
                f"WHERE ingestion_passage_fts MATCH %s AND +rowid IN ({marks})",
                (START, STOP, match, *ids))
            return dict(cursor.fetchall())


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

    def ranked(self, text, allowed_sql, params, limit):
        if not re.search(r"\w", text):
            return 0, []
        query = "websearch_to_tsquery('english'::regconfig, %s)"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM ingestion_passage WHERE {self.vector} @@ {query}"
                f" AND id IN ({allowed_sql})", (text, *params))
            total = cursor.fetchone()[0]
            if not total or not limit:
                return total, []
            cursor.execute(
                f"SELECT id, ts_rank_cd({self.vector}, {query}) AS score "
                f"FROM ingestion_passage WHERE {self.vector} @@ {query} "
                f"AND id IN ({allowed_sql}) ORDER BY score DESC, id LIMIT %s",
                (text, text, *params, limit))
            return total, cursor.fetchall()

    def snippets(self, text, ids):
        if not re.search(r"\w", text) or not ids:
            return {}
        query = "websearch_to_tsquery('english'::regconfig, %s)"
        marks = ",".join(["%s"] * len(ids))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, ts_headline('english'::regconfig, text, {query}, %s) "
                f"FROM ingestion_passage WHERE id IN ({marks}) AND {self.vector} @@ {query}",
                (text, f"StartSel={START}, StopSel={STOP}, MaxWords={SNIPPET_WORDS}, "
                       "MinWords=10, ShortWord=2", *ids, text))
            return dict(cursor.fetchall())


class SubstringFallback:
    name = "substring"

    def search(self, text, allowed_sql, params, limit, offset):
        qs = Passage.objects.filter(text__icontains=text.strip('"'),
                                    id__in=RawSQL(allowed_sql, params))
        total = qs.count()
        return total, [(p.pk, 1.0, p.text[:300]) for p in qs.order_by("id")[offset:offset + limit]]

    def ranked(self, text, allowed_sql, params, limit):
        total, rows = self.search(text, allowed_sql, params, limit, 0)
        return total, [(pk, score) for pk, score, _ in rows]

    def snippets(self, text, ids):
        return {p.pk: p.text[:300] for p in Passage.objects.filter(pk__in=ids)}


def keyword_retriever() -> Retriever:
    return {"sqlite": SQLiteFTS5, "postgresql": PostgresFTS}.get(
        connection.vendor, SubstringFallback)()


RETRIEVERS: dict[str, Any] = {"keyword": keyword_retriever}
MODES = ("keyword", "semantic", "hybrid")
HYBRID_WINDOW = 100  # keyword ranks fused with the semantic ones (at least a page deeper)
RRF_K = 60


class SemanticUnavailable(Exception):
    """Semantic search cannot run (no embedding model in this process, or no vectors)."""


def semantic_retriever() -> Any:
    factory = RETRIEVERS.get("semantic")
    if factory is None:
        raise SemanticUnavailable("semantic search is not installed")
    try:
        return factory()
    except Exception as exc:  # EmbeddingUnavailable: model package missing or altered
        raise SemanticUnavailable(f"semantic search is unavailable: {exc}") from exc


def default_mode() -> str:
    """Hybrid when any passage has an embedding, else keyword."""
    if "semantic" not in RETRIEVERS:
        return "keyword"
    from ..semantic.retriever import has_embeddings

    return "hybrid" if has_embeddings() else "keyword"


def render_snippet(raw: str) -> SafeString:
    """Escape the passage text but keep the highlight markers as <mark>."""
    return mark_safe(escape(raw).replace(START, "<mark>").replace(STOP, "</mark>"))


def hits_for(rows: list[tuple[int, float, str]]) -> list[Hit]:
    """Hits (review, document, page, link) for (passage id, score, raw snippet) rows, in
    the rows' order. Callers pass only ids that passed the access SQL."""
    found = {p.pk: p for p in Passage.objects.filter(pk__in=[r[0] for r in rows]).select_related(
        "review", "document", "version")}
    hits = []
    for pk, score, snippet in rows:
        p = found.get(pk)
        if p is None:
            continue
        hits.append(Hit(
            passage_id=pk, score=float(score or 0), snippet=render_snippet(snippet or ""),
            review=p.review.reference, review_title=p.review.title, document_id=p.document_id,
            document_title=p.document.title, version=p.version.number, page=p.page,
            index=p.index, section_kind=p.section_kind, section_title=p.section_title,
            confidential=p.confidential,
            url=f"/documents/{p.document_id}/text/?version={p.version.number}"
                f"&page={p.page}#p-{p.index}"))
    return hits


def allowed_query(user: Any, reviews: QuerySet | None = None,
                  section_kind: str = "") -> tuple[str, tuple]:
    """The SQL (and params) selecting the ids of the passages ``user`` may see, narrowed
    by review filters and section kind: every retriever runs inside it. Unordered: the
    model's default ordering would add four joins and a sort to every subquery."""
    qs = visible_passages(user, reviews)
    if section_kind:
        qs = qs.filter(section_kind=section_kind)
    sql, params = qs.order_by().values("id").query.sql_with_params()
    return sql, tuple(params)


def _hybrid(text: str, allowed_sql: str, params: tuple, limit: int,
            offset: int) -> tuple[int, list[tuple[int, float, str]], str]:
    from observatory_core.embeddings import fuse_rrf

    keyword = keyword_retriever()
    semantic = semantic_retriever()
    depth = max(HYBRID_WINDOW, offset + limit)
    k_total, k_rows = keyword.ranked(text, allowed_sql, params, depth)
    _, s_rows = semantic.ranked(text, allowed_sql, params, depth)
    k_ids = [pk for pk, _ in k_rows]
    s_ids = [pk for pk, _ in s_rows]
    # Total = keyword matches + semantic results that do not match the words (counted in
    # the access SQL, narrowed to the semantic ids).
    extra = [pk for pk in s_ids if pk not in set(k_ids)]
    if extra and k_total > len(k_ids):
        marks = ",".join(["%s"] * len(extra))
        both, _ = keyword.ranked(text, f"SELECT id FROM ingestion_passage WHERE id IN ({marks}) "
                                       f"AND id IN ({allowed_sql})", (*extra, *params), 0)
        extra_count = len(extra) - both
    else:
        extra_count = len(extra)
    fused = fuse_rrf({"keyword": k_ids, "semantic": s_ids}, k=RRF_K)
    page = fused[offset:offset + limit]
    ids = [f.key for f in page]
    snippets = semantic.snippets(text, ids)
    snippets.update(keyword.snippets(text, [f.key for f in page if "keyword" in f.ranks]))
    rows = [(f.key, f.score, snippets.get(f.key, "")) for f in page]
    return k_total + extra_count, rows, f"{keyword.name}+{semantic.name}"


def search(user: Any, text: str, *, reviews: QuerySet | None = None,
           section_kind: str = "", limit: int = 20, offset: int = 0,
           mode: str | None = None) -> SearchPage:
    """Search the passages ``user`` may see (optionally only of ``reviews``, already
    filtered by dataset fields, and only in one kind of section). ``mode`` is keyword,
    semantic or hybrid; None picks the default (``default_mode``). If semantic search is
    unavailable, hybrid falls back to keyword and says so in ``page.notice``."""
    text = (text or "").strip()[:500]
    mode = mode if mode in MODES else default_mode()
    page = SearchPage(query=text, total=0, offset=offset, limit=limit, mode=mode)
    if not text:
        return page
    allowed_sql, params = allowed_query(user, reviews, section_kind)
    try:
        if mode == "hybrid":
            page.total, rows, page.backend = _hybrid(text, allowed_sql, params, limit, offset)
        elif mode == "semantic":
            retriever = semantic_retriever()
            page.backend = retriever.name
            page.total, rows = retriever.search(text, allowed_sql, params, limit, offset)
        else:
            retriever = RETRIEVERS[mode]()
            page.backend = retriever.name
            page.total, rows = retriever.search(text, allowed_sql, params, limit, offset)
    except SemanticUnavailable as exc:
        page.notice = str(exc)
        if mode == "semantic":
            return page
        page.mode = "keyword"
        retriever = keyword_retriever()
        page.backend = retriever.name
        page.total, rows = retriever.search(text, allowed_sql, params, limit, offset)
    page.hits = hits_for(rows)
    return page


@dataclass
class SimilarPage:
    passage: int
    state: str  # ready | not embedded | unavailable
    hits: list[Hit] = field(default_factory=list)
    notice: str = ""


def similar(user: Any, passage: Passage, limit: int = 10) -> SimilarPage:
    """Passages of OTHER reviews nearest to ``passage`` that ``user`` may see. The caller
    has checked that the user may view ``passage``'s document."""
    out = SimilarPage(passage=passage.pk, state="ready")
    try:
        semantic_retriever()
    except SemanticUnavailable as exc:
        out.state, out.notice = "unavailable", str(exc)
        return out
    from ..semantic.retriever import excerpts, nearest, vector_of

    vector = vector_of(passage.pk)
    if vector is None:
        out.state = "not embedded"
        out.notice = "This passage has not been embedded yet."
        return out
    qs = visible_passages(user).exclude(review_id=passage.review_id)
    sql, params = qs.order_by().values("id").query.sql_with_params()
    found = nearest(vector, sql, tuple(params), window=limit)
    snippets = excerpts([pk for pk, _ in found])
    out.hits = hits_for([(pk, score, snippets.get(pk, "")) for pk, score in found])
    return out
