"""Where the numbers come from: queries over reviews, ingestion's recommendations, the
coding app's coded segments and the linked data. Each returns plain values (no models) for
observatory_core.stats to tabulate.

The coding app is optional: ``coding_ready()`` says whether its tables exist; the theme
tables show a 'needs coded data' state until it does. Coded segments count when a person
accepted them (or they are the adjudicated consensus); suggestions never count.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import connection
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.db.models.functions import ExtractYear

from observatory_core.stats.timeliness import load_limits

from ..ingestion.models import Recommendation
from ..repository.models import Review
from ..vocabularies.models import LocalAuthority
from .filters import YEAR_FIELD, confidential_allowed
from .models import PopulationEstimate

PROXY_FILE = (Path(__file__).resolve().parents[2] / "observatory_core" / "data" / "analysis"
              / "population_0_25_proxy.csv")
RECOMMENDATION_THEMES = "recommendation_themes"
CASE_THEMES = "case_themes"


# -- reviews ------------------------------------------------------------------------------
def count_by(reviews: QuerySet[Review], key: str, label: str) -> list[tuple[Any, str, int]]:
    """(key, label, number of reviews) per value of ``key`` (a single-valued path)."""
    rows = (reviews.order_by().values(key, label).annotate(n=Count("pk", distinct=True))
            .order_by(label))
    return [(r[key], r[label], r["n"]) for r in rows]


def count_by_term(reviews: QuerySet[Review], field: str) -> list[tuple[str | None, str, int]]:
    """Per term of a controlled list (single or multiple valued); reviews without a value
    come back under key None."""
    rows = (reviews.order_by().values(f"{field}__code", f"{field}__label", f"{field}__order")
            .annotate(n=Count("pk", distinct=True)).order_by(f"{field}__order"))
    return [(r[f"{field}__code"], r[f"{field}__label"] or "Not known", r["n"]) for r in rows]


def count_by_year(reviews: QuerySet[Review]) -> list[tuple[int | None, int]]:
    rows = (reviews.order_by().annotate(y=ExtractYear(YEAR_FIELD)).values("y")
            .annotate(n=Count("pk", distinct=True)).order_by("y"))
    return [(r["y"], r["n"]) for r in rows]


def ages_in_months(reviews: QuerySet[Review]) -> list[int | None]:
    return list(reviews.order_by().values_list("child_age_months", flat=True))


def timeliness_rows(reviews: QuerySet[Review]) -> list[tuple[int, str | None, Any, float | None]]:
    return list(reviews.order_by().values_list("pk", "review_type__code", YEAR_FIELD,
                                               "timeliness_months"))


def timeliness_status(review_type: str | None, decided, months: float | None) -> str:
    limit = load_limits().for_review(review_type, decided)
    if limit is None or months is None:
        return "unknown"
    return "within" if months <= limit.months else "over"


def timeliness_ids(value: str) -> list[int]:
    return [pk for pk, kind, decided, months in timeliness_rows(Review.objects.all())
            if timeliness_status(kind, decided, months) == value]


# -- population ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Denominator:
    by_area: dict[str, int]  # ONS code -> population
    label: str  # "children aged 0-17" or "aged 0-25 (proxy)"
    source: str


@lru_cache(maxsize=1)
def _proxy() -> dict[str, int]:
    with PROXY_FILE.open(encoding="utf-8", newline="") as handle:
        return {row["la_code"]: int(row["count"]) for row in csv.DictReader(handle)}


def denominator(year: int | None = None) -> Denominator:
    """Children aged 0-17 when loaded (latest year not after ``year``), else the shipped
    0-25 proxy, labelled as such."""
    rows = PopulationEstimate.objects.filter(age_group="0-17")
    if year:
        rows = rows.filter(year__lte=year)
    latest: dict[str, tuple[int, int]] = {}
    for code, y, count in rows.values_list("local_authority__gss_code", "year", "count"):
        if code not in latest or y > latest[code][0]:
            latest[code] = (y, count)
    if latest:
        years = sorted({y for y, _ in latest.values()})
        return Denominator({k: c for k, (_, c) in latest.items()}, "children aged 0-17",
                           f"Population estimates for ages 0-17 as imported (years "
                           f"{years[0]}-{years[-1]}).")
    return Denominator(dict(_proxy()), "aged 0-25 (proxy)", (
        "Proxy denominator: ONS population aged 0-25 from the Ofsted provider lookup "
        "(data-to-insight), not the child population; load ONS mid-year estimates for ages "
        "0-17 with 'observatory import population'."))


def region_populations(den: Denominator) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for code, region in LocalAuthority.objects.values_list("gss_code", "region_code"):
        if code in den.by_area:
            out[region] += den.by_area[code]
    return dict(out)


# -- recommendations ----------------------------------------------------------------------
def recommendations(user: Any, reviews: QuerySet[Review]) -> QuerySet[Recommendation]:
    """Recommendations the user may see, in the reviews given."""
    return Recommendation.objects.filter(confidential_allowed(user),
                                         review__in=reviews.order_by().values("pk"))


def recommendations_per_review(user: Any, reviews: QuerySet[Review]
                               ) -> tuple[list[int], dict[tuple[int, str | None], int],
                                          dict[str | None, str]]:
    """Reviews with any (visible) recommendation, counts per (review, agency), labels."""
    rows = (recommendations(user, reviews).order_by()
            .values("review_id", "addressee__code", "addressee__label")
            .annotate(n=Count("pk")))
    per: dict[tuple[int, str | None], int] = {}
    labels: dict[str | None, str] = {}
    ids = set()
    for r in rows:
        per[(r["review_id"], r["addressee__code"])] = r["n"]
        labels[r["addressee__code"]] = r["addressee__label"] or "Agency not identified"
        ids.add(r["review_id"])
    return sorted(ids), per, labels


# -- coded data (the coding app) ----------------------------------------------------------
def coding_ready() -> bool:
    """True when the coding app is installed and its tables exist."""
    if not apps.is_installed("observatory.coding"):
        return False
    try:
        model = apps.get_model("coding", "CodedSegment")
    except LookupError:
        return False
    return model._meta.db_table in connection.introspection.table_names()


def _segments():
    model = apps.get_model("coding", "CodedSegment")
    return model.objects.filter(status="accepted")


def reviews_with_code(code_key: str):
    if not coding_ready():
        return Review.objects.none().values("pk")
    return _segments().filter(code__key=code_key).order_by().values("review_id")


def coded_segments(user: Any, reviews: QuerySet[Review], codebook: str):
    """Accepted coded segments of one codebook that the user may see, in the reviews."""
    if not coding_ready():
        return None
    return _segments().filter(confidential_allowed(user), codebook__key=codebook,
                              review__in=reviews.order_by().values("pk"))


def theme_review_counts(user: Any, reviews: QuerySet[Review], codebook: str
                        ) -> list[tuple[str, str, int]] | None:
    """(code, name, number of reviews) for each code of the codebook used in the reviews."""
    segments = coded_segments(user, reviews, codebook)
    if segments is None:
        return None
    rows = (segments.order_by().values("code__key", "code__name", "code__position")
            .annotate(n=Count("review_id", distinct=True)).order_by("-n", "code__position"))
    return [(r["code__key"], r["code__name"], r["n"]) for r in rows]


def case_themes_against_recommendations(user: Any, reviews: QuerySet[Review]
                                        ) -> list[tuple[str, str, int, int, int]] | None:
    """001 Table 3 / Figure 3: per case theme, (code, name, cases in which it arose,
    recommendations coded with it, cases where a recommendation addresses it). Three
    aggregate queries; the database does the counting."""
    segments = coded_segments(user, reviews, CASE_THEMES)
    if segments is None:
        return None
    on_recs = segments.filter(target="recommendation")
    on_case = segments.exclude(target="recommendation")
    cases = {r["code__key"]: r for r in on_case.order_by().values(
        "code__key", "code__name", "code__position").annotate(
        n=Count("review_id", distinct=True))}
    recs = {r["code__key"]: r for r in on_recs.order_by().values(
        "code__key", "code__name", "code__position").annotate(
        n=Count("recommendation_id", distinct=True))}
    addressed_rows = on_case.filter(Exists(on_recs.filter(
        review_id=OuterRef("review_id"), code_id=OuterRef("code_id")))).order_by().values(
        "code__key").annotate(n=Count("review_id", distinct=True))
    addressed = {r["code__key"]: r["n"] for r in addressed_rows}
    names = {k: (r["code__position"], r["code__name"]) for k, r in {**recs, **cases}.items()}
    return [(key, name, cases[key]["n"] if key in cases else 0,
             recs[key]["n"] if key in recs else 0, addressed.get(key, 0))
            for key, (_, name) in sorted(names.items(), key=lambda kv: kv[1])]


# -- evidence for drill-down --------------------------------------------------------------
@dataclass(frozen=True)
class Evidence:
    review_id: int
    label: str
    text: str
    url: str
    page: int | None
    confidential: bool


def _viewer(document_id: int, version: int, page: int | None, start: int | None,
            end: int | None) -> str:
    url = f"/documents/{document_id}/text/?version={version}&page={page or 1}"
    if start is not None and end is not None:
        url += f"&mark={start}-{end}#mark"
    return url


def recommendation_evidence(user: Any, review_ids: Iterable[int], agency: str | None
                            ) -> list[Evidence]:
    recs = Recommendation.objects.filter(confidential_allowed(user), review_id__in=review_ids)
    if agency:
        recs = recs.filter(addressee__code=agency)
    out = []
    for r in recs.values("review_id", "number", "text", "page", "start", "end", "confidential",
                         "version__document_id", "version__number", "addressee__label"
                         ).order_by("review_id", "version_id", "index"):
        out.append(Evidence(
            r["review_id"], f"Recommendation {r['number'] or ''}".strip() + (
                f" to {r['addressee__label']}" if r["addressee__label"] else ""),
            r["text"][:300], _viewer(r["version__document_id"], r["version__number"], r["page"],
                                     r["start"], r["end"]), r["page"], r["confidential"]))
    return out


def coded_evidence(user: Any, review_ids: Iterable[int], code_key: str) -> list[Evidence]:
    if not coding_ready():
        return []
    segments = _segments().filter(confidential_allowed(user), code__key=code_key,
                                  review_id__in=review_ids, version__isnull=False)
    out = []
    for s in segments.values("review_id", "code__name", "text", "page", "start", "end",
                             "confidential", "version__document_id", "version__number"
                             ).order_by("review_id", "pk")[:500]:
        out.append(Evidence(s["review_id"], f"Coded '{s['code__name']}'", (s["text"] or "")[:300],
                            _viewer(s["version__document_id"], s["version__number"], s["page"],
                                    s["start"], s["end"]), s["page"], s["confidential"]))
    return out


def extraction_evidence(user: Any, review_ids: Iterable[int], field: str,
                        code: str | None) -> list[Evidence]:
    """Where a dataset value was read from a document (ingestion's extractions, not the
    rejected ones)."""
    from ..ingestion.models import Extraction

    rows = Extraction.objects.filter(confidential_allowed(user), review_id__in=review_ids,
                                     field=field, version__isnull=False).exclude(
        status="rejected")
    if code:
        rows = rows.filter(key__in=[field, f"{field}:{code}"])
    out = []
    for e in rows.values("review_id", "quote", "page", "start", "end", "confidential",
                         "version__document_id", "version__number", "status")[:500]:
        out.append(Evidence(e["review_id"], f"Evidence for {field.replace('_', ' ')} "
                                            f"({e['status']})", e["quote"],
                            _viewer(e["version__document_id"], e["version__number"], e["page"],
                                    e["start"], e["end"]), e["page"], e["confidential"]))
    return out
