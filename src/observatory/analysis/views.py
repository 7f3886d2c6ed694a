"""Analysis pages: the national dashboard, each standard table (with chart, downloads and
JSON), drill-down to reviews and highlighted passages, cohort comparison, saved thematic
analyses, evaluations and the reports. Numbers come from tables.py; access: reviews are the
ones the user may see, confidential evidence only as the policy allows, and roles without
``unsuppressed_statistics`` get suppressed tables (and suppressed drill-downs)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.text import slugify

from observatory_core.citations import plain
from observatory_core.stats import Category, count_phrase, count_value, load_rule
from observatory_core.stats import build as core
from observatory_core.tabular import write_csv, write_xlsx

from ..audit.log import record
from ..web.render import error, respond
from . import filters as flt
from . import overview
from .drilldown import audit_drilldown, drill
from .models import SavedAnalysis
from .present import present
from .tables import REGISTRY, Scope, build, may_see_unsuppressed, shown

DASHBOARD = ["recommendations_by_agency", "reviews_by_year", "reviews_by_region",
             "reviews_by_age_band", "reviews_by_outcome", "reviews_by_abuse_category",
             "timeliness", "themes_by_reviews"]


def _scope(request: HttpRequest, raw: dict[str, str] | None = None):
    try:
        filters = flt.clean(raw) if raw is not None else flt.from_query(request.GET)
    except flt.FilterError as exc:
        return None, error(request, 400, str(exc))
    return Scope(request.user, filters), None


def _filter_form(filters: dict[str, str], user: Any = None) -> dict[str, Any]:
    choices = flt.choices(user)
    fields = []
    for spec in flt.FILTERS:
        if spec.name in ("theme", "rec_agency", "timeliness", "year", "area"):
            continue
        options = choices.get(spec.name)
        field = {"name": spec.name, "label": spec.label, "value": filters.get(spec.name, ""),
                 "options": options}
        if spec.name == "local_authority":
            # One entry per place over time; the chosen place's history as the hint.
            field["typeahead"] = True
            field["hint"] = " ".join(flt.place_history(field["value"])) if field["value"] \
                else "Areas that were re-coded or reorganised include their earlier areas."
        fields.append(field)
    return {"fields": fields}


def _common(scope: Scope) -> dict[str, Any]:
    return {"filters": scope.filters, "suppressed_output": scope.public,
            "suppression_rule": load_rule().describe()}


def dashboard(request: HttpRequest, saved: SavedAnalysis | None = None) -> HttpResponse:
    scope, refusal = _scope(request, dict(saved.filters) if saved else None)
    if refusal:
        return refusal
    tables = shown([build(name, scope) for name in DASHBOARD], scope.public)
    glance = _overview(scope)
    # The number in scope is prose like any other: hidden in public output when small.
    data = {**_common(scope),
            "reviews": count_value(scope.review_count, public=bool(scope.public)),
            "saved_analysis": saved.name if saved else None,
            "overview": glance,
            "tables": [t.as_dict() for t in tables],
            "standard_tables": [{"name": d.name, "title": d.title} for d in REGISTRY.values()]}
    return respond(request, "analysis/dashboard.html", data, {
        "in_scope": count_phrase(scope.review_count, "review", public=bool(scope.public)),
        "presented": [present(t) for t in tables],
        "form": _filter_form(scope.filters, request.user),
        "trend": present(build("reviews_by_year", scope)),
        "active": flt.describe(scope.filters), "query": flt.querystring(scope.filters),
        "registry": REGISTRY.values(), "saved": SavedAnalysis.objects.all()[:20],
        "saved_analysis": saved,
        "can_save": request.user.is_authenticated and may_see_unsuppressed(request.user),
    })


def _overview(scope: Scope) -> dict[str, Any]:
    """Headline figures for the latest year in scope with the change since the year before,
    and the reviews published most recently (overview.py)."""
    year = overview.latest_year(scope)
    newest = scope.reviews.filter(publication_date__isnull=False).order_by(
        "-publication_date", "-pk")[:5]
    return {"year": year, "headlines": overview.headlines(scope, year) if year else [],
            "whats_new": [{"reference": r.reference, "title": r.title,
                           "url": r.get_absolute_url(), "published": r.publication_date}
                          for r in newest]}


def table_detail(request: HttpRequest, name: str) -> HttpResponse:
    definition = REGISTRY.get(name)
    if definition is None:
        return error(request, 404, "There is no such table.")
    scope, refusal = _scope(request)
    if refusal:
        return refusal
    table = build(name, scope)
    download = request.GET.get("download")
    if download in ("csv", "xlsx"):
        return _download(request, table, download)
    return respond(request, "analysis/table.html", {**_common(scope), "table": table.as_dict()},
                   {"t": present(table), "definition": definition,
                    "form": _filter_form(scope.filters, request.user),
                    "active": flt.describe(scope.filters),
                    "query": flt.querystring(scope.filters)})


def table_bytes(table, fmt: str) -> bytes:
    records = table.records(load_rule().symbol)
    columns = table.record_columns()
    footer = [{columns[0]: f"Suppression: {plain(table.rule)}"}]
    footer += [{columns[0]: f"Note: {plain(n)}"} for n in table.notes]
    if table.test:
        footer.append({columns[0]: f"Test: {table.test.sentence()}"})
    if table.source:
        footer.append({columns[0]: f"Source: {plain(table.source)}"})
    rows = records + [{}] + footer
    if fmt == "xlsx":
        return write_xlsx(rows, columns, sheet=table.name[:31])
    return write_csv(rows, columns)


def _download(request: HttpRequest, table, fmt: str) -> HttpResponse:
    body = table_bytes(table, fmt)
    record(request, "export", kind="analysis_table",
           detail=f"{table.name} {fmt} filters={table.filters} "
                  f"{'suppressed' if table.suppressed_output else 'unsuppressed'}")
    media = ("text/csv; charset=utf-8" if fmt == "csv" else
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response = HttpResponse(body, content_type=media)
    response["Content-Disposition"] = f'attachment; filename="{table.name}.{fmt}"'
    return response


def drilldown(request: HttpRequest) -> HttpResponse:
    """The reviews behind a number, and the highlighted passages behind each review."""
    name = request.GET.get("table", "")
    definition = REGISTRY.get(name)
    scope, refusal = _scope(request)
    if refusal:
        return refusal
    found = drill(request.user, scope, name, request.GET.get("page"))
    audit_drilldown(request, found)
    query = request.GET.copy()
    query.pop("page", None)
    return respond(request, "analysis/drilldown.html", found.data, {
        "definition": definition, "active": flt.describe(scope.filters),
        "page_obj": found.page, "items": found.items, "query": query.urlencode(),
        "back": f"/analysis/tables/{name}/?{flt.querystring(scope.filters)}"
        if definition else "/analysis/"})


def compare(request: HttpRequest) -> HttpResponse:
    """Two cohorts (any two sets of filters, a_FIELD / b_FIELD) side by side over one
    dimension, with the test chosen for the counts."""
    dimension = request.GET.get("table", "reviews_by_outcome")
    if dimension not in REGISTRY or not REGISTRY[dimension].name.startswith("reviews_by_"):
        return error(request, 400, "Select a 'reviews by ...' table to compare cohorts over.")
    try:
        a = flt.clean({k[2:]: v for k, v in request.GET.items() if k.startswith("a_")})
        b = flt.clean({k[2:]: v for k, v in request.GET.items() if k.startswith("b_")})
    except flt.FilterError as exc:
        return error(request, 400, str(exc))
    scope_a, scope_b = Scope(request.user, a), Scope(request.user, b)
    ta, tb = build(dimension, scope_a), build(dimension, scope_b)
    keys: dict[str, str] = {}
    for t in (ta, tb):
        for r in t.rows:
            keys.setdefault(r.key, r.label)
    table = None
    if keys and (a or b):
        def count(t, key):
            for r in t.rows:
                if r.key == key:
                    return r.cells[0].n or 0
            return 0

        # Counts are taken from unsuppressed builds; the core suppresses the comparison.
        full_a = build(dimension, Scope(request.user, a, public=False))
        full_b = build(dimension, Scope(request.user, b, public=False))
        label_a = "; ".join(f"{k}: {v}" for k, v in flt.describe(a)) or "All reviews"
        label_b = "; ".join(f"{k}: {v}" for k, v in flt.describe(b)) or "All reviews"
        table = core.two_way(
            "cohort_comparison", f"Cohorts compared: {REGISTRY[dimension].title.lower()}",
            [Category(k, label, 0, {}) for k, label in keys.items()],
            [Category("a", f"Cohort A ({label_a})", 0, {}),
             Category("b", f"Cohort B ({label_b})", 0, {})],
            [[count(full_a, k), count(full_b, k)] for k in keys],
            drilldowns=[[{**a, **_cell_filter(full_a, k)}, {**b, **_cell_filter(full_b, k)}]
                        for k in keys],
            public=scope_a.public, test=True, row_header=ta.row_header,
            notes=("A review in both cohorts is counted in both.",))
    data = {"table": table.as_dict() if table else None, "cohort_a": a, "cohort_b": b,
            "dimension": dimension, "suppression_rule": load_rule().describe()}
    return respond(request, "analysis/compare.html", data, {
        "t": present(table) if table else None, "form": _filter_form({}, request.user),
        "a": a, "b": b, "dimensions": [d for d in REGISTRY.values()
                                       if d.name.startswith("reviews_by_")]})


def _cell_filter(table, key: str) -> dict[str, str]:
    for r in table.rows:
        if r.key == key:
            return {k: v for k, v in r.cells[0].drilldown.items()
                    if k not in table.filters}
    return {}


def saved_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if not (request.user.is_authenticated and may_see_unsuppressed(request.user)):
            record(request, "change", kind="saved_analysis", allowed=False)
            return error(request, 403, "Your role cannot save analyses.")
        name = request.POST.get("name", "").strip()
        try:
            filters = flt.clean({k: request.POST.get(k, "") for k in flt.FILTER_NAMES})
        except flt.FilterError as exc:
            return error(request, 400, str(exc))
        if not name:
            messages.error(request, "Enter a name for the analysis")
            return redirect(f"/analysis/?{flt.querystring(filters)}")
        try:
            saved = SavedAnalysis.objects.create(
                slug=slugify(name)[:80] or "analysis", name=name, filters=filters,
                description=request.POST.get("description", ""), created_by=request.user)
        except IntegrityError:
            messages.error(request, "An analysis with that name already exists")
            return redirect(f"/analysis/?{flt.querystring(filters)}")
        record(request, "create", kind="saved_analysis", detail=f"{saved.slug} {filters}")
        messages.success(request, f"Saved as '{saved.name}'")
        return redirect(saved.get_absolute_url())
    items = [{"slug": s.slug, "name": s.name, "description": s.description,
              "filters": s.filters, "url": s.get_absolute_url()}
             for s in SavedAnalysis.objects.all()]
    return respond(request, "analysis/saved_list.html", {"analyses": items})


def saved_detail(request: HttpRequest, slug: str) -> HttpResponse:
    saved = SavedAnalysis.objects.filter(slug=slug).first()
    if saved is None:
        return error(request, 404, "There is no saved analysis with that name.")
    return dashboard(request, saved)


def evaluations(request: HttpRequest) -> HttpResponse:
    scope, refusal = _scope(request, {k: v for k, v in request.GET.items()
                                      if k in flt.FILTER_NAMES})
    if refusal:
        return refusal
    from .tables import _evaluations

    rows = _evaluations(scope)
    judgement = request.GET.get("judgement", "")
    if judgement:
        rows = rows.filter(judgement=judgement)
    items = [{"reference": e.reference, "local_authority": e.local_authority.name,
              "region": e.local_authority.region_name, "judgement": e.judgement,
              "evaluation_date": e.evaluation_date, "source": e.source} for e in rows]
    return respond(request, "analysis/evaluations.html", {"evaluations": items,
                                                           "judgement": judgement or None})

