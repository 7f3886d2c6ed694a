"""Semantic retrieval: brute-force cosine over an in-memory matrix, access decided in SQL.

``VectorIndex`` keeps every stored vector of the current model in one float32 matrix per
process (100k passages x 384 = 154 MB), appending new rows as they are stored and reloading
now and then to drop the vectors of deleted passages. It never decides who sees what: the
nearest passages are only candidates, and each candidate list goes through the caller's
``allowed_sql`` (``search.visible_passages`` plus filters) before anything is returned or
counted. A vector of a passage that no longer exists simply fails that SQL.

Semantic results are the ``WINDOW`` nearest passages that the user may see and whose
cosine similarity is at least ``MIN_SCORE``: so ``total`` is at most ``WINDOW``.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
from django.db import connection

from observatory_core.embeddings import DIM, stack

from .models import PassageEmbedding
from .services import embedder

MIN_SCORE = 0.30  # cosine floor (all-MiniLM-L6-v2 scale): below it nothing is "similar"
WINDOW = 100  # semantic results per query, and the depth fused with keyword ranks
CHUNK = 500  # candidates checked against the access SQL per query
MAX_CHUNKS = 4  # then the allowed ids are read in full and intersected
RELOAD_SECONDS = 60.0
SNIPPET_CHARS = 320
START, STOP = "\x02", "\x03"


class VectorIndex:
    def __init__(self, model: str) -> None:
        self.model = model
        self.passage_ids = np.empty(0, dtype=np.int64)
        self.matrix = np.empty((0, DIM), dtype=np.float32)
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
        if need > self.matrix.shape[0]:
            capacity = max(need, 2 * self.matrix.shape[0], 1024)
            matrix = np.empty((capacity, DIM), dtype=np.float32)
            matrix[:self._size] = self.matrix[:self._size]
            passage_ids = np.empty(capacity, dtype=np.int64)
            passage_ids[:self._size] = self.passage_ids[:self._size]
            self.matrix, self.passage_ids = matrix, passage_ids
        self.matrix[self._size:need] = vectors
        self.passage_ids[self._size:need] = pids
        self._size = need
        self._last_row = ids[-1]

    def scores(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(passage ids, cosine) for every stored vector."""
        n = self._size
        return self.passage_ids[:n], self.matrix[:n] @ query


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


def _allowed_among(ids: Sequence[int], allowed_sql: str, params: tuple) -> set[int]:
    if not ids:
        return set()
    marks = ",".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM ingestion_passage WHERE id IN ({marks}) "
                       f"AND id IN ({allowed_sql})", (*ids, *params))
        return {row[0] for row in cursor.fetchall()}


def nearest(query: np.ndarray, allowed_sql: str, params: tuple, window: int = WINDOW,
            min_score: float = MIN_SCORE) -> list[tuple[int, float]]:
    """The ``window`` passages nearest ``query`` (cosine >= ``min_score``) among those
    ``allowed_sql`` selects, best first."""
    passage_ids, scores = index().scores(query)
    above = np.flatnonzero(scores >= min_score)
    if above.size == 0:
        return []
    order = above[np.lexsort((passage_ids[above], -scores[above]))]
    found: list[tuple[int, float]] = []
    seen: set[int] = set()
    for chunk_no, start in enumerate(range(0, order.size, CHUNK)):
        if chunk_no == MAX_CHUNKS:  # few allowed among many near: read the allowed ids
            with connection.cursor() as cursor:
                cursor.execute(allowed_sql, params)
                allowed = np.fromiter((r[0] for r in cursor.fetchall()), dtype=np.int64)
            rest = order[start:]
            rest = rest[np.isin(passage_ids[rest], allowed)]
            for i in rest:
                pid = int(passage_ids[i])
                if pid not in seen:
                    seen.add(pid)
                    found.append((pid, float(scores[i])))
                    if len(found) >= window:
                        break
            return found
        chunk = order[start:start + CHUNK]
        ok = _allowed_among([int(passage_ids[i]) for i in chunk], allowed_sql, params)
        for i in chunk:
            pid = int(passage_ids[i])
            if pid in ok and pid not in seen:
                seen.add(pid)
                found.append((pid, float(scores[i])))
                if len(found) >= window:
                    return found
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

    return {pk: excerpt(text, query)
            for pk, text in Passage.objects.filter(pk__in=list(ids)).values_list("pk", "text")}


class SemanticRetriever:
    """The ``semantic`` entry of ``ingestion.search.RETRIEVERS``."""

    def __init__(self) -> None:
        self.name = embedder().name

    def ranked(self, text: str, allowed_sql: str, params: tuple,
               limit: int = WINDOW) -> tuple[int, list[tuple[int, float]]]:
        found = nearest(encode_query(text), allowed_sql, params, max(WINDOW, limit))
        return len(found), found[:limit]

    def search(self, text, allowed_sql, params, limit, offset):
        _, found = self.ranked(text, allowed_sql, params, max(WINDOW, offset + limit))
        page = found[offset:offset + limit]
        snippets = excerpts([pk for pk, _ in page], text)
        return len(found), [(pk, score, snippets.get(pk, "")) for pk, score in page]

    def snippets(self, text: str, ids: Sequence[int]) -> dict[int, str]:
        return excerpts(ids, text)


def vector_of(passage_id: int) -> np.ndarray | None:
    """The stored vector of one passage for the current model, or None."""
    blob = (PassageEmbedding.objects.filter(passage_id=passage_id, model=embedder().name)
            .values_list("vector", flat=True).first())
    return stack([blob])[0] if blob is not None else None


def has_embeddings() -> bool:
    return PassageEmbedding.objects.exists()
