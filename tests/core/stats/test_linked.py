from __future__ import annotations

from pathlib import Path

from observatory_core.stats.linked import parse_child_deaths, parse_evaluations, parse_population
from observatory_core.tabular import read_table

DATA = Path(__file__).resolve().parents[3] / "src" / "observatory_core" / "data" / "analysis"


def test_annex_a_fixture_has_50_evaluations():
    path = DATA / "ofsted_scr_evaluations_2007_08.csv"
    rows, problems = parse_evaluations(path.name, read_table(path.name, path.read_bytes()))
    assert not problems and len(rows) == 50
    counts = {j: sum(1 for r in rows if r.judgement == j) for j in ("good", "adequate",
                                                                   "inadequate")}
    assert counts == {"good": 12, "adequate": 18, "inadequate": 20}


def test_population_file_problems_all_listed_nothing_returned():
    rows = [
        {"la_code": "E06000001", "year": "2020", "age_group": "0-17", "count": "-3"},
        {"la_code": "NOPE", "year": "2020", "age_group": "0-17", "count": "3"},
        {"la_code": "E06000001", "year": "2021", "age_group": "0-17", "count": "3"},
        {"la_code": "805", "year": "2021", "age_group": "0-17", "count": "4"},
    ]
    parsed, problems = parse_population("p.csv", rows)
    assert parsed == []
    text = [str(p) for p in problems]
    assert any("row 2, count: negative" in t for t in text)
    assert any("row 3, la_code: unknown area 'NOPE'" in t for t in text)
    assert any("row 5: duplicate of row 4" in t for t in text)


def test_evaluations_without_reference_refuse_exact_duplicates():
    rows = [{"local_authority": "Bristol", "judgement": "good", "evaluation_date": "01/02/2008"}
            ] * 2 + [{"local_authority": "Atlantis", "judgement": "meh",
                      "evaluation_date": "x"}]
    parsed, problems = parse_evaluations("e.csv", rows)
    assert parsed == [] and len(problems) == 4


def test_child_deaths_national_and_local():
    rows = [{"year": "2010", "area_code": "", "count": "3000"},
            {"year": "2010", "area_code": "E06000023", "count": "40"}]
    parsed, problems = parse_child_deaths("c.csv", rows)
    assert not problems and parsed[0].area_code == "E92000001"
