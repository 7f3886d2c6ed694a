"""A review's statutory deadlines, computed from its own dates by the guidance in force.

Deadlines before the decision (notification, rapid review, the decision itself) are data in
``data/quality/timescales.toml``, each with the edition of Working Together and the dates it
was in force; the time allowed for completion is the analysis's own limit
(``stats.timeliness``), so home pages and the national timeliness table agree.
"""

from __future__ import annotations

import calendar
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .stats.timeliness import Limits, load_limits

DEADLINES_FILE = Path(__file__).parent / "data" / "quality" / "timescales.toml"
Unit = Literal["working_days", "months"]
DONE, DONE_LATE, DUE, OVERDUE = "done", "done late", "due", "overdue"


@dataclass(frozen=True)
class Rule:
    key: str
    label: str
    from_field: str
    from_label: str
    to_field: str
    amount: float
    unit: Unit
    guidance: str
    effective_from: date
    effective_to: date | None
    review_types: tuple[str, ...]
    citation: str

    def applies(self, review_type: str | None, start: date) -> bool:
        in_force = start >= self.effective_from and (
            self.effective_to is None or start <= self.effective_to)
        return in_force and (not self.review_types or (review_type or "") in self.review_types)


class _RuleModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    key: str = Field(min_length=1)
    label: str = Field(min_length=1)
    from_field: str
    from_label: str
    to_field: str
    amount: float = Field(gt=0)
    unit: Unit
    guidance: str = Field(min_length=1)
    effective_from: date
    effective_to: date | None = None
    review_types: list[str] = []
    citation: str = ""


class _FileModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    source: str = Field(min_length=1)
    deadlines: list[_RuleModel]


def parse_rules(data: dict, origin: str = "timescales") -> tuple[Rule, ...]:
    try:
        parsed = _FileModel.model_validate(data)
    except ValidationError as exc:
        raise ValueError(f"{origin}: " + "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())) from None
    return tuple(Rule(**{**r.model_dump(), "review_types": tuple(r.review_types)})
                 for r in parsed.deadlines)


@lru_cache(maxsize=2)
def load_rules(path: Path = DEADLINES_FILE) -> tuple[Rule, ...]:
    return parse_rules(tomllib.loads(path.read_text(encoding="utf-8")), path.name)


def add_months(start: date, months: float) -> date:
    """``start`` plus whole months (the last day of a shorter month if need be), plus any
    fraction as days of a 30-day month."""
    whole = int(months)
    month = start.month - 1 + whole
    year, month = start.year + month // 12, month % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day) + timedelta(days=round((months - whole) * 30))


def add_working_days(start: date, days: int) -> date:
    """``start`` plus ``days`` weekdays (bank holidays are not known here)."""
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


@dataclass(frozen=True)
class Deadline:
    key: str
    label: str
    starts: date
    from_label: str
    due: date
    met_on: date | None
    state: str  # DONE, DONE_LATE, DUE, OVERDUE
    days_left: int | None  # for what is still due: negative when overdue
    guidance: str
    citation: str

    def as_dict(self) -> dict[str, object]:
        return {"key": self.key, "label": self.label, "starts": self.starts,
                "from": self.from_label, "due": self.due, "met_on": self.met_on,
                "state": self.state, "days_left": self.days_left,
                "days_over": -self.days_left if self.state == OVERDUE else None,
                "guidance": self.guidance,
                "citation": self.citation}


def _deadline(key: str, label: str, start: date, from_label: str, due: date,
              met: date | None, today: date, guidance: str, citation: str) -> Deadline:
    if met is not None:
        state, left = (DONE if met <= due else DONE_LATE), None
    else:
        left = (due - today).days
        state = DUE if left >= 0 else OVERDUE
    return Deadline(key, label, start, from_label, due, met, state, left, guidance, citation)


def deadlines(review_type: str | None, dates: Mapping[str, date | None], today: date, *,
              rules: tuple[Rule, ...] | None = None,
              limits: Limits | None = None) -> list[Deadline]:
    """Every deadline that applies to a review with these dates (field name -> date), in
    the order they fall due. A deadline whose starting date is unknown is left out: it
    cannot be computed, and the dataset page shows the missing date."""
    out: list[Deadline] = []
    for rule in rules if rules is not None else load_rules():
        start = dates.get(rule.from_field)
        if start is None or not rule.applies(review_type, start):
            continue
        due = (add_months(start, rule.amount) if rule.unit == "months"
               else add_working_days(start, int(rule.amount)))
        out.append(_deadline(rule.key, rule.label, start, rule.from_label, due,
                             dates.get(rule.to_field), today, rule.guidance, rule.citation))
    decided = dates.get("decision_date")
    limit = (limits or load_limits()).for_review(review_type, decided)
    if decided is not None and limit is not None:
        out.append(_deadline("completion", "Completion of the review", decided, "decision",
                             add_months(decided, limit.months), dates.get("completion_date"),
                             today, limit.guidance, limit.citation))
    return sorted(out, key=lambda d: d.due)
