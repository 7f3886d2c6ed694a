"""Semantic retrieval: brute-force cosine over an in-memory matrix, access decided in SQL.

``VectorIndex`` keeps every stored vector of the current model in one float32 matrix per
process (100k passages x 384 = 154 MB), appending new rows as they are stored and reloading
now and then to drop the vectors of deleted passages. It never decides who sees what: the
nearest passages are only candidates (the best ``CANDIDATES x window``), checked
in one query against the caller's access filter (``search.Allowed``: visible passages plus
filters) before anything is returned or counted. A vector of a passage that no longer
exists simply fails that query.

Semantic results are the ``WINDOW`` nearest passages that the user may see and whose
cosine similarity is at least ``MIN_SCORE``: so ``total`` is at most ``WINDOW``.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection

from observatory_core.embeddings import DIM, stack

from .models import PassageEmbedding
from .services import embedder

MIN_SCORE = 0.30  # cosine floor (all-MiniLM-L6-v2 scale): below it nothing is "similar"
WINDOW = 100  # semantic results per query, and the depth fused with keyword ranks
CANDIDATES = 4  # x window: nearest rows checked against the access filter in one query
RELOAD_SECONDS = 60.0
SNIPPET_CHARS = 320
START, STOP = "\x02", "\x03"


class VectorIndex:
    def __init__(self, model: str) -> None:
        self.model = model
        self.passage_ids = np.empty(0, dtype=np.int64)
        # Stored transposed (one column per passage): ``query @ columns`` ran 1.5-2x faster
        # than ``rows @ query`` over 100k x 384 here (memory-bound either way: 154 MB).
        self.columns = np.empty((DIM, 0), dtype=np.float32)
        self._size = 0
        self._last_row = 0
        self._reloaded = 0.0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._size

    def refresh(self) -> None:
        with self._lock:
            if time.monotonic() - self._reloaded > RELOAD_SECONDS:
                self._reload()
                return
            with connection.cursor() as cursor:
                cursor.execute("SELECT max(id) FROM semantic_passageembedding WHERE model = %s",
                               [self.model])
                last = cursor.fetchone()[0] or 0
            if last > self._last_row:
                self._append(last)

    def _reload(self) -> None:
        self._size, self._last_row = 0, 0
        self._reloaded = time.monotonic()
        self._append(None)

    def _append(self, upto: int | None) -> None:
        rows = (PassageEmbedding.objects.filter(model=self.model, id__gt=self._last_row)
                .order_by("id").values_list("id", "passage_id", "vector"))
        if upto is not None:
            rows = rows.filter(id__lte=upto)
        ids, pids, blobs = [], [], []
        for row_id, pid, blob in rows.iterator(chunk_size=5000):
            ids.append(row_id)
            pids.append(pid)
            blobs.append(blob)
        if not ids:
            return
        vectors = stack(blobs)
        need = self._size + len(ids)
        if need > self.columns.shape[1]:
            capacity = max(need, 2 * self.columns.shape[1], 1024)
            columns = np.empty((DIM, capacity), dtype=np.float32)
            columns[:, :self._size] = self.columns[:, :self._size]
            passage_ids = np.empty(capacity, dtype=np.int64)
            passage_ids[:self._size] = self.passage_ids[:self._size]
            self.columns, self.passage_ids = columns, passage_ids
        self.columns[:, self._size:need] = vectors.T
        self.passage_ids[self._size:need] = pids
        self._size = need
        self._last_row = ids[-1]

    def scores(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(passage ids, cosine) for every stored vector."""
        n = self._size
        return self.passage_ids[:n], np.asarray(query, dtype=np.float32) @ self.columns[:, :n]


_indexes: dict[str, VectorIndex] = {}
_query_cache: OrderedDict[str, np.ndarray] = OrderedDict()
_lock = threading.Lock()


def index() -> VectorIndex:
    name = embedder().name
    with _lock:
        if name not in _indexes:
            _indexes[name] = VectorIndex(name)
        found = _indexes[name]
    found.refresh()
    return found


def reset() -> None:
    """Forget the in-memory vectors (tests: rolled-back transactions reuse row ids)."""
    with _lock:
        _indexes.clear()


def encode_query(text: str) -> np.ndarray:
    with _lock:
        if text in _query_cache:
            _query_cache.move_to_end(text)
            return _query_cache[text]
    vector = embedder().encode([text])[0]
    with _lock:
        _query_cache[text] = vector
        while len(_query_cache) > 256:
            _query_cache.popitem(last=False)
    return vector


@dataclass
class Candidates:
    """The nearest rows of the in-memory index to one query: every row's passage id and
    score, the rows at or above the floor, and the best of those, sorted (numpy only)."""

    passage_ids: np.ndarray
    scores: np.ndarray
    above: np.ndarray
    first: np.ndarray


def candidates(found: VectorIndex, query: np.ndarray, window: int = WINDOW,
               min_score: float = MIN_SCORE) -> Candidates:
    """Top-k without sorting everything: ``argpartition`` picks the ``CANDIDATES x window``
    best rows above the floor and only those are sorted. No database access, so it can run
    in a worker thread (``SemanticRetriever.start``) while the keyword query runs."""
    passage_ids, scores = found.scores(query)
    above = np.flatnonzero(scores >= min_score)
    return Candidates(passage_ids, scores, above,
                      _best(above, passage_ids, scores, CANDIDATES * window))


def nearest(query: np.ndarray | Candidates, allowed: Any, window: int = WINDOW,
            min_score: float = MIN_SCORE) -> list[tuple[int, float]]:
    """The ``window`` passages nearest ``query`` (cosine >= ``min_score``) among those
    ``allowed`` (``search.Allowed``) selects, best first (ties by passage id).

    The best candidates (``candidates``) are checked against the access filter in one
    query by primary key (``allowed.among``). If fewer than ``window`` of them may be seen
    and more rows pass the floor, the allowed ids are read whole and intersected with the
    rest."""
    c = query if isinstance(query, Candidates) else candidates(index(), query, window,
                                                                min_score)
    passage_ids, scores, above, first = c.passage_ids, c.scores, c.above, c.first
    if above.size == 0:
        return []
    ok = allowed.among([int(passage_ids[i]) for i in first])
    found = _take(first, passage_ids, scores, ok, window)
    if len(found) >= window or above.size <= first.size:
        return found
    with connection.cursor() as cursor:  # few allowed among the nearest: intersect in full
        cursor.execute(allowed.sql, allowed.params)
        allowed_ids = np.fromiter((r[0] for r in cursor.fetchall()), dtype=np.int64)
    rest = np.setdiff1d(above, first, assume_unique=True)
    rest = rest[np.isin(passage_ids[rest], allowed_ids)]
    more = _best(rest, passage_ids, scores, window - len(found))
    return found + _take(more, passage_ids, scores, None, window - len(found))


def _best(rows: np.ndarray, passage_ids: np.ndarray, scores: np.ndarray,
          k: int) -> np.ndarray:
    """The ``k`` best of ``rows`` by score (then passage id), best first."""
    if rows.size > k:
        rows = rows[np.argpartition(-scores[rows], k - 1)[:k]]
    return rows[np.lexsort((passage_ids[rows], -scores[rows]))]


def _take(rows: np.ndarray, passage_ids: np.ndarray, scores: np.ndarray,
          ok: set[int] | None, window: int) -> list[tuple[int, float]]:
    found: list[tuple[int, float]] = []
    seen: set[int] = set()
    for i in rows:
        pid = int(passage_ids[i])
        if (ok is None or pid in ok) and pid not in seen:
            seen.add(pid)
            found.append((pid, float(scores[i])))
            if len(found) >= window:
                break
    return found


def excerpt(text: str, query: str = "") -> str:
    """The start of a passage (about SNIPPET_CHARS), with the query's words marked."""
    cut = text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + " …"
    words = {w.lower() for w in re.findall(r"\w{3,}", query)}
    if not words:
        return cut
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(words)) + r")\b",
                         re.IGNORECASE)
    return pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", cut)


def excerpts(ids: Sequence[int], query: str = "") -> dict[int, str]:
    from ..ingestion.models import Passage

    if not ids:
        return {}
    return {pk: excerpt(text, query)
            for pk, text in Passage.objects.filter(pk__in=list(ids)).values_list("pk", "text")}


_pool: ThreadPoolExecutor | None = None


def _worker() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="semantic-query")
        return _pool


class SemanticRetriever:
    """The ``semantic`` entry of ``ingestion.search.RETRIEVERS``."""

    def __init__(self) -> None:
        self.name = embedder().name

    def ranked(self, text: str, allowed: Any, limit: int = WINDOW) -> list[tuple[int, float]]:
        return nearest(encode_query(text), allowed, max(WINDOW, limit))[:limit]

    def start(self, text: str, limit: int = WINDOW) -> Future[Candidates]:
        """Embed the query and score every vector in a worker thread (onnxruntime and
        numpy release the GIL; no database access there), so hybrid search can run its
        keyword query meanwhile; ``finish`` then applies the access filter."""
        found = index()  # refreshed here, in the caller's thread (it reads the database)
        window = max(WINDOW, limit)
        return _worker().submit(lambda: candidates(found, encode_query(text), window))

    def finish(self, pending: Future[Candidates], allowed: Any,
               limit: int = WINDOW) -> list[tuple[int, float]]:
        return nearest(pending.result(), allowed, max(WINDOW, limit))[:limit]

    def snippets(self, text: str, ids: Sequence[int]) -> dict[int, str]:
        return excerpts(ids, text)


def vector_of(passage_id: int) -> np.ndarray | None:
    """The stored vector of one passage for the current model, or None."""
    blob = (PassageEmbedding.objects.filter(passage_id=passage_id, model=embedder().name)
            .values_list("vector", flat=True).first())
    return stack([blob])[0] if blob is not None else None


def has_embeddings() -> bool:
    return PassageEmbedding.objects.exists()
