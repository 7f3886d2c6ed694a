"""API routes for the analysis tables and their drill-downs: the same functions as the
pages (``tables.build``, ``drilldown.drill``, the filters of ``filters.py``), so suppression
of small numbers and access to evidence are identical in both."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from pydantic import create_model

from observatory_core.stats import load_rule

from ..api import optional_auth, responses
from ..web.params import MAX_PAGE
from . import filters as flt
from .drilldown import audit_drilldown, drill
from .tables import REGISTRY, Scope, build

router = Router(tags=["analysis"])


def _filter_fields() -> dict[str, Any]:
    """The analysis filters (``filters.FILTERS``) as declared query parameters."""
    fields: dict[str, Any] = {}
    for spec in flt.FILTERS:
        if spec.name.startswith("year"):
            kind: Any = (int | None, Field(None, ge=1900, le=2100, description=spec.label))
        elif spec.name in ("age_from", "age_to"):
            kind = (int | None, Field(None, ge=0, le=25, description=spec.label))
        elif spec.name == "timeliness":
            kind = (Literal["within", "over", "unknown"] | None,
                    Field(None, description=spec.label))
        else:
            described = (f"{spec.label}: a code of the '{spec.vocabulary}' list"
                         if spec.vocabulary else spec.label)
            kind = (str | None, Field(None, max_length=100, description=described))
        fields[spec.name] = kind
    return fields


TableFilters = create_model("TableFilters", __base__=Schema, **_filter_fields())
TableName = Literal[tuple(REGISTRY)]  # type: ignore[valid-type]


class TableInfoOut(Schema):
    name: str
    title: str
    description: str
    url: str


class TableOut(Schema):
    filters: dict[str, str]
    suppressed_output: bool
    suppression_rule: str
    table: dict[str, Any]


class DrillReviewOut(Schema):
    reference: str
    title: str
    url: str
    evidence: list[dict[str, Any]]


class DrillDownOut(Schema):
    filters: dict[str, str]
    suppressed_output: bool
    suppression_rule: str
    table: str
    count: int | None
    suppressed: bool
    page: int
    pages: int
    reviews: list[DrillReviewOut]


def _scope(request: HttpRequest) -> Scope:
    try:
        return Scope(request.user, flt.from_query(request.GET))
    except flt.FilterError as exc:
        raise HttpError(400, str(exc)) from exc


@router.get("/tables", auth=optional_auth, response=responses(list[TableInfoOut]),
            summary="The standard analysis tables")
def list_tables(request: HttpRequest):
    return [{"name": d.name, "title": d.title, "description": d.description,
             "url": f"/api/tables/{d.name}"} for d in REGISTRY.values()]


@router.get("/tables/{name}", auth=optional_auth, response=responses(TableOut, 400),
            summary="One table for any filters, suppressed as on its page for your role")
def get_table(request: HttpRequest, name: TableName, filters: Query[TableFilters]):
    scope = _scope(request)
    return {"filters": scope.filters, "suppressed_output": scope.public,
            "suppression_rule": load_rule().describe(),
            "table": build(name, scope).as_dict()}


@router.get("/tables/{name}/drilldown", auth=optional_auth,
            response=responses(DrillDownOut, 400),
            summary="The reviews behind a table's numbers, with the evidence you may see")
def get_drilldown(request: HttpRequest, name: TableName, filters: Query[TableFilters],
                  page: int = Query(1, ge=1, le=MAX_PAGE)):
    found = drill(request.user, _scope(request), name, page)
    audit_drilldown(request, found)
    return found.data
