"""Audit retention rules as data: the shipped file loads, and a bad file is refused with
every problem listed (a rule may never expire refusals or confidential material)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from observatory_core.retention import RetentionError, load_retention


def test_shipped_rules_load_and_cite_their_source():
    policy = load_retention()
    assert policy.source and policy.rules
    public = policy.rules[0]
    assert public.matches(role="public", action="view", allowed=True, confidential=False,
                          object_kind="published_review")
    assert not public.matches(role="public", action="view", allowed=False,
                              confidential=False, object_kind="published_review")
    now = datetime(2026, 11, 23, tzinfo=UTC)
    assert (now - public.cutoff(now)).days == public.keep_days


def test_bad_rules_are_refused_with_every_problem(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text('''
[[rules]]
name = ""
roles = ["public", "pirate"]
actions = ["view", "peek"]
allowed = false
confidential = true
keep_days = 0
''')
    with pytest.raises(RetentionError) as caught:
        load_retention(path)
    message = str(caught.value)
    for expected in ("cite its source", "needs a name", "unknown role 'pirate'",
                     "unknown action 'peek'", "keep_days", "confidential material",
                     "refused attempts"):
        assert expected in message, expected


def test_unreadable_file_names_itself(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("rules = [")
    with pytest.raises(RetentionError, match="broken.toml"):
        load_retention(path)
