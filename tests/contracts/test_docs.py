"""Docs written with the code: every dataset column is documented."""

import re
from pathlib import Path

from observatory_core.dataset import FIELDS

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_dataset_field_is_documented():
    text = (DOCS / "dataset.md").read_text()
    missing = [f.name for f in FIELDS if f"`{f.name}`" not in text]
    assert not missing, f"docs/dataset.md lacks: {missing}"


def test_architecture_doc_names_every_app():
    text = (DOCS / "architecture.md").read_text()
    apps = [p.name for p in (DOCS.parent / "src" / "observatory").iterdir()
            if (p / "apps.py").exists()]
    missing = [a for a in apps if f"`{a}`" not in text]
    assert not missing, f"docs/architecture.md does not mention: {missing}"


ROOT = DOCS.parent


def _requirements() -> list[str]:
    names = []
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.append(line.split("==", 1)[0].split("[", 1)[0].lower())
    return names


def test_every_runtime_dependency_has_its_reason():
    text = (DOCS / "dependencies.md").read_text().lower()
    missing = [n for n in _requirements() if n not in text]
    assert not missing, f"docs/dependencies.md gives no reason for: {missing}"


def test_every_cli_command_is_documented():
    import click

    from observatory.cli import main

    text = (ROOT / "README.md").read_text() + "".join(
        p.read_text() for p in DOCS.glob("*.md"))
    missing = []
    for name, command in main.commands.items():
        lines = [line for line in text.splitlines() if f"observatory {name}" in line]
        if not lines:
            missing.append(name)
        if isinstance(command, click.Group):  # 'observatory users list | set-role' counts
            missing += [f"{name} {sub}" for sub in command.commands
                        if not any(re.search(rf"(?<![\w-]){re.escape(sub)}(?![\w-])", line)
                                   for line in lines)]
    assert not missing, f"README.md / docs never show: {missing}"


def test_every_shipped_codebook_is_documented():
    text = (DOCS / "coding.md").read_text()
    shipped = sorted(p.stem for p in (ROOT / "src" / "observatory_core" / "data"
                                      / "codebooks").glob("*.toml"))
    missing = [key for key in shipped if key not in text]
    assert not missing, f"docs/coding.md does not describe the codebooks: {missing}"


def test_every_standard_table_is_documented():
    from observatory.analysis.tables import REGISTRY

    text = (DOCS / "analysis.md").read_text()
    missing = [name for name in REGISTRY if f"`{name}`" not in text]
    assert not missing, f"docs/analysis.md does not describe the tables: {missing}"
