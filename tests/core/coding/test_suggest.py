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


def test_calibration_error_and_reliability_table():
    import numpy as np

    from observatory_core.coding.suggest import (
        expected_calibration_error,
        fit_calibrator,
        reliability,
    )

    y = [True, False] * 50
    honest = [0.5] * 100  # half confirmed, stated 50%: calibrated
    assert expected_calibration_error(y, honest) == 0.0
    boastful = [0.95] * 100  # stated 95%, half confirmed
    assert abs(expected_calibration_error(y, boastful) - 0.45) < 1e-9
    [row] = reliability(y, boastful)
    assert row["count"] == 100 and row["observed"] == 0.5 and row["low"] == 0.9
    # a calibrator learned on over-confident scores pulls them towards what was observed
    rng = np.random.default_rng(0)
    scores = rng.uniform(0, 1, 400)
    truth = rng.uniform(0, 1, 400) < 0.2 + 0.3 * scores  # true rate 0.2-0.5
    for size, kind in ((400, "isotonic"), (45, "platt")):  # Platt below 20 positives
        calibrate = fit_calibrator(truth[:size], scores[:size])
        assert calibrate.kind == kind
        before = expected_calibration_error(truth, scores)
        assert expected_calibration_error(truth, calibrate(scores)) < before


def test_rules_and_sentence_vectors_are_model_features():
    import numpy as np

    from observatory_core.coding.suggest import RuleMatcher, document_vectors, passages_of

    counts = RuleMatcher(BOOK).counts(["training and more training", "nothing"],
                                      ["training", "records"])
    assert counts[0, 0] == pytest.approx(np.log1p(2)) and counts[1].sum() == 0
    model = train("t", EXAMPLES, ["training", "records"], book=BOOK, rule_weight=1.0)
    assert model.features.rule_weight == 1.0
    # the model with rule features learns the rule: a unit with only the keyword
    assert model.suggest_many(["training"])[0][0].code == "training"
    text = "One sentence here. " * 80
    assert all(len(p) <= 620 for p in passages_of(text)) and len(passages_of(text)) > 1

    def encode(texts):  # a stand-in sentence model: length and vowel share
        return np.array([[len(t) / 100, sum(c in "aeiou" for c in t) / max(len(t), 1)]
                         for t in texts])

    vectors = document_vectors([e.text for e in EXAMPLES], encode)
    assert vectors.shape == (len(EXAMPLES), 4)  # mean and max of each dimension
    with_vectors = train("t", EXAMPLES, ["training", "records"], vectors=vectors,
                         vector_weight=1.0)
    with pytest.raises(ValueError, match="sentence vectors"):
        with_vectors.suggest_many(["staff training"])
    row = with_vectors.suggest_many(["staff training sessions"],
                                    vectors=document_vectors(["staff training sessions"],
                                                             encode))[0]
    assert row and row[0].code == "training"


def test_nested_choice_never_sees_the_outer_test_fold():
    from observatory_core.coding.suggest import nested_cross_validate

    variants = {"plain": ("model", {}), "with rules": ("model", {"rule_weight": 1.0})}
    metrics, predicted, chosen = nested_cross_validate(BOOK, EXAMPLES * 2, variants, folds=3,
                                                       inner=2)
    assert len(chosen) == 3 and set(chosen) <= set(variants)
    assert len(predicted) == 24 and metrics["macro"]["f1"] > 0.5
