"""Two-factor sign-in (django-otp): a time-based code (TOTP, RFC 6238) from an authenticator
app, with single-use recovery codes, for every role that may see confidential material.

Which roles: those the access policy lets view confidential documents at all
(``reach(role, 'confidential_document', 'view')`` is not "nowhere": partnerships, analysts,
administrators today), so the rule follows the policy file rather than a second list. After
the password, such a person is sent to ``/account/two-factor/`` on every page until they
have given a code: the first time they set up the app there (the key is shown once, a first
code confirms it, ten recovery codes are shown once). Each step is audited; wrong codes are
throttled by django-otp (each failure doubles the wait) on top of django-axes' lockout of
the password.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from observatory_core.access import NOWHERE, reach

from ..audit.log import record
from .access import role_of

PAGE = "/account/two-factor/"
RECOVERY_CODES = 10
# Reachable before the second factor: the page itself, signing out, static files.
EXEMPT = (PAGE, "/accounts/logout/", "/static/", "/favicon.ico")


def required(user: Any) -> bool:
    """Must ``user`` give a second factor? Signed in, in a role that reaches confidential
    material under the access policy."""
    if not getattr(user, "is_authenticated", False):
        return False
    return reach(role_of(user), "confidential_document", "view") != NOWHERE


def verified(user: Any) -> bool:
    return bool(getattr(user, "is_verified", lambda: False)())


class RequireTwoFactor:
    """Middleware (after django-otp's OTPMiddleware): a person who must give a second
    factor and has not is sent to the two-factor page (JSON routes answer 403)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (required(user) and not verified(user)
                and not request.path.startswith(EXEMPT)):
            if request.path.startswith("/api/") or request.GET.get("format") == "json":
                return JsonResponse({"ok": False, "status": 403, "errors": [
                    "Give your two-factor code first (at /account/two-factor/)."]}, status=403)
            return redirect(f"{PAGE}?next={request.get_full_path()}")
        return self.get_response(request)


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(user: Any) -> TOTPDevice:
    """The authenticator being set up (not yet confirmed by a first code)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator app",
                                               confirmed=False)


def manual_key(device: TOTPDevice) -> str:
    """The key as authenticator apps take it by hand: base32, in groups of four."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def new_recovery_codes(user: Any) -> list[str]:
    """Replace the person's recovery codes with ten new single-use ones (shown once)."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="recovery codes")
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def confirm_setup(request: HttpRequest, code: str) -> list[str] | None:
    """The first code from the app confirms it; returns the recovery codes, or None."""
    device = pending_device(request.user)
    if not device.verify_token(code.replace(" ", "")):
        record(request, "change", request.user, allowed=False,
               detail="two-factor set-up: wrong code")
        return None
    device.confirmed = True
    device.save()
    TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
    codes = new_recovery_codes(request.user)
    otp_login(request, device)
    record(request, "change", request.user, detail="two-factor set up; recovery codes issued")
    return codes


def verify(request: HttpRequest, code: str) -> bool:
    """A code from the app, or one recovery code (used up), for this session."""
    device = match_token(request.user, code.replace(" ", ""))
    if device is None or not device.confirmed:
        record(request, "login", request.user, allowed=False, detail="two-factor code wrong")
        return False
    otp_login(request, device)
    used = "recovery code" if isinstance(device, StaticDevice) else "authenticator code"
    record(request, "login", request.user, detail=f"two-factor: {used}")
    return True


def next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure())
    return target if safe and not target.startswith(PAGE) else "/"
