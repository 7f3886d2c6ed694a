"""`observatory extract FILE`: the dry-run JSON shape of issue 7, text output, exit code 2."""

from __future__ import annotations

import json

from click.testing import CliRunner

from observatory.cli import main

from .test_steps import REPORT


def test_extract_json_shape(tmp_path):
    path = tmp_path / "report.txt"
    path.write_text(REPORT)
    result = CliRunner().invoke(main, ["extract", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["pages"] == 1
    assert {"title", "kind", "page"} <= set(data["sections"][0])
    assert set(data["recommendations"][0]) == {"number", "heading", "text", "addressee", "page"}
    assert data["recommendations"][0]["number"] == "1."
    assert {"field", "value", "confidence", "page"} <= set(data["dataset"][0])
    assert isinstance(data["findings"], list) and isinstance(data["personal_data"], list)


def test_extract_text_and_errors(tmp_path):
    path = tmp_path / "report.txt"
    path.write_text(REPORT)
    ok = CliRunner().invoke(main, ["extract", str(path)])
    assert ok.exit_code == 0 and "Recommendations (8)" in ok.output
    liar = tmp_path / "liar.pdf"
    liar.write_text("<html><body>not a pdf</body></html>")
    bad = CliRunner().invoke(main, ["extract", str(liar)])
    assert bad.exit_code == 2
    assert "liar.pdf: is named as a PDF but its content is an HTML page" in bad.output
