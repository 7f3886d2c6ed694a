"""Source reports are cited by name on screen, never by their number in the project."""

from __future__ import annotations

import re

from observatory_core.citations import cite, plain, reports


def test_every_report_has_a_name_and_a_full_citation():
    assert set(reports()) == {"000", "001", "002", "003", "004"}
    assert all(r.short and r.full for r in reports().values())


def test_plain_rewrites_numbered_references():
    assert plain("Seed 001 ch. 2 and Table 1; seed 003 Table 1 and para 87.") == (
        "The 2010 analysis of 932 recommendations from serious case reviews, ch. 2 and "
        "Table 1; Ofsted's 2008 evaluation of 50 serious case reviews, Table 1 and para 87.")
    assert plain("age groups (003 Figure 1).") == (
        "age groups (Ofsted's 2008 evaluation of 50 serious case reviews, Figure 1).")
    for text in ("Seed 004 stage A.", "as in seed 000 (scoping study)", "(001 Table 3)"):
        assert not re.search(r"\b(?:[Ss]eed )?00\d\b", plain(text)), plain(text)


def test_plain_leaves_other_numbers_alone():
    for text in ("Reviews in 2010: 001 of them", "Code 003", "", "Table 1"):
        assert plain(text) == text


def test_cite_a_tables_reference():
    assert cite("001 Table 1") == ("As in the 2010 analysis of 932 recommendations from "
                                   "serious case reviews, Table 1.")
    assert cite("") == ""
