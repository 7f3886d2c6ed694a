"""The publication lifecycle rules (data/publication.toml): allowed moves, embargoes that
lift by the clock, withdrawal reasons, retention periods."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from observatory_core.publication import (
    EMBARGOED,
    PUBLISHED,
    WITHDRAWN,
    PublicationError,
    is_public,
    load_rules,
    parse_rules,
)

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def test_an_embargo_is_public_from_its_moment_and_not_before():
    until = NOW + timedelta(minutes=1)
    assert not is_public(EMBARGOED, until, NOW)
    assert is_public(EMBARGOED, until, until)
    assert not is_public(WITHDRAWN, None, NOW) and is_public(PUBLISHED, None, NOW)


def test_decisions_the_rules_refuse():
    rules = load_rules()
    with pytest.raises(PublicationError, match="future"):
        rules.check("draft", EMBARGOED, until=NOW - timedelta(seconds=1), now=NOW)
    with pytest.raises(PublicationError, match="why"):
        rules.check(PUBLISHED, WITHDRAWN, until=None, now=NOW)
    with pytest.raises(PublicationError, match="note"):
        rules.check(PUBLISHED, WITHDRAWN, until=None, now=NOW, reason="court_order")
    with pytest.raises(PublicationError, match="cannot become"):
        rules.check(PUBLISHED, PUBLISHED, until=None, now=NOW)
    rules.check(PUBLISHED, WITHDRAWN, until=None, now=NOW, reason="retention")


def test_the_nspcc_retention_period_is_five_years_from_publication():
    period = load_rules().default_retention()
    assert period.years == 5 and "NSPCC" in period.label
    assert period.due(date(2020, 2, 29)) == date(2025, 2, 28)


def test_a_rules_file_without_a_default_retention_is_refused():
    with pytest.raises(PublicationError, match="default"):
        parse_rules({"source": "s", "transitions": {},
                     "reasons": {"retention": {"label": "x"}},
                     "retention": {"a": {"label": "a", "years": 5}}})


def test_a_misspelt_key_is_refused_naming_it():
    with pytest.raises(PublicationError, match="need_note"):
        parse_rules({"source": "s", "transitions": {},
                     "reasons": {"retention": {"label": "x", "need_note": True}},
                     "retention": {"a": {"label": "a", "years": 5, "default": True}}})
