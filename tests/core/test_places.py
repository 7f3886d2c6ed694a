"""The local authority table and name resolution."""

from __future__ import annotations

import re
from datetime import date

import pytest

from observatory_core.places import LocalAuthority, Places, load_local_authorities


@pytest.fixture(scope="module")
def places() -> Places:
    return Places()


def test_table_size_and_regions():
    las = load_local_authorities()
    current = [la for la in las if la.is_current]
    assert 140 <= len(current) <= 160
    assert len(las) > len(current)
    assert all(la.region_code and la.region_name for la in las)
    assert all(la.dfe_code == "" or re.fullmatch(r"\d{3}", la.dfe_code) for la in las)
    assert len({la.gss_code for la in las}) == len(las)


def test_loader_is_cached():
    assert load_local_authorities()[0] is load_local_authorities()[0]


@pytest.mark.parametrize(("gss", "name", "end"), [
    ("E10000001", "Bedfordshire", date(2009, 3, 31)),
    ("E10000004", "Cheshire", date(2009, 3, 31)),
    ("E10000021", "Northamptonshire", date(2021, 3, 31)),
    ("E10000006", "Cumbria", date(2023, 3, 31)),
])
def test_abolished_councils_present(places, gss, name, end):
    la = places.by_gss(gss)
    assert la is not None and la.name == name
    assert la.end_date == end and not la.is_current


@pytest.mark.parametrize("value", [
    "E06000023", "e06000023", "801", "Bristol", "City of Bristol", "Bristol, City of",
    "Bristol City Council", "  bristol  ",
])
def test_resolve_bristol(places, value):
    assert places.resolve(value).gss_code == "E06000023"


@pytest.mark.parametrize(("value", "gss"), [
    ("Bedfordshire County Council", "E10000001"),
    ("Cheshire", "E10000004"),
    ("Hammersmith & Fulham", "E09000013"),
    ("London Borough of Hammersmith and Fulham", "E09000013"),
    ("St Helens", "E08000013"),
    ("Northumberland", "E06000057"),  # current code preferred over the pre-2013 one
    ("929", "E06000057"),
    ("Dorset", "E06000059"),
    ("Dorset County Council", "E10000009"),
])
def test_resolve_variants(places, value, gss):
    assert places.resolve(value).gss_code == gss


@pytest.mark.parametrize("value", ["", "Atlantis", "999", "E99999999"])
def test_resolve_unknown(places, value):
    assert places.resolve(value) is None


def test_regions(places):
    regions = places.regions()
    assert len(regions) == 9
    assert ("E12000007", "London") in regions


def test_places_from_custom_list():
    la = LocalAuthority("E0", "123", "Testshire", "R", "Region", None, None, ("Test County",))
    p = Places([la])
    assert p.resolve("test county council") is la
    assert p.resolve("123") is la
    assert p.regions() == [("R", "Region")]
