"""Response headers that keep browsers and caches from doing more than they should.

- Content-Security-Policy: scripts and styles only from this site, or inline ones that
  carry this response's nonce (templates write ``nonce="{{ csp_nonce }}"``); no plugins,
  no framing, forms post only here. So an injected ``<script>`` or ``onerror=`` does
  nothing, even if escaping were ever missed.
- Cache-Control: every response from a view is ``private, no-store`` unless the view
  already said ``no-store``. Pages differ by role and may hold confidential text (and a
  Delphi participant's pages are theirs alone, by link, without an account), so no shared
  or browser cache may keep any of them. Static files, which are the same for everyone,
  are served before this middleware by WhiteNoise and keep their long cache lifetimes.

docs/security.md, "Content-Security-Policy" and "Cache-Control".
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

POLICY = ("default-src 'self'; script-src 'self' 'nonce-{nonce}'; "
          "style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; font-src 'self'; "
          "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
          "frame-ancestors 'none'")
NO_STORE = "private, no-store"


def content_security_policy(nonce: str) -> str:
    return POLICY.format(nonce=nonce)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.csp_nonce = secrets.token_urlsafe(18)  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy",
                            content_security_policy(request.csp_nonce))  # type: ignore[attr-defined]
        if "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = NO_STORE
        return response
