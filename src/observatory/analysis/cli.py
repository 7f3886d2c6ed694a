"""Analysis commands for the `observatory` CLI: tables, reports and linked-data imports.

    observatory table --list
    observatory table NAME [--filter FIELD=VALUE ...] --format json|csv|xlsx [-o FILE]
    observatory report annual --year YYYY --format pdf|html [-o FILE]
    observatory report thematic SLUG --format pdf|html [-o FILE]
    observatory import population|evaluations|child-deaths FILE.csv

Tables and reports are public (suppressed) output unless --user names a user whose role
may see unsuppressed figures. Exports are audited.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


def _setup():
    from ..cli import _django

    _django()


def _user(username: str | None):
    from ..cli import _user as find

    return find(username)


def _filters(items: tuple[str, ...]) -> dict[str, str]:
    from .filters import FilterError, clean

    raw = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"'{item}' is not FIELD=VALUE", param_hint="--filter")
        raw[key.strip()] = value
    try:
        return clean(raw)
    except FilterError as exc:
        raise click.BadParameter(str(exc), param_hint="--filter") from None


def _write(body: bytes, output: Path | None, binary: bool, what: str) -> None:
    if output:
        output.write_bytes(body)
        click.echo(f"Wrote {what} to {output}", err=True)
    elif binary:
        raise click.ClickException(f"{what} needs --output FILE")
    else:
        sys.stdout.buffer.write(body)


@click.command("table")
@click.argument("name", required=False)
@click.option("--list", "list_", is_flag=True, help="Name every standard table.")
@click.option("--filter", "filters", multiple=True, metavar="FIELD=VALUE",
              help="e.g. region=E12000007, year_from=2010, outcome=death (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "xlsx"]), default="json",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--user", "username", help="Build the table as this user (default: public).")
def table_command(name: str | None, list_: bool, filters: tuple[str, ...], fmt: str,
                  output: Path | None, username: str | None) -> None:
    """Print or save one standard table (suppressed unless --user may see more)."""
    _setup()
    from ..audit.log import record
    from .tables import REGISTRY, Scope, build
    from .views import table_bytes

    if list_ or not name:
        for d in REGISTRY.values():
            click.echo(f"{d.name:34} {d.title}")
        if not list_:
            raise click.UsageError("give a table NAME (or --list)")
        return
    if name not in REGISTRY:
        raise click.BadParameter(f"no table '{name}'; see --list", param_hint="NAME")
    user = _user(username)
    table = build(name, Scope(user, _filters(filters)))
    record(None, "export", user=user, kind="analysis_table", channel="cli",
           detail=f"{name} {fmt} filters={dict(table.filters)}")
    if fmt == "json":
        body = json.dumps(table.as_dict(), indent=2, ensure_ascii=False, default=str)
        _write((body + "\n").encode(), output, False, name)
    else:
        _write(table_bytes(table, fmt), output, fmt == "xlsx", name)


@click.group("report")
def report_group() -> None:
    """Annual and thematic reports as HTML or PDF."""


@report_group.command("annual")
@click.option("--year", type=int, required=True)
@click.option("--format", "fmt", type=click.Choice(["pdf", "html"]), default="pdf",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--user", "username", help="As this user (default: public, suppressed).")
def report_annual(year: int, fmt: str, output: Path | None, username: str | None) -> None:
    """The annual report for reviews decided in YEAR."""
    _setup()
    from .reports import annual

    _deliver(annual(year, _user(username)), fmt, output, f"annual report {year}", username)


@report_group.command("thematic")
@click.argument("slug")
@click.option("--format", "fmt", type=click.Choice(["pdf", "html"]), default="pdf",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--user", "username", help="As this user (default: public, suppressed).")
def report_thematic(slug: str, fmt: str, output: Path | None, username: str | None) -> None:
    """The thematic report of a saved analysis (its slug)."""
    _setup()
    from .models import SavedAnalysis
    from .reports import thematic

    saved = SavedAnalysis.objects.filter(slug=slug).first()
    if saved is None:
        raise click.ClickException(f"no saved analysis '{slug}'")
    _deliver(thematic(saved, _user(username)), fmt, output, f"thematic report {slug}",
             username)


def _deliver(report, fmt: str, output: Path | None, what: str, username: str | None) -> None:
    from ..audit.log import record
    from .reports import render_html, render_pdf

    body = render_pdf(report) if fmt == "pdf" else render_html(report).encode()
    record(None, "export", user=_user(username), kind="analysis_report", channel="cli",
           detail=f"{what} {fmt}")
    _write(body, output, fmt == "pdf", what)


@click.group("import")
def import_group() -> None:
    """Import linked data (all-or-nothing; every problem listed)."""


def _import(kind: str, file: Path, source: str) -> None:
    _setup()
    from ..audit.log import record, refused_input
    from .importers import IMPORTERS

    report = IMPORTERS[kind](file.name, file.read_bytes(), source=source)
    if not report.ok:
        refused_input(None, "import", kind=f"analysis_{kind}", name=file.name,
                      reason=f"{len(report.problems)} problem(s)", channel="cli")
        click.secho(report.summary(), fg="red", err=True)
        for problem in report.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    record(None, "import", kind=f"analysis_{kind}", channel="cli", detail=report.summary())
    click.echo(report.summary())


@import_group.command("population")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", default="", help="Citation stored with the rows.")
def import_population(file: Path, source: str) -> None:
    """Population estimates: columns la_code, year, age_group, count (ages 0-17 are used
    for rates as soon as they are loaded)."""
    _import("population", file, source)


@import_group.command("evaluations")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", default="", help="Citation stored with the rows.")
def import_evaluations(file: Path, source: str) -> None:
    """Evaluations of reviews: columns local_authority, judgement, evaluation_date
    (optionally reference), e.g. seed 003 Annex A."""
    _import("evaluations", file, source)


@import_group.command("child-deaths")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", default="", help="Citation stored with the rows.")
def import_child_deaths(file: Path, source: str) -> None:
    """Child death review figures: columns year, area_code (blank = England), count,
    optionally measure and source."""
    _import("child-deaths", file, source)


def register(main: click.Group) -> None:
    main.add_command(table_command)
    main.add_command(report_group)
    main.add_command(import_group)
