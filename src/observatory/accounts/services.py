"""Creating and changing users with their role, shared by the CLI and tests."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from observatory_core.access import ROLES

from ..vocabularies.models import LocalAuthority


class AccountError(ValueError):
    pass


def resolve_area(value: str | None) -> LocalAuthority | None:
    if not value:
        return None
    from observatory_core.places import Places, load_local_authorities

    found = Places(load_local_authorities()).resolve(value)
    code = found.gss_code if found else value
    try:
        return LocalAuthority.objects.get(gss_code=code)
    except LocalAuthority.DoesNotExist as exc:
        raise AccountError(f"unknown local area '{value}'") from exc


@transaction.atomic
def create_user(username: str, password: str, role: str, *, email: str = "",
                area: str | None = None) -> User:
    if role not in ROLES or role == "public":
        raise AccountError(f"role must be one of {', '.join(r for r in ROLES if r != 'public')}")
    if User.objects.filter(username=username).exists():
        raise AccountError(f"user '{username}' already exists")
    local_authority = resolve_area(area)
    if role == "partnership" and local_authority is None:
        raise AccountError("a partnership user needs a local area (--area)")
    user = User.objects.create_user(username=username, email=email, password=password)
    if role == "admin":
        user.is_staff = user.is_superuser = True
        user.save()
    from .models import Profile

    Profile.objects.create(user=user, role=role, local_authority=local_authority)
    return user


@transaction.atomic
def set_role(username: str, role: str, area: str | None = None) -> User:
    try:
        user = User.objects.select_related("profile").get(username=username)
    except User.DoesNotExist as exc:
        raise AccountError(f"no user '{username}'") from exc
    if role not in ROLES or role == "public":
        raise AccountError(f"unknown role '{role}'")
    from .models import Profile

    profile, _ = Profile.objects.get_or_create(user=user)
    profile.role = role
    profile.local_authority = resolve_area(area) if area else profile.local_authority
    if role == "partnership" and profile.local_authority is None:
        raise AccountError("a partnership user needs a local area (--area)")
    profile.save()
    user.is_staff = user.is_superuser = role == "admin"
    user.save()
    return user
