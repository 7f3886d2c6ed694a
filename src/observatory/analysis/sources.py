"""Where the numbers come from: queries over reviews, ingestion's recommendations, the
coding app's coded segments and the linked data. Each returns plain values (no models) for
observatory_core.stats to tabulate.

Which coded segments count is the coding app's rule, imported from its public counting API
(``coding.counting``): accepted codes, the adjudicated consensus where there is one,
reviews counted once; suggestions never count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractYear

from observatory_core.stats.timeliness import load_limits

from ..coding.counting import code_names, counted_segments
from ..ingestion.counting import agency_recommendations, review_recommendations
from ..ingestion.models import Recommendation
from ..repository.models import Review
from ..repository.services import in_current_versions
from ..vocabularies.models import Term
from .filters import YEAR_FIELD, confidential_allowed

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


def count_by_region_and_year(reviews: QuerySet[Review]
                             ) -> list[tuple[str, str, int | None, int]]:
    """(region code, region name, year or None, number of reviews): one grouped query."""
    rows = (reviews.order_by().annotate(y=ExtractYear(YEAR_FIELD))
            .values("local_authority__region_code", "local_authority__region_name", "y")
            .annotate(n=Count("pk", distinct=True)))
    return [(r["local_authority__region_code"], r["local_authority__region_name"], r["y"],
             r["n"]) for r in rows]


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


# -- recommendations ----------------------------------------------------------------------
def recommendations(user: Any, reviews: QuerySet[Review], *, agencies_own: bool = False
                    ) -> QuerySet[Recommendation]:
    """The reviews' own recommendations the user may see, each counted once, from current
    versions (ingestion.counting); ``agencies_own``: those of agencies' own reports (IMRs)
    instead, which are counted apart."""
    rule = agency_recommendations() if agencies_own else review_recommendations()
    return within(Recommendation.objects.filter(rule, confidential_allowed(user)), reviews)


def within(rows: QuerySet, reviews: QuerySet[Review]) -> QuerySet:
    """``rows`` of the given reviews (``rows`` have a non-null ``review``).

    When the reviews are all of them (an unfiltered scope of a role that sees every
    review), no condition is added: the database then reads the rows in index order
    instead of joining 5,000 review ids. When they are most of them (a public scope: the
    published reviews), the rows of the reviews left out are excluded instead: a filter
    on that same ordered scan (PostgreSQL: a hashed subplan), where ``review IN (...)``
    made PostgreSQL look up the review of each of 175,000 coded segments (or join and
    sort them) before grouping. Both forms are one statement, so the scope is read in the
    same snapshot as the rows."""
    if not reviews.query.where and not reviews.query.distinct:
        return rows
    scope = reviews.order_by().values("pk")
    if _most_reviews(scope):
        return rows.exclude(review_id__in=Review.objects.exclude(pk__in=scope).values("pk"))
    return rows.filter(review__in=scope)


def _most_reviews(scope: QuerySet) -> bool:
    """Whether the scope holds more than half of all reviews (one small count query)."""
    counts = Review.objects.aggregate(every=Count("pk"), inside=Count("pk", filter=Q(
        pk__in=scope)))
    return counts["inside"] * 2 > counts["every"]


@dataclass(frozen=True)
class PerReview:
    """How a count spreads over reviews, aggregated in the database: the total, the reviews
    with any, and the smallest and largest count among those reviews."""

    total: int
    with_any: int
    smallest: int
    largest: int


def _over_groups(inner: QuerySet, select: str, group: str = "") -> list[tuple]:
    """Aggregate over the rows of a grouped queryset (a second GROUP BY over the first, which
    the ORM cannot express): ``select`` names the inner columns by their aliases."""
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:  # a filter matched nothing (e.g. ``pk__in=[]``): no SQL at all
        # what the database answers over no rows: no groups; else one row of NULLs, 0 counts
        return [] if group else [tuple(0 if part.strip().upper().startswith("COUNT(")
                                       else None for part in select.split(","))]
    tail = f" GROUP BY {group}" if group else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select} FROM ({sql}) grouped{tail}", params)
        return list(cursor.fetchall())


def recommendations_per_review(user: Any, reviews: QuerySet[Review], *,
                               agencies_own: bool = False
                               ) -> tuple[PerReview, dict[str | None, PerReview],
                                          dict[str | None, str]]:
    """Recommendations per review, over all agencies and per agency addressed (code None:
    not identified), and the agencies' labels. Two aggregate queries: per (review, agency)
    and per review counts are summed in the database, never brought into Python."""
    recs = recommendations(user, reviews, agencies_own=agencies_own).order_by()
    select = "SUM(n), COUNT(*), MIN(n), MAX(n)"
    per_agency = recs.values("review_id", "addressee_id").annotate(n=Count("pk"))
    agencies = {a: PerReview(*map(int, rest)) for a, *rest in _over_groups(
        per_agency, f"addressee_id, {select}", "addressee_id")}
    overall = _over_groups(recs.values("review_id").annotate(n=Count("pk")), select)[0]
    total = PerReview(*(int(v or 0) for v in overall))
    found = list(Term.objects.filter(pk__in=[a for a in agencies if a is not None])
                 .values_list("pk", "code", "label"))
    terms = {pk: code for pk, code, _ in found}
    labels = {code: label for _, code, label in found}
    out = {terms.get(a): v for a, v in agencies.items()}
    names = {code: labels.get(code) or "Agency not identified" for code in out}
    return total, out, names


# -- coded data (the coding app's public counting API) -------------------------------------
# Which codes count is the coding app's rule (``coding.counting.counted_segments``); the
# analysis app only narrows it to what the user may see and to the reviews in scope.
def reviews_with_code(code_key: str, user: Any = None):
    """Reviews in which the code counts, as the user may see them (a confidential passage
    never puts a review in a drill-down for a role that may not see it)."""
    return (counted_segments(code_key=code_key).filter(
        confidential_allowed(user, nullable_version=True))
            .order_by().values("review_id"))


def coded_segments(user: Any, reviews: QuerySet[Review], codebook: str):
    """Coded segments of one codebook that count (``counted_segments``) and the user may
    see, in the reviews."""
    return within(counted_segments(codebook).filter(
        confidential_allowed(user, nullable_version=True)), reviews)


def theme_review_counts(user: Any, reviews: QuerySet[Review], codebook: str
                        ) -> list[tuple[str, str, int]]:
    """(code, name, number of reviews) for each code of the codebook used in the reviews."""
    return themes_and_base(user, reviews, codebook)[0]


def themes_and_base(user: Any, reviews: QuerySet[Review], codebook: str
                    ) -> tuple[list[tuple[str, str, int]], int]:
    """``theme_review_counts`` and the number of reviews with any code of the codebook
    (the base of its percentages), from one set of counted segments."""
    segments = coded_segments(user, reviews, codebook)
    counts = dict(segments.order_by().values("code_id").annotate(
        n=Count("review_id", distinct=True)).values_list("code_id", "n"))
    if not counts:
        return [], 0
    base = segments.order_by().aggregate(n=Count("review_id", distinct=True))["n"]
    names = code_names(counts)
    ordered = sorted(counts, key=lambda pk: (-counts[pk], names[pk][2], names[pk][1]))
    return [(names[pk][0], names[pk][1], counts[pk]) for pk in ordered], base


def case_themes_against_recommendations(user: Any, reviews: QuerySet[Review]
                                        ) -> list[tuple[str, str, int, int, int]]:
    """001 Table 3 / Figure 3: per case theme, (code, name, cases in which it arose,
    recommendations coded with it, cases where a recommendation addresses it). One grouped
    query: the cases where a theme both arose and was addressed are counted as
    |arose| + |addressed| - |either| (every segment is on the case or on a
    recommendation), so no per-(review, code) rows are needed."""
    segments = coded_segments(user, reviews, CASE_THEMES)
    on_rec = Q(target="recommendation")
    # a code on a repeat of a recommendation (or an agency's own) is not another one
    counted_rec = on_rec & Q(recommendation__counted_as="review")
    rows = list(segments.order_by().values("code_id").annotate(
        cases=Count("review_id", distinct=True, filter=~on_rec),
        rec_cases=Count("review_id", distinct=True, filter=on_rec),
        either=Count("review_id", distinct=True),
        recs=Count("recommendation_id", distinct=True, filter=counted_rec)))
    names = code_names(r["code_id"] for r in rows)
    rows.sort(key=lambda r: (names[r["code_id"]][2], names[r["code_id"]][1]))
    return [(names[r["code_id"]][0], names[r["code_id"]][1], r["cases"], r["recs"],
             r["cases"] + r["rec_cases"] - r["either"]) for r in rows]


# -- evidence for drill-down --------------------------------------------------------------
EXCERPT = 300  # characters of each passage shown in a drill-down


@dataclass
class Evidence:
    review_id: int
    label: str
    text: str
    url: str
    page: int | None
    confidential: bool
    document_id: int | None = None
    version_id: int | None = None
    start: int | None = None
    redacted: bool = False


def _viewer(document_id: int, version: int, page: int | None, start: int | None,
            end: int | None) -> str:
    url = f"/documents/{document_id}/text/?version={version}&page={page or 1}"
    if start is not None and end is not None:
        url += f"&mark={start}-{end}#mark"
    return url


def recommendation_evidence(user: Any, review_ids: Iterable[int], agency: str | None
                            ) -> list[Evidence]:
    recs = Recommendation.objects.filter(review_recommendations(), confidential_allowed(user),
                                         review_id__in=review_ids)
    if agency:
        recs = recs.filter(addressee__code=agency)
    out = []
    for r in recs.values("review_id", "number", "text", "page", "start", "end", "confidential",
                         "version_id", "version__document_id", "version__number",
                         "addressee__label").order_by("review_id", "version_id", "index"):
        out.append(Evidence(
            r["review_id"], f"Recommendation {r['number'] or ''}".strip() + (
                f" to {r['addressee__label']}" if r["addressee__label"] else ""),
            r["text"], _viewer(r["version__document_id"], r["version__number"], r["page"],
                               r["start"], r["end"]), r["page"], r["confidential"],
            r["version__document_id"], r["version_id"], r["start"]))
    return redact_evidence(user, out)


def coded_evidence(user: Any, review_ids: Iterable[int], code_key: str) -> list[Evidence]:
    segments = counted_segments(code_key=code_key).filter(
        confidential_allowed(user, nullable_version=True), review_id__in=review_ids,
        version__isnull=False)
    out = []
    for s in segments.values("review_id", "code__name", "text", "page", "start", "end",
                             "confidential", "version_id", "version__document_id",
                             "version__number").order_by("review_id", "pk")[:500]:
        out.append(Evidence(s["review_id"], f"Coded '{s['code__name']}'", s["text"] or "",
                            _viewer(s["version__document_id"], s["version__number"], s["page"],
                                    s["start"], s["end"]), s["page"], s["confidential"],
                            s["version__document_id"], s["version_id"], s["start"]))
    return redact_evidence(user, out)


def extraction_evidence(user: Any, review_ids: Iterable[int], field: str,
                        code: str | None) -> list[Evidence]:
    """Where a dataset value was read from a document (ingestion's extractions, not the
    rejected ones)."""
    from ..ingestion.models import Extraction

    rows = Extraction.objects.filter(in_current_versions(),
                                     confidential_allowed(user, nullable_version=True),
                                     review_id__in=review_ids, field=field).exclude(
        status="rejected")
    if code:
        rows = rows.filter(key__in=[field, f"{field}:{code}"])
    out = []
    for e in rows.values("review_id", "quote", "page", "start", "end", "confidential",
                         "version_id", "version__document_id", "version__number",
                         "status")[:500]:
        out.append(Evidence(e["review_id"], f"Evidence for {field.replace('_', ' ')} "
                                            f"({e['status']})", e["quote"] or "",
                            _viewer(e["version__document_id"], e["version__number"], e["page"],
                                    e["start"], e["end"]), e["page"], e["confidential"],
                            e["version__document_id"], e["version_id"], e["start"]))
    return redact_evidence(user, out)


NOT_CHECKED = ("(Awaiting redaction review: this text will be shown once a person has checked "
               "it for personal data.)")


def redact_evidence(user: Any, items: list[Evidence]) -> list[Evidence]:
    """The passages as ``user`` may see them, by the rule of ``ingestion/redaction.py``:
    evidence from a document the user may not view is dropped; for a document the user may
    not change, personal data is replaced by [REDACTED: kind] markers (and a version whose
    flags a person has not yet decided shows no text). Redaction runs on the whole passage
    before it is cut to an excerpt, so a name is never cut in half and left readable."""
    from ..accounts.scopes import documents_q
    from ..audit.reads import confidential_read
    from ..ingestion.redaction import may_see_unredacted, not_ready, redactors
    from ..repository.models import Document

    documents = {d.pk: d for d in Document.objects.filter(
        pk__in={e.document_id for e in items}).select_related("kind", "review")}
    viewable = set(Document.objects.filter(documents_q(user), pk__in=list(documents))
                   .values_list("pk", flat=True))
    hidden = {pk for pk in viewable if not may_see_unredacted(user, documents[pk])}
    versions = {e.version_id for e in items if e.document_id in hidden}
    by_version = redactors(versions) if versions else {}
    unchecked = not_ready(versions) if versions else set()
    out = []
    for item in items:
        if item.document_id not in viewable:
            continue
        if item.document_id in hidden:
            item.redacted = True
            if item.version_id in unchecked:
                item.text = NOT_CHECKED
            else:
                redactor = by_version.get(item.version_id)
                if redactor is not None:
                    # Offsets place the flags precisely; without them, match flagged strings.
                    item.text = (redactor.piece(item.text, item.start) if item.start is not None
                                 else redactor.text(item.text))
        item.text = item.text[:EXCERPT]
        out.append(item)
    confidential_read(user, [documents[pk] for pk in {e.document_id for e in out}],
                      "drill-down evidence")
    return out
