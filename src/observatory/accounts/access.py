"""The one place the web app and API decide access: role + object kind + area -> policy.

Objects say what kind they are (``access_kind()``) and where they belong
(``access_area_id``); the policy itself is data in observatory_core.
"""

from __future__ import annotations

import contextlib
from typing import Any

import rules
from django.contrib.auth.models import AnonymousUser

from observatory_core.access import allowed, research_opens


def role_of(user: Any) -> str:
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return "public"
    if not user.is_active:
        return "public"
    if user.is_superuser:
        return "admin"
    profile = getattr(user, "profile", None)
    return profile.role if profile else "practitioner"


def area_of(user: Any) -> int | None:
    profile = getattr(user, "profile", None) if getattr(user, "is_authenticated", False) else None
    return profile.local_authority_id if profile else None


def areas_of(user: Any) -> frozenset[int]:
    """The local areas (ids) a user's own-area grants cover: its area, the codes that area
    had before, and the areas its safeguarding partnership arrangements cover or took over
    (observatory_core.places.partnership_scope). Empty for a user without an area. Every
    own-area decision (can(), the querysets of what a user may see) uses this."""
    area = area_of(user)
    if area is None:
        return frozenset()
    cached = getattr(user, "_observatory_areas", None)
    if cached is not None and cached[0] == area:
        return cached[1]
    from observatory_core.places import partnership_scope

    from ..vocabularies.models import LocalAuthority

    code = LocalAuthority.objects.filter(pk=area).values_list("gss_code", flat=True).first()
    ids = {area}
    if code:
        ids |= set(LocalAuthority.objects.filter(gss_code__in=partnership_scope(code))
                   .values_list("pk", flat=True))
    result = frozenset(ids)
    with contextlib.suppress(AttributeError):  # remembered for the rest of the request
        user._observatory_areas = (area, result)
    return result


def kind_of(obj: Any) -> str:
    if hasattr(obj, "access_kind"):
        return obj.access_kind()
    label = obj._meta.label_lower if hasattr(obj, "_meta") else ""
    return {
        "auth.user": "user_account",
        "audit.auditevent": "audit_log",
        "vocabularies.vocabulary": "controlled_list",
        "vocabularies.term": "controlled_list",
        "vocabularies.localauthority": "controlled_list",
    }.get(label, "")


def can(user: Any, action: str, obj: Any) -> bool:
    """May ``user`` do ``action`` (view/download/change/delete) to ``obj``? The role's
    grants, or an active research grant whose scope covers the object."""
    obj_area = getattr(obj, "access_area_id", None)
    same_area = obj_area is not None and obj_area in areas_of(user)
    kind = kind_of(obj)
    if allowed(role_of(user), kind, action, same_area=same_area):
        return True
    return research_covers(user, action, obj, kind)


def research_covers(user: Any, action: str, obj: Any, kind: str | None = None) -> bool:
    """An approved research grant of ``user``'s, unexpired and unrevoked, opens ``obj``:
    the policy's ``[research_grant]`` opens its kind and the grant's scope holds it."""
    if role_of(user) == "public" or not research_opens(kind or kind_of(obj), action):
        return False
    from ..research.grants import covers

    return covers(user, obj)


def can_create_review(user: Any, local_authority_id: int | None) -> bool:
    """Creating a review is changing an unpublished review in that area."""
    same = local_authority_id is not None and local_authority_id in areas_of(user)
    return allowed(role_of(user), "unpublished_review", "change", same_area=same)


def may_create_reviews(user: Any) -> bool:
    role = role_of(user)
    return allowed(role, "unpublished_review", "change", same_area=True) and (
        role != "partnership" or area_of(user) is not None
    )


# The same decisions through Django's permission API (admin, has_perm), via django-rules.
def _predicate(action: str) -> rules.Predicate:
    def check(user: Any, obj: Any = None) -> bool:
        return obj is not None and can(user, action, obj)

    return rules.predicate(check, name=f"can_{action}")


for _action in ("view", "download", "change", "delete"):
    for _perm in ("repository.{}_review", "repository.{}_document"):
        rules.add_perm(_perm.format(_action), _predicate(_action))
