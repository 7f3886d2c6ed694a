from django.conf import settings

from ..accounts.access import role_of
from ..accounts.models import ROLE_LABELS


def site(request):
    role = role_of(getattr(request, "user", None))
    return {
        "service_name": settings.OBSERVATORY["SERVICE_NAME"],
        "current_role": role,
        "current_role_label": ROLE_LABELS[role],
    }
