"""Annual and thematic reports: the standard tables for a year (or a saved analysis) as an
accessible HTML page and as a PDF (reportlab), each chart with alt text and its data table,
and a methodology note stating the suppression rule."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from observatory_core.stats import Table, load_rule
from observatory_core.stats.timeliness import load_limits

from ..audit.log import record
from ..web.render import error, respond
from . import filters as flt
from .models import SavedAnalysis
from .present import present
from .tables import REGISTRY, Scope, build

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
        rule = load_rule()
        limits = load_limits()
        return [
            f"Reviews are counted by {flt.YEAR_LABEL.lower()}. Figures come from the minimum "
            "dataset of each review in the national repository; recommendations from the "
            "documents ingested; themes from codes people accepted in the coding app.",
            "Confidence intervals are 95%: Wilson score intervals for percentages; exact "
            "Poisson intervals (Byar's approximation from 389 events) for counts and rates. "
            "Two cohorts are compared with Pearson's chi-square test, or Fisher's exact test "
            "for a 2x2 table with an expected count below 5.",
            f"Small-number suppression: {rule.describe()} Source of the rule: {rule.source}",
            f"Timeliness is judged against the guidance in force at the decision to review: "
            f"{limits.source}",
            "Rates use ONS population estimates for ages 0-17 when loaded; otherwise the "
            "population aged 0-25 as a labelled proxy.",
        ]


def annual(year: int, user: Any = None, public: bool | None = None) -> Report:
    filters = {"year": str(year)}
    tables = []
    for name in ANNUAL_TABLES:
        scope_filters = {"year_to": str(year)} if name == "reviews_by_year" else filters
        tables.append(build(name, Scope(user, scope_filters, public=public)))
    scope = Scope(user, filters, public=public)
    return Report(f"Case reviews in England: annual report {year}",
                  f"Reviews decided in {year}: {scope.review_count}; trend to {year}.",
                  "annual", filters, tables, bool(scope.public))


def thematic(saved: SavedAnalysis, user: Any = None, public: bool | None = None) -> Report:
    scope = Scope(user, dict(saved.filters), public=public)
    tables = [build(name, scope) for name in ANNUAL_TABLES]
    described = "; ".join(f"{k}: {v}" for k, v in flt.describe(scope.filters))
    return Report(f"Thematic report: {saved.name}", f"{scope.review_count} reviews where "
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


def _reportlab_pdf(report: Report) -> bytes:
    from reportlab.graphics.shapes import Drawing, Line, Rect, String
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        KeepTogether,
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        TableStyle,
    )
    from reportlab.platypus import Table as PdfTable

    styles = getSampleStyleSheet()
    symbol = load_rule().symbol
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=report.title, author="Case Review "
                            "Observatory", subject=report.subtitle, lang="en-GB",
                            leftMargin=18 * mm, rightMargin=18 * mm)
    story: list[Any] = [Paragraph(_esc(report.title), styles["Title"]),
                        Paragraph(_esc(report.subtitle), styles["Normal"]), Spacer(1, 6)]
    if report.public:
        story.append(Paragraph("Public edition: small numbers are suppressed (shown as "
                               f"'{symbol}').", styles["Italic"]))
    story.append(Paragraph("Methodology", styles["Heading2"]))
    for text in report.methodology():
        story.append(Paragraph(_esc(text), styles["BodyText"]))
    story.append(PageBreak())
    width = A4[0] - 36 * mm

    def chart(table: Table, kind: str):
        rows = [r for r in table.rows if r.key != "none"][:25]
        if kind == "none" or not rows:
            return None
        if kind == "scatter":
            return None
        values = [r.cells[0].value if not r.cells[0].suppressed and
                  isinstance(r.cells[0].value, int | float) else None for r in rows]
        top = max([v for v in values if v is not None] or [1]) or 1
        bar, left = 12, 150
        d = Drawing(width, bar * len(rows) + 10)
        for i, (r, v) in enumerate(zip(rows, values, strict=True)):
            y = d.height - (i + 1) * bar
            d.add(String(left - 4, y + 3, r.label[:30], fontSize=7, textAnchor="end"))
            if v is None:
                d.add(String(left + 2, y + 3, f"{symbol} (suppressed)", fontSize=7))
                continue
            w = (width - left - 40) * v / top
            d.add(Rect(left, y + 1, max(w, 0.5), bar - 3, fillColor=colors.HexColor("#1d70b8"),
                       strokeColor=None))
            d.add(String(left + w + 3, y + 3, r.cells[0].display(symbol), fontSize=7))
        d.add(Line(left, 0, left, d.height))
        return d

    for table in report.tables:
        definition = REGISTRY.get(table.name)
        block: list[Any] = [Paragraph(_esc(table.title), styles["Heading2"])]
        if definition and definition.seed:
            block.append(Paragraph(f"As in seed {definition.seed}.", styles["Italic"]))
        if table.empty:
            block.append(Paragraph(_esc(table.empty_message), styles["BodyText"]))
            story.append(KeepTogether(block))
            continue
        drawing = chart(table, definition.chart if definition else "bar")
        if drawing is not None:
            from .charts import alt_text

            block.append(drawing)
            block.append(Paragraph("Chart description: " + _esc(alt_text(
                table, definition.chart if definition else "bar")), styles["Italic"]))
        story.append(KeepTogether(block))
        columns = table.record_columns()
        data = [columns] + [[_short(rec.get(c, "")) for c in columns]
                            for rec in table.records(symbol)]
        cell_style = styles["BodyText"].clone("cell", fontSize=7, leading=8)
        data = [[Paragraph(_esc(str(v)), cell_style) for v in row] for row in data]
        grid = PdfTable(data, repeatRows=1, colWidths=[width * 0.3] + [
            width * 0.7 / max(1, len(columns) - 1)] * (len(columns) - 1))
        grid.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                                  ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3f2f1")),
                                  ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(grid)
        if table.test:
            story.append(Paragraph(_esc(table.test.sentence()), styles["BodyText"]))
        for note in table.notes:
            story.append(Paragraph(_esc(note), cell_style))
        story.append(Paragraph(_esc("Suppression: " + table.rule), cell_style))
        story.append(Spacer(1, 10))
    doc.build(story)
    return out.getvalue()


def _esc(text: str) -> str:
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


# -- views --------------------------------------------------------------------------------
def report_index(request: HttpRequest) -> HttpResponse:
    years = list(range(date.today().year, 2006, -1))
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
    if not 1990 <= year <= 2100:
        return error(request, 404, "There is no report for that year.")
    return _deliver(request, annual(year, request.user), f"annual-report-{year}")


def thematic_view(request: HttpRequest, slug: str) -> HttpResponse:
    saved = SavedAnalysis.objects.filter(slug=slug).first()
    if saved is None:
        return error(request, 404, "There is no saved analysis with that name.")
    return _deliver(request, thematic(saved, request.user), f"thematic-{slug}")
