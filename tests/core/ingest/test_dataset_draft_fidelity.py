"""The dataset draft on wording from real case-review forms from outside England (issue
13, point 4): an age in years and months, a death after being declared brain dead, a
child's sex given only by pronouns, and age ranges that must never become one age."""

from __future__ import annotations

import pytest

from observatory_core.ingest import extract


def _draft(body: str) -> dict[str, object]:
    text = f"Overview report\n\nIntroduction\n\n{body}\n"
    return {d.field: d.value for d in extract(text.encode(), "report.txt").dataset}


@pytest.mark.parametrize(("phrase", "months"), [
    ("Child R was 1 year 9 months old when he was taken to hospital.", 21),
    ("The child, aged 2 years and 3 months, lived with her mother.", 27),
    ("At the time Child S was one year and six months old.", 18),
])
def test_an_age_in_years_and_months_counts_both(phrase, months):
    assert _draft(phrase)["child_age_months"] == months


def test_declared_brain_dead_and_died_is_a_death_not_serious_harm():
    draft = _draft("Child T was seriously injured at home and admitted to hospital. He was "
                   "declared brain dead two days later and died from his injuries.")
    assert draft["outcome"] == "death"


def test_serious_harm_without_a_death_stays_serious_harm():
    draft = _draft("Child U was seriously injured at home and admitted to hospital, where "
                   "she recovered.")
    assert draft["outcome"] == "serious_harm"


def test_sex_from_pronouns_used_throughout():
    draft = _draft("Child V lived with his grandmother. His school noticed that he was often "
                   "hungry and his attendance fell; he was later seen by his doctor.")
    assert draft["child_sex"] == "male"


def test_mixed_pronouns_give_no_sex():
    draft = _draft("Child W lived with his mother and her partner. He said she was kind and "
                   "that her partner shouted at him.")
    assert "child_sex" not in draft


@pytest.mark.parametrize("phrase", [
    "The service works with children aged 1 year to 5 years and their parents.",
    "Families with children between 6 months and 2 years were offered visits.",
    "The group is for 11-16 year olds.",
])
def test_age_ranges_never_become_one_age(phrase):
    assert "child_age_months" not in _draft(phrase)
