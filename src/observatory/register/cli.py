"""`observatory actions ...`: action plans from the command line (export, import, digest)."""

from __future__ import annotations

import sys
from pathlib import Path

import click


def _django() -> None:
    from ..cli import _django as setup

    setup()


def _review_and_user(reference: str, username: str | None, action: str):
    from ..accounts.access import can
    from ..cli import _user
    from ..repository.models import Review
    from .models import ActionPlan

    review = Review.objects.filter(reference=reference).first()
    if review is None:
        raise click.ClickException(f"no review '{reference}'")
    user = _user(username)
    if user is None:
        raise click.ClickException("name the user to act as with --user")
    if not can(user, action, ActionPlan(review=review)):
        raise click.ClickException(f"{username} may not {action} the action plan of {reference}")
    return review, user


@click.group("actions")
def actions_group() -> None:
    """Action plans: export and import in the partnership layout, the weekly digest."""


@actions_group.command("export")
@click.argument("reference")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--user", "username", required=True, help="Act as this user (access applies).")
def export_command(reference: str, fmt: str, output: Path | None, username: str) -> None:
    """Write REFERENCE's action plan (recommendation, action, lead, due date, RAG status,
    evidence, update) as CSV or XLSX."""
    _django()
    from ..audit.log import record
    from .exchange import export_plan

    review, user = _review_and_user(reference, username, "download")
    body, _ = export_plan(user, review, fmt)
    record(None, "export", review, user=user, kind="action_plan", detail=fmt)
    if output:
        output.write_bytes(body)
        click.echo(f"Wrote {output}")
    elif fmt == "csv":
        sys.stdout.write(body.decode("utf-8-sig"))
    else:
        raise click.ClickException("XLSX needs --output FILE")


@actions_group.command("import")
@click.argument("reference")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--user", "username", required=True, help="Act as this user (access applies).")
def import_command(reference: str, file: Path, username: str) -> None:
    """Import FILE (CSV/XLSX, the export's columns) into REFERENCE's action plan: all rows
    or none; every bad row is listed."""
    _django()
    from observatory_core.tabular import TableError

    from .exchange import import_plan

    review, user = _review_and_user(reference, username, "change")
    try:
        report = import_plan(review, file.name, file.read_bytes(), user)
    except TableError as exc:
        raise click.ClickException(str(exc)) from None
    if report.problems:
        for problem in report.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(report.problems)} problems: nothing was imported")
    click.echo(report.summary)


@actions_group.command("digest")
def digest_command() -> None:
    """Send the weekly digest now (the worker also sends it every Monday)."""
    _django()
    from .digest import send_digests

    click.echo(f"Sent {send_digests()} digests.")


def register(main: click.Group) -> None:
    main.add_command(actions_group)
