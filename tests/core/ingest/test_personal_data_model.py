"""The named-entity model adds names to the rule flags (ingest/ner.py); recall is measured
on the demo ground truth and a hand-labelled sample of real coroners' reports."""

from __future__ import annotations

import pytest

from observatory_core.ingest import extract
from observatory_core.ingest.ner import ModelUnavailable, load_model, settings

from .personal_data_gold import coroners_samples, demo_samples, score, table


def test_model_is_the_recorded_package():
    s = settings()
    nlp = load_model(s["package"], s["version"], s["ner_sha256"])
    assert "ner" in nlp.pipe_names and "parser" not in nlp.pipe_names
    with pytest.raises(ModelUnavailable, match="not the ones recorded"):
        load_model(s["package"], s["version"], "0" * 64)


def test_names_flagged_pseudonyms_not():
    text = ("Kelly Marie Campbell was 17. Later Kelly told Child S and Mother that Mr B had "
            "called. Coroner: D. Stewart.")
    flags = extract(text.encode(), "note.txt").personal_data
    names = {f.text for f in flags if f.kind == "person_name"}
    assert {"Kelly Marie Campbell", "Kelly", "D. Stewart"} <= names
    assert not names & {"Child S", "Mother", "B", "Mr B"}


def test_demo_recall_with_model(demo_files):
    samples = demo_samples(demo_files[:30])
    both = score(samples, True)
    print("\n" + table("demo corpus (30 documents)", samples))
    assert both["all"]["recall"] >= 0.99


@pytest.mark.corpus
def test_coroners_gold_recall(corpus_dir):
    samples = coroners_samples(corpus_dir)
    rules, both = score(samples, False), score(samples, True)
    print("\n" + table("coroners' reports (hand-labelled)", samples))
    assert both["all"]["gold"] >= 40
    assert both["person_name"]["recall"] >= 0.85
    assert both["all"]["recall"] > rules["all"]["recall"]
