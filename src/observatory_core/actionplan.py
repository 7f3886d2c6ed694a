"""Action plans without a framework: statuses and the moves between them, RAG colours,
lead roles, and the partnership spreadsheet layout (read and checked row by row).

Rules are data: ``data/register/action_status.toml`` (statuses, allowed moves, what a move
needs) and ``data/register/lead_roles.toml`` (named roles), each citing its source.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from .datafiles import ActionStatusFile, LeadRolesFile, shape_problems
from .tabular import RowProblem, _parse_date, _text

DATA = Path(__file__).parent / "data" / "register"

# The layout partnerships already use (seed 001 chapter 5: recommendations set against
# actions, evidence, outcomes and progress), with our reference to find the row again.
COLUMNS = ["Reference", "Recommendation number", "Recommendation", "Action", "Lead agency",
           "Lead role", "Priority", "Due date", "Status", "RAG status", "Evidence",
           "Latest update"]


@dataclass(frozen=True)
class Status:
    key: str
    label: str
    rag: str
    to: tuple[str, ...]
    finished: bool


@dataclass(frozen=True)
class StatusRules:
    statuses: dict[str, Status]
    needs: dict[str, dict[str, Any]]
    overdue_rag: str
    rag_labels: dict[str, str]

    def label(self, key: str) -> str:
        return self.statuses[key].label if key in self.statuses else key

    def by_label(self, text: str) -> str | None:
        """A status from its key or its label, as typed in a spreadsheet."""
        wanted = text.strip().lower()
        for status in self.statuses.values():
            if wanted in (status.key, status.label.lower()):
                return status.key
        return None


def _read(name: str, model: type) -> dict[str, Any]:
    data = tomllib.loads((DATA / name).read_text(encoding="utf-8"))
    shape = shape_problems(model, data)  # unknown keys, types (datafiles.py)
    if shape:
        raise ValueError(f"{name}: " + "; ".join(shape))
    return data


@lru_cache(maxsize=1)
def status_rules() -> StatusRules:
    data = _read("action_status.toml", ActionStatusFile)
    statuses = {key: Status(key, s["label"], s["rag"], tuple(s["to"]), bool(s["finished"]))
                for key, s in data["statuses"].items()}
    for status in statuses.values():
        unknown = set(status.to) - set(statuses)
        if unknown:
            raise ValueError(f"action statuses: {status.key} moves to unknown {sorted(unknown)}")
    return StatusRules(statuses, data.get("needs", {}), data["overdue_rag"], data["rag_labels"])


@lru_cache(maxsize=1)
def lead_roles() -> tuple[str, ...]:
    data = _read("lead_roles.toml", LeadRolesFile)
    return tuple(data["roles"])


def known_role(text: str) -> str | None:
    wanted = " ".join(text.split()).lower()
    return next((r for r in lead_roles() if r.lower() == wanted), None)


def check_move(current: str, target: str, *, has_evidence: bool, reason: str,
               claimed_by: int | None, by: int | None) -> str:
    """Why the move ``current`` -> ``target`` is refused, or '' when it is allowed."""
    rules = status_rules()
    if target not in rules.statuses:
        return f"'{target}' is not a status"
    if target == current:
        return f"the action is already {rules.label(current).lower()}"
    if target not in rules.statuses[current].to:
        allowed = ", ".join(rules.label(s).lower() for s in rules.statuses[current].to)
        return (f"an action that is {rules.label(current).lower()} cannot become "
                f"{rules.label(target).lower()}" + (f" (it can become: {allowed})" if allowed
                                                    else " (it is finished)"))
    needs = rules.needs.get(target, {})
    if needs.get("evidence") and not has_evidence:
        return f"{rules.label(target).lower()} needs evidence: add the evidence first"
    if needs.get("other_person") and claimed_by is not None and claimed_by == by:
        return "completion must be verified by someone other than the person who claimed it"
    wants_reason = needs.get("reason") or current in needs.get("reason_from", ())
    if wants_reason and not reason.strip():
        return f"say why the action becomes {rules.label(target).lower()}"
    return ""


def rag(status: str, due: date | None, today: date) -> str:
    """Red, amber or green: the status's colour, red when overdue and not finished."""
    rules = status_rules()
    s = rules.statuses[status]
    overdue = due is not None and due < today and status in ("open", "in_progress")
    return rules.overdue_rag if overdue else s.rag


def is_overdue(status: str, due: date | None, today: date) -> bool:
    return due is not None and due < today and status in ("open", "in_progress")


@dataclass
class PlanRow:
    """One row of an action-plan spreadsheet, checked."""

    row: int
    reference: str
    recommendation_number: str
    recommendation: str
    action: str
    lead_agency: str
    lead_role: str
    priority: str
    due_date: date | None
    status: str
    update: str


def parse_plan_rows(filename: str, rows: list[dict[str, Any]], *, agencies: dict[str, Any],
                    priorities: tuple[str, ...]) -> tuple[list[PlanRow], list[RowProblem]]:
    """Check every row (file, row, field, reason); ``agencies`` maps lower-cased labels and
    codes to the caller's agency values. Nothing is written here."""
    out: list[PlanRow] = []
    problems: list[RowProblem] = []
    rules = status_rules()
    for index, raw in enumerate(rows, start=2):  # row 1 is the header
        row = {k: _text(raw.get(k)) for k in COLUMNS}
        bad = [(f, r) for f, r in _row_problems(row, agencies, priorities, rules)]
        due = None
        if row["Due date"]:
            try:
                due = _parse_date(raw.get("Due date"))
            except ValueError:
                bad.append(("Due date", f"'{row['Due date']}' is not a date (use YYYY-MM-DD)"))
        problems.extend(RowProblem(filename, index, f, r) for f, r in bad)
        if not bad:
            out.append(PlanRow(index, row["Reference"], row["Recommendation number"],
                               row["Recommendation"], row["Action"], row["Lead agency"],
                               known_role(row["Lead role"]) or "", row["Priority"].lower(), due,
                               rules.by_label(row["Status"]) or "open", row["Latest update"]))
    return out, problems


def _row_problems(row: dict[str, str], agencies: dict[str, Any], priorities: tuple[str, ...],
                  rules: StatusRules) -> list[tuple[str, str]]:
    bad = []
    if not row["Action"]:
        bad.append(("Action", "is empty"))
    if not row["Recommendation number"] and not row["Reference"]:
        bad.append(("Recommendation number",
                    "is empty: say which recommendation the action is for"))
    if row["Lead agency"] and row["Lead agency"].lower() not in agencies:
        bad.append(("Lead agency", f"'{row['Lead agency']}' is not an agency in the list"))
    if row["Lead role"] and not known_role(row["Lead role"]):
        bad.append(("Lead role", f"'{row['Lead role']}' is not a known role"))
    if row["Priority"].lower() not in priorities:
        bad.append(("Priority", f"'{row['Priority']}' is not one of {', '.join(priorities)}"))
    if row["Status"] and rules.by_label(row["Status"]) is None:
        bad.append(("Status", f"'{row['Status']}' is not a status"))
    if row["RAG status"] and row["RAG status"].lower() not in (
            *rules.rag_labels, *(v.lower() for v in rules.rag_labels.values())):
        bad.append(("RAG status", f"'{row['RAG status']}' is not red, amber or green"))
    return bad
