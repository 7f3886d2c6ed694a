"""The child's age is drafted from a single age, never from an age range that describes a
group of children ("between seven and 15 years old")."""

from __future__ import annotations

import pytest

from observatory_core.ingest import extract


def _ages(text: str) -> dict[str, object]:
    result = extract(text.encode(), "report.txt")
    return {d.field: d.value for d in result.dataset if d.field in ("child_age_months",
                                                                      "age_band")}


@pytest.mark.parametrize("phrase", [
    "The partnership runs groups for children between seven and 15 years old.",
    "Workshops were offered to children aged 10 to 14 in the area.",
    "The school has pupils aged between 11 and 16.",
    "The service supports 5-11 year olds and their families.",
    "The youth club is for under-16s.",
])
def test_an_age_range_is_not_one_age(phrase):
    assert _ages(f"Overview report\n\nIntroduction\n\n{phrase}\n") == {}


def test_the_childs_age_is_found_beside_a_range():
    text = ("Overview report\n\nIntroduction\n\nThe area's groups serve children between "
            "seven and 15 years old. Child P was a 9-year-old boy when he was injured.\n")
    ages = _ages(text)
    assert ages["child_age_months"] == 108
    assert ages["age_band"]


@pytest.mark.parametrize(("phrase", "months"), [
    ("Child K, a 3-year-old girl, died.", 36),
    ("Child L was aged 14 when she was harmed.", 168),
    ("Baby M was seven weeks old.", 1),
    ("Child N, aged two years, was admitted to hospital.", 24),
])
def test_single_ages_are_still_read(phrase, months):
    assert _ages(f"Overview report\n\nIntroduction\n\n{phrase}\n")["child_age_months"] == months
