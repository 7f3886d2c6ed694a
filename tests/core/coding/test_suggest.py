"""Suggestions: rules give their hit, the model learns from confirmed examples and names
its nearest examples, and cross-validation reports per-code precision/recall."""

from __future__ import annotations

import pytest

from observatory_core.coding.codebook import parse_codebook
from observatory_core.coding.suggest import (
    CodeModel,
    DescriptionSimilarity,
    Example,
    Suggester,
    cross_validate,
    train,
)

KEY = b"this installation's model key"
BOOK = parse_codebook({"key": "t", "name": "T", "source": "a test codebook", "codes": [
    {"id": "training", "name": "Training", "keywords": ["training"]},
    {"id": "records", "name": "Recording", "description": "case records and notes",
     "keywords": ["record keeping"]},
]})

EXAMPLES = [Example(f"staff need {w} sessions on safeguarding", frozenset({"training"}), f"r{i}")
            for i, w in enumerate(["training", "learning", "development", "awareness", "skills",
                                   "induction"])] + [
    Example(f"case notes must be {w} and kept up to date", frozenset({"records"}), f"n{i}")
    for i, w in enumerate(["accurate", "signed", "dated", "complete", "legible", "timely"])]


def test_rules_explain_their_hit():
    [s] = Suggester(BOOK).suggest_many(["More training is needed."])[0]
    assert s.code == "training" and s.origin == "rule" and "'training'" in s.explanation
    assert (s.start, s.end) == (5, 13)


def test_model_learns_and_names_nearest_examples():
    model = train("t", EXAMPLES, ["training", "records"])
    rows = model.suggest_many(["managers must check case notes are accurate"])
    assert rows[0][0].code == "records" and rows[0][0].origin == "model"
    # nearest examples by reference only: their text may be another document's
    assert "nearest confirmed: n" in rows[0][0].explanation
    assert "case notes" not in rows[0][0].explanation
    again = CodeModel.loads(model.dumps(KEY), KEY)
    assert again.suggest_many(["awareness sessions for staff"])[0][0].code == "training"


def test_stored_model_is_unpickled_only_with_a_valid_signature():
    """An unsigned pickle (the old format, or one written into the database by someone
    else) is refused before it is unpickled, and so is a tampered or foreign-signed one."""
    import io
    import pickle

    import joblib

    model = train("t", EXAMPLES, ["training", "records"])
    blob = model.dumps(KEY)
    raw = io.BytesIO()
    joblib.dump(model, raw)
    ran = []

    class Payload:
        def __reduce__(self):
            return (ran.append, ("code ran",))

    for bad in (raw.getvalue(), pickle.dumps(Payload()), blob[:-1] + bytes([blob[-1] ^ 1])):
        with pytest.raises(ValueError, match="sign"):
            CodeModel.loads(bad, KEY)
    with pytest.raises(ValueError, match="signature"):
        CodeModel.loads(blob, b"another installation")
    assert ran == []
    assert CodeModel.loads(blob, KEY).codes == model.codes


def test_similarity_to_descriptions():
    sim = DescriptionSimilarity(BOOK, threshold=0.1)
    [row] = sim.suggest_many(["the case records were poor"])
    assert row and row[0].code == "records" and row[0].origin == "similarity"


def test_cross_validation_reports_per_code_metrics():
    metrics, predicted = cross_validate(BOOK, EXAMPLES, folds=3, mode="model")
    assert set(metrics) == {"training", "records", "macro"}
    assert metrics["macro"]["f1"] > 0.6 and len(predicted) == len(EXAMPLES)
    rules, _ = cross_validate(BOOK, EXAMPLES, folds=3, mode="rules")
    assert rules["training"]["precision"] == 1.0 and rules["training"]["recall"] < 0.5


def test_thresholds_are_tuned_per_code_by_inner_cross_validation():
    import numpy as np

    from observatory_core.coding.suggest import tune_threshold

    y = np.array([True, True, False, False, False])
    assert tune_threshold(y, np.array([0.9, 0.4, 0.3, 0.2, 0.1])) == 0.4
    model = train("t", EXAMPLES, ["training", "records"])
    assert set(model.thresholds) == {"training", "records"}
    assert all(0 < t < 1 for t in model.thresholds.values())
