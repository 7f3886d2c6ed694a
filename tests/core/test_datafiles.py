"""The data files' shapes (observatory_core/datafiles.py): every shipped file fits, and a
file with a misspelt key or a value of the wrong type is refused naming the file, the
place and the problem, by each loader, instead of the key being silently ignored (before,
``object_kind = [...]`` in a retention rule was ignored and the rule covered every kind)."""

from __future__ import annotations

from pathlib import Path

import pytest

from observatory_core import access, consensus, datafiles, places, retention, vocab
from observatory_core.coding import codebook

DATA = Path(access.__file__).parent / "data"


def _toml(path: Path) -> dict:
    import tomllib

    return tomllib.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("model", "pattern"), [
    (datafiles.AccessPolicyFile, "access_policy.toml"),
    (datafiles.VocabularyFile, "vocab/*.toml"),
    (datafiles.CodebookFile, "codebooks/*.toml"),
    (datafiles.ConsensusRuleFile, "consensus_rules/*.toml"),
    (datafiles.RetentionFile, "audit_retention.toml"),
    (datafiles.AreaHistoryFile, "area_history.toml"),
    (datafiles.PartnershipsFile, "partnerships.toml"),
    (datafiles.CitationsFile, "citations.toml"),
    (datafiles.SmartRulesFile, "register/smart.toml"),
    (datafiles.ActionStatusFile, "register/action_status.toml"),
    (datafiles.LeadRolesFile, "register/lead_roles.toml"),
    (datafiles.ResearchAccessFile, "research/access.toml"),
    (datafiles.OutputCheckingFile, "research/output_checking.toml"),
    (datafiles.PublicationGateFile, "learning/publication_gate.toml"),
    (datafiles.BriefingFormFile, "learning/briefing_form.toml"),
])
def test_every_shipped_file_fits_its_shape(model, pattern):
    paths = sorted(DATA.glob(pattern))
    assert paths
    for path in paths:
        assert datafiles.shape_problems(model, _toml(path)) == [], path.name


def test_problems_say_where_counting_from_one():
    problems = datafiles.shape_problems(datafiles.RetentionFile, {
        "source": "s", "rules": [{"name": "a", "roles": ["public"], "actions": ["view"],
                                  "allowed": True, "confidential": False, "keep_days": "90",
                                  "object_kind": ["x"]}]})
    assert "rules[1].keep_days: Input should be a valid integer" in problems
    assert "rules[1].object_kind: unknown key (a typo?)" in problems


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_retention_rule_with_a_misspelt_key_is_refused(tmp_path):
    path = _write(tmp_path, "retention.toml", '''source = "a test file, cited"
[[rules]]
name = "reads"
roles = ["public"]
actions = ["view"]
allowed = true
confidential = false
keep_days = 90
object_kind = ["published_review"]
''')
    with pytest.raises(retention.RetentionError,
                       match=r"retention\.toml: rules\[1\]\.object_kind: unknown key"):
        retention.load_retention(path)


def test_access_policy_with_a_wrong_type_is_refused(tmp_path):
    path = _write(tmp_path, "policy.toml", '''source = "a test policy"
[grants.published_review]
view = "public"
''')
    with pytest.raises(access.PolicyError,
                       match=r"policy\.toml: grants\.published_review\.view: Input should be a "
                             r"valid list"):
        access.load_policy(path)
    path = _write(tmp_path, "nosource.toml", '[grants.published_review]\nview = ["public"]\n')
    with pytest.raises(access.PolicyError, match=r"nosource\.toml: source: required"):
        access.load_policy(path)


def test_vocabulary_with_an_unknown_key_is_refused_with_its_other_problems(tmp_path):
    path = _write(tmp_path, "sexes.toml", '''key = "sex"
label = "Sex"
sorce = "misspelt"
multiple = "no"
[[terms]]
code = "a"
label = "A"
''')
    with pytest.raises(vocab.VocabularyError) as caught:
        vocab.load_vocabulary_file(path)
    message = str(caught.value)
    for expected in ("sexes.toml", "missing 'source'", "sorce: unknown key",
                     "multiple: Input should be a valid boolean"):
        assert expected in message, expected


def test_codebook_file_with_a_misspelt_code_key_is_refused(tmp_path):
    path = _write(tmp_path, "book.toml", '''key = "book"
name = "Book"
source = "a test codebook"
[[codes]]
id = "a"
name = "A"
keyword = ["typo"]
''')
    with pytest.raises(codebook.CodebookError) as caught:
        codebook.load_codebook(path)
    assert "codes[1].keyword: unknown key" in str(caught.value)
    assert "book.toml" in str(caught.value)


def test_consensus_rule_with_an_unknown_key_is_refused(tmp_path):
    path = _write(tmp_path, "rule.toml", '''key = "rule"
label = "Rule"
source = "a test rule"
[[agreement]]
answers = ["agree"]
min_percent = 75
max_percent = 100
''')
    with pytest.raises(consensus.RuleError,
                       match=r"rule\.toml: agreement\[1\]\.max_percent: unknown key"):
        consensus.load_rule_file(path)


def test_partnership_with_a_misspelt_key_or_a_bad_area_code_is_refused(tmp_path):
    path = _write(tmp_path, "partnerships.toml", '''source = "test arrangements"
[[partnership]]
name = "A partnership"
areas = ["E06000061", "Northampton"]
took_ovr = ["E10000021"]
source = "its published arrangements"
''')
    with pytest.raises(ValueError) as caught:
        places.load_history(places.AREA_HISTORY_TOML, path)
    message = str(caught.value)
    assert "partnerships.toml" in message
    assert "partnership[1].took_ovr: unknown key" in message
    assert "partnership[1].areas[2]: String should match pattern" in message


def test_smart_rules_with_a_misspelt_key_are_refused():
    data = _toml(DATA / "register" / "smart.toml")
    data["flags"][0]["againts"] = data["flags"][0].pop("against")
    assert datafiles.shape_problems(datafiles.SmartRulesFile, data) == [
        "flags[1].againts: unknown key (a typo?)"]
