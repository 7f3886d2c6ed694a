"""Code suggestions that learn: rules as data, similarity to what a code means, and a
scikit-learn model per codebook trained on the codes people confirmed.

Every suggestion carries its confidence and why (``explanation``): the rule that hit (with
the span), the code description it resembles, or the confirmed examples nearest to it.

The similarity step goes through :class:`Embedder`. The default is TF-IDF (offline, no model
files); :func:`default_embedder` uses ``observatory_core.embeddings`` (the offline sentence
model) when that module is present and exposes ``embed(texts) -> array``.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import io
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from .codebook import Codebook

RULE, MODEL, SIMILARITY, HUMAN = "rule", "model", "similarity", "human"
MODEL_FORMAT = 3  # 3: rules and sentence vectors as features, calibrated probabilities
SIGNED = b"observatory-model hmac-sha256\n"  # what a stored model blob starts with


@dataclass(frozen=True)
class Suggestion:
    code: str
    confidence: float
    origin: str  # rule | model | similarity
    explanation: str
    start: int | None = None  # rule hit, relative to the text given
    end: int | None = None


@dataclass(frozen=True)
class Example:
    """One unit of text with the codes people confirmed for it (``codes``) and, optionally,
    codes they rejected (counted as negatives like every code not confirmed)."""

    text: str
    codes: frozenset[str]
    ref: str = ""


# -- rules ----------------------------------------------------------------------------------
def _keyword_regex(keyword: str) -> str:
    escaped = re.escape(keyword.strip())
    # Short all-capital abbreviations (CAF, GP, CSC) match case-sensitively.
    if len(keyword) <= 5 and keyword.isupper():
        return rf"(?-i:\b{escaped}\b)"
    return rf"\b{escaped}\b"


class RuleMatcher:
    """Keywords and regular expressions per code, from the codebook."""

    def __init__(self, book: Codebook):
        self.rules: list[tuple[str, list[re.Pattern[str]]]] = []
        for code in book.codes:
            if code.retired:
                continue
            regexes = []
            keywords = [_keyword_regex(k) for k in code.keywords if k.strip()]
            if keywords:
                regexes.append(re.compile("|".join(keywords), re.IGNORECASE))
            # patterns may carry their own inline flags, so each is compiled on its own
            regexes += [re.compile(p) for p in code.patterns]
            if regexes:
                self.rules.append((code.id, regexes))

    def counts(self, texts: Sequence[str], codes: Sequence[str]) -> np.ndarray:
        """log(1 + hits) per text and code (a column of zeros for a code without rules): the
        rules as features of the learned model, so it can learn how far to trust each."""
        regexes = dict(self.rules)
        out = np.zeros((len(texts), len(codes)), dtype=np.float32)
        for j, code in enumerate(codes):
            for regex in regexes.get(code, ()):
                for i, text in enumerate(texts):
                    out[i, j] += sum(1 for _ in regex.finditer(text))
        return np.log1p(out)

    def suggest(self, text: str) -> list[Suggestion]:
        out = []
        for code, regexes in self.rules:
            hits = sorted((h for regex in regexes for h in regex.finditer(text)),
                          key=lambda h: h.start())
            if not hits:
                continue
            first = hits[0]
            words = sorted({h.group(0).lower() for h in hits})
            confidence = min(0.9, 0.45 + 0.1 * len(hits))
            out.append(Suggestion(code, round(confidence, 3), RULE,
                                  "rule: " + ", ".join(f"'{w}'" for w in words[:5]),
                                  first.start(), first.end()))
        return out


# -- similarity -----------------------------------------------------------------------------
class Embedder(Protocol):
    name: str

    def fit(self, texts: Sequence[str]) -> Embedder: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class TfidfEmbedder:
    """Bag-of-words vectors (L2-normalised TF-IDF): offline, no model files."""

    name = "tfidf"

    def __init__(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True,
                                          stop_words="english", min_df=1)

    def fit(self, texts: Sequence[str]) -> TfidfEmbedder:
        self.vectorizer.fit(list(texts) or ["empty"])
        return self

    def embed(self, texts: Sequence[str]) -> Any:
        return self.vectorizer.transform(list(texts))


class ModuleEmbedder:
    """Adapter for ``observatory_core.embeddings`` (the offline sentence model; no fitting)."""

    def __init__(self, model: Any, name: str = "minilm"):
        self.model = model
        self.name = name

    def fit(self, texts: Sequence[str]) -> ModuleEmbedder:
        return self

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vectors = np.asarray(self.model.encode(list(texts)), dtype=float)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)


def default_embedder() -> Embedder:
    """The offline sentence model when it is installed, else TF-IDF."""
    try:
        module = importlib.import_module("observatory_core.embeddings")
        return ModuleEmbedder(module.load_embedder(allow_fallback=False),
                              "minilm")
    except Exception:  # noqa: BLE001 - any failure to load the model falls back to TF-IDF
        return TfidfEmbedder()


def _dense(matrix: Any) -> np.ndarray:
    return matrix.toarray() if hasattr(matrix, "toarray") else np.asarray(matrix)


class DescriptionSimilarity:
    """Cosine similarity between a text and each code's name, description, keywords and
    examples."""

    def __init__(self, book: Codebook, embedder: Embedder | None = None,
                 threshold: float = 0.2, corpus: Sequence[str] = ()):
        self.codes = [c for c in book.codes if not c.retired]
        docs = [" ".join([c.name, c.description, *c.keywords, *c.examples]) for c in self.codes]
        self.embedder = (embedder or TfidfEmbedder()).fit([*docs, *corpus])
        self.matrix = _dense(self.embedder.embed(docs)) if docs else np.zeros((0, 1))
        self.threshold = threshold

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        if not self.codes:
            return np.zeros((len(texts), 0))
        return _dense(self.embedder.embed(texts)) @ self.matrix.T

    def suggest_many(self, texts: Sequence[str], top: int = 3) -> list[list[Suggestion]]:
        out = []
        for row in self.scores(texts):
            order = np.argsort(-row)[:top]
            out.append([Suggestion(self.codes[i].id, round(float(row[i]), 3), SIMILARITY,
                                   f"similar to the description of '{self.codes[i].name}' "
                                   f"({row[i]:.2f})")
                        for i in order if row[i] >= self.threshold])
        return out


# -- the learned model ----------------------------------------------------------------------
@dataclass
class Features:
    """What the model reads: word and character n-grams, optionally each code's rule hits
    (``rule_weight``) and the text's sentence vector (``vector_weight``; mean and max over
    its passages, given by the caller, see :func:`document_vectors`)."""

    vectorizer: Any
    rules: RuleMatcher | None = None
    rule_codes: tuple[str, ...] = ()
    rule_weight: float = 0.0
    vector_weight: float = 0.0

    def transform(self, texts: Sequence[str], vectors: np.ndarray | None = None) -> Any:
        from scipy.sparse import csr_matrix, hstack

        parts = [self.vectorizer.transform(list(texts))]
        if self.rules is not None and self.rule_weight:
            parts.append(csr_matrix(self.rule_weight
                                    * self.rules.counts(texts, self.rule_codes)))
        if self.vector_weight:
            if vectors is None or len(vectors) != len(texts):
                raise ValueError("this model reads sentence vectors: give one per text")
            parts.append(csr_matrix(self.vector_weight * np.asarray(vectors, np.float32)))
        return hstack(parts).tocsr() if len(parts) > 1 else parts[0].tocsr()


def passages_of(text: str, size: int = 600) -> list[str]:
    """A long text as passages of whole sentences up to about ``size`` characters (the
    sentence model reads 128 word pieces, about 600 characters)."""
    sentences = [x for x in re.split(r"(?<=[.!?])\s+|\n{2,}", text) if x.strip()]
    out: list[str] = []
    for sentence in sentences:
        if out and len(out[-1]) + len(sentence) < size:
            out[-1] += " " + sentence
        else:
            out.append(sentence[:size * 2])
    return out or [text[:size]]


def document_vectors(texts: Sequence[str], encode: Any) -> np.ndarray:
    """Each text's sentence vector: mean and max (concatenated) of its passages' vectors,
    ``encode(list[str]) -> (n, dim)``; a short unit is its own single passage."""
    pieces = [passages_of(t) for t in texts]
    flat = [p for ps in pieces for p in ps]
    matrix = np.asarray(encode(flat), dtype=np.float32) if flat else np.zeros((0, 1))
    out, at = [], 0
    for ps in pieces:
        block = matrix[at:at + len(ps)]
        at += len(ps)
        out.append(np.concatenate([block.mean(axis=0), block.max(axis=0)]))
    return np.vstack(out) if out else np.zeros((0, 2 * matrix.shape[1]), np.float32)


@dataclass
class Calibrator:
    """Maps a classifier's score to the share of such units people coded: Platt scaling
    (a logistic curve) with few positives, isotonic regression with 20 or more (isotonic
    over-fits small samples). Fitted on out-of-fold scores only."""

    kind: str
    model: Any

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        scores = np.asarray(scores, dtype=float)
        if self.kind == "isotonic":
            return np.clip(self.model.predict(scores), 0.0, 1.0)
        return self.model.predict_proba(_logit(scores).reshape(-1, 1))[:, 1]


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def fit_calibrator(y: np.ndarray, scores: np.ndarray, isotonic_from: int = 20) -> Calibrator:
    from sklearn.isotonic import IsotonicRegression
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(y, dtype=bool)
    if y.sum() >= isotonic_from and (~y).sum() >= isotonic_from:
        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
        return Calibrator("isotonic", iso.fit(scores, y.astype(float)))
    platt = LogisticRegression(C=1e4).fit(_logit(scores).reshape(-1, 1), y)
    return Calibrator("platt", platt)


@dataclass
class CodeModel:
    """One classifier per code (one-vs-rest, class-weighted logistic regression on
    :class:`Features`), each with a calibrator and a decision threshold chosen by an inner
    cross-validation of the training data (the units it is tested on are never seen);
    codes with too few confirmed examples are left to the rules."""

    codebook_key: str
    codes: list[str]
    features: Features
    classifiers: dict[str, Any]
    examples: list[tuple[str, str, frozenset[str]]]  # (ref, unused, codes): refs, never text
    example_matrix: Any
    trained_on: int
    seconds: float
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    format: int = MODEL_FORMAT
    thresholds: dict[str, float] = field(default_factory=dict)
    calibrators: dict[str, Calibrator] = field(default_factory=dict)

    @property
    def reads_vectors(self) -> bool:
        return bool(self.features.vector_weight)

    def probabilities(self, texts: Sequence[str], vectors: np.ndarray | None = None,
                      ) -> tuple[Any, dict[str, np.ndarray]]:
        """Calibrated probabilities per code (raw ones for a code too rare to calibrate)."""
        matrix = self.features.transform(texts, vectors)
        out = {}
        for code, clf in self.classifiers.items():
            raw = clf.predict_proba(matrix)[:, 1]
            calibrate = self.calibrators.get(code)
            out[code] = calibrate(raw) if calibrate is not None else raw
        return matrix, out

    def suggest_many(self, texts: Sequence[str], threshold: float | None = None,
                     neighbours: int = 2, vectors: np.ndarray | None = None,
                     ) -> list[list[Suggestion]]:
        """Codes whose probability reaches their tuned threshold (or ``threshold`` for
        all). The explanation names the nearest confirmed units by reference only: their
        text may be another document's, which this user may not be allowed to read."""
        if not texts:
            return []
        matrix, probs = self.probabilities(texts, vectors)
        similar = (matrix @ self.example_matrix.T).toarray() \
            if self.examples and neighbours else None
        out: list[list[Suggestion]] = []
        for i in range(len(texts)):
            row: list[Suggestion] = []
            for code, p in probs.items():
                cut = threshold if threshold is not None else self.thresholds.get(code, 0.5)
                if p[i] < cut:
                    continue
                why = f"model {p[i]:.2f} (threshold {cut:.2f})"
                if similar is not None:
                    near = [j for j in np.argsort(-similar[i])
                            if code in self.examples[j][2]][:neighbours]
                    if near:
                        why += "; nearest confirmed: " + ", ".join(
                            self.examples[j][0] for j in near)
                row.append(Suggestion(code, round(float(p[i]), 3), MODEL, why))
            out.append(row)
        return out

    def dumps(self, key: bytes) -> bytes:
        """The model as bytes, signed with ``key`` (HMAC-SHA256): joblib uses pickle, which
        runs code on load, so ``loads`` unpickles only what this installation signed."""
        import joblib

        buffer = io.BytesIO()
        joblib.dump(self, buffer, compress=3)
        payload = buffer.getvalue()
        return SIGNED + _signature(key, payload) + payload

    @staticmethod
    def loads(data: bytes, key: bytes) -> CodeModel:
        """Load a model this installation stored itself: the signature is checked before
        anything is unpickled; an unsigned or tampered blob raises ValueError."""
        import joblib

        data = bytes(data)
        size = len(SIGNED) + hashlib.sha256().digest_size
        if not data.startswith(SIGNED) or len(data) <= size:
            raise ValueError("stored model is not signed; retrain it")
        payload = data[size:]
        if not hmac.compare_digest(data[len(SIGNED):size], _signature(key, payload)):
            raise ValueError("stored model's signature does not match; retrain it")
        model = joblib.load(io.BytesIO(payload))
        if not isinstance(model, CodeModel) or model.format != MODEL_FORMAT:
            raise ValueError("stored model has an unknown format; retrain it")
        return model


def _signature(key: bytes, payload: bytes) -> bytes:
    if not key:
        raise ValueError("a signing key is needed to store or load a model")
    return hmac.new(key, payload, hashlib.sha256).digest()


def _vectorizer() -> Any:
    """Words (1-2) and characters (3-5 inside words): the character n-grams catch
    inflections and compounds ('safeguard', 'safeguarding'; 'multi-agency') that whole words
    miss on small training sets."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion([
        ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1,
                                  max_features=50000, stop_words="english",
                                  dtype=np.float32)),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                                  min_df=2, max_features=50000, dtype=np.float32)),
    ])


def _classifier(c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    # class_weight: most codes are rare, so positives are up-weighted to balance them.
    # dual: the same L2 objective, solved in the dual, about twice as fast when units are
    # fewer than features (always so here).
    return LogisticRegression(C=c, class_weight="balanced", max_iter=1000, solver="liblinear",
                              dual=True)


def tune_threshold(y: np.ndarray, scores: np.ndarray, default: float = 0.5) -> float:
    """The probability cut that maximises F1 on out-of-fold scores (ties: the higher cut)."""
    if y.sum() == 0:
        return default
    best, best_f1 = default, -1.0
    for cut in np.unique(np.round(scores, 3)):
        chosen = scores >= cut
        tp = float((chosen & y).sum())
        if tp == 0:
            continue
        f1 = 2 * tp / (chosen.sum() + y.sum())
        if f1 >= best_f1:
            best, best_f1 = float(cut), f1
    return best


INNER_SAMPLE = 1500  # units used to tune thresholds: retraining on 5,000 stays about a minute


def _inner_scores(matrix: Any, labels: dict[str, np.ndarray], c: float,
                  folds: int = 3, seed: int = 1,
                  ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Out-of-fold probabilities per code from an inner cross-validation of the training
    data (the outer test fold is never seen), on at most ``INNER_SAMPLE`` units; a code a
    fold cannot learn (no positive, or no negative, left in it) is left out."""
    rng = np.random.default_rng(seed)
    if matrix.shape[0] > INNER_SAMPLE:
        keep = np.sort(rng.choice(matrix.shape[0], INNER_SAMPLE, replace=False))
        matrix = matrix[keep]
        labels = {code: y[keep] for code, y in labels.items()}
    n = matrix.shape[0]
    order = rng.permutation(n)
    k = min(folds, n)
    scores_out: dict[str, np.ndarray] = {}
    labels_out: dict[str, np.ndarray] = {}
    for code, y in labels.items():
        scores = np.zeros(n)
        for fold in range(k):
            test = order[fold::k]
            mask = np.ones(n, dtype=bool)
            mask[test] = False
            if y[mask].sum() == 0 or y[mask].all():
                break
            scores[test] = _classifier(c).fit(matrix[mask], y[mask]).predict_proba(
                matrix[test])[:, 1]
        else:
            scores_out[code], labels_out[code] = scores, y
    return scores_out, labels_out


def train(book_key: str, examples: Sequence[Example], codes: Sequence[str],
          min_positive: int = 2, c: float = 4.0, tune: bool = True, *,
          book: Codebook | None = None, rule_weight: float = 0.0,
          vectors: np.ndarray | None = None, vector_weight: float = 0.0,
          calibrate: bool = True, shrink: bool = True) -> CodeModel:
    """The learned model. ``book`` with ``rule_weight`` > 0 adds the codebook's rules as
    features; ``vectors`` (one sentence vector per example, :func:`document_vectors`) with
    ``vector_weight`` > 0 adds meaning. ``calibrate``: probabilities calibrated on inner
    out-of-fold scores. ``shrink``: each tuned threshold moved halfway towards 0.5 (on
    uncalibrated scores the plain F1-best cut over-fits)."""
    started = time.perf_counter()
    texts = [e.text for e in examples]
    rules = RuleMatcher(book) if book is not None and rule_weight else None
    features = Features(_vectorizer().fit(texts or ["empty"]), rules, tuple(codes),
                        rule_weight if rules else 0.0,
                        vector_weight if vectors is not None else 0.0)
    matrix = features.transform(texts, vectors)
    labels = {}
    for code in codes:
        y = np.array([code in e.codes for e in examples])
        if y.sum() < min_positive or y.sum() == len(y):
            continue
        labels[code] = y
    classifiers = {code: _classifier(c).fit(matrix, y) for code, y in labels.items()}
    thresholds: dict[str, float] = {}
    calibrators: dict[str, Calibrator] = {}
    if tune and len(examples) >= 9:
        scores, ys = _inner_scores(matrix, {k: v for k, v in labels.items() if v.sum() >= 3},
                                   c)
        for code, raw in scores.items():
            if calibrate:
                calibrators[code] = fit_calibrator(ys[code], raw)
                raw = calibrators[code](raw)
            cut = tune_threshold(ys[code], raw)
            thresholds[code] = (cut + 0.5) / 2 if shrink else cut
    kept = [(e.ref or f"#{i + 1}", "", e.codes) for i, e in enumerate(examples)]
    return CodeModel(book_key, list(codes), features, classifiers, kept, matrix, len(examples),
                     time.perf_counter() - started, thresholds=thresholds,
                     calibrators=calibrators)


# -- calibration measured -------------------------------------------------------------------
def reliability(y: Sequence[bool], p: Sequence[float], bins: int = 10,
                ) -> list[dict[str, float]]:
    """The reliability diagram's table: per band of stated confidence, how many
    suggestions, their mean confidence and the share people confirmed."""
    y_arr, p_arr = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    edges = np.linspace(0, 1, bins + 1)
    band = np.clip(np.digitize(p_arr, edges[1:-1]), 0, bins - 1)
    out = []
    for b in range(bins):
        inside = band == b
        if inside.any():
            out.append({"low": float(edges[b]), "high": float(edges[b + 1]),
                        "count": int(inside.sum()),
                        "confidence": float(p_arr[inside].mean()),
                        "observed": float(y_arr[inside].mean())})
    return out


def expected_calibration_error(y: Sequence[bool], p: Sequence[float], bins: int = 10) -> float:
    """Mean |share confirmed - mean confidence| over confidence bands, weighted by how many
    fall in each band (0: confidence means exactly what it says)."""
    table = reliability(y, p, bins)
    total = sum(row["count"] for row in table)
    return sum(row["count"] * abs(row["observed"] - row["confidence"])
               for row in table) / total if total else 0.0


# -- combining and scoring ------------------------------------------------------------------
class Suggester:
    """Rules + similarity + (when trained) the model: one list of suggestions per text, at
    most one per code (the most confident, with every reason)."""

    def __init__(self, book: Codebook, model: CodeModel | None = None,
                 similarity: DescriptionSimilarity | None = None,
                 use_rules: bool = True):
        self.book = book
        self.rules = RuleMatcher(book) if use_rules else None
        self.model = model
        self.similarity = similarity

    def suggest_many(self, texts: Sequence[str]) -> list[list[Suggestion]]:
        found: list[dict[str, Suggestion]] = [{} for _ in texts]

        def merge(i: int, s: Suggestion) -> None:
            have = found[i].get(s.code)
            if have is None:
                found[i][s.code] = s
                return
            best, other = (s, have) if s.confidence > have.confidence else (have, s)
            found[i][s.code] = Suggestion(
                best.code, best.confidence, best.origin,
                f"{best.explanation}; {other.explanation}",
                best.start if best.start is not None else other.start,
                best.end if best.end is not None else other.end)

        if self.rules:
            for i, text in enumerate(texts):
                for s in self.rules.suggest(text):
                    merge(i, s)
        for source in (self.similarity, self.model):
            if source is not None:
                for i, row in enumerate(source.suggest_many(texts)):
                    for s in row:
                        merge(i, s)
        return [sorted(f.values(), key=lambda s: -s.confidence) for f in found]


def prf(truth: Sequence[frozenset[str]], predicted: Sequence[set[str] | frozenset[str]],
        codes: Sequence[str]) -> dict[str, dict[str, float]]:
    """Per-code precision, recall, F1 and support, plus 'macro' over codes with support."""
    out: dict[str, dict[str, float]] = {}
    for code in codes:
        tp = sum(code in t and code in p for t, p in zip(truth, predicted, strict=True))
        fp = sum(code not in t and code in p for t, p in zip(truth, predicted, strict=True))
        fn = sum(code in t and code not in p for t, p in zip(truth, predicted, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[code] = {"precision": precision, "recall": recall, "f1": f1,
                     "support": float(tp + fn)}
    scored = [m for m in out.values() if m["support"] > 0]
    out["macro"] = {k: (sum(m[k] for m in scored) / len(scored) if scored else 0.0)
                    for k in ("precision", "recall", "f1")}
    out["macro"]["support"] = float(sum(m["support"] for m in scored))
    return out


def fold_of(n: int, folds: int, seed: int = 0,
            groups: Sequence[str] | None = None) -> list[int]:
    """Each example's fold; examples of one group (e.g. the same text printed in many
    reports) always fall in the same fold, so a repeat is never tested against itself."""
    names = list(dict.fromkeys(groups)) if groups is not None else list(range(n))
    order = np.random.default_rng(seed).permutation(len(names))
    k = max(2, min(folds, len(names))) if len(names) >= 2 else 1
    rank = {names[int(j)]: r % k for r, j in enumerate(order)}
    members = list(groups) if groups is not None else list(range(n))
    return [rank[members[i]] for i in range(n)]


def cross_validate(book: Codebook, examples: Sequence[Example], *, folds: int = 5,
                   mode: str = "model", seed: int = 0, threshold: float | None = None,
                   groups: Sequence[str] | None = None, vectors: np.ndarray | None = None,
                   options: dict[str, Any] | None = None,
                   probabilities: dict[str, np.ndarray] | None = None,
                   ) -> tuple[dict[str, dict[str, float]], list[set[str]]]:
    """Per-code precision/recall/F1 of suggestions on held-out confirmed examples.

    ``mode``: 'rules' (keywords/patterns alone), 'similarity', 'model' (learned alone) or
    'model+rules' (learned, and the rules' own suggestions beside it). ``options``: passed to
    :func:`train` (e.g. ``rule_weight``, ``vector_weight``, ``c``); ``vectors``: one sentence
    vector per example. ``groups``: see :func:`fold_of`. ``probabilities``, when given, is
    filled with each code's held-out model probability per example (for calibration).
    Returns the metrics and the held-out predictions (for kappa)."""
    codes = [c.id for c in book.codes if not c.retired]
    n = len(examples)
    predicted: list[set[str]] = [set() for _ in range(n)]
    folds_of = fold_of(n, folds, seed, groups)
    options = dict(options or {})
    if options.get("rule_weight"):
        options["book"] = book
    for fold in sorted(set(folds_of)):
        test = [i for i in range(n) if folds_of[i] == fold]
        train_idx = [i for i in range(n) if folds_of[i] != fold]
        train_ex = [examples[i] for i in train_idx]
        texts = [examples[i].text for i in test]
        model = None
        if mode.startswith("model"):
            model = train(book.key, train_ex, codes, vectors=None if vectors is None
                          else vectors[train_idx], **options)
        test_vectors = None if vectors is None else vectors[test]
        similarity = DescriptionSimilarity(book, corpus=[e.text for e in train_ex]) \
            if mode == "similarity" else None
        suggester = Suggester(book, similarity=similarity,
                              use_rules=mode in ("rules", "model+rules"))
        model_rows = model.suggest_many(texts, threshold=threshold, neighbours=0,
                                        vectors=test_vectors) if model is not None \
            else [[] for _ in test]
        if model is not None and probabilities is not None:
            _, probs = model.probabilities(texts, test_vectors)
            for code, p in probs.items():
                probabilities.setdefault(code, np.full(n, np.nan))[test] = p
        for j, (i, row) in enumerate(zip(test, suggester.suggest_many(texts), strict=True)):
            chosen = {s.code for s in row if s.origin != SIMILARITY or s.confidence >= 0.2}
            predicted[i] = chosen | {s.code for s in model_rows[j]}
    return prf([e.codes for e in examples], predicted, codes), predicted


def nested_cross_validate(book: Codebook, examples: Sequence[Example],
                          variants: dict[str, tuple[str, dict[str, Any]]], *,
                          folds: int = 5, inner: int = 3, seed: int = 0,
                          groups: Sequence[str] | None = None,
                          vectors: np.ndarray | None = None,
                          ) -> tuple[dict[str, dict[str, float]], list[set[str]], list[str]]:
    """Choose among ``variants`` (name -> (mode, train options)) by an inner
    cross-validation of each outer training fold (macro F1), and score the chosen one on the
    outer test fold, which the choice never saw. Returns the outer metrics, predictions and
    the variant chosen in each outer fold."""
    codes = [c.id for c in book.codes if not c.retired]
    n = len(examples)
    predicted: list[set[str]] = [set() for _ in range(n)]
    folds_of = fold_of(n, folds, seed, groups)
    chosen: list[str] = []
    for fold in sorted(set(folds_of)):
        train_idx = [i for i in range(n) if folds_of[i] != fold]
        test = [i for i in range(n) if folds_of[i] == fold]
        sub = [examples[i] for i in train_idx]
        sub_groups = [groups[i] for i in train_idx] if groups is not None else None
        sub_vectors = vectors[train_idx] if vectors is not None else None
        best, best_f1 = next(iter(variants)), -1.0
        for name, (mode, options) in variants.items():
            metrics, _ = cross_validate(book, sub, folds=inner, mode=mode, seed=seed + 1,
                                        groups=sub_groups, vectors=sub_vectors,
                                        options=options)
            if metrics["macro"]["f1"] > best_f1:
                best, best_f1 = name, metrics["macro"]["f1"]
        chosen.append(best)
        mode, options = variants[best]
        out = _fit_predict(book, sub, [examples[i] for i in test], mode, options, sub_vectors,
                           None if vectors is None else vectors[test])
        for i, codes_found in zip(test, out, strict=True):
            predicted[i] = codes_found
    return prf([e.codes for e in examples], predicted, codes), predicted, chosen


def _fit_predict(book: Codebook, train_ex: Sequence[Example], test_ex: Sequence[Example],
                 mode: str, options: dict[str, Any], train_vectors: np.ndarray | None,
                 test_vectors: np.ndarray | None) -> list[set[str]]:
    codes = [c.id for c in book.codes if not c.retired]
    options = dict(options)
    if options.get("rule_weight"):
        options["book"] = book
    texts = [e.text for e in test_ex]
    rows: list[set[str]] = [set() for _ in texts]
    if mode.startswith("model"):
        model = train(book.key, train_ex, codes, vectors=train_vectors, **options)
        rows = [{s.code for s in r} for r in model.suggest_many(texts, neighbours=0,
                                                                  vectors=test_vectors)]
    if mode in ("rules", "model+rules"):
        rules = RuleMatcher(book)
        rows = [r | {s.code for s in rules.suggest(t)} for r, t in zip(rows, texts, strict=True)]
    return rows


# The variant the app trains (chosen by bench/bench_suggest.py; figures in docs/coding.md).
SHIPPED: dict[str, Any] = {"rule_weight": 1.0, "shrink": True}
