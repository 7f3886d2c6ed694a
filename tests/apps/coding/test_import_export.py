"""Codebook import and export through the API and the CLI (bad input refused whole, every
problem listed, nothing written), and `observatory setup` loading the shipped codebooks."""

from __future__ import annotations

import base64

import pytest
from click.testing import CliRunner
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from observatory.accounts.services import create_user
from observatory.cli import main
from observatory.coding.models import Codebook
from observatory_core.coding.formats import from_qdc, from_toml

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db

BAD_TOML = b"""key = "bad_book"
name = "Bad"
source = "a test file"

[[codes]]
id = "a"
name = "A"
parent = "b"

[[codes]]
id = "b"
name = "B"
parent = "a"

[[codes]]
id = "d"
name = "D"

[[codes]]
id = "d"
name = "D again"

[[codes]]
id = "c"
name = ""
parent = "nowhere"
"""
GOOD_TOML = b"""key = "good_book"
name = "Good"
source = "a test file"

[[codes]]
id = "a"
name = "A"

[[codes]]
id = "b"
name = "B"
parent = "a"
"""


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="observatory")


def _basic(name: str) -> dict[str, str]:
    token = base64.b64encode(f"{name}:{PASSWORD}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def _problems_of_bad_book(problems: list[str]) -> None:
    text = " | ".join(problems)
    for expected in ("duplicate id 'd'", "cycle", "unknown parent", "missing name"):
        assert expected in text, text


def test_api_import_refuses_bad_input_and_exports(db):
    create_user("ann", PASSWORD, "analyst")
    create_user("pat", PASSWORD, "practitioner")
    c = Client()
    bad = c.post("/api/codebooks/import",
                 {"file": SimpleUploadedFile("bad.toml", BAD_TOML)}, **_basic("ann"))
    assert bad.status_code == 400
    _problems_of_bad_book(bad.json()["errors"])
    assert not Codebook.objects.filter(key="bad_book").exists()
    refused = c.post("/api/codebooks/import",
                     {"file": SimpleUploadedFile("good.toml", GOOD_TOML)}, **_basic("pat"))
    assert refused.status_code == 403 and not Codebook.objects.filter(key="good_book").exists()
    made = c.post("/api/codebooks/import",
                  {"file": SimpleUploadedFile("good.toml", GOOD_TOML)}, **_basic("ann"))
    assert made.status_code == 201 and made.json()["version"] == 1
    again = c.post("/api/codebooks/import",
                   {"file": SimpleUploadedFile("good.toml", GOOD_TOML)}, **_basic("ann"))
    assert again.json()["version"] == 2  # a new version, never an overwrite
    # export (anyone may read codebooks): TOML and .qdc read back to the same codes
    toml = c.get("/api/codebooks/good_book/export", {"format": "toml"})
    assert toml.status_code == 200
    assert [x.id for x in from_toml(toml.content.decode()).codes] == ["a", "b"]
    qdc = c.get("/api/codebooks/good_book/export", {"format": "qdc"})
    book = from_qdc(qdc.content, key="good_book", name="Good", source="export")
    assert {(x.id, x.parent) for x in book.codes} == {("a", None), ("b", "a")}
    assert c.get("/api/codebooks/nothing/export").status_code == 404
    keys = {b["key"] for b in c.get("/api/codebooks").json()}
    assert {"good_book", "recommendation_themes"} <= keys


def test_cli_import_and_export_codebook(db, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_bytes(BAD_TOML)
    result = run("coding", "import-codebook", bad)
    assert result.exit_code == 1
    _problems_of_bad_book(result.output.splitlines())
    assert not Codebook.objects.filter(key="bad_book").exists()
    good = tmp_path / "good.toml"
    good.write_bytes(GOOD_TOML)
    result = run("coding", "import-codebook", good)
    assert result.exit_code == 0, result.output
    assert Codebook.objects.get(key="good_book").codes.count() == 2
    out = tmp_path / "good.qdc"
    result = run("coding", "export-codebook", "good_book", "--format", "qdc", "-o", out)
    assert result.exit_code == 0, result.output
    assert b"<Codes" in out.read_bytes() or b"<Code " in out.read_bytes()
    result = run("coding", "export-codebook", "recommendation_themes", "--format", "toml")
    assert result.exit_code == 0 and 'key = "recommendation_themes"' in result.output
    assert run("coding", "export-codebook", "nothing").exit_code != 0


def test_setup_loads_the_shipped_codebooks(db, tmp_path, monkeypatch):
    monkeypatch.setenv("OBSERVATORY_DATA", str(tmp_path))
    create_user("root", PASSWORD, "admin")  # so setup creates no first administrator
    assert not Codebook.objects.exists()
    result = run("setup", "--no-demo")
    assert result.exit_code == 0, result.output
    assert "shipped codebooks loaded" in result.output
    assert {"recommendation_themes", "care_pathway", "agencies"} <= set(
        Codebook.objects.values_list("key", flat=True))
