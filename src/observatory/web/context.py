from django.conf import settings

from ..accounts.access import can, role_of
from ..accounts.models import ROLE_LABELS
from .work import Kind

# The service navigation: (label, path, what the user must be allowed to use it). An item
# shows only when the access policy (can) grants it, so no link leads to a refusal.
NAV = (
    ("Reviews", "/reviews/", ("view", "published_review")),
    ("Search", "/search/", ("view", "published_review")),
    ("Analysis", "/analysis/", ("view", "published_review")),
    ("Learning", "/learning/", ("view", "published_learning")),
    ("Coding", "/coding/", ("view", "coding")),
    ("Consultations", "/consultations/", ("view", "delphi_study")),
    ("Audit log", "/audit/", ("view", "audit_log")),
    ("Administration", "/admin/", ("change", "user_account")),
)


def nav_items(user, path: str = "") -> list[dict[str, object]]:
    return [{"label": label, "url": url, "active": path.startswith(url)}
            for label, url, (action, kind) in NAV if can(user, action, Kind(kind))]


def site(request):
    user = getattr(request, "user", None)
    role = role_of(user)
    return {
        "service_name": settings.OBSERVATORY["SERVICE_NAME"],
        "current_role": role,
        "current_role_label": ROLE_LABELS[role],
        "nav_items": nav_items(user, getattr(request, "path", "")),
        # for inline <script>/<style> under the Content-Security-Policy (web/security.py)
        "csp_nonce": getattr(request, "csp_nonce", ""),
    }
