"""The shipped vocabularies load, cite sources and describe consistent age bands."""

from __future__ import annotations

from pathlib import Path

import pytest

from observatory_core.dataset import FIELDS, age_band_for
from observatory_core.vocab import (
    VOCAB_DIR,
    VocabularyError,
    load_vocabularies,
    load_vocabulary_file,
)

EXPECTED = {
    "review_method", "outcome", "age_band", "sex", "ethnicity", "abuse_category",
    "family_characteristic", "agency", "parallel_proceeding",
}
MULTIPLE = {"abuse_category", "family_characteristic", "agency", "parallel_proceeding"}


@pytest.fixture(scope="module")
def vocabs():
    return load_vocabularies()


def test_every_file_loads_and_key_matches_stem(vocabs):
    for path in VOCAB_DIR.glob("*.toml"):
        assert load_vocabulary_file(path).key == path.stem


def test_expected_vocabularies_present(vocabs):
    assert set(vocabs) >= EXPECTED


def test_every_dataset_vocabulary_is_shipped(vocabs):
    for spec in FIELDS:
        if spec.vocabulary:
            assert spec.vocabulary in vocabs, spec.name


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_multiple_flag(vocabs, key):
    assert vocabs[key].multiple is (key in MULTIPLE)


def test_sources_cited_and_codes_unique(vocabs):
    for vocab in vocabs.values():
        assert vocab.source.strip(), vocab.key
        codes = vocab.codes()
        assert codes and len(codes) == len(set(codes)), vocab.key
        labels = [t.label.casefold() for t in vocab.terms]
        assert len(labels) == len(set(labels)), vocab.key


def test_outcome_is_exactly_death_and_serious_harm(vocabs):
    outcome = vocabs["outcome"]
    assert [(t.code, t.label) for t in outcome.terms] == [
        ("death", "Death"), ("serious_harm", "Serious harm")]


def test_ethnicity_uses_census_codes_and_groups(vocabs):
    eth = vocabs["ethnicity"]
    assert len(eth.terms) == 20
    assert eth.lookup("WBRI").label == "White British"
    groups = {t.attributes["group"] for t in eth.terms}
    assert groups == {"White", "Mixed", "Asian", "Black", "Chinese", "Other", "Unknown"}


def test_family_characteristics_cite_each_term(vocabs):
    fam = vocabs["family_characteristic"]
    for code in ("domestic_abuse", "parental_substance_misuse", "parental_mental_ill_health",
                 "parental_learning_disability", "men_in_household", "young_parents",
                 "prematurity", "poverty", "housing"):
        assert fam.get(code) is not None, code
    assert all(t.source for t in fam.terms)


def test_agency_aliases_are_lists_of_strings(vocabs):
    agency = vocabs["agency"]
    for code in ("lscb", "childrens_social_care", "police", "education", "other"):
        assert agency.get(code) is not None
    for term in agency.terms:
        aliases = term.attributes.get("aliases", [])
        assert isinstance(aliases, list) and all(isinstance(a, str) for a in aliases)
    assert "LSCB" in agency.get("lscb").attributes["aliases"]


def test_age_bands_contiguous_from_zero(vocabs):
    terms = vocabs["age_band"].terms
    assert terms[0].attributes["min_months"] == 0
    for lower, upper in zip(terms, terms[1:], strict=False):
        assert lower.attributes["max_months"] == upper.attributes["min_months"]
    assert "max_months" not in terms[-1].attributes


@pytest.mark.parametrize(("months", "band"), [
    (0, "under_1"), (11, "under_1"), (12, "1_to_5"), (71, "1_to_5"), (72, "6_to_10"),
    (131, "6_to_10"), (132, "11_to_15"), (191, "11_to_15"), (192, "16_plus"),
    (215, "16_plus"), (None, None), (-1, None),
])
def test_age_band_for(vocabs, months, band):
    assert age_band_for(months, vocabs["age_band"]) == band


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_malformed_toml_names_file(tmp_path):
    _write(tmp_path, "broken.toml", 'key = "broken"\nlabel = [unclosed\n')
    with pytest.raises(VocabularyError, match="broken.toml"):
        load_vocabularies(tmp_path)


def test_duplicate_code_names_file(tmp_path):
    _write(tmp_path, "dupes.toml", """
key = "dupes"
label = "Dupes"
source = "test"
[[terms]]
code = "a"
label = "A"
[[terms]]
code = "a"
label = "Again"
""")
    with pytest.raises(VocabularyError, match=r"dupes\.toml.*duplicate code 'a'"):
        load_vocabularies(tmp_path)


def test_missing_source_is_an_error(tmp_path):
    path = _write(tmp_path, "nosource.toml",
                  'key = "x"\nlabel = "X"\n[[terms]]\ncode = "a"\nlabel = "A"\n')
    with pytest.raises(VocabularyError, match=r"nosource\.toml.*missing 'source'"):
        load_vocabulary_file(path)
