"""The documented JSON API (OpenAPI at /api/openapi.json, browsable at /api/docs)."""

from __future__ import annotations

from django.contrib.auth import authenticate
from ninja import NinjaAPI
from ninja.security import HttpBasicAuth, django_auth


class BasicAuth(HttpBasicAuth):
    """HTTP Basic with a user's own password, for scripts (use HTTPS in production)."""

    def authenticate(self, request, username, password):
        user = authenticate(request, username=username, password=password)
        if user is not None:
            request.user = user
        return user


def optional_auth(request):
    """Anonymous callers are served as the public role; credentials, if sent, are used."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        return BasicAuth()(request)
    return request.user if request.user.is_authenticated else True


WRITE_AUTH = [BasicAuth(), django_auth]

api = NinjaAPI(
    title="Case Review Observatory API",
    version="1",
    description=(
        "Every page of the web app as JSON. Anonymous callers see what the public sees; "
        "send HTTP Basic credentials or a session cookie to act as a user. Every read of "
        "confidential material is audited."
    ),
    urls_namespace="api",
)

from .coding.api import router as coding_router  # noqa: E402
from .consultation.api import router as consultation_router  # noqa: E402
from .ingestion.api import router as ingestion_router  # noqa: E402
from .repository.api import router as repository_router  # noqa: E402
from .web.api import router as web_router  # noqa: E402

api.add_router("", repository_router)
api.add_router("", web_router)
api.add_router("", consultation_router)
api.add_router("", ingestion_router)
api.add_router("", coding_router)
