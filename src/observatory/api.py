"""The documented JSON API (OpenAPI at /api/openapi.json, browsable at /api/docs).

The schema is the contract: every operation declares its parameters (with bounds and
enumerations), its response schemas and every status it can answer. Every error is JSON in
one envelope (``ErrorOut``), whatever raised it: a refusal, a bad parameter, an unknown
address, a wrong method, a failure. Anonymous writes answer 401 with ``WWW-Authenticate``.
``tests/apps/test_api_contract.py`` holds the API to it with Schemathesis."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import authenticate
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBasicAuth, SessionAuth

log = logging.getLogger(__name__)
MAX_ID = 2**31 - 1  # ids and version numbers: larger is never an object (and overflows SQL)
REALM = 'Basic realm="Case Review Observatory", charset="UTF-8"'


class BasicAuth(HttpBasicAuth):
    """HTTP Basic with a user's own password, for scripts (use HTTPS in production)."""

    def authenticate(self, request, username, password):
        user = authenticate(request, username=username, password=password)
        if user is not None:
            request.user = user
        return user


class SignedInSession(SessionAuth):
    """The browser's session, for people trying the API from /api/docs. Only a signed-in
    session is checked for CSRF: a caller with no session is not authenticated by it (401
    with ``WWW-Authenticate``), rather than refused as a forged request (403)."""

    def _get_key(self, request: HttpRequest):
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)


def optional_auth(request):
    """Anonymous callers are served as the public role; credentials, if sent, are used."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        return BasicAuth()(request)
    return request.user if request.user.is_authenticated else True


WRITE_AUTH = [BasicAuth(), SignedInSession()]


class ErrorOut(Schema):
    """Every error: ``errors`` says what to fix; ``detail`` locates bad parameters (422)."""

    ok: bool = False
    status: int
    errors: list[str]
    detail: list[dict[str, Any]] | None = None


def responses(ok: Any = None, *errors: int, status: int = 200) -> dict[int, Any]:
    """A response map: the success schema plus the JSON error for each status listed, and
    the statuses every operation can answer (400 for a query string the service refuses
    whole, e.g. one holding a NUL character; 401 for bad credentials; 422 for parameters
    outside the declared types and bounds; 429 for credentials locked after failures)."""
    out: dict[int, Any] = {status: ok} if ok is not None else {}
    for code in (400, 401, 422, 429, *errors):
        out[code] = ErrorOut
    return out


def file_response(*media_types: str) -> dict[str, Any]:
    """OpenAPI for a download: the 200's media types (the errors stay JSON)."""
    return {"responses": {200: {"description": "The file", "content": {
        media: {"schema": {"type": "string", "format": "binary"}} for media in media_types}}}}


def error_body(status: int, messages: list[str], detail: list | None = None) -> dict:
    body: dict[str, Any] = {"ok": False, "status": status, "errors": messages}
    if detail is not None:
        body["detail"] = detail
    return body


def error_response(status: int, messages: list[str], detail: list | None = None
                   ) -> JsonResponse:
    response = JsonResponse(error_body(status, messages, detail), status=status,
                            json_dumps_params={"ensure_ascii": False})
    if status == 401:
        response["WWW-Authenticate"] = REALM
    return response


api = NinjaAPI(
    title="Case Review Observatory API",
    version="1",
    description=(
        "Every page of the web app as JSON. Anonymous callers see what the public sees; "
        "send HTTP Basic credentials or a session cookie to act as a user. Every read of "
        "confidential material is audited. Errors are JSON: "
        '`{"ok": false, "status": N, "errors": ["what to fix"]}`.'
    ),
    urls_namespace="api",
)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(401, ["Sign in: send HTTP Basic credentials of your account."])


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(exc.status_code, [str(exc)])


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    detail = [{"loc": [str(part) for part in e.get("loc", ())], "msg": str(e.get("msg", "")),
               "type": str(e.get("type", ""))} for e in exc.errors]
    messages = [f"{e['loc'][-1] if e['loc'] else 'request'}: {e['msg']}" for e in detail]
    return error_response(422, messages or ["The request is not valid."], detail)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(404, ["There is nothing at this address."])


class JsonErrorsMiddleware:
    """Under /api/, an error that did not come from an operation (an unknown address, a
    method the address does not take, a refused CSRF check, a server error page) is
    answered in the API's JSON envelope too, keeping headers such as ``Allow``."""

    KEEP = ("Allow", "WWW-Authenticate", "Retry-After")

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (not request.path.startswith("/api/") or response.status_code < 400
                or response.get("Content-Type", "").startswith("application/json")):
            return response
        messages = {404: "There is nothing at this address.",
                    405: "This address does not take that method.",
                    403: "You may not do this."}
        status = response.status_code
        message = messages.get(status, "Sorry, there is a problem with the service."
                               if status >= 500 else "The request could not be understood.")
        replaced = error_response(status, [message])
        for header in self.KEEP:
            if header in response:
                replaced[header] = response[header]
        return replaced


from .analysis.api import router as analysis_router  # noqa: E402
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
api.add_router("", analysis_router)
