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


def test_prefetched_entities_give_the_same_flags(monkeypatch):
    """Entities found early (while a scan is read) are reused, and the flags are the same
    as running the model at the end; passages not prefetched are run then."""
    from concurrent.futures import wait

    from observatory_core.ingest import ner

    text = ("1. Introduction\n\nKelly Marie Campbell was 17 and attended Hillside Academy."
            "\n\nLater Kelly told Child S that Mr B had called.\n\nDr Amy Jones saw her.\n")
    skip = ("flag_personal_data_model",)
    base = extract(text.encode(), "note.txt", skip=skip)
    plain = ner.model_flags(base.text, base.pages, base.passages, base.furniture,
                            base.personal_data)
    texts = [base.text[p.start:p.end] for p in base.passages]
    prefetch = ner.EntityPrefetch()
    prefetch.add(texts[:-1])  # the last passage 'arrives' too late and is run at the end
    ran: list[str] = []
    real = ner._entities

    def counting(nlp, batch):
        batch = list(batch)
        ran.extend(batch)
        return real(nlp, batch)

    wait(prefetch._futures)  # the background thread has done its part before we count
    monkeypatch.setattr(ner, "_entities", counting)
    early = ner.model_flags(base.text, base.pages, base.passages, base.furniture,
                            base.personal_data, prefetch=prefetch)
    assert early == plain and any(f.text == "Kelly Marie Campbell" for f in early)
    assert ran == [texts[-1]]


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


@pytest.mark.corpus
def test_inspections_gold_people_not_organisations_or_places(corpus_dir):
    """On a real joint inspection letter (the tuning part of the inspections gold), the
    flagger finds every person named and few organisations, places and headings: before
    the context rules and lists, 'Blackburn', 'Darwen', 'BwD', 'His Majesty', 'Schools'
    were flagged as names (precision 0.18 for names)."""
    from .personal_data_gold import inspection_samples, with_lists

    samples = with_lists(inspection_samples(corpus_dir, held_out=False))
    both = score(samples, True)
    print("\n" + table("inspections (hand-labelled, tuning part)", samples))
    assert both["person_name"]["gold"] >= 7
    assert both["person_name"]["recall"] == 1.0
    assert both["person_name"]["precision"] >= 0.8
