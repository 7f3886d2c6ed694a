"""Reading numbers from a page's query string. A parameter that is not a whole number in its
range is the caller's mistake: ``BadParameter`` becomes a 400 page (or JSON) with a GOV.UK
error message (``ParameterErrorMiddleware``), never a server error from the database
(SQLite and PostgreSQL integers stop at 2**63 - 1; ids at 2**31 - 1)."""

from __future__ import annotations

from collections.abc import Mapping

from django.http import HttpRequest, HttpResponse

MAX_ID = 2**31 - 1  # the largest id or version number the database holds
MAX_PAGE = 10_000  # deeper than anyone pages; keeps OFFSET far below the database's limit


class BadParameter(ValueError):
    """A query parameter out of its type or range; the message is shown to the person."""


def int_param(query: Mapping[str, str], name: str, *, default: int | None = None,
              minimum: int = 0, maximum: int = MAX_ID, label: str = "") -> int | None:
    """The whole number in ``query[name]`` (``default`` when absent or empty); anything else
    (letters, decimals, other scripts' digits, out of range) raises ``BadParameter``."""
    raw = (query.get(name) or "").strip()
    if not raw:
        return default
    label = label or name.replace("_", " ")
    digits = raw[1:] if raw[:1] == "-" else raw
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 12:
        raise BadParameter(f"The {label} must be a whole number from {minimum} to {maximum:,}")
    value = int(raw)
    if not minimum <= value <= maximum:
        raise BadParameter(f"The {label} must be a whole number from {minimum} to {maximum:,}")
    return value


def page_param(query: Mapping[str, str], name: str = "page") -> int:
    """A page number from 1 to ``MAX_PAGE`` (1 when absent)."""
    return int_param(query, name, default=1, minimum=1, maximum=MAX_PAGE, label="page number")


class ParameterErrorMiddleware:
    """Turns ``BadParameter`` raised by any view into a 400 page (or JSON) saying what to
    fix, so views can read parameters in one line. A query string holding a NUL character
    is refused before any view: PostgreSQL cannot store or compare text containing it (the
    driver raises), and no form or filter ever needs one."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any("\x00" in key or any("\x00" in v for v in values)
               for key, values in request.GET.lists()):
            from .render import error

            return error(request, 400, "The address contains a character that is not allowed")
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, BadParameter):
            from .render import error

            return error(request, 400, str(exception))
        return None
