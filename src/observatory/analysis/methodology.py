"""The methodology page: where the figures come from, how they are counted and when they
are suppressed, in plain language, with one entry per standard table (the tables link to
it). The same paragraphs end every report (reports.Report.methodology)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from observatory_core.citations import cite, plain, reports
from observatory_core.stats import load_rule
from observatory_core.stats.timeliness import load_limits

from ..web.render import respond
from . import filters as flt
from .tables import CODED_RULE, REGISTRY


def paragraphs() -> list[tuple[str, list[str]]]:
    """(heading, paragraphs) of the methodology, each paragraph plain text."""
    rule, limits = load_rule(), load_limits()
    return [
        ("Where the figures come from", [
            "Each review in the national repository has a minimum dataset: where and when "
            "it happened, the child, the outcome, the categories of abuse or neglect, the "
            "family's circumstances and the agencies involved. A person enters or confirms "
            "every value; values drafted from a report's text count only once confirmed.",
            "Recommendations and findings are read from the documents of each review and "
            "linked to the page they come from. Themes come from codes people accepted when "
            "coding recommendations, findings and passages; suggested codes never count.",
        ]),
        ("How reviews are counted", [
            f"Reviews are counted by {flt.YEAR_LABEL.lower()}. Each review counts once in a "
            "table. Where a review can have several values (categories of abuse, family "
            "characteristics, agencies) it counts once in each row that applies, so those "
            "rows add up to more than the number of reviews; percentages are of the "
            "reviews in scope.",
            "'Not known' counts reviews where the value has not been recorded.",
            CODED_RULE,
        ]),
        ("Small numbers", [
            f"Figures anyone can see hide small numbers so that no child can be identified. "
            f"{rule.describe()}",
            f"Where the rule comes from: {plain(rule.source)}",
            "Analysts, researchers and the steering group see the unsuppressed figures, with "
            "the cells that public output would hide marked.",
        ]),
        ("Rates, intervals and tests", [
            "Rates are per 10,000 children, using ONS population estimates for children aged "
            "0-17 where they are loaded; where they are not, the table says which population "
            "it uses instead.",
            "Confidence intervals are 95%: Wilson score intervals for percentages; exact "
            "Poisson intervals (Byar's approximation above 388 events) for counts and rates. "
            "Two cohorts are compared with Pearson's chi-square test, or Fisher's exact test "
            "for a 2x2 table with an expected count below 5.",
        ]),
        ("Timeliness", [
            f"Timeliness is judged against the guidance in force when the review was "
            f"decided: {plain(limits.source)}",
        ]),
    ]


def source_reports() -> list[dict[str, str]]:
    return [{"number": r.number, "name": r.short, "citation": r.full}
            for r in reports().values()]


def table_notes() -> list[dict[str, Any]]:
    return [{"name": d.name, "title": d.title, "description": plain(d.description),
             "citation": cite(d.seed), "url": f"/analysis/tables/{d.name}/"}
            for d in REGISTRY.values()]


def methodology_page(request: HttpRequest) -> HttpResponse:
    data = {"sections": [{"heading": h, "paragraphs": ps} for h, ps in paragraphs()],
            "source_reports": source_reports(), "tables": table_notes()}
    return respond(request, "analysis/methodology.html", data)
