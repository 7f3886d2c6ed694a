"""Output checking: a researcher's results table is checked by the rules before it may
leave; a held table leaves only by a second person's recorded decision on an exception.

The rules are ``observatory_core.output_checking`` (data in
``data/research/output_checking.toml``); every step is audited.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction
from django.utils import timezone

from observatory_core.output_checking import TableProblem, check, table_from_rows
from observatory_core.tabular import TableError, read_table

from ..accounts.access import can
from ..audit.log import record, refused_input
from .models import Grant, ResultsTable
from .services import ResearchError, is_holder

MAX_TABLE_BYTES = 2 * 1024 * 1024
Status = ResultsTable.Status


def _table(rows: list[dict[str, Any]]):
    return table_from_rows([{str(k): v for k, v in row.items()} for row in rows])


def upload(grant: Grant, user: Any, name: str, filename: str, data: bytes,
           request: Any = None) -> ResultsTable:
    """Read and check a results table under an active grant the user holds."""
    if not is_holder(user, grant.application) or not grant.is_active():
        record(request, "create", grant, kind="research_output", allowed=False,
               detail="results table refused: no active grant held")
        raise ResearchError(["Results can be checked only under an active grant you hold."],
                            403)
    try:
        if len(data) > MAX_TABLE_BYTES:
            raise TableError(f"{filename}: is larger than {MAX_TABLE_BYTES // 1024} KB")
        rows = read_table(filename, data)
        table = _table(rows)
    except (TableError, TableProblem) as exc:
        refused_input(request, "create", grant, kind="research_output", name=filename,
                      reason=str(exc))
        raise ResearchError([f"The table could not be read: {exc}"]) from None
    others = [(earlier.name, _table(earlier.rows))
              for earlier in grant.outputs.exclude(status=Status.REFUSED)]
    findings = [f.as_dict() for f in check(table, others=others)]
    with transaction.atomic():
        output = ResultsTable.objects.create(
            grant=grant, name=name.strip() or filename, filename=filename,
            sha256=hashlib.sha256(data).hexdigest(), content=data, uploaded_by=user,
            rows=[{str(k): _plain(v) for k, v in row.items()} for row in rows],
            findings=findings, status=Status.HELD if findings else Status.PASSED)
        record(request, "create", output,
               detail=f"results table checked: {len(findings)} finding(s), {output.status}")
    return output


def _plain(value: Any) -> Any:
    return value if isinstance(value, str | int | float | type(None)) else str(value)


def ask_exception(output: ResultsTable, user: Any, justification: str,
                  request: Any = None) -> None:
    if not is_holder(user, output.grant.application):
        record(request, "change", output, allowed=False, detail="exception request refused")
        raise ResearchError(["Only the project's people may ask for an exception."], 403)
    if output.status != Status.HELD:
        raise ResearchError(["Only a held table needs an exception."], 409)
    if not justification.strip():
        raise ResearchError(["Give the justification for the exception."])
    with transaction.atomic():
        output.status = Status.EXCEPTION
        output.justification = justification.strip()
        output.save(update_fields=["status", "justification"])
        record(request, "change", output, detail=f"exception asked: {justification.strip()}")


def decide(output: ResultsTable, user: Any, release: bool, reason: str,
           request: Any = None) -> None:
    """A second person (the steering group, never one of the project's people) releases or
    refuses a table: one that passed the rules, or a held one whose exception was asked
    for. Nothing is released without this recorded decision."""
    if not can(user, "change", output) or is_holder(user, output.grant.application):
        record(request, "change", output, allowed=False, detail="output decision refused")
        raise ResearchError(["A second person from the steering group decides exceptions."],
                            403)
    if release and output.status not in (Status.PASSED, Status.EXCEPTION):
        # A held table leaves only through an exception its researcher asked for.
        raise ResearchError(["A held table can be released only on an exception the "
                             "researcher asked for."], 409)
    if output.status in (Status.RELEASED, Status.REFUSED):
        raise ResearchError(["This table has been decided."], 409)
    if not reason.strip():
        raise ResearchError(["Give the reason for the decision."])
    with transaction.atomic():
        output.status = Status.RELEASED if release else Status.REFUSED
        output.decided_by = user
        output.decided_at = timezone.now()
        output.decision_reason = reason.strip()
        output.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        record(request, "change", output,
               detail=f"exception {'granted' if release else 'refused'}: {reason.strip()}")
