"""Research access: what an application may ask for, what a grant covers, and how an
extract hides people.

The rules are data (``data/research/access.toml``); the Django app ``observatory.research``
stores applications and grants and asks these functions. Nothing here imports Django.

- ``check_application``: the reasons an application cannot go forward (scope wider than the
  applicant's role allows, a period that ends in the past or runs too long, no ethics
  evidence, terms not accepted).
- ``ResearchScope``: what a grant covers (areas, review years, document kinds); ``covers``
  decides for one object, and the app builds its query filters from the same fields.
- ``pseudonym``: an HMAC of an identifier under the grant's own key, so one grant's extracts
  join with each other but never with another grant's.
- ``coarsen``: a date cut to its month or year, as the grant says.
"""

from __future__ import annotations

import hashlib
import hmac
import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

RULE_FILE = Path(__file__).parent / "data" / "research" / "access.toml"
COARSEN = ("none", "month", "year")


@dataclass(frozen=True)
class RoleLimits:
    max_period_days: int
    max_years: int
    document_kinds: frozenset[str]
    coded_data: bool
    ethics_evidence_required: bool


@dataclass(frozen=True)
class AccessRules:
    source: str
    roles: dict[str, RoleLimits]
    watermark: str

    def may_apply(self, role: str) -> bool:
        return role in self.roles


def parse_rules(data: dict[str, Any], origin: str = "research access rules") -> AccessRules:
    roles: dict[str, RoleLimits] = {}
    for role, spec in data.get("roles", {}).items():
        try:
            roles[role] = RoleLimits(
                max_period_days=int(spec["max_period_days"]),
                max_years=int(spec["max_years"]),
                document_kinds=frozenset(spec.get("document_kinds", [])),
                coded_data=bool(spec.get("coded_data", False)),
                ethics_evidence_required=bool(spec.get("ethics_evidence_required", True)))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{origin}: role '{role}': {exc}") from None
    extract = data.get("extract", {})
    if "{reference}" not in extract.get("watermark", ""):
        raise ValueError(f"{origin}: the extract watermark must name the grant ({{reference}})")
    return AccessRules(source=str(data.get("source", "")), roles=roles,
                       watermark=extract["watermark"])


@lru_cache(maxsize=2)
def load_rules(path: Path = RULE_FILE) -> AccessRules:
    from .datafiles import ResearchAccessFile, shape_problems

    data = tomllib.loads(path.read_text(encoding="utf-8"))
    problems = shape_problems(ResearchAccessFile, data)  # unknown keys, types
    if problems:
        raise ValueError(f"{path.name}: " + "; ".join(problems))
    return parse_rules(data, path.name)


@dataclass(frozen=True)
class Request:
    """What an application asks for, as plain values."""

    role: str
    areas: frozenset[str]  # local area codes (GSS) the chosen regions/areas cover
    year_from: int | None
    year_to: int | None
    document_kinds: frozenset[str]
    fields: tuple[str, ...]
    coded_data: bool
    starts: date | None
    ends: date | None
    has_ethics_evidence: bool
    terms_accepted: bool
    members_roles: tuple[str, ...] = ()


def check_application(request: Request, today: date, known_fields: frozenset[str],
                      rules: AccessRules | None = None) -> list[str]:
    """Every reason the application cannot be submitted or approved; empty when it can."""
    rules = rules or load_rules()
    limits = rules.roles.get(request.role)
    if limits is None:
        return [f"Your role ({request.role}) may not apply for research access."]
    problems: list[str] = []
    if not request.areas:
        problems.append("Choose at least one region or local area.")
    if request.year_from is None or request.year_to is None:
        problems.append("Give the first and last year of reviews.")
    elif request.year_from > request.year_to:
        problems.append("The first year of reviews is after the last.")
    elif request.year_to - request.year_from + 1 > limits.max_years:
        problems.append(f"At most {limits.max_years} years of reviews may be asked for.")
    wider = sorted(request.document_kinds - limits.document_kinds)
    if wider:
        problems.append("These document kinds are wider than your role allows: "
                        + ", ".join(wider) + ".")
    unknown = sorted(set(request.fields) - known_fields)
    if unknown:
        problems.append("Unknown dataset fields: " + ", ".join(unknown) + ".")
    if not request.fields:
        problems.append("Choose at least one dataset field.")
    if request.coded_data and not limits.coded_data:
        problems.append("Coded data is wider than your role allows.")
    problems.extend(_period_problems(request, today, limits))
    if limits.ethics_evidence_required and not request.has_ethics_evidence:
        problems.append("Upload the evidence of ethics approval and the data protection basis.")
    if not request.terms_accepted:
        problems.append("Accept the terms of use and the licence.")
    outsiders = sorted({r for r in request.members_roles if not rules.may_apply(r)})
    if outsiders:
        problems.append("People on the project must hold a role that may apply; not: "
                        + ", ".join(outsiders) + ".")
    return problems


def _period_problems(request: Request, today: date, limits: RoleLimits) -> list[str]:
    if request.starts is None or request.ends is None:
        return ["Give the start and end dates of the period requested."]
    if request.ends < today:
        return ["The end date is in the past."]
    if request.ends <= request.starts:
        return ["The end date must be after the start date."]
    if (request.ends - request.starts).days > limits.max_period_days:
        return [f"The period may be at most {limits.max_period_days} days."]
    return []


@dataclass(frozen=True)
class ResearchScope:
    """What one grant covers. ``areas`` and ``document_kinds`` are whatever keys the caller
    uses consistently (the app uses database ids); years are the year of the decision to
    review (the review's year everywhere in the service)."""

    areas: frozenset[Any]
    year_from: int
    year_to: int
    document_kinds: frozenset[Any]
    fields: tuple[str, ...] = ()
    coded_data: bool = False
    coarsen_dates: str = "none"
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def covers_review(self, area: Any, year: int | None) -> bool:
        return area in self.areas and year is not None and self.year_from <= year <= self.year_to

    def covers(self, area: Any, year: int | None, document_kind: Any = None) -> bool:
        """A review (``document_kind`` None) or a document of the review."""
        if not self.covers_review(area, year):
            return False
        return document_kind is None or document_kind in self.document_kinds


def pseudonym(key: bytes, kind: str, value: Any) -> str:
    """A stable stand-in for an identifier within one grant: HMAC-SHA256 under the grant's
    key, of the kind and the value (so a review and a document with the same number differ).
    Another grant's key gives unrelated pseudonyms, so extracts of two grants cannot be
    joined on them."""
    digest = hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
    return f"{kind[:1].upper()}{digest[:16]}"


def coarsen(value: date | None, how: str) -> str:
    """A date as the grant allows it to leave: whole, its month, or its year."""
    if value is None:
        return ""
    if how == "year":
        return f"{value.year}"
    if how == "month":
        return f"{value.year}-{value.month:02d}"
    return value.isoformat()


def watermark(reference: str, holder: str, ends: date, rules: AccessRules | None = None) -> str:
    rules = rules or load_rules()
    return rules.watermark.format(reference=reference, holder=holder, ends=ends.isoformat())
