"""`observatory`: the command line for people and scripts.

Every subcommand has --help. Commands that touch the database set Django up first; the
same functions the web app uses do the work, so the CLI can never do what the app forbids
silently: it acts as a named user where that matters, and writes audit events.
"""

from __future__ import annotations

import getpass
import os
import secrets
import sys
from pathlib import Path

import click


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "observatory.settings")
    import django

    django.setup()
    from .operations.logs import new_id, request_id

    # One id for the whole command, in its log lines and in every task it enqueues.
    if not request_id.get():
        request_id.set(f"cli-{new_id()}")


def _user(username: str | None):
    if not username:
        return None
    from django.contrib.auth.models import User

    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise click.ClickException(f"no user '{username}'") from None


def _filtered_reviews(user, filters: tuple[str, ...]):
    """The reviews ``user`` may see, narrowed by ``--filter FIELD=VALUE`` options through the
    same form the web list uses, so a bad or unknown field is refused the same way."""
    from django.http import QueryDict

    from .repository.filters import ReviewFilterForm, visible_reviews

    reviews = visible_reviews(user)
    if not filters:
        return reviews
    query = QueryDict(mutable=True)
    for item in filters:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"'{item}' is not FIELD=VALUE", param_hint="--filter")
        query[key] = value
    form = ReviewFilterForm(query)
    if not form.is_valid():
        raise click.ClickException(f"bad filter: {form.errors.as_text()}")
    unknown = set(query) - set(form.fields)
    if unknown:
        raise click.ClickException(f"unknown filter field(s): {', '.join(sorted(unknown))}")
    return form.filter(reviews)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="case-review-observatory")
def main() -> None:
    """Case Review Observatory: the national repository of child safeguarding case reviews.

    Set DATABASE_URL to use PostgreSQL (default: an SQLite file under ./var).
    """


# -- set-up -----------------------------------------------------------------------------
@main.command()
@click.option("--no-demo", is_flag=True, help="Do not load the demo corpus.")
@click.option("--demo-count", default=48, show_default=True, help="Demo reviews to create.")
def setup(no_demo: bool, demo_count: int) -> None:
    """Migrate, load controlled lists and areas, load the demo corpus into an empty database,
    and create the first administrator (printing how to sign in)."""
    _django()
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from .repository.models import Review
    from .vocabularies.sync import sync_reference_data

    call_command("migrate", interactive=False, verbosity=0)
    report = sync_reference_data()
    click.echo(f"Controlled lists: {report.terms_added} terms added; "
               f"local areas: {report.areas_added} added.")
    from .coding.services import ensure_codebooks

    click.echo(f"Codebooks: {ensure_codebooks()} shipped codebooks loaded.")
    demo_loaded = False
    if not no_demo and not Review.objects.exists():
        _load_demo(demo_count)
        demo_loaded = True
        from .learning.demo import load_demo_learning

        click.echo(load_demo_learning())
    if not User.objects.filter(is_superuser=True).exists():
        _first_admin()
        if demo_loaded and os.environ.get("OBSERVATORY_DEMO_USERS", "1") == "1":
            _demo_users()


def _demo_users() -> None:
    """One account per role, so a newcomer can see what each kind of user sees."""
    from django.db.models import Count

    from .accounts.services import create_user
    from .repository.models import Review

    busiest = (Review.objects.values("local_authority__gss_code", "local_authority__name")
               .annotate(n=Count("id")).order_by("-n", "local_authority__name").first())
    password = os.environ.get("OBSERVATORY_DEMO_PASSWORD") or secrets.token_urlsafe(9)
    click.secho("Demo accounts (one per role), all with the same password:", bold=True)
    for role in ("analyst", "partnership", "practitioner", "researcher", "steering"):
        area = busiest["local_authority__gss_code"] if role == "partnership" else None
        create_user(f"demo-{role}", password, role, area=area)
        where = f" for {busiest['local_authority__name']}" if area else ""
        click.echo(f"  demo-{role}{where}")
    click.echo(f"  password: {password}\n")


def _first_admin() -> None:
    from .accounts.services import create_user

    password = os.environ.get("OBSERVATORY_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
    create_user("admin", password, "admin")
    secret_file = Path(os.environ.get("OBSERVATORY_DATA", "var")) / "admin-password.txt"
    secret_file.parent.mkdir(parents=True, exist_ok=True)
    secret_file.write_text(password + "\n")
    secret_file.chmod(0o600)
    click.secho("\nFirst run: an administrator account was created.", bold=True)
    port = os.environ.get("PORT", "8000")
    click.echo(f"  Sign in at http://127.0.0.1:{port}/accounts/login/")
    click.echo(f"  username: admin\n  password: {password}")
    click.echo(f"  (also saved in {secret_file}; change it after signing in)\n")


def _load_demo(count: int) -> None:
    from tqdm import tqdm

    from .repository.demo_loader import load_demo

    with tqdm(total=count, desc="Demo corpus", unit="review", file=sys.stderr) as bar:
        report = load_demo(count=count, progress=lambda done, total: bar.update(1))
    click.echo(f"Demo corpus: {report.reviews} fictional reviews, {report.documents} documents.")
    from .register.demo import load_demo_plans

    click.echo(f"Demo action plans: {load_demo_plans(count)} reviews' plans.")


@main.group()
def demo() -> None:
    """The fictional demo corpus."""


@demo.command("load")
@click.option("--count", default=48, show_default=True, help="Number of reviews.")
@click.option("--force", is_flag=True, help="Load even if the database holds reviews.")
def demo_load(count: int, force: bool) -> None:
    """Create fictional reviews with generated PDF and DOCX documents (idempotent)."""
    _django()
    from .repository.models import Review

    if Review.objects.exclude(fictional=True).exists() and not force:
        raise click.ClickException("the database holds real reviews; use --force to add demo ones")
    _load_demo(count)


@demo.command("files")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--count", default=48, show_default=True)
def demo_files(directory: Path, count: int) -> None:
    """Write the demo corpus's PDF and DOCX files to DIRECTORY without touching the database."""
    from observatory_demo import build_demo_corpus, write_demo_files

    directory.mkdir(parents=True, exist_ok=True)
    files = write_demo_files(build_demo_corpus(count=count), directory)
    click.echo(f"Wrote {sum(len(v) for v in files.values())} files to {directory}")


# -- dataset ----------------------------------------------------------------------------
@main.group()
def dataset() -> None:
    """Import and export the minimum dataset (CSV or XLSX)."""


@dataset.command("import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--user", "username", help="Act as this user (their area limits apply).")
def dataset_import(files: tuple[Path, ...], username: str | None) -> None:
    """Import reviews from CSV/XLSX FILES. Each file is all-or-nothing; bad rows are listed
    (file, row, field, reason); importing the same file again changes nothing."""
    _django()
    from .accounts.access import areas_of, role_of
    from .audit.log import record, refused_input
    from .repository.dataset_io import import_dataset

    user = _user(username)
    area = areas_of(user) if user and role_of(user) == "partnership" else None
    failed = 0
    for path in files:
        report = import_dataset(path.name, path.read_bytes(), user=user, allowed_area_id=area)
        if report.ok:
            click.echo(report.summary())
            record(None, "import", user=user, kind="unpublished_review",
                   detail=report.summary(), channel="cli")
        else:
            failed += 1
            refused_input(None, "import", user=user, kind="unpublished_review",
                          name=path.name, reason=f"{len(report.problems)} problem(s)",
                          channel="cli")
            click.secho(report.summary(), fg="red", err=True)
            for problem in report.problems:
                click.echo(f"  {problem}", err=True)
    if failed:
        sys.exit(1)


@dataset.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: standard output for CSV).")
@click.option("--filter", "filters", multiple=True, metavar="FIELD=VALUE",
              help="Filter as on the reviews page, e.g. outcome=death or region=E12000007.")
@click.option("--user", "username", help="Export what this user may see (default: public).")
def dataset_export(fmt: str, output: Path | None, filters: tuple[str, ...],
                   username: str | None) -> None:
    """Export the minimum dataset of the reviews visible to a user."""
    _django()
    from observatory_core.tabular import record_to_row, write_csv, write_xlsx

    from .repository.serialize import review_row

    user = _user(username)
    reviews = _filtered_reviews(user, filters)
    rows = [record_to_row(review_row(r)) for r in reviews]
    from .audit.log import record

    record(None, "export", user=user, kind="published_review",
           detail=f"{len(rows)} reviews, {fmt}", channel="cli")
    body = write_xlsx(rows) if fmt == "xlsx" else write_csv(rows)
    if output:
        output.write_bytes(body)
        click.echo(f"Wrote {len(rows)} reviews to {output}", err=True)
    elif fmt == "xlsx":
        raise click.ClickException("XLSX needs --output FILE")
    else:
        sys.stdout.buffer.write(body)


# -- users ------------------------------------------------------------------------------
@main.group()
def users() -> None:
    """Manage user accounts and roles."""


@users.command("create")
@click.argument("username")
@click.option("--role", required=True,
              type=click.Choice(["practitioner", "partnership", "analyst", "researcher",
                                 "steering", "admin"]))
@click.option("--area", help="Local area (GSS code, DfE code or name); needed for partnership.")
@click.option("--email", default="")
@click.option("--password", help="Password (prompted for if omitted; or OBSERVATORY_PASSWORD).")
def users_create(username: str, role: str, area: str | None, email: str,
                 password: str | None) -> None:
    """Create a user with a role."""
    _django()
    from .accounts.services import AccountError, create_user

    password = password or os.environ.get("OBSERVATORY_PASSWORD") or getpass.getpass(
        f"Password for {username}: ")
    from django.contrib.auth.models import User
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    try:  # the password policy (settings.AUTH_PASSWORD_VALIDATORS), as the forms apply it
        validate_password(password, User(username=username, email=email))
    except ValidationError as exc:
        raise click.ClickException("password refused: " + " ".join(exc.messages)) from None
    try:
        create_user(username, password, role, email=email, area=area)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {username} ({role})")


@users.command("set-role")
@click.argument("username")
@click.option("--role", required=True,
              type=click.Choice(["practitioner", "partnership", "analyst", "researcher",
                                 "steering", "admin"]))
@click.option("--area", help="Local area for a partnership user.")
def users_set_role(username: str, role: str, area: str | None) -> None:
    """Change a user's role (and area)."""
    _django()
    from .accounts.services import AccountError, set_role

    try:
        set_role(username, role, area)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{username} is now {role}")


@users.command("deactivate")
@click.argument("username")
def users_deactivate(username: str) -> None:
    """Stop a user signing in (their history stays in the audit log)."""
    _django()
    user = _user(username)
    user.is_active = False
    user.save()
    click.echo(f"{username} deactivated")


@users.command("list")
def users_list() -> None:
    """List users with their roles and areas."""
    _django()
    from django.contrib.auth.models import User

    for user in User.objects.select_related("profile__local_authority").order_by("username"):
        profile = getattr(user, "profile", None)
        area = profile.local_authority.name if profile and profile.local_authority else ""
        role = "admin" if user.is_superuser else (profile.role if profile else "-")
        state = "" if user.is_active else " (inactive)"
        click.echo(f"{user.username:20} {role:13} {area}{state}")


# -- audit ------------------------------------------------------------------------------
@main.group()
def audit() -> None:
    """The audit log: retention and its hash chain."""


@audit.command("verify")
def audit_verify() -> None:
    """Check the audit log's hash chain: every event follows the one before it and is as it
    was written. Exits 1 naming the first broken event (changed, inserted or deleted by hand);
    events removed by `observatory audit prune` leave their link and still verify."""
    _django()
    from .audit.chain import check

    count, broken = check()
    if broken is not None:
        click.echo(f"FAILED after {count} good events: {broken}", err=True)
        sys.exit(1)
    click.echo(f"The audit chain is intact: {count} events checked.")


@audit.command("prune")
@click.option("--dry-run", is_flag=True, help="Count what would be removed; change nothing.")
def audit_prune(dry_run: bool) -> None:
    """Remove audit events older than the retention rules allow
    (src/observatory_core/data/audit_retention.toml). Refusals, anything about confidential
    material and every change are kept. Run it daily, e.g. from cron."""
    _django()
    from observatory_core.retention import RetentionError

    from .audit.retention import prune

    try:
        results = prune(dry_run=dry_run)
    except RetentionError as exc:
        raise click.ClickException(str(exc)) from None
    verb = "would remove" if dry_run else "removed"
    for item in results:
        click.echo(f"{item.rule.name} (kept {item.rule.keep_days} days): {verb} {item.count}")
    click.echo(f"In all: {verb} {sum(i.count for i in results)} events; "
               "everything else is kept.")


# -- reference data ---------------------------------------------------------------------
@main.group()
def lists() -> None:
    """Controlled lists and local areas."""


@lists.command("sync")
@click.option("--overwrite", is_flag=True,
              help="Overwrite administrators' edits with the shipped data files.")
def lists_sync(overwrite: bool) -> None:
    """Copy new terms and areas from the shipped data files into the database."""
    _django()
    from .vocabularies.sync import sync_reference_data

    report = sync_reference_data(overwrite=overwrite)
    click.echo(f"{report.terms_added} terms added, {report.terms_updated} updated; "
               f"{report.areas_added} areas added, {report.areas_updated} updated")


# -- Delphi consultations ---------------------------------------------------------------
@main.group()
def delphi() -> None:
    """Delphi consultations: import published results, print results per round."""


@delphi.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--values", "values", required=True, type=click.Choice(["counts", "percentages"]),
              help="Whether the seven answer columns hold counts, or percentages of the "
                   "respondents.")
@click.option("--title", help="Title of the new study (default: the file name).")
@click.option("--rule", "rule_key", default="scoping_study_2010", show_default=True,
              help="Consensus rule (a file in observatory_core/data/consensus_rules/).")
@click.option("--source", default="", help="Where the published results come from.")
@click.option("--user", "username", help="Record the import as this user.")
def delphi_import(file: Path, values: str, title: str | None, rule_key: str, source: str,
                  username: str | None) -> None:
    """Create a completed study from FILE (CSV or XLSX) of published results and print its id.

    Columns: section, number, text, round, respondents, then one value per answer in scale
    order: strongly_disagree, disagree, mildly_disagree, mildly_agree, agree, strongly_agree,
    unable. All-or-nothing: every problem is listed as row, field: reason.
    """
    _django()
    from observatory_core.tabular import TableError, read_table

    from .audit.log import record, refused_input
    from .consultation.services import import_aggregates

    user = _user(username)
    try:
        rows = read_table(file.name, file.read_bytes())
    except TableError as exc:
        refused_input(None, "import", user=user, kind="delphi_study", name=file.name,
                      reason=str(exc), channel="cli")
        raise click.ClickException(str(exc)) from exc
    report = import_aggregates(rows, values, title=title or file.stem, rule_key=rule_key,
                               source=source, user=user)
    if not report.ok:
        refused_input(None, "import", user=user, kind="delphi_study", name=file.name,
                      reason=f"{len(report.problems)} problem(s)", channel="cli")
        click.secho(f"{file.name}: not imported, {len(report.problems)} problem(s)",
                    fg="red", err=True)
        for problem in report.problems:
            click.echo(f"  {file.name}, {problem}", err=True)
        sys.exit(1)
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    record(None, "import", report.study, user=user, channel="cli",
           detail=f"{file.name}: {report.statements} statements, {report.rounds} rounds")
    click.echo(f"Imported {report.statements} statements in {report.rounds} rounds "
               f"as study {report.study.pk}", err=True)
    click.echo(report.study.pk)


@delphi.command("results")
@click.argument("study", type=int)
@click.option("--round", "round_number", type=int, help="Round number (default: the latest).")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json",
              show_default=True)
def delphi_results(study: int, round_number: int | None, fmt: str) -> None:
    """Print a study's results per statement: section, number, pct_disagreeing,
    pct_agreeing, pct_unable and consensus (agree / disagree / none)."""
    _django()
    import json

    from observatory_core.tabular import write_csv

    from .consultation.models import Round, Study
    from .consultation.services import round_results

    found = Study.objects.filter(pk=study).first()
    if found is None:
        raise click.ClickException(f"no study {study}")
    rounds = found.rounds.exclude(status=Round.DRAFT).order_by("number")
    rnd = rounds.filter(number=round_number).first() if round_number else rounds.last()
    if rnd is None:
        raise click.ClickException(f"study {study} has no round {round_number or ''} with "
                                   "results".replace("  ", " "))
    columns = ["section", "number", "pct_disagreeing", "pct_agreeing", "pct_unable",
               "consensus"]
    rows = [{c: row[c] for c in columns} for row in round_results(found, rnd)["rows"]]
    if fmt == "csv":
        sys.stdout.buffer.write(write_csv(rows, columns))
    else:
        click.echo(json.dumps({"study": found.pk, "round": rnd.number, "rule": found.rule_key,
                               "statements": rows}, indent=2, ensure_ascii=False))


# -- coding (issue 4) -------------------------------------------------------------------
@main.group()
def coding() -> None:
    """Codebooks: import and export (TOML, CSV, REFI-QDA .qdc)."""


@coding.command("import-codebook")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key", default="", help="Codebook key (CSV and .qdc files carry none).")
@click.option("--name", default="", help="Codebook name (CSV and .qdc).")
@click.option("--source", default="", help="Where the codes come from (CSV and .qdc).")
@click.option("--user", "username", help="Record the import as this user.")
def coding_import_codebook(file: Path, key: str, name: str, source: str,
                           username: str | None) -> None:
    """Import FILE (.toml, .csv or .qdc) as a new codebook, or a new version of the one with
    its key. All or nothing: every problem is listed and nothing is written."""
    _django()
    from django.db import transaction

    from observatory_core.coding.codebook import CodebookError

    from .audit.log import record, refused_input
    from .coding.services import parse_upload, save_codebook
    from .coding.views import CODEBOOKS

    user = _user(username)
    try:
        data = parse_upload(file.read_bytes(), file.name, key=key, name=name, source=source)
    except CodebookError as exc:
        refused_input(None, "change", CODEBOOKS, user=user, name=file.name,
                      reason=f"{len(exc.problems)} problem(s)", channel="cli")
        click.secho(f"{file.name}: not imported, {len(exc.problems)} problem(s)", fg="red",
                    err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    with transaction.atomic():
        book = save_codebook(data, user, f"imported {file.name} (CLI)")
        record(None, "change", book, user=user, channel="cli",
               detail=f"imported {file.name} (CLI)")
    click.echo(f"Imported '{book.name}' as {book.key} version {book.version} "
               f"({book.codes.filter(retired=False).count()} codes)", err=True)
    click.echo(book.key)


@coding.command("export-codebook")
@click.argument("key")
@click.option("--format", "fmt", type=click.Choice(["toml", "qdc", "csv"]), default="toml",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (default: standard output).")
def coding_export_codebook(key: str, fmt: str, output: Path | None) -> None:
    """Export the codebook KEY (e.g. recommendation_themes) as TOML, REFI-QDA .qdc or CSV."""
    _django()
    from .coding.models import Codebook
    from .coding.services import ensure_codebooks, export_codebook

    ensure_codebooks()
    book = Codebook.objects.filter(key=key).first()
    if book is None:
        known = ", ".join(Codebook.objects.values_list("key", flat=True))
        raise click.ClickException(f"no codebook '{key}' (there are: {known})")
    body, _ = export_codebook(book, fmt)
    if output:
        output.write_bytes(body)
        click.echo(f"Wrote {output} ({book.key} version {book.version})", err=True)
    else:
        sys.stdout.buffer.write(body)


# -- running ----------------------------------------------------------------------------
@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--workers", default=2, show_default=True, help="Server processes.")
@click.option("--threads", default=4, show_default=True, help="Threads per process.")
@click.option("--dev", is_flag=True,
              help="Django's development server instead, reloading when code changes.")
def serve(host: str, port: int, workers: int, threads: int, dev: bool) -> None:
    """Serve the web app (gunicorn; static files through whitenoise). Several processes
    (--workers) each with threads; health at /healthz and /readyz, metrics at /metrics."""
    if not dev:
        from .server import prepare_metrics_dir

        prepare_metrics_dir()  # before anything imports prometheus_client
    _django()
    if dev:
        from django.core.management import call_command

        call_command("runserver", f"{host}:{port}")
        return
    from .server import serve as run_server

    run_server(host, port, workers, threads)


@main.command()
@click.option("--queue", "queues", default="default", show_default=True,
              help="Which queues, comma-separated: 'embeddings' (semantic search) runs in a "
                   "worker of its own so that it never delays ingestion.")
@click.option("--interval", default=1.0, show_default=True,
              help="Seconds between looks at an empty queue.")
@click.option("--batch", is_flag=True, help="Run what is waiting, then stop.")
@click.option("--max-tasks", type=click.IntRange(min=1), default=None,
              help="Stop after this many tasks (a supervisor starts a fresh process).")
@click.option("--metrics-port", type=int, default=None,
              help="Serve this worker's own metrics (job durations, OCR pages) on "
                   "127.0.0.1:PORT/metrics; see --metrics-address.")
@click.option("--metrics-address", default="127.0.0.1", show_default=True)
def worker(queues: str, interval: float, batch: bool, max_tasks: int | None,
           metrics_port: int | None, metrics_address: str) -> None:
    """Run a background worker (database-backed queue). Start as many as you like, on as
    many machines: each claims jobs with row locks that skip locked rows, and writes a
    heartbeat so the scheduler can give a dead worker's job to another."""
    _django()
    names = [q.strip() for q in queues.split(",") if q.strip()]
    from django.conf import settings

    known = settings.TASKS["default"].get("QUEUES", ["default"])
    unknown = [q for q in names if q not in known]
    if unknown or not names:
        raise click.BadParameter(f"unknown queue(s) {', '.join(unknown) or '(none)'}; "
                                 f"there are: {', '.join(known)}", param_hint="--queue")
    if metrics_port:
        from .operations.metrics import serve_worker_metrics

        serve_worker_metrics(metrics_port, metrics_address)
    if "default" in names:  # the weekly digest queues itself; this starts the chain once
        from .register.digest import schedule_next

        schedule_next()
    from .operations.worker import run_worker

    run_worker(names, interval=interval, batch=batch, max_tasks=max_tasks)


@main.command()
@click.option("--once", is_flag=True, help="One pass, then stop (for cron or a test).")
@click.option("--tick", type=float, default=None,
              help="Seconds between passes (default: schedule.toml's).")
def scheduler(once: bool, tick: float | None) -> None:
    """Run the scheduler: enqueues the periodic tasks (audit retention, expired sessions,
    old task results) when due, and gives the jobs of dead workers to live ones. One is
    enough; a second one by mistake does no harm."""
    _django()
    from .operations.scheduler import run

    run(once=once, tick_seconds=tick)


@main.command()
@click.argument("destination", type=click.Path(file_okay=False, path_type=Path))
def backup(destination: Path) -> None:
    """Back up the database and every stored document into the new folder DESTINATION,
    with a manifest of SHA-256 hashes and row counts (safe while the service runs)."""
    _django()
    from .operations.backup import BackupError
    from .operations.backup import backup as run_backup

    try:
        report = run_backup(destination, progress=lambda step: click.echo(f"  {step}...",
                                                                           err=True))
    except BackupError as exc:
        _backup_failed(exc)
    click.echo(f"Backed up {report.engine}: {report.tables} tables, {report.rows} rows, "
               f"{report.documents} documents, {report.bytes / 1e6:.1f} MB to {report.path} "
               f"in {report.seconds:.1f} s")


@main.command()
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--check", is_flag=True, help="Only check the backup's files against its "
              "manifest; change nothing.")
def restore(source: Path, check: bool) -> None:
    """Restore a backup made by `observatory backup` into this EMPTY installation (a new
    database and empty document stores). Everything is checked first; a damaged or changed
    backup is refused with the reasons, and nothing is left half-restored."""
    _django()
    from .operations.backup import BackupError, read_manifest, verify
    from .operations.backup import restore as run_restore

    try:
        if check:
            problems = verify(source, read_manifest(source))
            if problems:
                raise BackupError("the backup is damaged or has been changed", problems)
            click.echo(f"{source}: every file matches its manifest")
            return
        report = run_restore(source, progress=lambda step: click.echo(f"  {step}...",
                                                                      err=True))
    except BackupError as exc:
        _backup_failed(exc)
    click.echo(f"Restored {report.tables} tables, {report.rows} rows and {report.documents} "
               f"documents in {report.seconds:.1f} s; every row count, the audit log and "
               "every document's hash match the backup.")


def _backup_failed(exc: Exception) -> None:
    click.secho(f"Error: {exc}", fg="red", err=True)
    for problem in getattr(exc, "problems", [])[:50]:
        click.echo(f"  {problem}", err=True)
    sys.exit(1)


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage(args: tuple[str, ...]) -> None:
    """Run a Django management command, e.g. `observatory manage check`."""
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["observatory manage", *args])


# -- dry-run extraction (pure core: no Django, nothing stored) ---------------------------
@main.command("extract")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text",
              show_default=True)
def extract(file: Path, fmt: str) -> None:
    """Print what ingestion would extract from FILE (pages, sections, recommendations,
    findings, dataset draft, personal data) without storing anything. Exit code 2 on bad
    input, with 'FILE: reason'."""
    import json

    from observatory_core.ingest import IngestError, Limits
    from observatory_core.ingest import extract as run_extract
    from observatory_core.ingest.report import to_dict, to_text

    try:
        result = run_extract(file, file.name, limits=Limits.from_env())
    except IngestError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    if fmt == "json":
        click.echo(json.dumps(to_dict(result), indent=2, ensure_ascii=False))
    else:
        click.echo(to_text(result))



# -- ingestion and search (observatory.ingestion) -----------------------------------------
@main.command("ingest")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))
@click.option("--review", "reference", help="Attach every file to this review (default: the "
              "review whose reference is in the file's or a folder's name).")
@click.option("--kind", help="Document kind code for every file, e.g. overview_report, imr "
              "(default: the kind named in the file name).")
@click.option("--user", "username", help="Act as this user (their permissions apply).")
def ingest(paths: tuple[Path, ...], reference: str | None, kind: str | None,
           username: str | None) -> None:
    """Store and process FILES and folders (recursively): text, passages, sections,
    recommendations, dataset draft. Each file is all-or-nothing; a bad file is reported and
    the rest go on. Ends with a summary (ingested, unchanged, failed with reasons); exit
    code 1 if any file failed. See docs/ingestion.md for how files find their review."""
    _django()
    from tqdm import tqdm

    from .ingestion.batch import find_files, ingest_paths
    from .repository.models import Review
    from .vocabularies.models import Term

    user = _user(username)
    review = None
    if reference:
        review = Review.objects.filter(reference=reference).first()
        if review is None:
            raise click.ClickException(f"no review '{reference}'")
    term = None
    if kind:
        term = Term.objects.filter(vocabulary__key="document_kind", code=kind).first()
        if term is None:
            raise click.ClickException(f"no document kind '{kind}'")
    total = len(find_files(paths))
    with tqdm(total=total, desc="Ingesting", unit="file", file=sys.stderr) as bar:
        report = ingest_paths(paths, review=review, kind=term, user=user,
                              progress=lambda outcome: bar.update(1))
    click.echo(f"{report.summary()} ({total} file{'s' if total != 1 else ''})")
    for outcome in report.failed:
        click.secho(f"  failed: {outcome.reason}", fg="red", err=True)
    if report.failed:
        sys.exit(1)


@main.command("search")
@click.argument("query")
@click.option("--user", "username", help="Search as this user (default: public).")
@click.option("--section", default="", help="Only passages in this kind of section.")
@click.option("--filter", "filters", multiple=True, metavar="FIELD=VALUE",
              help="Filter reviews as on the reviews page, e.g. outcome=death.")
@click.option("--limit", default=20, show_default=True)
@click.option("--mode", type=click.Choice(["keyword", "semantic", "hybrid"]), default=None,
              help="Default: hybrid when passages have embeddings, else keyword.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def search(query: str, username: str | None, section: str, filters: tuple[str, ...],
           limit: int, mode: str | None, fmt: str) -> None:
    """Full-text search over passages a user may see; prints review, document, page and a
    highlighted snippet (as [[...]] in text, <mark> in JSON)."""
    _django()
    import json

    from .audit.log import record
    from .ingestion.search import search as run_search

    user = _user(username)
    reviews = _filtered_reviews(user, filters)
    page = run_search(user, query, reviews=reviews, section_kind=section, limit=limit,
                      mode=mode)
    if page.notice:
        click.echo(page.notice, err=True)
    record(None, "view", user=user, kind="passage_search", channel="cli",
           detail=f"search '{query[:200]}': {page.total_label} passages")
    if fmt == "json":
        click.echo(json.dumps({"query": page.query, "total": page.total, "mode": page.mode,
                               "more": page.more,  # total capped: "1,000+"
                               "results": [h.as_dict() for h in page.hits]},
                              indent=2, ensure_ascii=False))
        return
    click.echo(f"{page.total_label} passage{'s' if page.total != 1 else ''} found")  # "1,000+"
    import html as _html

    for hit in page.hits:
        snippet = str(hit.snippet).replace("<mark>", "[[").replace("</mark>", "]]")
        click.echo(f"{hit.review}  {hit.document_title}  page {hit.page}  {hit.url}\n"
                   f"    {_html.unescape(snippet)}")



from .analysis.cli import register as _register_analysis  # noqa: E402

_register_analysis(main)

from .register.cli import register as _register_actions  # noqa: E402

_register_actions(main)
from .quality.cli import register as _register_quality  # noqa: E402

_register_quality(main)
from .research.cli import register as _register_research  # noqa: E402

_register_research(main)


if __name__ == "__main__":
    main()
