"""Importing the 2010 scoping study's Appendix 3 (seed 000) reproduces its Tables 1-3.

The fixture holds the appendix's per-answer percentages for both rounds (66 respondents
in round 1, 55 in round 2) with paraphrased statement texts. The import turns percentages
back into counts (each rounded half-up), and the tables are recomputed from those counts
under the study's own consensus rule. The published round-2 tables are transcribed below.

Where a published value differs from the recomputation, the statement is named in
DISCREPANCIES with the published and recomputed values and why (see docs/delphi.md). The
test asserts that exactly these differ: a new difference, or a listed one that disappears,
fails it. Every "rounding" entry is also checked to be just that: the published figure is
the sum of the appendix's rounded per-answer percentages, one point from the count-based one.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from observatory.consultation.models import Round, StatementVersion, Study
from observatory.consultation.services import import_aggregates, participation, round_results
from observatory_core.consensus import AGREEING, DISAGREEING
from observatory_core.tabular import read_table

FIXTURE = (Path(__file__).resolve().parents[1] / "fixtures" / "delphi"
           / "scoping_study_2010_appendix3.csv")
LOCAL, ANALYSIS, LEARNING = "Local learning", "National analysis", "Learning lessons nationally"

# Seed 000, Tables 1, 2 and 3 (round 2): statement -> (% disagreeing, % agreeing,
# % unable to answer, consensus achieved?).
PUBLISHED: dict[tuple[str, int], tuple[int, int, int, bool]] = {
    # Table 1: local learning
    (LOCAL, 1): (11, 82, 7, True),
    (LOCAL, 2): (39, 60, 2, False),
    (LOCAL, 3): (20, 78, 2, False),
    (LOCAL, 4): (26, 69, 5, False),
    (LOCAL, 5): (5, 91, 4, True),
    (LOCAL, 6): (7, 89, 4, False),
    (LOCAL, 7): (59, 38, 4, False),
    (LOCAL, 8): (76, 17, 5, False),
    (LOCAL, 9): (54, 51, 4, False),
    (LOCAL, 10): (23, 74, 2, False),
    (LOCAL, 11): (73, 24, 4, False),
    (LOCAL, 12): (51, 45, 4, False),
    (LOCAL, 13): (11, 74, 15, False),
    # Table 2: national analysis
    (ANALYSIS, 1): (7, 90, 2, False),
    (ANALYSIS, 2): (21, 76, 2, False),
    (ANALYSIS, 3): (78, 22, 0, False),
    (ANALYSIS, 4): (18, 82, 0, False),
    (ANALYSIS, 5): (27, 70, 4, False),
    (ANALYSIS, 6): (29, 64, 5, False),
    (ANALYSIS, 7): (42, 50, 7, False),
    (ANALYSIS, 8): (13, 82, 5, False),
    (ANALYSIS, 9): (7, 88, 4, False),
    (ANALYSIS, 10): (2, 92, 5, True),
    (ANALYSIS, 11): (2, 92, 5, True),
    (ANALYSIS, 12): (8, 91, 2, True),
    (ANALYSIS, 13): (21, 76, 4, False),
    (ANALYSIS, 14): (40, 56, 4, False),
    # Table 3: learning lessons nationally
    (LEARNING, 1): (0, 96, 4, True),
    (LEARNING, 2): (2, 98, 0, True),
    (LEARNING, 3): (0, 100, 0, True),
    (LEARNING, 4): (49, 43, 7, False),
    (LEARNING, 5): (22, 73, 5, False),
    (LEARNING, 6): (13, 83, 4, True),
    (LEARNING, 7): (37, 56, 7, False),
    (LEARNING, 8): (2, 98, 0, True),
    (LEARNING, 9): (0, 100, 0, True),
    (LEARNING, 10): (19, 77, 5, False),
    (LEARNING, 11): (73, 25, 2, False),
    (LEARNING, 12): (2, 97, 2, True),
}
FIELDS = ("pct_disagreeing", "pct_agreeing", "pct_unable")

# (section, number, field) -> (published, recomputed, why). Reasons:
#   rounding - the table adds up the appendix's rounded per-answer percentages; computed
#              from the 55 respondents' counts the share is one point different.
#   typo     - the table's figure is not what its own appendix gives, by any rounding.
DISCREPANCIES: dict[tuple[str, int, str], tuple[int, int, str]] = {
    (LOCAL, 2, "pct_disagreeing"): (39, 38, "rounding"),
    (LOCAL, 4, "pct_disagreeing"): (26, 25, "rounding"),
    (LOCAL, 7, "pct_disagreeing"): (59, 58, "rounding"),
    (LOCAL, 8, "pct_agreeing"): (17, 18, "rounding"),
    (LOCAL, 9, "pct_disagreeing"): (54, 45, "typo: digits swapped; appendix gives 0+18+27 "
                                            "= 45, and 54+51+4 would be 109%"),
    (LOCAL, 10, "pct_disagreeing"): (23, 24, "rounding"),
    (LOCAL, 10, "pct_agreeing"): (74, 75, "rounding"),
    (LOCAL, 13, "pct_agreeing"): (74, 75, "rounding"),
    (ANALYSIS, 1, "pct_agreeing"): (90, 91, "rounding"),
    (ANALYSIS, 2, "pct_disagreeing"): (21, 22, "rounding"),
    (ANALYSIS, 5, "pct_agreeing"): (70, 69, "rounding"),
    (ANALYSIS, 6, "pct_agreeing"): (64, 65, "typo: the appendix's percentages give 13+35+18 "
                                           "= 66, its counts 36 of 55 = 65; 64 matches "
                                           "neither"),
    (ANALYSIS, 7, "pct_agreeing"): (50, 51, "rounding"),
    (ANALYSIS, 9, "pct_agreeing"): (88, 89, "rounding"),
    (ANALYSIS, 10, "pct_agreeing"): (92, 93, "rounding"),
    (ANALYSIS, 11, "pct_agreeing"): (92, 93, "rounding"),
    (ANALYSIS, 12, "pct_disagreeing"): (8, 7, "rounding"),
    (ANALYSIS, 13, "pct_disagreeing"): (21, 20, "rounding"),
    (LEARNING, 4, "pct_agreeing"): (43, 44, "rounding"),
    (LEARNING, 6, "pct_agreeing"): (83, 84, "rounding"),
    (LEARNING, 7, "pct_disagreeing"): (37, 36, "rounding"),
    (LEARNING, 10, "pct_disagreeing"): (19, 18, "rounding"),
    (LEARNING, 10, "pct_agreeing"): (77, 76, "rounding"),
    (LEARNING, 12, "pct_agreeing"): (97, 96, "rounding"),
}


@pytest.fixture
def study(db) -> Study:
    report = import_aggregates(read_table(FIXTURE.name, FIXTURE.read_bytes()), "percentages",
                               title="Scoping study 2010 (Appendix 3)",
                               source="Seed 000, Appendix 3")
    assert report.ok, report.problems
    assert (report.statements, report.rounds) == (39, 2)
    return report.study


def _appendix_percentages() -> dict[tuple[str, int], dict[str, int]]:
    with FIXTURE.open(encoding="utf-8") as handle:
        return {(row["section"], int(row["number"])): {k: int(v) for k, v in row.items()
                                                       if k in AGREEING + DISAGREEING}
                for row in csv.DictReader(handle) if row["round"] == "2"}


def test_fixture_covers_every_statement_of_the_tables(study):
    rows = round_results(study, study.rounds.get(number=2))["rows"]
    assert {(r["section"], r["number"]) for r in rows} == set(PUBLISHED)
    assert [s.title for s in study.sections.all()] == [LOCAL, ANALYSIS, LEARNING]


def test_round2_reproduces_tables_1_to_3_except_the_named_discrepancies(study):
    rows = round_results(study, study.rounds.get(number=2))["rows"]
    found: dict[tuple[str, int, str], tuple[int, int]] = {}
    flags = {}
    for row in rows:
        key = (row["section"], row["number"])
        published = PUBLISHED[key]
        for field, value in zip(FIELDS, published[:3], strict=True):
            if row[field] != value:
                found[(*key, field)] = (value, row[field])
        flags[key] = (published[3], row["consensus"])
    expected = {k: v[:2] for k, v in DISCREPANCIES.items()}
    assert found == expected, (
        f"new differences: {sorted(set(found) - set(expected))}; "
        f"listed but gone: {sorted(set(expected) - set(found))}; "
        f"changed: {[(k, found[k], expected[k]) for k in set(found) & set(expected) if found[k] != expected[k]]}")  # noqa: E501
    # Every consensus flag of the three tables is reproduced (all are agreement or none).
    assert {k: v for k, v in flags.items() if (v[1] != "none") != v[0]} == {}
    assert sorted(k for k, v in flags.items() if v[1] == "agree") == sorted(
        k for k, v in PUBLISHED.items() if v[3])
    assert not any(v[1] == "disagree" for v in flags.values())


def test_rounding_discrepancies_are_only_rounding():
    """A 'rounding' entry: the table equals the sum of the appendix's per-answer
    percentages, and the count-based figure is one point away."""
    appendix = _appendix_percentages()
    for (section, number, field), (published, recomputed, why) in DISCREPANCIES.items():
        side = AGREEING if field == "pct_agreeing" else DISAGREEING
        summed = sum(appendix[(section, number)][a] for a in side)
        if why == "rounding":
            assert published == summed, (section, number, field)
            assert abs(published - recomputed) == 1, (section, number, field)
        else:
            assert why.startswith("typo"), why
            assert published != summed, (section, number, field)


def test_the_named_typos():
    typos = {k: v for k, v in DISCREPANCIES.items() if not v[2].startswith("rounding")}
    assert set(typos) == {(LOCAL, 9, "pct_disagreeing"), (ANALYSIS, 6, "pct_agreeing")}


def test_history_participation_and_round1(study):
    versions = StatementVersion.objects.filter(statement__study=study, round__number=2)
    revised = sorted((v.statement.section.title, v.statement.number)
                     for v in versions if v.change == "revised")
    # Seed 000, Appendix 3: the statements marked "(Revised for round 2)".
    assert revised == sorted([(LOCAL, 1), (ANALYSIS, 3), (ANALYSIS, 5), (ANALYSIS, 6),
                              (ANALYSIS, 10), (ANALYSIS, 11), (ANALYSIS, 12),
                              (LEARNING, 3), (LEARNING, 8), (LEARNING, 9)])
    assert all(v.change == "kept" for v in versions if (v.statement.section.title,
                                                        v.statement.number) not in revised)
    assert [(p["round"], p["participants"]) for p in participation(study)] == [(1, 66), (2, 55)]
    assert all(r.status == Round.CLOSED for r in study.rounds.all())
    assert study.rule_locked and study.imported
    round1 = {(r["section"], r["number"]): r for r in
              round_results(study, study.rounds.get(number=1))["rows"]}
    # Round 1, local learning 5 (Appendix 3: 0 2 0 2 21 73 3 of 66): 94% agree or strongly.
    assert round1[(LOCAL, 5)]["consensus"] == "agree"
    # The "either/or" wordings of round 1 did not reach consensus (findings on Table 2).
    assert all(round1[(ANALYSIS, n)]["consensus"] == "none" for n in (10, 11, 12))
    change = round_results(study, study.rounds.get(number=2))["rows"]
    by_key = {(r["section"], r["number"]): r for r in change}
    assert by_key[(ANALYSIS, 10)]["change_since_previous"]["consensus_before"] == "none"
    assert by_key[(ANALYSIS, 10)]["change_since_previous"]["pct_agreeing"] > 40
