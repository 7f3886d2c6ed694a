"""The analysis filters: one list, used by the dashboard, drill-downs, cohorts, saved
analyses, reports and ``observatory table --filter FIELD=VALUE``.

A review's *year* is the year of the decision to review: every review has one, and the
guidance on timeliness applies from that date.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from observatory_core.places import place_codes, place_list, resolve_place, same_place

from ..repository.models import Review
from ..vocabularies.models import LocalAuthority, Term

YEAR_FIELD = "decision_date"
YEAR_LABEL = "Year of the decision to review"


@dataclass(frozen=True)
class FilterSpec:
    name: str
    label: str
    vocabulary: str = ""  # controlled list for the choices, if any
    lookup: str = ""  # ORM path of the term code, or the field


FILTERS: tuple[FilterSpec, ...] = (
    FilterSpec("region", "Region"),
    FilterSpec("local_authority", "Local area"),
    FilterSpec("year_from", f"{YEAR_LABEL} from"),
    FilterSpec("year_to", f"{YEAR_LABEL} to"),
    FilterSpec("year", YEAR_LABEL),
    FilterSpec("review_type", "Review type", "review_type", "review_type__code"),
    FilterSpec("review_method", "Review method", "review_method", "review_method__code"),
    FilterSpec("outcome", "Outcome", "outcome", "outcome__code"),
    FilterSpec("sex", "Sex", "sex", "child_sex__code"),
    FilterSpec("ethnicity", "Ethnicity", "ethnicity", "child_ethnicity__code"),
    FilterSpec("age_band", "Age band", "age_band", "age_band__code"),
    FilterSpec("age_from", "Age from (years)"),
    FilterSpec("age_to", "Age under (years)"),
    FilterSpec("abuse_category", "Category of abuse or neglect", "abuse_category",
               "abuse_categories__code"),
    FilterSpec("family_characteristic", "Family characteristic", "family_characteristic",
               "family_characteristics__code"),
    FilterSpec("agency", "Agency involved", "agency", "agencies__code"),
    FilterSpec("rec_agency", "Recommendations addressed to", "agency"),
    FilterSpec("theme", "Coded theme (code key)"),
    # One place without the areas it came from or became: what a row of the table by local
    # area counts, so its drill-down lists exactly those reviews.
    FilterSpec("area", "Local area (this area only)"),
    FilterSpec("timeliness", "Timeliness (within / over / unknown)"),
)
FILTER_NAMES = {f.name for f in FILTERS}
SPEC = {f.name: f for f in FILTERS}


class FilterError(ValueError):
    pass


def clean(raw: Mapping[str, str]) -> dict[str, str]:
    """Known, non-empty filters; an unknown name or a bad year is an error."""
    out = {}
    for key, value in raw.items():
        value = str(value).strip()
        if not value:
            continue
        if key not in FILTER_NAMES:
            raise FilterError(f"unknown filter '{key}'; known: {', '.join(sorted(FILTER_NAMES))}")
        if key in ("age_from", "age_to") and not (value.isdigit() and int(value) <= 25):
            raise FilterError(f"{key}: '{value}' is not an age in years")
        if key.startswith("year") and not (value.isdigit() and 1900 <= int(value) <= 2100):
            raise FilterError(f"{key}: '{value}' is not a year")
        if key == "timeliness" and value not in ("within", "over", "unknown"):
            raise FilterError("timeliness: use within, over or unknown")
        if key in ("local_authority", "area"):
            # A name, DfE code or any ONS code the place has had: stored as its newest code.
            place = resolve_place(value)
            if place is None:
                raise FilterError(f"{key}: '{value}' is not a local area we know; "
                                  "choose one from the list")
            value = place
        out[key] = value
    return out


def from_query(query: Mapping[str, str]) -> dict[str, str]:
    """Filters from a request's GET (other parameters ignored)."""
    return clean({k: query.get(k, "") for k in FILTER_NAMES if k in query})


def apply(reviews: QuerySet[Review], filters: Mapping[str, str], user=None
          ) -> QuerySet[Review]:
    """The reviews matching the filters. Filters on document-derived rows (recommendations,
    coded themes) only use rows ``user`` may see (None: the public), so a drill-down never
    lists, or counts, a review because of a confidential passage."""
    distinct = False
    for key, value in filters.items():
        spec = SPEC[key]
        if key == "region":
            reviews = reviews.filter(local_authority__region_code=value)
        elif key == "local_authority":
            # The place over time: its earlier codes and the areas it came from or became.
            reviews = reviews.filter(local_authority__gss_code__in=place_codes(value))
        elif key == "area":
            reviews = reviews.filter(local_authority__gss_code__in=same_place(value))
        elif key == "year":
            reviews = reviews.filter(**{f"{YEAR_FIELD}__gte": date(int(value), 1, 1),
                                        f"{YEAR_FIELD}__lt": date(int(value) + 1, 1, 1)})
        elif key == "year_from":
            reviews = reviews.filter(**{f"{YEAR_FIELD}__gte": date(int(value), 1, 1)})
        elif key == "year_to":
            reviews = reviews.filter(**{f"{YEAR_FIELD}__lt": date(int(value) + 1, 1, 1)})
        elif key == "age_from":
            reviews = reviews.filter(child_age_months__gte=12 * int(value))
        elif key == "age_to":
            reviews = reviews.filter(child_age_months__lt=12 * int(value))
        elif key == "rec_agency":
            from ..ingestion.counting import review_recommendations
            from ..ingestion.models import Recommendation

            recs = Recommendation.objects.filter(review_recommendations(),
                                                 confidential_allowed(user),
                                                 addressee__code=value)
            reviews = reviews.filter(pk__in=recs.values("review_id"))
        elif key == "theme":
            from .sources import reviews_with_code

            reviews = reviews.filter(pk__in=reviews_with_code(value, user))
        elif key == "timeliness":
            from .sources import timeliness_ids

            reviews = reviews.filter(pk__in=timeliness_ids(value))
        elif spec.lookup:
            if value == "none":
                reviews = reviews.filter(**{f"{spec.lookup.split('__')[0]}__isnull": True})
            else:
                reviews = reviews.filter(**{spec.lookup: value})
            distinct = distinct or spec.vocabulary in ("abuse_category",
                                                       "family_characteristic", "agency")
    return reviews.distinct() if distinct else reviews


def describe(filters: Mapping[str, str]) -> list[tuple[str, str]]:
    """(label, human value) for each filter, for headings and reports."""
    out = []
    for key, value in filters.items():
        spec = SPEC.get(key)
        if spec is None:
            continue
        shown = value
        if key == "region":
            shown = (LocalAuthority.objects.filter(region_code=value)
                     .values_list("region_name", flat=True).first() or value)
        elif key in ("local_authority", "area"):
            shown = next((p.label for p in place_list() if p.code == value), value)
        elif spec.vocabulary:
            shown = (Term.objects.filter(vocabulary__key=spec.vocabulary, code=value)
                     .values_list("label", flat=True).first() or value)
        out.append((spec.label, shown))
    return out


def choices(user=None) -> dict[str, list[tuple[str, str]]]:
    """Options for the filter form: years only where ``user`` may see reviews."""
    regions = list(LocalAuthority.objects.order_by("region_name")
                   .values_list("region_code", "region_name").distinct())
    years = [(str(y), str(y)) for y in review_years(user)]
    out: dict[str, list[tuple[str, str]]] = {"region": regions, "year_from": years,
                                             "year_to": years,
                                             "local_authority": place_choices()}
    # Every controlled list in one query (in the lists' own order), not one per filter.
    by_vocabulary: dict[str, list[tuple[str, str]]] = {}
    for key, code, label in Term.objects.filter(vocabulary__key__in={
            spec.vocabulary for spec in FILTERS if spec.vocabulary}).values_list(
            "vocabulary__key", "code", "label"):
        by_vocabulary.setdefault(key, []).append((code, label))
    for spec in FILTERS:
        if spec.vocabulary:
            out[spec.name] = by_vocabulary.get(spec.vocabulary, [])
    return out


def place_choices() -> list[tuple[str, str]]:
    """Each local area once (an area re-coded is one place), named with its years."""
    return [(p.code, p.label) for p in place_list()]


def place_history(code: str) -> tuple[str, ...]:
    """What became of a place, in words (shown beside the filter)."""
    return next((p.history for p in place_list() if p.code == code), ())


def review_years(user) -> list[int]:
    """Years of the decision to review that have reviews ``user`` may see, oldest first: the
    only years a form or the reports offer."""
    from django.db.models.functions import ExtractYear

    from ..repository.filters import visible_reviews

    years = (visible_reviews(user).order_by().exclude(**{f"{YEAR_FIELD}__isnull": True})
             .annotate(y=ExtractYear(YEAR_FIELD)).values_list("y", flat=True).distinct())
    return sorted(set(years))


def querystring(filters: Mapping[str, str], **extra: str) -> str:
    from urllib.parse import urlencode

    return urlencode({**filters, **{k: v for k, v in extra.items() if v}})


def confidential_allowed(user, prefix: str = "", *, nullable_version: bool = False) -> Q:
    """Rows derived from documents (recommendations, extractions, coded segments) that the
    user may see: the list form of ``can(user, 'view', document)`` (``accounts.scopes``).
    A row without a document version belongs to its review and is seen as the review is."""
    from ..accounts.scopes import rows_q

    return rows_q(user, prefix=prefix, nullable_version=nullable_version)
