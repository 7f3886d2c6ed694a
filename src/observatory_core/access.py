"""Who may do what: the access policy as data, and the one function that reads it.

``data/access_policy.toml`` grants each (object kind, action) to roles. A grant written
``role:own_area`` holds only for objects in the user's own local area (partnerships).
Both the web views and the API ask ``allowed``; nothing else decides access. Queries ask
``reach`` (everywhere, own area only, or nowhere) for the same grants, so a list filter and
``allowed`` are two readings of one table (``observatory.accounts.scopes``).

``[research_grant]`` names the object kinds an approved research access grant opens to its
holders, per action, within the grant's scope only (``observatory.research``): what the
role alone does not reach, a grant may add, and nothing outside its scope.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .datafiles import AccessPolicyFile, shape_problems

POLICY_FILE = Path(__file__).parent / "data" / "access_policy.toml"

ROLES = ("public", "practitioner", "partnership", "analyst", "researcher", "steering", "admin")
ACTIONS = ("view", "download", "change", "delete")
OBJECT_KINDS = (
    "published_review",
    "unpublished_review",
    "published_document",
    "unpublished_document",
    "confidential_document",
    "audit_log",
    "service_operations",
    "own_access_history",
    "user_account",
    "controlled_list",
    "delphi_study",
    "unsuppressed_statistics",
    "codebook",
    "coding",
    "action_plan",
    "quality_marker",
    "quality_dialogue",
    "research_application",
    "research_output",
    "published_learning",
    "unpublished_learning",
)
OWN_AREA = "own_area"
# What ``reach`` answers: a role reaches every object of a kind, those in its own area, or none.
EVERYWHERE, NOWHERE = "everywhere", "nowhere"


class PolicyError(ValueError):
    pass


@dataclass(frozen=True)
class Grant:
    role: str
    own_area_only: bool


@dataclass(frozen=True)
class Policy:
    source: str
    grants: dict[tuple[str, str], tuple[Grant, ...]]
    # action -> object kinds a research grant opens within its scope
    research: dict[str, frozenset[str]] = field(default_factory=dict)

    def research_opens(self, kind: str, action: str) -> bool:
        return kind in self.research.get(action, frozenset())

    def reach(self, role: str, kind: str, action: str) -> str:
        """Which objects of ``kind`` the role may ``action``: EVERYWHERE, OWN_AREA or
        NOWHERE. ``allowed`` is this answer applied to one object."""
        found = NOWHERE
        for grant in self.grants.get((kind, action), ()):
            if grant.role == role:
                if not grant.own_area_only:
                    return EVERYWHERE
                found = OWN_AREA
        return found

    def allowed(self, role: str, kind: str, action: str, *, same_area: bool = False) -> bool:
        reach = self.reach(role, kind, action)
        return reach == EVERYWHERE or (reach == OWN_AREA and same_area)


def parse_policy(data: dict, origin: str = "access policy") -> Policy:
    problems: list[str] = []
    grants: dict[tuple[str, str], tuple[Grant, ...]] = {}
    for kind, actions in data.get("grants", {}).items():
        if kind not in OBJECT_KINDS:
            problems.append(f"unknown object kind '{kind}'")
            continue
        for action, roles in actions.items():
            if action not in ACTIONS:
                problems.append(f"{kind}: unknown action '{action}'")
                continue
            parsed = []
            for entry in roles:
                role, _, scope = entry.partition(":")
                if role not in ROLES or scope not in ("", OWN_AREA):
                    problems.append(f"{kind}.{action}: unknown grant '{entry}'")
                    continue
                parsed.append(Grant(role, scope == OWN_AREA))
            grants[(kind, action)] = tuple(parsed)
    research: dict[str, frozenset[str]] = {}
    for action, kinds in data.get("research_grant", {}).items():
        if action not in ACTIONS:
            problems.append(f"research_grant: unknown action '{action}'")
            continue
        problems.extend(f"research_grant.{action}: unknown object kind '{k}'"
                        for k in kinds if k not in OBJECT_KINDS)
        research[action] = frozenset(kinds)
    if problems:
        raise PolicyError(f"{origin}: " + "; ".join(problems))
    return Policy(source=str(data.get("source", "")), grants=grants, research=research)


@lru_cache(maxsize=4)
def load_policy(path: Path = POLICY_FILE) -> Policy:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    problems = shape_problems(AccessPolicyFile, data)  # unknown keys, types (datafiles.py)
    if problems:
        raise PolicyError(f"{path.name}: " + "; ".join(problems))
    return parse_policy(data, path.name)


def allowed(role: str, kind: str, action: str, *, same_area: bool = False) -> bool:
    return load_policy().allowed(role, kind, action, same_area=same_area)


def reach(role: str, kind: str, action: str) -> str:
    return load_policy().reach(role, kind, action)


def research_opens(kind: str, action: str) -> bool:
    """Does an approved research grant open objects of ``kind`` for ``action`` (within its
    scope)?"""
    return load_policy().research_opens(kind, action)
