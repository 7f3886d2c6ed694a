"""Every page is also JSON: a view builds a data object, this renders it either way.

``?format=json`` or an ``Accept: application/json`` header gets the data object as JSON in
one envelope (``ok``, ``data``, ``links``); anything else gets the GOV.UK template. Access
rules act on the data object, so the JSON can never show more than the page.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def wants_json(request: HttpRequest) -> bool:
    if request.GET.get("format") == "json" or request.path.startswith("/api/"):
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


class _Encoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, date | datetime):
            return o.isoformat()
        if isinstance(o, Decimal):
            return float(o)
        return super().default(o)


def respond(request: HttpRequest, template: str, data: dict[str, Any],
            context: dict[str, Any] | None = None, *, links: dict[str, str] | None = None,
            status: int = 200) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"ok": status < 400, "data": data, "links": links or {}},
                            encoder=_Encoder, status=status,
                            json_dumps_params={"ensure_ascii": False})
    page = {**data, **(context or {})}
    json_url = request.get_full_path()
    page["json_url"] = json_url + ("&" if "?" in json_url else "?") + "format=json"
    return render(request, template, page, status=status)


def error(request: HttpRequest, status: int, message: str) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"ok": False, "status": status, "errors": [message]}, status=status)
    return render(request, "web/error.html", {"status": status, "message": message},
                  status=status)
