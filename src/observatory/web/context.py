from django.conf import settings

from ..accounts.access import area_of, can, role_of
from ..accounts.models import ROLE_LABELS
from .work import Kind

# The service navigation: (label, path, what the user must be allowed to use it). An item
# shows only when the access policy (can) grants it, so no link leads to a refusal.
NAV = (
    ("Reviews", "/reviews/", ("view", "published_review")),
    ("Search", "/search/", ("view", "published_review")),
    ("Analysis", "/analysis/", ("view", "published_review")),
    ("Quality Markers", "/quality-markers/", ("view", "quality_marker")),
    ("Learning", "/learning/", ("view", "published_learning")),
    ("Coding", "/coding/", ("view", "coding")),
    ("Consultations", "/consultations/", ("view", "delphi_study")),
    ("Action plans", "/action-plans/", ("view", "action_plan")),
    ("Research access", "/research/", ("view", "research_application")),
    ("Audit log", "/audit/", ("view", "audit_log")),
    ("Background work", "/service/", ("view", "service_operations")),
    ("Administration", "/admin/", ("change", "user_account")),
)


class _OwnWork(Kind):
    """Work of this kind in the user's own area: a partnership's own action plans."""

    def __init__(self, kind: str, area: int | None) -> None:
        super().__init__(kind)
        self.access_area_id = area


def _may_use(user, action: str, kind: str) -> bool:
    if can(user, action, _OwnWork(kind, area_of(user))):
        return True
    # Research access is also for those who may apply for it (data/research/access.toml).
    if kind == "research_application":
        from ..research.services import may_apply

        return may_apply(user)
    return False


def nav_items(user, path: str = "") -> list[dict[str, object]]:
    return [{"label": label, "url": url, "active": path.startswith(url)}
            for label, url, (action, kind) in NAV if _may_use(user, action, kind)]


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
