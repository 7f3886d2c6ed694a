"""`observatory delphi import` and `observatory delphi results`, in-process (CliRunner)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from observatory.cli import main
from observatory.consultation.models import Study

FIXTURE = (Path(__file__).resolve().parents[1] / "fixtures" / "delphi"
           / "scoping_study_2010_appendix3.csv")


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="observatory")


@pytest.mark.parametrize("args", [["delphi"], ["delphi", "import"], ["delphi", "results"]])
def test_help(args):
    result = run(*args, "--help")
    assert result.exit_code == 0 and "Usage: observatory" in result.output


def test_import_prints_the_new_studys_id_and_results_print_per_statement(db):
    result = CliRunner().invoke(main, ["delphi", "import", str(FIXTURE), "--values",
                                       "percentages"])
    assert result.exit_code == 0, result.output
    study = Study.objects.get()
    assert result.stdout.strip() == str(study.pk)
    assert "add up to 101" in result.stderr  # notes on rounding go to standard error
    assert study.title == FIXTURE.stem
    out = run("delphi", "results", study.pk, "--round", 2, "--format", "json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["round"] == 2 and len(data["statements"]) == 39
    assert data["statements"][0] == {"section": "Local learning", "number": 1,
                                     "pct_disagreeing": 11, "pct_agreeing": 82,
                                     "pct_unable": 7, "consensus": "agree"}
    out = run("delphi", "results", study.pk, "--round", 1, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out.output.lstrip("\ufeff"))))
    assert list(rows[0]) == ["section", "number", "pct_disagreeing", "pct_agreeing",
                             "pct_unable", "consensus"]
    assert len(rows) == 39 and {r["consensus"] for r in rows} <= {"agree", "disagree", "none"}
    # Round 1, local learning 5 (0 2 0 2 21 73 3 of 66 in Appendix 3).
    assert rows[4]["consensus"] == "agree" and rows[4]["pct_agreeing"] == "95"


def test_counts_import(db, tmp_path):
    path = tmp_path / "counts.csv"
    path.write_text("section,number,text,round,respondents,strongly_disagree,disagree,"
                    "mildly_disagree,mildly_agree,agree,strongly_agree,unable\n"
                    "A,1,First,1,4,0,0,0,1,2,1,0\nA,1,First,2,3,3,0,0,0,0,0,0\n")
    result = run("delphi", "import", path, "--values", "counts", "--title", "Counts")
    assert result.exit_code == 0, result.output
    study_id = Study.objects.get(title="Counts").pk
    out = json.loads(run("delphi", "results", study_id, "--format", "json").output)
    assert out["round"] == 2 and out["statements"][0]["consensus"] == "disagree"


def test_bad_files_list_every_problem_and_write_nothing(db, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("section,number,text,round,respondents,strongly_disagree,disagree,"
                    "mildly_disagree,mildly_agree,agree,strongly_agree,unable\n"
                    "A,one,First,1,55,0,0,0,10,40,50,0\n"
                    "A,2,Second,1,55,0,0,0,10,40,20,0\n")
    result = run("delphi", "import", path, "--values", "percentages")
    assert result.exit_code == 1
    assert "bad.csv, row 2, number: 'one' is not a whole number of 1 or more" in result.output
    assert "bad.csv, row 3: the percentages add up to 70" in result.output
    assert not Study.objects.exists()
    missing = tmp_path / "missing.csv"
    missing.write_text("section,number\nA,1\n")
    result = run("delphi", "import", missing, "--values", "counts")
    assert result.exit_code == 1 and "missing columns" in result.output
    assert run("delphi", "import", path, "--values", "ratios").exit_code == 2


def test_results_of_unknown_study_or_round(db):
    assert "no study 999" in run("delphi", "results", 999).output
    result = CliRunner().invoke(main, ["delphi", "import", str(FIXTURE), "--values",
                                       "percentages"])
    study_id = result.stdout.strip()
    out = run("delphi", "results", study_id, "--round", 3)
    assert out.exit_code == 1 and "no round 3" in out.output
