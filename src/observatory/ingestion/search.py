"""Full-text search over passages, one interface over SQLite FTS5 and PostgreSQL.

``search(user, text, ...)`` returns a ``SearchPage``: the total and one page of hits with
highlighted snippets. Who may see what is decided IN the query (``allowed_query``, an
``Allowed``: ``visible_passages`` plus filters): confidential passages a role may not view
are never matched, so they are never counted. Only passages of each document's current
version are searched (``current_only``; the rule is repository.services').

Counts are capped and honest. Keyword search reads the page (top ``limit`` by rank) and,
only when the page is full, up to ``COUNT_CAP + 1`` matching ids (never a full count of a
common word): ``total`` <= 1,000 and ``more`` says "1,000+". From those ids the ones the
user could not see after redaction (the rule of ``redaction.redact_hits``, applied by
``Redaction``) are not counted, so a count never reveals a hidden passage; it is only ever
low, in the "N+" direction.

Backends (chosen by the connection's vendor):
- SQLite: the FTS5 table ``ingestion_passage_fts`` (external content over
  ``ingestion_passage``, porter stemming), kept in sync by triggers (``index.py``).
  Counts and the re-ranking inside the filter use a correlated ``EXISTS``
  (``Allowed.exists_for``) with ``LIMIT``, so a common word stops after 1,001 allowed
  matches.
- PostgreSQL: a stored ``tsvector`` column with a GIN index (``index.py``), queried with
  ``websearch_to_tsquery``, ranked with ``ts_rank_cd`` on the stored vectors, highlighted
  with ``ts_headline`` on the page's rows only.
- Both rank first and filter after (``RankFirst``): the best 1.5x the depth needed are
  ranked without the access filter, then checked by primary key (``Allowed.among``); the
  ranking is redone inside the filter only when too few pass.
- Anything else: a slow ``icontains`` fallback, so the app still runs.

Modes (``search(..., mode=...)``): ``keyword``; ``semantic`` (the ``semantic`` retriever,
registered in ``RETRIEVERS`` by the ``semantic`` app: passage embeddings, nearest by cosine,
inside the same ``Allowed``); ``hybrid`` (reciprocal rank fusion of the keyword top ids,
fetched without any count, and the semantic ones: ``observatory_core.embeddings.fuse_rrf``).
``mode=None`` picks hybrid when any passage has an embedding, else keyword.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from observatory_core.access import allowed

from ..accounts.access import role_of
from ..accounts.scopes import rows_q
from ..repository.services import in_current_versions
from .models import Passage, PersonalDataFlag

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
    more: bool = False  # the total was capped: there are more than ``total`` passages

    @property
    def has_more(self) -> bool:
        """Whether a page after this one has hits: the counted total reaches past this page,
        or the count stopped at its cap (``more``), so passages beyond it remain."""
        return self.offset + self.limit < self.total or self.more

    @property
    def total_label(self) -> str:
        """'1,000+' when capped, else the number."""
        return f"{self.total:,}+" if self.more else f"{self.total:,}"


def visible_passages(user: Any, reviews: QuerySet | None = None) -> QuerySet[Passage]:
    """Passages of documents the user may view, as one queryset (the filter is SQL): the
    rule of ``can(user, 'view', document)`` in its list form (``accounts.scopes.rows_q``),
    optionally only of ``reviews``."""
    qs = Passage.objects.filter(rows_q(user))
    if reviews is not None:
        qs = qs.filter(review__in=reviews.values("pk"))
    return qs


@dataclass
class Allowed:
    """The passages a search may return or count: ``sql``/``params`` select their ids and
    ``qs`` is the same set as a queryset. ``among`` checks a short list of candidate ids;
    ``exists_for`` gives the filter as a correlated ``EXISTS`` on one outer id column."""

    qs: QuerySet
    sql: str
    params: tuple
    _exists: dict[str, tuple[str, tuple]] = field(default_factory=dict, repr=False)

    def exists_for(self, column: str) -> tuple[str, tuple]:
        """``EXISTS (...)`` true when the passage whose id is ``column`` (an outer query's
        column) is allowed: a primary-key lookup per row, where ``id IN (sql)`` would first
        build the whole allowed set (90k ids for the public: ~25 ms on SQLite)."""
        if column not in self._exists:
            sql, params = self.qs.filter(pk=RawSQL(column, ())).values(
                "id").query.sql_with_params()
            self._exists[column] = (f"EXISTS ({sql})", tuple(params))
        return self._exists[column]

    def among(self, ids: Sequence[int]) -> set[int]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return set()
        if connection.vendor != "sqlite":
            return set(self.qs.filter(pk__in=ids).values_list("pk", flat=True))
        # SQLite would answer ``pk IN (ids) AND review_id IN (...)`` from the review index
        # (every passage of every visible review); looking each candidate up is ~20x faster.
        exists, params = self.exists_for("candidate.id")
        values = ",".join(["(%s)"] * len(ids))
        return {row[0] for row in _fetch(
            f"WITH candidate(id) AS (VALUES {values}) SELECT candidate.id FROM candidate "
            f"WHERE {exists}", (*ids, *params))}


class Retriever(Protocol):
    """``ranked``: the best ``limit`` (id, score), never a count; ``snippets``: highlighted
    raw snippets of some ids. Keyword retrievers also have ``top`` (one page with snippets)
    and ``matching`` (up to ``cap + 1`` matching ids, for a capped count)."""

    name: str

    def ranked(self, text: str, allowed: Allowed, limit: int) -> list[tuple[int, float]]: ...

    def snippets(self, text: str, ids: Sequence[int]) -> dict[int, str]: ...


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


def _fetch(sql: str, params: Sequence[Any]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class RankFirst:
    """Rank first, filter after: the best 1.5 x needed (at least +40) matches are ranked
    without the access filter (as fast as the raw FTS query), then checked by primary key
    (``Allowed.among``); only if too few of them may be seen (a narrow filter or role) is
    the ranking redone inside the filter. Nothing unchecked is returned or counted.
    Subclasses give ``query`` (the engine's query, or '' for none), ``_raw`` (best
    ``depth`` ids and scores, no filter) and ``_filtered`` (best ``need`` inside it)."""

    def query(self, text: str) -> str:
        raise NotImplementedError

    def _raw(self, query: str, depth: int) -> list[tuple[int, float]]:
        raise NotImplementedError

    def _filtered(self, query: str, allowed: Allowed, need: int) -> list[tuple[int, float]]:
        raise NotImplementedError

    def _ranked(self, query: str, allowed: Allowed, need: int) -> list[tuple[int, float]]:
        depth = need + max(need // 2, 40)
        rows = self._raw(query, depth)
        ok = allowed.among([pk for pk, _ in rows])
        kept = [(pk, score) for pk, score in rows if pk in ok]
        if len(kept) >= need or len(rows) < depth:
            return kept[:need]
        return self._filtered(query, allowed, need)

    def ranked(self, text: str, allowed: Allowed, limit: int) -> list[tuple[int, float]]:
        query = self.query(text)
        if not query or limit <= 0:
            return []
        return self._ranked(query, allowed, limit)

    def top(self, text: str, allowed: Allowed, limit: int,
            offset: int) -> list[tuple[int, float, str]]:
        query = self.query(text)
        if not query:
            return []
        page = self._ranked(query, allowed, offset + limit)[offset:]
        snippets = self.snippets(text, [pk for pk, _ in page])
        return [(pk, score, snippets.get(pk, "")) for pk, score in page]

    def snippets(self, text: str, ids: Sequence[int]) -> dict[int, str]:
        raise NotImplementedError


class SQLiteFTS5(RankFirst):
    name = "sqlite-fts5"
    ranking = ("SELECT rowid, -bm25(ingestion_passage_fts) FROM ingestion_passage_fts "
               "WHERE ingestion_passage_fts MATCH %s {where}"
               "ORDER BY bm25(ingestion_passage_fts), rowid LIMIT %s")

    def query(self, text):
        return fts5_query(text)

    def _raw(self, query, depth):
        return _fetch(self.ranking.format(where=""), (query, depth))

    def _filtered(self, query, allowed, need):
        exists, params = allowed.exists_for("ingestion_passage_fts.rowid")
        return _fetch(self.ranking.format(where=f"AND {exists} "), (query, *params, need))

    def matching(self, text, allowed, cap):
        match = fts5_query(text)
        if not match:
            return []
        exists, params = allowed.exists_for("ingestion_passage_fts.rowid")
        return [row[0] for row in _fetch(
            "SELECT rowid FROM ingestion_passage_fts WHERE ingestion_passage_fts MATCH %s "
            f"AND {exists} LIMIT %s", (match, *params, cap + 1))]

    def snippets(self, text, ids):
        match = fts5_query(text)
        if not match or not ids:
            return {}
        # ``+rowid``: the unary plus keeps SQLite from handing the id list to FTS5 as its
        # index constraint (which would run the MATCH once per id).
        marks = ",".join(["%s"] * len(ids))
        return dict(_fetch(
            "SELECT rowid, snippet(ingestion_passage_fts, 0, "
            f"%s, %s, '…', {SNIPPET_WORDS}) FROM ingestion_passage_fts "
            f"WHERE ingestion_passage_fts MATCH %s AND +rowid IN ({marks})",
            (START, STOP, match, *ids)))


class PostgresFTS(RankFirst):
    """The stored ``search_vector`` column and its GIN index (``index.py``); the query is
    parsed once (``websearch_to_tsquery`` in a FROM item), ranked with ``ts_rank_cd`` on
    the stored vectors, and ``ts_headline`` runs on the page's rows only. The capped count
    adds the match to the allowed queryset itself (a join on the small reviews table), not
    ``id IN (allowed)``, which would hash every allowed id first."""

    name = "postgresql-fts"
    tsquery = "websearch_to_tsquery('english'::regconfig, %s)"
    ranking = ("SELECT p.id, ts_rank_cd(p.search_vector, q) AS score "
               "FROM ingestion_passage p, websearch_to_tsquery('english'::regconfig, %s) q "
               "WHERE p.search_vector @@ q {where}ORDER BY score DESC, p.id LIMIT %s")
    headline = (f"StartSel={START}, StopSel={STOP}, MaxWords={SNIPPET_WORDS}, MinWords=10, "
                "ShortWord=2")

    def query(self, text):
        return text if re.search(r"\w", text) else ""

    def _raw(self, query, depth):
        return _fetch(self.ranking.format(where=""), (query, depth))

    def _filtered(self, query, allowed, need):
        return _fetch(self.ranking.format(where=f"AND p.id IN ({allowed.sql}) "),
                      (query, *allowed.params, need))

    def matching(self, text, allowed, cap):
        if not self.query(text):
            return []
        table = Passage._meta.db_table
        return list(allowed.qs.extra(
            where=[f'"{table}"."search_vector" @@ {self.tsquery}'], params=[text])
            .values_list("id", flat=True)[:cap + 1])

    def snippets(self, text, ids):
        if not self.query(text) or not ids:
            return {}
        marks = ",".join(["%s"] * len(ids))
        return dict(_fetch(
            "SELECT p.id, ts_headline('english'::regconfig, p.text, q, %s) "
            f"FROM ingestion_passage p, {self.tsquery} q "
            f"WHERE p.id IN ({marks}) AND p.search_vector @@ q",
            (self.headline, text, *ids)))


class SubstringFallback:
    name = "substring"

    def _qs(self, text: str, allowed: Allowed) -> QuerySet:
        return Passage.objects.filter(text__icontains=text.strip('"'),
                                      id__in=RawSQL(allowed.sql, allowed.params))

    def ranked(self, text, allowed, limit):
        return [(pk, 1.0) for pk in self._qs(text, allowed).order_by("id").values_list(
            "pk", flat=True)[:limit]]

    def top(self, text, allowed, limit, offset):
        return [(p.pk, 1.0, p.text[:300])
                for p in self._qs(text, allowed).order_by("id")[offset:offset + limit]]

    def matching(self, text, allowed, cap):
        return list(self._qs(text, allowed).values_list("pk", flat=True)[:cap + 1])

    def snippets(self, text, ids):
        return {p.pk: p.text[:300] for p in Passage.objects.filter(pk__in=ids)}


def keyword_retriever() -> Any:
    return {"sqlite": SQLiteFTS5, "postgresql": PostgresFTS}.get(
        connection.vendor, SubstringFallback)()


RETRIEVERS: dict[str, Any] = {"keyword": keyword_retriever}
MODES = ("keyword", "semantic", "hybrid")
HYBRID_WINDOW = 100  # keyword ranks fused with the semantic ones (at least a page deeper)
RRF_K = 60
COUNT_CAP = 1000  # keyword totals are counted up to here, then shown as "1,000+"


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


HIT_FIELDS = ("pk", "review__reference", "review__title", "document_id", "document__title",
              "version__number", "page", "index", "section_kind", "section_title",
              "confidential")


def hits_for(rows: list[tuple[int, float, str]]) -> list[Hit]:
    """Hits (review, document, page, link) for (passage id, score, raw snippet) rows, in
    the rows' order. Callers pass only ids that passed the access SQL. (Values, not model
    instances: a third of a search's Python time went to building them.)"""
    found = {r[0]: r for r in Passage.objects.filter(pk__in=[r[0] for r in rows]).order_by()
             .values_list(*HIT_FIELDS)}
    hits = []
    for pk, score, snippet in rows:
        if pk not in found:
            continue
        (_, reference, review_title, document_id, document_title, version, page, index,
         section_kind, section_title, confidential) = found[pk]
        hits.append(Hit(
            passage_id=pk, score=float(score or 0), snippet=render_snippet(snippet or ""),
            review=reference, review_title=review_title, document_id=document_id,
            document_title=document_title, version=version, page=page, index=index,
            section_kind=section_kind, section_title=section_title,
            confidential=confidential,
            url=f"/documents/{document_id}/text/?version={version}&page={page}#p-{index}"))
    return hits


def current_only(passages: QuerySet[Passage]) -> QuerySet[Passage]:
    """Passages of each document's current version only (the rule of
    repository.services.in_current_versions): superseded versions are never searched."""
    return passages.filter(in_current_versions())


def allowed_query(user: Any, reviews: QuerySet | None = None,
                  section_kind: str = "") -> Allowed:
    """The passages ``user`` may see, narrowed by review filters and section kind: every
    retriever runs inside it. Unordered: the model's default ordering would add four joins
    and a sort to every subquery."""
    qs = current_only(visible_passages(user, reviews))
    if section_kind:
        qs = qs.filter(section_kind=section_kind)
    qs = qs.order_by()
    sql, params = qs.values("id").query.sql_with_params()
    return Allowed(qs, sql, tuple(params))


class Redaction:
    """What ``redaction.redact_hits`` does to search hits, computed for many ids at once
    (one raw query; the ORM's per-id work cost more than the query): for a user who may not
    see a document unredacted, a hit is dropped if it is a provisional OCR page, its
    version's flags are not yet decided by a person (``redaction.ready``), or any query word
    is only inside redacted spans (``redaction.dropped``); a kept hit's snippet is rebuilt
    from the redacted passage and its other document-derived fields redacted
    (``redaction.redact_hit_fields``). Used for honest totals (``hidden``) and for the page
    (``redact``), so the search page, API and CLI show ``search()``'s hits as they are."""

    def __init__(self, user: Any) -> None:
        self.user, self.role = user, role_of(user)
        self.everything = all(allowed(self.role, kind, "change") for kind in (
            "published_document", "unpublished_document", "confidential_document"))
        # id -> (text as the user sees it, stored text); None: shown as it is
        self._seen: dict[int, tuple[str, str] | None] = {}
        self._version: dict[int, int] = {}  # id -> version id, for the redacted ones
        self._redactors: dict[int, Any] = {}

    def _rows(self, ids: Sequence[int], every_passage: bool) -> dict[int, tuple[str, str]]:
        """{id: the passage text as the user sees it (redacted)} for the ids in documents
        the user may not see unredacted; '' for a passage shown to nobody such (OCR page,
        version not reviewed). Without ``every_passage`` only passages that redaction can
        change are read: OCR pages, versions not reviewed, versions with redacting flags."""
        from .redaction import REDACTING, Redactor, not_ready, redactors, reviewed_sql

        where = f"p.id IN ({','.join(['%s'] * len(ids))})"
        params: list[Any] = [*REDACTING, *ids]
        if not every_passage:
            decided, decided_params = reviewed_sql("p.version_id")
            risky = [f"p.version_id IN (SELECT version_id FROM {PersonalDataFlag._meta.db_table}"
                     f" WHERE status IN ({','.join(['%s'] * len(REDACTING))}))", "p.kind = %s",
                     f"NOT {decided}"]
            params += [*REDACTING, "ocr_page", *decided_params]
            where += " AND (" + " OR ".join(risky) + ")"
        # Who sees a passage unredacted is the access rule's answer (those who may change
        # its document: redaction.may_see_unredacted), asked through the one query filter.
        unredacted = set(Passage.objects.filter(pk__in=ids).filter(
            rows_q(self.user, "change")).values_list("pk", flat=True))
        found, flagged = [], set()
        for pk, version_id, kind, text, start, has_flags in _fetch(
                "SELECT p.id, p.version_id, p.kind, p.text, p.start, EXISTS (SELECT 1 FROM "
                f"{PersonalDataFlag._meta.db_table} f WHERE f.version_id = p.version_id AND "
                f"f.status IN ({','.join(['%s'] * len(REDACTING))})) FROM "
                f"{Passage._meta.db_table} p WHERE {where}", params):
            if pk in unredacted:
                continue
            found.append((pk, version_id, kind, text, start))
            if has_flags:
                flagged.add(version_id)
        unchecked = not_ready({row[1] for row in found})
        self._redactors.update(redactors(flagged) if flagged else {})
        empty = Redactor(())
        self._version.update({row[0]: row[1] for row in found})
        return {pk: ("" if kind == "ocr_page" or version_id in unchecked
                     else self._redactors.get(version_id, empty).piece(text, start), text)
                for pk, version_id, kind, text, start in found}

    def hidden(self, ids: Sequence[int], query: str, *,
               every_passage: bool = False) -> set[int]:
        """The ids among ``ids`` that ``redact_hits`` would drop. ``every_passage`` also
        checks the query's words in unflagged versions (semantic and hybrid lists, where
        a hit need not contain them); a keyword match in an unflagged version hides nothing
        and is counted without reading its text."""
        from .redaction import dropped

        ids = list(dict.fromkeys(ids))
        if not ids or self.everything:
            return set()
        texts = self._rows(ids, every_passage)
        if every_passage:  # every id was looked at: ``redact`` need not look again
            self._seen.update({pk: texts.get(pk) for pk in ids})
        return {pk for pk, (text, stored) in texts.items() if dropped(text, stored, query)}

    def needs_snippet(self, ids: Sequence[int]) -> list[int]:
        """The ids whose search snippet will be shown as it is (the others' snippets are
        rebuilt from the redacted text by ``redact``): only those need one computed."""
        if self.everything:
            return list(ids)
        todo = [pk for pk in ids if pk not in self._seen]
        if todo:
            texts = self._rows(todo, every_passage=True)
            self._seen.update({pk: texts.get(pk) for pk in todo})
        return [pk for pk in ids if self._seen[pk] is None]

    def redact(self, hits: list[Hit], query: str) -> list[Hit]:
        from .redaction import Redactor, dropped, redact_hit_fields, snippet

        if not hits or self.everything:
            return hits
        self.needs_snippet([h.passage_id for h in hits])
        kept = []
        for hit in hits:
            seen = self._seen[hit.passage_id]
            if seen is not None:
                text, stored = seen
                if dropped(text, stored, query):
                    continue
                hit.snippet = snippet(text, query)
                redact_hit_fields(hit, self._redactors.get(self._version[hit.passage_id],
                                                           Redactor(())))
            kept.append(hit)
        return kept


def _keyword(redaction: Redaction, text: str, allowed_: Allowed, limit: int,
             offset: int) -> tuple[int, bool, list[tuple[int, float, str]], str]:
    """One page of keyword hits and a capped, honest total: the matching ids are read up to
    ``COUNT_CAP + 1`` (no full count of a common word) and those the user could not see
    after redaction are not counted. ``more``: there are more than ``total``."""
    retriever = keyword_retriever()
    rows = retriever.top(text, allowed_, limit, offset)
    one_page = offset == 0 and len(rows) < limit
    # If everything that matches is on this page, no count query is needed.
    ids = ([pk for pk, _, _ in rows] if one_page
           else retriever.matching(text, allowed_, COUNT_CAP))
    more = len(ids) > COUNT_CAP
    # On one page, exactly the hits ``redact`` will keep; else see ``Redaction.hidden``.
    total = len(ids) - len(redaction.hidden(ids, text, every_passage=one_page))
    return min(total, COUNT_CAP), more, rows, retriever.name


def _hybrid(redaction: Redaction, text: str, allowed_: Allowed, limit: int,
            offset: int) -> tuple[int, bool, list[tuple[int, float, str]], str]:
    """Reciprocal rank fusion of the keyword top ranks and the semantic ones. No count of
    the words' matches: the total is the fused list (what can be paged through), with
    ``more`` when the keyword list was cut at its depth."""
    from observatory_core.embeddings import fuse_rrf

    keyword = keyword_retriever()
    semantic = semantic_retriever()
    depth = max(HYBRID_WINDOW, offset + limit)
    # The query's embedding and cosine scores are computed in a worker thread while the
    # keyword query runs (they share no state and both release the GIL).
    pending = semantic.start(text, depth) if hasattr(semantic, "start") else None
    k_ids = [pk for pk, _ in keyword.ranked(text, allowed_, depth)]
    s_ids = [pk for pk, _ in (semantic.finish(pending, allowed_, depth) if pending
                              else semantic.ranked(text, allowed_, depth))]
    fused = fuse_rrf({"keyword": k_ids, "semantic": s_ids}, k=RRF_K)
    hidden = redaction.hidden([f.key for f in fused], text, every_passage=True)
    fused = [f for f in fused if f.key not in hidden]
    page = fused[offset:offset + limit]
    ids = redaction.needs_snippet([f.key for f in page])
    in_words = {f.key for f in page if "keyword" in f.ranks}
    snippets = semantic.snippets(text, [pk for pk in ids if pk not in in_words])
    snippets.update(keyword.snippets(text, [pk for pk in ids if pk in in_words]))
    rows = [(f.key, f.score, snippets.get(f.key, "")) for f in page]
    return len(fused), len(k_ids) >= depth, rows, f"{keyword.name}+{semantic.name}"


def _semantic(redaction: Redaction, text: str, allowed_: Allowed, limit: int,
              offset: int) -> tuple[int, bool, list[tuple[int, float, str]], str]:
    from ..semantic.retriever import WINDOW

    retriever = semantic_retriever()
    found = retriever.ranked(text, allowed_, max(WINDOW, offset + limit))
    hidden = redaction.hidden([pk for pk, _ in found], text, every_passage=True)
    found = [(pk, score) for pk, score in found if pk not in hidden]
    page = found[offset:offset + limit]
    snippets = retriever.snippets(text, redaction.needs_snippet([pk for pk, _ in page]))
    return len(found), False, [(pk, score, snippets.get(pk, "")) for pk, score in page], \
        retriever.name


def search(user: Any, text: str, *, reviews: QuerySet | None = None,
           section_kind: str = "", limit: int = 20, offset: int = 0,
           mode: str | None = None) -> SearchPage:
    """Search the passages ``user`` may see (optionally only of ``reviews``, already
    filtered by dataset fields, and only in one kind of section). ``mode`` is keyword,
    semantic or hybrid; None picks the default (``default_mode``). If semantic search is
    unavailable, hybrid falls back to keyword and says so in ``page.notice``. Hits are
    already redacted for ``user`` (``Redaction``, the rule of ``redact_hits``) and the total
    counts only what the user can see after redaction (capped: ``page.more``)."""
    text = (text or "").strip()[:500]
    mode = mode if mode in MODES else default_mode()
    page = SearchPage(query=text, total=0, offset=offset, limit=limit, mode=mode)
    if not text:
        return page
    allowed_ = allowed_query(user, reviews, section_kind)
    redaction = Redaction(user)
    run = {"keyword": _keyword, "semantic": _semantic, "hybrid": _hybrid}[mode]
    try:
        page.total, page.more, rows, page.backend = run(redaction, text, allowed_, limit,
                                                        offset)
    except SemanticUnavailable as exc:
        page.notice = str(exc)
        if mode == "semantic":
            return page
        page.mode = "keyword"
        page.total, page.more, rows, page.backend = _keyword(redaction, text, allowed_, limit,
                                                             offset)
    page.hits = redaction.redact(hits_for(rows), text)
    audit_hits(user, page.hits, f"search result for '{text[:200]}'")
    return page


def audit_hits(user: Any, hits: Sequence[Hit], detail: str) -> None:
    """Hits carry text of their documents: a confidential one is an audited read
    (``audit.reads``), written here so no page, API route or command can forget it."""
    from ..audit.reads import confidential_read
    from ..repository.models import Document

    shown = {h.document_id for h in hits if h.confidential}
    if shown:
        confidential_read(user, Document.objects.filter(pk__in=shown).select_related(
            "kind", "review"), detail)


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
    qs = current_only(visible_passages(user)).exclude(review_id=passage.review_id).order_by()
    sql, params = qs.values("id").query.sql_with_params()
    found = nearest(vector, Allowed(qs, sql, tuple(params)), window=limit)
    snippets = excerpts([pk for pk, _ in found])
    out.hits = hits_for([(pk, score, snippets.get(pk, "")) for pk, score in found])
    audit_hits(user, out.hits, f"similar to passage {passage.pk}")
    return out
