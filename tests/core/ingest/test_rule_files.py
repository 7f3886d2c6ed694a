"""The ingest rule files are checked against pydantic models when read (issue 11.8): a
typo fails at once with the file, the place and the problem."""

from __future__ import annotations

import copy
import tomllib

import pytest

from observatory_core.ingest.rule_schemas import SCHEMAS
from observatory_core.ingest.rules import RULES_DIR, RuleError, load_rules, validate_rules


def _shipped(name: str) -> dict:
    return tomllib.loads((RULES_DIR / f"{name}.toml").read_text(encoding="utf-8"))


def test_every_rule_file_has_a_schema_and_the_shipped_ones_pass():
    names = {p.stem for p in RULES_DIR.glob("*.toml")}
    assert names == set(SCHEMAS)
    for name in names:
        assert load_rules(name)["source"]


def _broken(name, change):
    data = copy.deepcopy(_shipped(name))
    change(data)
    return data


CASES = [
    ("sections", lambda d: d["kinds"][0]["patterns"].append("(unclosed"),
     "kinds.0.patterns.", "regular expression"),
    ("sections", lambda d: d["kinds"].append(dict(d["kinds"][0])), "kinds", "listed twice"),
    ("sections", lambda d: d["layout"].update(max_heading_chars=0), "layout.max_heading_chars",
     "greater than 0"),
    ("recommendations", lambda d: d["numbering"][0].update(patern="x"), "numbering.0.patern",
     "Extra inputs"),
    ("personal_data", lambda d: d["rules"][0].update(confidence=1.5), "rules.0.confidence",
     "less than or equal to 1"),
    ("personal_data", lambda d: d["rules"][0].update(validator="luhn"), "rules",
     "unknown validator"),
    ("personal_data", lambda d: d["model"].update(ner_sha256="abc"), "model.ner_sha256",
     "pattern"),
    ("pipeline", lambda d: d["ocr_if_needed"].update(dpi="300"), "ocr_if_needed.dpi",
     "integer"),
    ("pipeline", lambda d: d.update(steps=["parse", "parse"]), "steps", "listed twice"),
    ("dataset", lambda d: d.pop("source"), "source", "Field required"),
    ("dataset", lambda d: d.update(source="tbd"), "source", "at least 10"),
]


@pytest.mark.parametrize(("name", "change", "where", "why"), CASES)
def test_a_broken_rule_file_is_refused_naming_the_place(name, change, where, why):
    with pytest.raises(RuleError) as caught:
        validate_rules(f"{name}.toml", name, _broken(name, change))
    message = str(caught.value)
    assert message.startswith(f"{name}.toml: ") and where in message and why in message
