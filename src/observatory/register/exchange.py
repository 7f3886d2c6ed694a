"""Action plans as spreadsheets (CSV/XLSX) in the layout partnerships use, through
``observatory_core.tabular`` (the one writer, formulas neutralised) and
``observatory_core.actionplan`` (row checks). Import is all or nothing: every bad row is
listed (file, row, field, reason) and nothing is written; importing an export changes
nothing. Evidence and RAG are written for people to read; on import the evidence column is
not read (evidence is added on the action's page, through the upload checks) and RAG is
checked but derived (from status and due date)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction

from observatory_core import actionplan, smart
from observatory_core.tabular import RowProblem, read_table, write_csv, write_xlsx

from ..repository.models import Review
from ..vocabularies.models import Term
from . import services
from .models import Action, ProgressUpdate, RegisterEntry
from .present import visible_evidence

MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def plan_rows(user: Any, review: Review, today: date | None = None) -> list[dict[str, Any]]:
    today = today or date.today()
    rules = actionplan.status_rules()
    rows = []
    actions = (Action.objects.filter(plan__review=review)
               .select_related("entry", "lead_agency").order_by("entry_id", "pk"))
    for a in actions:
        latest = a.updates.order_by("-at", "-pk").first()
        evidence = "; ".join(e.description for e in visible_evidence(user, a))
        rows.append({
            "Reference": a.reference, "Recommendation number": a.entry.number,
            "Recommendation": a.entry.text, "Action": a.description,
            "Lead agency": a.lead_agency.label if a.lead_agency else "",
            "Lead role": a.lead_role, "Priority": a.priority,
            "Due date": a.due_date.isoformat(), "Status": rules.label(a.status),
            "RAG status": rules.rag_labels[actionplan.rag(a.status, a.due_date, today)],
            "Evidence": evidence, "Latest update": latest.text if latest else ""})
    return rows


def export_plan(user: Any, review: Review, fmt: str) -> tuple[bytes, str]:
    rows = plan_rows(user, review)
    body = (write_csv(rows, actionplan.COLUMNS) if fmt == "csv"
            else write_xlsx(rows, actionplan.COLUMNS, sheet="action plan"))
    return body, MEDIA[fmt]


@dataclass
class ImportReport:
    problems: list[RowProblem] = field(default_factory=list)
    added: int = 0
    changed: int = 0
    unchanged: int = 0

    @property
    def summary(self) -> str:
        return (f"{self.added} actions added, {self.changed} changed, "
                f"{self.unchanged} unchanged.")


def _agencies() -> dict[str, Term]:
    out = {}
    for t in Term.objects.filter(vocabulary__key="agency"):
        out[t.label.lower()] = t
        out[t.code.lower()] = t
    return out


class _Abort(Exception):
    pass


def import_plan(review: Review, filename: str, data: bytes, user: Any) -> ImportReport:
    """Check every row, then apply them all in one transaction (or none)."""
    agencies = _agencies()
    priorities = tuple(b.key for b in smart.load_rules().bands)
    rows, problems = actionplan.parse_plan_rows(filename, read_table(filename, data),
                                                agencies=agencies, priorities=priorities)
    report = ImportReport(problems=problems)
    if problems:
        return report
    try:
        with transaction.atomic():
            for row in rows:
                try:
                    _apply(review, row, agencies, user, report)
                except services.RegisterError as exc:
                    report.problems.append(RowProblem(filename, row.row, "", str(exc)))
            if report.problems:
                raise _Abort
    except _Abort:
        report.added = report.changed = 0
    return report


def _apply(review: Review, row: actionplan.PlanRow, agencies: dict[str, Term], user: Any,
           report: ImportReport) -> None:
    agency = agencies.get(row.lead_agency.lower()) if row.lead_agency else None
    fields = {"description": row.action, "lead_agency": agency, "lead_role": row.lead_role,
              "priority": row.priority, "due": row.due_date}
    if row.reference:
        action = Action.objects.filter(pk=_ref(row.reference), plan__review=review).first()
        if action is None:
            raise services.RegisterError(f"'{row.reference}' is not an action of this review")
        changed = _update(action, fields, row, user)
        report.changed += changed
        report.unchanged += not changed
        return
    entries = list(RegisterEntry.objects.filter(review=review, state=RegisterEntry.ACTIVE,
                                                number=row.recommendation_number))
    if len(entries) != 1:
        raise services.RegisterError(
            f"recommendation '{row.recommendation_number}' is "
            + ("not in the register" if not entries else "in the register more than once"))
    action = services.add_action(entries[0], user, owner=None, **fields)
    if row.status != "open":
        services.move(action, None, row.status, user, note="Imported")
    if row.update:
        services.add_update(action, row.update, user)
    report.added += 1


def _ref(text: str) -> int:
    digits = text.strip().upper().removeprefix("A")
    return int(digits) if digits.isdigit() else 0


def _update(action: Action, fields: dict[str, Any], row: actionplan.PlanRow, user: Any) -> bool:
    changed = False
    same = (action.description == fields["description"].strip()
            and action.lead_agency_id == getattr(fields["lead_agency"], "pk", None)
            and action.lead_role == fields["lead_role"] and action.priority == fields["priority"]
            and (fields["due"] is None or action.due_date == fields["due"]))
    if not same:
        services.edit_action(action, action.lock, user, owner=action.owner, **fields)
        action.refresh_from_db()
        changed = True
    if row.status != action.status:
        services.move(action, None, row.status, user, note="Imported")
        changed = True
    latest = ProgressUpdate.objects.filter(action=action).order_by("-at", "-pk").first()
    if row.update and (latest is None or latest.text != row.update):
        services.add_update(action, row.update, user)
        changed = True
    return changed
