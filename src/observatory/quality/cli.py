"""Quality Marker commands for the `observatory` CLI.

    observatory quality export REFERENCE --user NAME --format json|docx|pdf [-o FILE]
    observatory quality tables [--user NAME] [-o FILE]

A review's dialogue is its partnership's: the export runs as a named user and is refused
(and audited) unless that user may download the dialogue. The national tables are public
(suppressed) output unless the user's role may see unsuppressed figures.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


def _write(body: bytes, output: Path | None) -> None:
    if output is None:
        sys.stdout.buffer.write(body)
    else:
        output.write_bytes(body)
        click.echo(f"wrote {output}", err=True)


def register(main: click.Group) -> None:
    @main.group()
    def quality() -> None:
        """Quality Marker dialogues: exports of a review's dialogue and the national tables."""

    @quality.command("export")
    @click.argument("reference")
    @click.option("--user", "username", required=True, help="Export as this user.")
    @click.option("--format", "fmt", type=click.Choice(["json", "docx", "pdf"]),
                  default="json", show_default=True)
    @click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
    def export_dialogue(reference: str, username: str, fmt: str, output: Path | None) -> None:
        """A review's Quality Marker dialogue (the board summary for DOCX and PDF)."""
        from ..cli import _django, _user

        _django()
        from ..accounts.access import can
        from ..audit.log import record
        from ..repository.models import Review
        from . import export
        from .services import dialogue_for

        user = _user(username)
        review = Review.objects.filter(reference=reference).first()
        dialogue = dialogue_for(review) if review else None
        if dialogue is None or not can(user, "download", dialogue):
            record(None, "download", dialogue, user=user, kind="quality_dialogue",
                   allowed=False, detail=f"quality export {reference}")
            raise click.ClickException(f"no Quality Marker dialogue '{reference}' that "
                                       f"{username} may export")
        body, _ = export.render(dialogue, user, fmt)
        record(None, "download", dialogue, user=user, detail=f"board summary {fmt}")
        _write(body, output)

    @quality.command("tables")
    @click.option("--user", "username", help="Unsuppressed if this user's role may see it.")
    @click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
    def tables(username: str | None, output: Path | None) -> None:
        """National tables: markers found hard, obstacles by frequency (JSON)."""
        from ..cli import _django, _user

        _django()
        from ..audit.log import record
        from .learning import national_tables

        user = _user(username)
        hard, obstacles, _ = national_tables(user)
        record(None, "export", user=user, kind="quality_statistics",
               detail="suppressed" if hard.suppressed_output else "unsuppressed")
        _write(json.dumps({"tables": [hard.as_dict(), obstacles.as_dict()]}, indent=2,
                          ensure_ascii=False).encode("utf-8") + b"\n", output)
