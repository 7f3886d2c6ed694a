"""Fuzzing the other import entry points (the dataset table, codebooks as TOML, CSV and
REFI-QDA .qdc, projects as .qdpx): whatever the bytes, each either reads or refuses with its
own error type listing the problem; nothing else escapes. `make fuzz` runs a campaign."""

from __future__ import annotations

import os
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from observatory_core.coding.codebook import CodebookError, shipped_codebooks
from observatory_core.coding.formats import from_csv, from_qdc, from_toml, to_csv, to_qdc, to_toml
from observatory_core.coding.refi import (
    QdaProject,
    QdaSource,
    QdaUser,
    QdpxError,
    read_qdpx,
    stable_guid,
    write_qdpx,
)
from observatory_core.dataset import FIELDS
from observatory_core.places import Places
from observatory_core.tabular import TableError, parse_rows, read_table, write_csv, write_xlsx
from observatory_core.vocab import load_vocabularies

from .mutation import MUTATIONS, mutate

pytestmark = pytest.mark.fuzz
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

# Values that have broken number, date and list parsers elsewhere.
NASTY = ["", " ", "inf", "-inf", "nan", "1e400", "-0", "0x10", "１２", "31/02/2020",
         "2020-13-01", "9999-12-31", "0001-01-01", "=1+1", "'=cmd", "@SUM(A1)", ";;;", "\x00",
         "yes", "NO", "not known", "Bristol", "E06000023", "E99999999", "death", "other",
         "a" * 5000, "😀", "\u202e", "1.5", "216", "-1"]


@lru_cache(maxsize=1)
def _context():
    return load_vocabularies(), Places()


VALUE = st.one_of(st.sampled_from(NASTY), st.text(max_size=30))
# A row that would import, with a few fields (or unknown columns) replaced by nasty values,
# so the fuzzer reaches every field's parser rather than stopping at 'is required'.
ROW = st.builds(lambda base, extra: {**base, **extra},
                st.fixed_dictionaries({"reference": st.just("FUZZ-1"), "title": st.just("t"),
                                       "local_authority": st.just("Bristol"),
                                       "review_type": st.just("scr")}),
                st.dictionaries(st.sampled_from([f.name for f in FIELDS] + ["colour"]), VALUE,
                                max_size=4))


@FUZZ
@given(rows=st.lists(st.one_of(ROW, st.dictionaries(st.sampled_from(
    [f.name for f in FIELDS]), VALUE, max_size=len(FIELDS))), min_size=1, max_size=5))
def test_dataset_rows_are_parsed_or_listed_as_problems(rows):
    vocabularies, places = _context()
    records, problems = parse_rows("fuzz.csv", rows, vocabularies, places)
    assert len(records) <= len(rows)
    assert all(p.file == "fuzz.csv" and p.reason for p in problems)


@lru_cache(maxsize=1)
def _table_seeds() -> dict[str, bytes]:
    rows = [{f.name: NASTY[i % len(NASTY)] for i, f in enumerate(FIELDS)} for _ in range(3)]
    return {"csv": write_csv(rows), "xlsx": write_xlsx(rows)}


@FUZZ
@given(ext=st.sampled_from(["csv", "xlsx"]), **MUTATIONS)
def test_mutated_dataset_files_read_or_refuse(ext, edits, cut):
    data = mutate(_table_seeds()[ext], edits, cut)
    try:
        rows = read_table(f"fuzz.{ext}", data)
    except TableError as exc:
        assert f"fuzz.{ext}" in str(exc)
        return
    vocabularies, places = _context()
    parse_rows(f"fuzz.{ext}", rows, vocabularies, places)


@lru_cache(maxsize=1)
def _codebook_seeds() -> dict[str, bytes]:
    book = {b.key: b for b in shipped_codebooks()}["recommendation_themes"]
    text = "Recommendation 1: the partnership should audit referrals. 😀"
    project = QdaProject("fuzz", book, (QdaUser(stable_guid("u"), "ann"),),
                         (QdaSource(stable_guid("s"), "doc", text, ()),))
    return {"toml": to_toml(book).encode(), "csv": to_csv(book).encode(),
            "qdc": to_qdc(book), "qdpx": write_qdpx(project)}


@FUZZ
@given(kind=st.sampled_from(["toml", "csv", "qdc", "qdpx"]), **MUTATIONS)
def test_mutated_codebooks_and_projects_read_or_refuse(kind, edits, cut):
    data = mutate(_codebook_seeds()[kind], edits, cut)
    text = data.decode("utf-8", errors="replace")
    try:
        if kind == "toml":
            from_toml(text)
        elif kind == "csv":
            from_csv(text, key="fuzz", name="Fuzz", source="fuzz")
        elif kind == "qdc":
            from_qdc(data, key="fuzz", name="Fuzz", source="fuzz")
        else:
            read_qdpx(data)
    except (CodebookError, QdpxError) as exc:
        assert str(exc)


def test_found_by_fuzzing_infinite_age_and_control_characters():
    vocabularies, places = _context()
    base = {"reference": "X", "title": "t", "local_authority": "Bristol", "review_type": "scr"}
    for text in ("inf", "1e400", "nan"):
        records, problems = parse_rows("f.csv", [{**base, "child_age_months": text}],
                                       vocabularies, places)
        assert not records and "child_age_months" in str(problems[0])
    workbook = write_xlsx([{"reference": "A\x00B", "title": "=HYPERLINK()"}])
    rows = read_table("f.xlsx", workbook)
    assert rows[0]["reference"] == "A\ufffdB" and rows[0]["title"] == "'=HYPERLINK()"

