"""Docs written with the code: every dataset column is documented."""

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
