"""The publication lifecycle of a review's public record, as rules read from
``data/publication.toml``: states, allowed moves, withdrawal reasons and retention periods.

Framework-free. Whether a report is public *now* is a function of its state and the clock
(``is_public``): an embargo lifts the moment it passes, with no scheduled job that could run
late or not at all; the Django side turns the same rule into a query (``accounts.scopes``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

PUBLICATION_FILE = Path(__file__).parent / "data" / "publication.toml"
DRAFT, EMBARGOED, PUBLISHED, WITHDRAWN = "draft", "embargoed", "published", "withdrawn"
STATES = (DRAFT, EMBARGOED, PUBLISHED, WITHDRAWN)
LABELS = {DRAFT: "Draft", EMBARGOED: "Embargoed", PUBLISHED: "Published",
          WITHDRAWN: "Withdrawn"}


class PublicationError(ValueError):
    """A decision the rules refuse; the message says why, for the person deciding."""


@dataclass(frozen=True)
class Reason:
    code: str
    label: str
    needs_note: bool


@dataclass(frozen=True)
class RetentionPeriod:
    code: str
    label: str
    years: int
    default: bool

    def due(self, published_on: date) -> date:
        """The day a report published on ``published_on`` is due to be withdrawn."""
        try:
            return published_on.replace(year=published_on.year + self.years)
        except ValueError:  # 29 February
            return published_on.replace(year=published_on.year + self.years, day=28)


@dataclass(frozen=True)
class Rules:
    source: str
    transitions: dict[str, tuple[str, ...]]
    reasons: dict[str, Reason]
    retention: dict[str, RetentionPeriod]

    def default_retention(self) -> RetentionPeriod:
        return next(p for p in self.retention.values() if p.default)

    def check(self, current: str, new: str, *, until: datetime | None, now: datetime,
              reason: str = "", note: str = "") -> None:
        """Raise PublicationError unless moving from ``current`` to ``new`` is allowed with
        these particulars."""
        if new not in STATES:
            raise PublicationError(f"'{new}' is not a publication state")
        if new not in self.transitions.get(current, ()):
            raise PublicationError(f"A {LABELS[current].lower()} report cannot become "
                                   f"{LABELS[new].lower()}.")
        if new == EMBARGOED and (until is None or until <= now):
            raise PublicationError("An embargo needs a date and time in the future.")
        if new == WITHDRAWN:
            found = self.reasons.get(reason)
            if found is None:
                raise PublicationError("Say why the report is withdrawn.")
            if found.needs_note and not note.strip():
                raise PublicationError(f"{found.label}: add a note saying what it is.")


def is_public(state: str, until: datetime | None, now: datetime) -> bool:
    """Is a report in ``state`` (embargoed until ``until``) public at ``now``?"""
    return state == PUBLISHED or (state == EMBARGOED and until is not None and until <= now)


def parse_rules(data: dict, origin: str = "publication rules") -> Rules:
    from .datafiles import PublicationFile, shape_problems

    problems = shape_problems(PublicationFile, data)  # unknown keys, types (datafiles.py)
    if problems:
        raise PublicationError(f"{origin}: " + "; ".join(problems))
    transitions = {state: tuple(data.get("transitions", {}).get(state, ())) for state in STATES}
    for state, targets in transitions.items():
        problems += [f"{state}: unknown state '{t}'" for t in targets if t not in STATES]
    reasons = {code: Reason(code, str(r["label"]), bool(r.get("needs_note", False)))
               for code, r in data.get("reasons", {}).items()}
    retention = {code: RetentionPeriod(code, str(r["label"]), int(r["years"]),
                                       bool(r.get("default", False)))
                 for code, r in data.get("retention", {}).items()}
    if "retention" not in reasons:
        problems.append("the reason 'retention' is needed for retention withdrawals")
    if sum(p.default for p in retention.values()) != 1:
        problems.append("exactly one retention period must be the default")
    problems += [f"retention {p.code}: years must be positive" for p in retention.values()
                 if p.years <= 0]
    if problems:
        raise PublicationError(f"{origin}: " + "; ".join(problems))
    return Rules(str(data.get("source", "")), transitions, reasons, retention)


@lru_cache(maxsize=2)
def load_rules(path: Path = PUBLICATION_FILE) -> Rules:
    return parse_rules(tomllib.loads(path.read_text(encoding="utf-8")), path.name)
