"""Areas over time (data/area_history.toml, data/partnerships.toml): one place in filters,
the history in words, and a partnership's scope as its arrangements say."""

from __future__ import annotations

from datetime import timedelta

from observatory_core.places import (
    load_history,
    load_local_authorities,
    partnership_scope,
    place_codes,
    place_list,
    resolve_place,
)

SHEFFIELD_OLD, SHEFFIELD = "E08000019", "E08000039"
NORTHANTS, NORTH, WEST = "E10000021", "E06000061", "E06000062"


def test_every_ended_area_has_what_followed_it_on_the_next_day():
    history = load_history()
    by_code = {la.gss_code: la for la in load_local_authorities()}
    for la in by_code.values():
        if la.end_date:
            after = history.successors(la.gss_code)
            assert after, f"{la.name} ({la.gss_code}) ended with no successor recorded"
            for code in after:
                began = next(c.began for c in history.changes if c.code == code)
                assert began == la.end_date + timedelta(days=1), (la.gss_code, code)
    for change in history.changes:  # every code named is a known area
        assert {change.code, *change.before} <= set(by_code), change


def test_a_recoded_area_is_one_place_under_its_name():
    assert resolve_place("Sheffield") == SHEFFIELD
    assert resolve_place(SHEFFIELD_OLD) == SHEFFIELD and resolve_place("373") == SHEFFIELD
    assert place_codes(SHEFFIELD) == {SHEFFIELD_OLD, SHEFFIELD}
    sheffields = [p for p in place_list() if p.name == "Sheffield"]
    assert len(sheffields) == 1 and sheffields[0].label == "Sheffield"
    assert "E08000019 until April 2025" in " ".join(sheffields[0].history)
    assert resolve_place("Nowhere at all") is None


def test_a_split_county_and_its_successors_include_each_other_not_siblings():
    assert place_codes(NORTHANTS) == {NORTHANTS, NORTH, WEST}
    assert place_codes(NORTH) == {NORTH, NORTHANTS}
    county = next(p for p in place_list() if p.code == NORTHANTS)
    assert county.label == "Northamptonshire (until 2021)"
    assert "North Northamptonshire and West Northamptonshire" in county.history[0]
    north = next(p for p in place_list() if p.code == NORTH)
    assert north.label == "North Northamptonshire (from 2021)"
    assert "Formed in April 2021 from Northamptonshire" in north.history[0]


def test_partnership_scope_follows_the_arrangements():
    assert partnership_scope(NORTH) == {NORTH, WEST, NORTHANTS}
    assert partnership_scope(NORTHANTS) == {NORTH, WEST, NORTHANTS}
    assert partnership_scope(SHEFFIELD) == {SHEFFIELD, SHEFFIELD_OLD}  # same council
    assert partnership_scope("E06000049") == {"E06000049"}  # Cheshire East: its own
    assert partnership_scope("E08000025") == {"E08000025"}  # Birmingham
