"""How long audit events are kept: rules as data (``data/audit_retention.toml``), and the
arithmetic of which rule an event falls under. The Django side turns a rule into a query.

A rule matches an event by role, action, outcome (allowed or refused), whether the object
was confidential and, optionally, its kind. Events that no rule matches are kept for ever:
the file can only ever shorten the life of what it names.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from .access import ACTIONS as ACCESS_ACTIONS
from .access import ROLES
from .datafiles import RetentionFile, shape_problems

RETENTION_FILE = Path(__file__).parent / "data" / "audit_retention.toml"
AUDIT_ACTIONS = (*ACCESS_ACTIONS, "create", "export", "import", "login")


class RetentionError(ValueError):
    """The retention file is wrong; the message lists every problem."""


@dataclass(frozen=True)
class RetentionRule:
    name: str
    roles: tuple[str, ...]
    actions: tuple[str, ...]
    allowed: bool
    confidential: bool
    keep_days: int
    object_kinds: tuple[str, ...] = ()  # empty: any kind

    def cutoff(self, now: datetime) -> datetime:
        """Events of this rule recorded before this moment may be removed."""
        return now - timedelta(days=self.keep_days)

    def matches(self, *, role: str, action: str, allowed: bool, confidential: bool,
                object_kind: str) -> bool:
        return (role in self.roles and action in self.actions and allowed == self.allowed
                and confidential == self.confidential
                and (not self.object_kinds or object_kind in self.object_kinds))


@dataclass(frozen=True)
class RetentionPolicy:
    source: str
    rules: tuple[RetentionRule, ...]

    def describe(self) -> list[str]:
        return [f"{r.name}: kept {r.keep_days} days" for r in self.rules] + [
            "everything else (refusals, confidential material, changes): kept"]


def _rule(raw: dict, index: int, problems: list[str]) -> RetentionRule | None:
    where = f"rule {index + 1} ({raw.get('name', 'unnamed')})"
    before = len(problems)
    if not str(raw.get("name", "")).strip():
        problems.append(f"{where}: needs a name")
    roles = tuple(raw.get("roles", ()))
    actions = tuple(raw.get("actions", ()))
    problems += [f"{where}: unknown role '{r}'" for r in roles if r not in ROLES]
    problems += [f"{where}: unknown action '{a}'" for a in actions if a not in AUDIT_ACTIONS]
    if not roles or not actions:
        problems.append(f"{where}: needs at least one role and one action")
    days = raw.get("keep_days")
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        problems.append(f"{where}: keep_days must be a whole number of days, at least 1")
    if raw.get("confidential") is True:
        problems.append(f"{where}: events about confidential material are always kept")
    if raw.get("allowed") is not True:
        problems.append(f"{where}: refused attempts are always kept (set allowed = true)")
    if len(problems) > before:
        return None
    return RetentionRule(name=raw["name"], roles=roles, actions=actions, allowed=True,
                         confidential=False, keep_days=days,
                         object_kinds=tuple(raw.get("object_kinds", ())))


def load_retention(path: Path = RETENTION_FILE) -> RetentionPolicy:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RetentionError(f"{path.name}: {exc}") from None
    # Unknown keys and wrong types first (datafiles.py): a misspelt 'object_kinds' must not
    # widen a rule to every kind of object.
    # (The checks below say the rest in their own words.)
    problems: list[str] = [p for p in shape_problems(RetentionFile, raw)
                           if p.endswith("(a typo?)") or ".object_kinds" in p]
    if not str(raw.get("source", "")).strip():
        problems.append("the file must cite its source")
    rules = [_rule(r, i, problems) for i, r in enumerate(raw.get("rules", []))]
    if problems:
        raise RetentionError(f"{path.name}: " + "; ".join(problems))
    return RetentionPolicy(source=raw["source"], rules=tuple(r for r in rules if r))
