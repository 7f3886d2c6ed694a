"""Annual and thematic reports: the standard tables for a year (or a saved analysis) as an
accessible HTML page and as a tagged PDF (pdf.py, laid out from the same HTML), each chart
with alt text and its data table, and a methodology note stating the suppression rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from observatory_core.citations import plain
from observatory_core.stats import Table, count_figure, count_phrase, load_rule
from observatory_core.stats.timeliness import load_limits

from ..audit.log import record
from ..web.render import error, respond
from . import filters as flt
from .models import SavedAnalysis
from .present import present
from .tables import CODED_RULE, Scope, build, shown

ANNUAL_TABLES = ["reviews_by_year", "reviews_by_region", "reviews_by_age_band", "ages",
                 "reviews_by_sex", "reviews_by_ethnicity", "reviews_by_outcome",
                 "reviews_by_review_type", "reviews_by_abuse_category",
                 "reviews_by_family_characteristic", "reviews_by_agency",
                 "recommendations_by_agency", "themes_by_reviews",
                 "case_themes_vs_recommendations", "theme_quadrant", "timeliness",
                 "evaluation_judgements", "child_deaths_and_reviews"]


@dataclass
class Report:
    title: str
    subtitle: str
    kind: str
    filters: dict[str, str]
    tables: list[Table]
    public: bool

    def methodology(self) -> list[str]:
        return [plain(p) for p in self._methodology()]

    def _methodology(self) -> list[str]:
        rule = load_rule()
        limits = load_limits()
        return [
            f"Reviews are counted by {flt.YEAR_LABEL.lower()}. Figures come from the minimum "
            "dataset of each review in the national repository; recommendations from the "
            "documents ingested; themes from codes people accepted in the coding app.",
            CODED_RULE,
            "Confidence intervals are 95%: Wilson score intervals for percentages; exact "
            "Poisson intervals (Byar's approximation from 389 events) for counts and rates. "
            "Two cohorts are compared with Pearson's chi-square test, or Fisher's exact test "
            "for a 2x2 table with an expected count below 5.",
            f"Small-number suppression: {rule.describe()} Source of the rule: {rule.source}",
            f"Timeliness is judged against the guidance in force at the decision to review: "
            f"{limits.source}",
            "Rates are per 10,000 children aged 0-17: ONS mid-year estimates (mid-2011 to "
            "mid-2024) for the year a table is about, or the latest for tables over several "
            "years; no rates are shown for years before mid-2011, which have no estimates.",
            "Public figures count published reviews only, the same reviews the public "
            "catalogue lists (unpublished reviews are never counted in public output).",
        ]


def annual(year: int, user: Any = None, public: bool | None = None) -> Report:
    filters = {"year": str(year)}
    tables = []
    for name in ANNUAL_TABLES:
        scope_filters = {"year_to": str(year)} if name == "reviews_by_year" else filters
        tables.append(build(name, Scope(user, scope_filters, public=public)))
    scope = Scope(user, filters, public=public)
    tables = shown(tables, scope.public)
    decided = count_figure(scope.review_count, public=bool(scope.public))
    trend = next((row.cells[0] for t in tables if t.name == "reviews_by_year"
                  for row in t.rows if row.key == str(year)), None)
    if trend is not None and trend.suppressed:  # the headline is that cell in words
        decided = load_rule().symbol
    return Report(f"Case reviews in England: annual report {year}",
                  f"Reviews decided in {year}: {decided}; trend to {year}.",
                  "annual", filters, tables, bool(scope.public))


def thematic(saved: SavedAnalysis, user: Any = None, public: bool | None = None) -> Report:
    scope = Scope(user, dict(saved.filters), public=public)
    tables = shown([build(name, scope) for name in ANNUAL_TABLES], scope.public)
    described = "; ".join(f"{k}: {v}" for k, v in flt.describe(scope.filters))
    matching = count_phrase(scope.review_count, "review", public=bool(scope.public))
    return Report(f"Thematic report: {saved.name}", f"{matching.capitalize()} where "
                  f"{described or 'no filter applies'}. {saved.description}".strip(),
                  "thematic", scope.filters, tables, bool(scope.public))


def render_html(report: Report, request: HttpRequest | None = None) -> str:
    return render_to_string("analysis/report.html", {
        "report": report, "sections": [present(t, links=request is not None)
                                       for t in report.tables],
        "methodology": report.methodology(), "today": date.today()}, request=request)


# -- PDF ----------------------------------------------------------------------------------
def render_pdf(report: Report) -> bytes:
    from .pdf import render_pdf as tagged

    return tagged(report)


# -- views --------------------------------------------------------------------------------
def report_index(request: HttpRequest) -> HttpResponse:
    years = sorted(flt.review_years(request.user), reverse=True)
    saved = [{"slug": s.slug, "name": s.name} for s in SavedAnalysis.objects.all()]
    return respond(request, "analysis/reports.html", {"years": years, "thematic": saved})


def _deliver(request: HttpRequest, report: Report, slug: str) -> HttpResponse:
    fmt = request.GET.get("format", "html")
    if fmt == "pdf":
        body = render_pdf(report)
        record(request, "export", kind="analysis_report", detail=f"{slug} pdf "
               f"{'suppressed' if report.public else 'unsuppressed'}")
        response = HttpResponse(body, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{slug}.pdf"'
        return response
    data = {"title": report.title, "subtitle": report.subtitle, "filters": report.filters,
            "methodology": report.methodology(), "suppressed_output": report.public,
            "tables": [t.as_dict() for t in report.tables]}
    return respond(request, "analysis/report.html", data, {
        "report": report, "sections": [present(t) for t in report.tables],
        "methodology": report.methodology(), "today": date.today()})


def annual_view(request: HttpRequest, year: int) -> HttpResponse:
    # Only years with reviews (that this person may see) have a report, as the index offers.
    if year not in flt.review_years(request.user):
        return error(request, 404, "There is no report for that year: no reviews were "
                                   "decided in it.")
    return _deliver(request, annual(year, request.user), f"annual-report-{year}")


def thematic_view(request: HttpRequest, slug: str) -> HttpResponse:
    saved = SavedAnalysis.objects.filter(slug=slug).first()
    if saved is None:
        return error(request, 404, "There is no saved analysis with that name.")
    return _deliver(request, thematic(saved, request.user), f"thematic-{slug}")
