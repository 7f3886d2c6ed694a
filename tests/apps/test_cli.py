"""The `observatory` command line, run in-process against the test database.

The CLI calls django.setup() itself, which is harmless here: pytest-django has already set
Django up and pointed it at the test database, so every command below reads and writes the
same database (inside the test's transaction) as the ORM assertions that follow it.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from django.contrib.auth.models import User

from observatory.accounts.models import Profile
from observatory.accounts.services import create_user
from observatory.cli import main
from observatory.repository.models import Document, Review
from observatory_core.tabular import record_to_row, write_csv

from .conftest import OTHER_AREA, OWN_AREA, PASSWORD, make_review, term

ROLES = ["practitioner", "partnership", "analyst", "researcher", "steering", "admin"]


def run(*args: str, **kwargs) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="observatory", **kwargs)


def ok(*args: str) -> Result:
    result = run(*args)
    assert result.exit_code == 0, (
        f"observatory {' '.join(map(str, args))} failed ({result.exit_code}):\n"
        f"{result.output}\n{result.exception!r}")
    return result


# -- help on every command ------------------------------------------------------------------
def _command_paths(command: click.Command, path: tuple[str, ...] = ()):
    """Every command in the tree, as the words typed after `observatory`."""
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from _command_paths(sub, (*path, name))


COMMANDS = list(_command_paths(main))


def test_command_tree_is_walked():
    paths = {" ".join(p) for p, _ in COMMANDS}
    # A sanity check that the walk reaches nested commands, not that this is the full list.
    assert {"", "users", "users create", "dataset import", "demo files", "lists sync"} <= paths


@pytest.mark.parametrize(("path", "command"), COMMANDS,
                         ids=[" ".join(p) or "observatory" for p, _ in COMMANDS])
def test_help_on_every_command(path, command):
    result = run(*path, "--help")
    assert result.exit_code == 0, result.output
    assert f"Usage: observatory {' '.join(path)}".rstrip() in result.output
    assert (command.help or "").strip(), f"`observatory {' '.join(path)}` has no help text"
    first_line = " ".join(command.help.split("\n\n")[0].split())
    assert first_line in " ".join(result.output.split())


# -- users ----------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_users_create_each_role(db, role):
    area = ["--area", OWN_AREA] if role == "partnership" else []
    result = ok("users", "create", f"new-{role}", "--role", role, "--password", PASSWORD, *area)
    assert f"Created new-{role} ({role})" in result.output
    user = User.objects.get(username=f"new-{role}")
    assert user.check_password(PASSWORD)
    assert user.profile.role == role
    assert user.is_superuser == (role == "admin")
    if role == "partnership":
        assert user.profile.local_authority.gss_code == OWN_AREA


def test_users_create_partnership_needs_area(db):
    result = run("users", "create", "p1", "--role", "partnership", "--password", PASSWORD)
    assert result.exit_code == 1
    assert "partnership user needs a local area (--area)" in result.output
    assert not User.objects.filter(username="p1").exists()


def test_users_create_unknown_area(db):
    result = run("users", "create", "p2", "--role", "partnership", "--area", "Atlantis",
                 "--password", PASSWORD)
    assert result.exit_code == 1
    assert "unknown local area 'Atlantis'" in result.output
    assert not User.objects.filter(username="p2").exists()


def test_users_create_area_by_name(db):
    ok("users", "create", "p3", "--role", "partnership", "--area", "Birmingham",
       "--password", PASSWORD)
    assert User.objects.get(username="p3").profile.local_authority.gss_code == OWN_AREA


def test_users_create_duplicate(db):
    ok("users", "create", "dup", "--role", "analyst", "--password", PASSWORD)
    result = run("users", "create", "dup", "--role", "researcher", "--password", PASSWORD)
    assert result.exit_code == 1
    assert "user 'dup' already exists" in result.output
    assert User.objects.get(username="dup").profile.role == "analyst"


def test_users_create_unknown_role_is_a_usage_error(db):
    result = run("users", "create", "x", "--role", "wizard", "--password", PASSWORD)
    assert result.exit_code == 2
    assert not User.objects.filter(username="x").exists()


def test_users_list(db):
    create_user("alice", PASSWORD, "analyst")
    create_user("bob", PASSWORD, "partnership", area=OWN_AREA)
    create_user("root", PASSWORD, "admin")
    lines = ok("users", "list").output.splitlines()
    by_name = {line.split()[0]: line for line in lines if line.strip()}
    assert by_name["alice"].split()[1] == "analyst"
    assert by_name["bob"].split()[1] == "partnership"
    assert "Birmingham" in by_name["bob"]
    assert by_name["root"].split()[1] == "admin"
    assert [line.split()[0] for line in lines] == sorted(by_name)


def test_users_set_role(db):
    create_user("carol", PASSWORD, "practitioner")
    assert "carol is now partnership" in ok(
        "users", "set-role", "carol", "--role", "partnership", "--area", OTHER_AREA).output
    profile = Profile.objects.get(user__username="carol")
    assert (profile.role, profile.local_authority.gss_code) == ("partnership", OTHER_AREA)
    ok("users", "set-role", "carol", "--role", "admin")
    assert User.objects.get(username="carol").is_superuser
    ok("users", "set-role", "carol", "--role", "researcher")
    carol = User.objects.get(username="carol")
    assert not carol.is_superuser and not carol.is_staff
    assert carol.profile.role == "researcher"


def test_users_set_role_refusals(db):
    create_user("dave", PASSWORD, "practitioner")
    result = run("users", "set-role", "dave", "--role", "partnership")
    assert result.exit_code == 1
    assert "needs a local area" in result.output
    assert Profile.objects.get(user__username="dave").role == "practitioner"
    result = run("users", "set-role", "nobody", "--role", "analyst")
    assert result.exit_code == 1
    assert "no user 'nobody'" in result.output


def test_users_deactivate(db):
    create_user("erin", PASSWORD, "analyst")
    assert "erin deactivated" in ok("users", "deactivate", "erin").output
    assert not User.objects.get(username="erin").is_active
    assert "(inactive)" in next(line for line in ok("users", "list").output.splitlines()
                                if line.startswith("erin"))
    result = run("users", "deactivate", "nobody")
    assert result.exit_code == 1
    assert "no user 'nobody'" in result.output


# -- dataset export -------------------------------------------------------------------------
@pytest.fixture
def exportable(db):
    death = make_review("EXP-1")
    harm = make_review("EXP-2")
    Review.objects.filter(pk=harm.pk).update(outcome=term("outcome", "serious_harm"))
    hidden = make_review("EXP-3", published=False)
    return death, harm, hidden


def _csv_refs(body: bytes) -> list[str]:
    return [row["reference"] for row in csv.DictReader(io.StringIO(body.decode("utf-8-sig")))]


def test_export_csv_to_stdout(exportable):
    result = ok("dataset", "export")
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbfreference,title,")
    # The default is what the public may see: the unpublished review is left out.
    assert sorted(_csv_refs(result.stdout_bytes)) == ["EXP-1", "EXP-2"]


def test_export_as_user_sees_more(exportable):
    create_user("ana", PASSWORD, "analyst")
    result = ok("dataset", "export", "--user", "ana")
    assert sorted(_csv_refs(result.stdout_bytes)) == ["EXP-1", "EXP-2", "EXP-3"]


def test_export_filter_narrows(exportable):
    result = ok("dataset", "export", "--filter", "outcome=death")
    assert _csv_refs(result.stdout_bytes) == ["EXP-1"]


def test_export_filter_errors(exportable):
    result = run("dataset", "export", "--filter", "colour=red")
    assert result.exit_code == 1
    assert "unknown filter field(s): colour" in result.output
    result = run("dataset", "export", "--filter", "outcome=nonsense")
    assert result.exit_code == 1
    assert "bad filter" in result.output
    result = run("dataset", "export", "--filter", "outcome")
    assert result.exit_code == 2
    assert "FIELD=VALUE" in result.output


def test_export_xlsx(exportable, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "reviews.xlsx"
    result = ok("dataset", "export", "--format", "xlsx", "-o", out)
    assert "Wrote 2 reviews" in result.stderr
    rows = list(load_workbook(out, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "reference"
    assert sorted(r[0] for r in rows[1:]) == ["EXP-1", "EXP-2"]


def test_export_xlsx_needs_output(exportable):
    result = run("dataset", "export", "--format", "xlsx")
    assert result.exit_code == 1
    assert "XLSX needs --output FILE" in result.output
    assert b"PK" not in result.stdout_bytes  # no workbook bytes dumped on the terminal


# -- dataset import -------------------------------------------------------------------------
def _record(reference: str, **changes) -> dict:
    record = {
        "reference": reference, "title": f"Child {reference}", "local_authority": OWN_AREA,
        "review_type": "scr", "outcome": "death", "incident_date": date(2016, 3, 1),
        "decision_date": date(2016, 4, 1), "completion_date": date(2016, 12, 1),
        "publication_date": date(2017, 2, 1), "child_age_months": 7,
        "abuse_categories": ["neglect"], "child_disability": False,
    }
    record.update(changes)
    return record


def _write(tmp_path: Path, name: str, records: list[dict]) -> Path:
    path = tmp_path / name
    path.write_bytes(write_csv(record_to_row(r) for r in records))
    return path


def test_import_good_file_then_again(db, tmp_path):
    path = _write(tmp_path, "good.csv", [_record("IMP-1"), _record("IMP-2"),
                                         _record("IMP-3", local_authority=OTHER_AREA)])
    result = ok("dataset", "import", path)
    assert "good.csv: 3 created, 0 updated, 0 unchanged" in result.output
    review = Review.objects.get(reference="IMP-3")
    assert review.local_authority.gss_code == OTHER_AREA
    assert list(review.abuse_categories.values_list("code", flat=True)) == ["neglect"]
    assert review.age_band.code == "under_1"

    again = ok("dataset", "import", path)
    assert "good.csv: 0 created, 0 updated, 3 unchanged" in again.output
    assert Review.objects.filter(reference__startswith="IMP-").count() == 3

    changed = _write(tmp_path, "good.csv", [_record("IMP-1", title="Renamed"), _record("IMP-2"),
                                            _record("IMP-3", local_authority=OTHER_AREA)])
    assert "1 created" not in ok("dataset", "import", changed).output
    assert Review.objects.get(reference="IMP-1").title == "Renamed"


def test_import_bad_rows_all_reported_nothing_written(db, tmp_path):
    path = _write(tmp_path, "bad.csv", [
        _record("BAD-1"),                                    # row 2: fine
        _record("BAD-2", local_authority="Atlantis"),        # row 3
        _record("BAD-3", review_type="séance"),              # row 4
        _record("BAD-4", child_age_months=999),              # row 5
        _record("BAD-5"),                                    # row 6: fine
        _record("BAD-1"),                                    # row 7: duplicate reference
    ])
    # A row with an unreadable date can only be written by hand.
    text = path.read_bytes().decode("utf-8-sig").rstrip("\r\n").splitlines()
    row = next(csv.reader([text[1]]))
    row[0], row[5] = "BAD-6", "31/02/2016"
    buffer = io.StringIO()
    csv.writer(buffer).writerow(row)
    path.write_text("\n".join([*text, buffer.getvalue().strip()]) + "\n", encoding="utf-8")

    before = Review.objects.count()
    result = run("dataset", "import", path)
    assert result.exit_code == 1
    assert "nothing was imported" in result.stderr
    problems = [line.strip() for line in result.stderr.splitlines() if line.startswith("  ")]
    for expected in (r"bad\.csv, row 3, local_authority: 'Atlantis' is not a known",
                     r"bad\.csv, row 4, review_type: 'séance' is not in the review_type list",
                     r"bad\.csv, row 5, child_age_months: 999 is not an age",
                     r"bad\.csv, row 7, reference: 'BAD-1' also on row 2",
                     r"bad\.csv, row 8, incident_date: '31/02/2016' is not a date"):
        assert any(re.match(expected, p) for p in problems), (expected, problems)
    assert all(re.match(r"bad\.csv, row \d+, \w+: .+", p) for p in problems), problems
    assert len(problems) == 5
    assert Review.objects.count() == before


def test_import_several_files_each_all_or_nothing(db, tmp_path):
    good = _write(tmp_path, "a.csv", [_record("MULTI-1")])
    bad = _write(tmp_path, "b.csv", [_record("MULTI-2", outcome="nope")])
    result = run("dataset", "import", good, bad)
    assert result.exit_code == 1
    assert Review.objects.filter(reference="MULTI-1").exists()
    assert not Review.objects.filter(reference="MULTI-2").exists()
    assert "b.csv, row 2, outcome:" in result.stderr


def test_import_unreadable_file(db, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    result = run("dataset", "import", path)
    assert result.exit_code == 1
    assert "only .csv and .xlsx files can be imported" in result.stderr


def test_import_partnership_limited_to_own_area(db, tmp_path):
    create_user("bham", PASSWORD, "partnership", area=OWN_AREA)
    path = _write(tmp_path, "mixed.csv", [_record("PART-1"),
                                          _record("PART-2", local_authority=OTHER_AREA)])
    before = Review.objects.count()
    result = run("dataset", "import", path, "--user", "bham")
    assert result.exit_code == 1
    assert "mixed.csv, row 3, local_authority: is not your partnership's area" in result.stderr
    assert Review.objects.count() == before

    own = _write(tmp_path, "own.csv", [_record("PART-1")])
    ok("dataset", "import", own, "--user", "bham")
    review = Review.objects.get(reference="PART-1")
    assert review.created_by.username == "bham"


def test_import_unknown_user(db, tmp_path):
    path = _write(tmp_path, "x.csv", [_record("U-1")])
    result = run("dataset", "import", path, "--user", "ghost")
    assert result.exit_code == 1
    assert "no user 'ghost'" in result.output
    assert not Review.objects.filter(reference="U-1").exists()


def test_export_then_import_round_trip(exportable, tmp_path):
    out = tmp_path / "export.csv"
    ok("dataset", "export", "-o", out)
    result = ok("dataset", "import", out)
    assert "0 created, 0 updated, 2 unchanged" in result.output


# -- demo and lists -------------------------------------------------------------------------
def test_demo_files_without_database(tmp_path):
    target = tmp_path / "corpus"
    result = ok("demo", "files", target, "--count", "3")
    files = [p for p in target.rglob("*") if p.is_file()]
    assert f"Wrote {len(files)} files to {target}" in result.output
    pdfs = [p for p in files if p.suffix == ".pdf"]
    docx = [p for p in files if p.suffix == ".docx"]
    assert pdfs and docx
    assert all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
    assert all(p.read_bytes().startswith(b"PK") for p in docx)


def test_demo_load(db):
    reviews, documents = Review.objects.count(), Document.objects.count()
    result = ok("demo", "load", "--count", "3")
    assert "3 fictional reviews" in result.output
    assert Review.objects.count() == reviews + 3
    assert Review.objects.filter(fictional=True).count() == 3
    assert Document.objects.count() > documents
    assert all(r.documents.exists() for r in Review.objects.filter(fictional=True))
    # Loading again changes nothing (the demo corpus is deterministic).
    ok("demo", "load", "--count", "3")
    assert Review.objects.count() == reviews + 3


def test_demo_load_refuses_beside_real_reviews(db):
    make_review("REAL-1")
    result = run("demo", "load", "--count", "3")
    assert result.exit_code == 1
    assert "--force" in result.output
    assert not Review.objects.filter(fictional=True).exists()


def test_lists_sync_is_idempotent(db):
    ok("lists", "sync")
    second = ok("lists", "sync")
    assert re.search(r"^0 terms added, 0 updated; 0 areas added, 0 updated$",
                     second.output, re.M), second.output


# -- bugs found and fixed ----------------------------------------------------------
def test_import_partnership_cannot_take_over_another_areas_review(db, tmp_path):
    victim = make_review("VICTIM-1", area=OTHER_AREA, published=False)
    create_user("bham", PASSWORD, "partnership", area=OWN_AREA)
    path = _write(tmp_path, "takeover.csv", [_record("VICTIM-1", title="Taken over")])
    result = run("dataset", "import", path, "--user", "bham")
    victim.refresh_from_db()
    assert victim.title == "Child 1 (test)"
    assert victim.local_authority.gss_code == OTHER_AREA
    assert result.exit_code == 1
    assert "takeover.csv, row 2" in result.stderr


def test_export_is_audited(exportable):
    from observatory.audit.models import AuditEvent

    create_user("ana", PASSWORD, "analyst")
    ok("dataset", "export", "--user", "ana")
    event = AuditEvent.objects.filter(action="export", channel="cli").last()
    assert event is not None, "no audit event for the CLI export"
    assert event.username == "ana"
