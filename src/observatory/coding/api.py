"""API routes for codebooks: list, export (TOML, CSV, REFI-QDA .qdc) and import (refused
whole, with every problem listed, nothing written)."""

from __future__ import annotations

from typing import Any, Literal

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from observatory_core.coding import codebook as core

from ..accounts.access import can
from ..api import WRITE_AUTH, file_response, optional_auth, responses
from ..audit.log import record
from ..web.access import allowed_or_http_error
from .models import Codebook
from .services import ensure_codebooks, export_codebook, parse_upload, save_codebook
from .views import CODEBOOKS

router = Router(tags=["coding"])


class CodebookOut(Schema):
    key: str
    name: str
    version: int
    source: str
    codes: int


class ImportedOut(Schema):
    ok: bool
    key: str
    version: int
    codes: int


class RefusedOut(Schema):
    ok: bool
    errors: list[Any]


@router.get("/codebooks", auth=optional_auth, response=responses(list[CodebookOut], 403),
            summary="Codebooks: key, name, version, source")
def list_codebooks(request: HttpRequest) -> list[dict[str, Any]]:
    if not can(request.user, "view", CODEBOOKS):
        record(request, "view", CODEBOOKS, allowed=False)
        raise HttpError(403, "You may not see codebooks.")
    ensure_codebooks()
    return [{"key": b.key, "name": b.name, "version": b.version, "source": b.source,
             "codes": b.codes.filter(retired=False).count()} for b in Codebook.objects.all()]


@router.get("/codebooks/{key}/export", auth=optional_auth, response=responses(None, 403, 404),
            openapi_extra=file_response("application/toml", "text/csv", "application/xml"),
            summary="Download a codebook as TOML, CSV or REFI-QDA .qdc")
def download_codebook(request: HttpRequest, key: str,
           format: Literal["toml", "csv", "qdc"] = "toml") -> HttpResponse:
    ensure_codebooks()
    book = allowed_or_http_error(request, Codebook.objects.filter(key=key).first(), "download",
                                 "There is no such codebook.")
    body, kind = export_codebook(book, format)
    record(request, "download", book, detail=f"codebook export {format} (API)")
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{book.key}-v{book.version}.{format}"'
    return response


@router.post("/codebooks/import", auth=WRITE_AUTH,
             response={**responses(None, 403), 201: ImportedOut, 400: RefusedOut},
             summary="Import a codebook (TOML, CSV or .qdc): a new codebook, or a new version "
                     "of one with the same key; refused whole with every problem listed")
def import_codebook(request: HttpRequest, file: UploadedFile = File(...), key: Form[str] = "",
                    name: Form[str] = "", source: Form[str] = ""):
    if not can(request.user, "change", CODEBOOKS):
        record(request, "change", CODEBOOKS, allowed=False)
        raise HttpError(403, "Only analysts and administrators import codebooks.")
    filename = file.name or "codebook.toml"
    try:
        data = parse_upload(file.read(), filename, key=key.strip(), name=name, source=source)
    except core.CodebookError as exc:
        record(request, "change", CODEBOOKS, allowed=False, detail=f"import of {filename} "
                                                                   "refused")
        return Status(400, {"ok": False, "errors": exc.problems})
    with transaction.atomic():
        book = save_codebook(data, request.user, f"imported {filename} (API)")
        record(request, "change", book, detail=f"imported {filename} (API)")
    return Status(201, {"ok": True, "key": book.key, "version": book.version,
                        "codes": book.codes.filter(retired=False).count()})
