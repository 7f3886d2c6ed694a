"""Extracts of a grant's scope: pseudonymised, dates coarsened, free text redacted,
watermarked, with a data dictionary; handed out only through signed, expiring links.

- Rows: the reviews inside the grant's scope (``grants.review_q``), never more, whatever
  else the holder may see by role; narrowed further on request, never widened.
- Identifiers (the review's reference) become ``pseudonym`` under the grant's own key.
- Dates are cut to month or year as the grant says; free-text fields go through the
  ingestion app's redaction (``ingestion.redaction.redactors`` / ``redact_field``) with
  every confirmed personal-data flag of the review's documents.
- Every file carries the watermark and the grant's reference; CSV and XLSX are written by
  ``observatory_core.tabular`` and zipped with the data dictionary.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db.models import Q, QuerySet

from observatory_core.dataset import FIELDS
from observatory_core.research import coarsen, pseudonym, watermark
from observatory_core.tabular import csv_text, write_xlsx

from ..ingestion.redaction import redact_field, redactors
from ..repository.models import DocumentVersion, Review
from ..repository.serialize import review_row
from .grants import review_q, scope_of
from .models import Grant

FORMATS = ("csv", "xlsx", "json")
LINK_SALT = "observatory.research.extract"
LINK_MAX_AGE = 60 * 60  # a download link works for an hour
SPECS = {spec.name: spec for spec in FIELDS}


class ExtractRefused(ValueError):
    pass


@dataclass(frozen=True)
class Narrowing:
    """A request for part of the grant's scope (None: all of it)."""

    year_from: int | None = None
    year_to: int | None = None
    area: int | None = None

    def as_dict(self) -> dict[str, int | None]:
        return {"year_from": self.year_from, "year_to": self.year_to, "area": self.area}


def check_narrowing(grant: Grant, narrowing: Narrowing) -> list[str]:
    """Reasons a request reaches outside the grant's scope (empty when inside)."""
    scope = scope_of(grant)
    problems = []
    for year in (narrowing.year_from, narrowing.year_to):
        if year is not None and not scope.year_from <= year <= scope.year_to:
            problems.append(f"The year {year} is outside the grant ({scope.year_from} to "
                            f"{scope.year_to}).")
    if narrowing.area is not None and narrowing.area not in scope.areas:
        problems.append("That local area is outside the grant.")
    return problems


def reviews_in(grant: Grant, narrowing: Narrowing = Narrowing()) -> QuerySet[Review]:
    """The grant's reviews, narrowed; never anything outside the grant's scope."""
    q = review_q(scope_of(grant))
    if narrowing.year_from is not None:
        q &= Q(decision_date__year__gte=narrowing.year_from)
    if narrowing.year_to is not None:
        q &= Q(decision_date__year__lte=narrowing.year_to)
    if narrowing.area is not None:
        q &= Q(local_authority_id=narrowing.area)
    return (Review.objects.filter(q).select_related("local_authority", "review_type",
                                                    "review_method", "outcome", "child_sex",
                                                    "child_ethnicity", "age_band")
            .prefetch_related("abuse_categories", "family_characteristics", "agencies",
                              "parallel_proceedings").order_by("pk"))


def columns(grant: Grant) -> list[str]:
    chosen = [name for name in grant.application.fields if name in SPECS and name != "reference"]
    return ["review", *chosen]


def dictionary(grant: Grant) -> list[dict[str, str]]:
    """What each column holds and how it was treated before it left."""
    how = {"none": "whole date", "month": "year and month only", "year": "year only"}
    out = [{"column": "review", "label": "Review (pseudonym)",
            "treatment": f"a pseudonym stable within grant {grant.reference} only; it cannot "
                         "be matched with any other grant's extract"}]
    for name in columns(grant)[1:]:
        spec = SPECS[name]
        treatment = {"date": how[grant.coarsen_dates],
                     "text": "free text with confirmed personal data redacted",
                     "codes": "codes from the controlled list, separated by ';'",
                     "code": "a code from the controlled list",
                     "place": "ONS (GSS) code of the local area",
                     "bool": "yes, no or empty (not known)"}.get(spec.kind, "as recorded")
        out.append({"column": name, "label": spec.label, "treatment": treatment})
    return out


def _redactors_by_review(reviews: list[Review]) -> dict[int, list[Any]]:
    versions = DocumentVersion.objects.filter(document__review__in=reviews).values_list(
        "pk", "document__review_id")
    found = redactors([pk for pk, _ in versions])
    out: dict[int, list[Any]] = {}
    for pk, review_id in versions:
        if pk in found:
            out.setdefault(review_id, []).append(found[pk])
    return out


def rows(grant: Grant, narrowing: Narrowing = Narrowing()) -> list[dict[str, Any]]:
    key = bytes.fromhex(grant.key)
    reviews = list(reviews_in(grant, narrowing))
    redacting = _redactors_by_review(reviews)
    out = []
    for review in reviews:
        source = review_row(review)
        row: dict[str, Any] = {"review": pseudonym(key, "review", review.pk)}
        for name in columns(grant)[1:]:
            spec, value = SPECS[name], source.get(name)
            if spec.kind == "date":
                value = coarsen(value, grant.coarsen_dates)
            elif spec.kind == "text":
                for redactor in redacting.get(review.pk, []):
                    value = redact_field(value, redactor)
            elif spec.kind == "codes":
                value = ";".join(value or [])
            elif spec.kind == "bool":
                value = {True: "yes", False: "no"}.get(value, "")
            row[name] = "" if value is None else value
        out.append(row)
    return out


def mark(grant: Grant, holder: Any) -> str:
    return watermark(grant.reference, holder.get_username(), grant.ends)


def build(grant: Grant, holder: Any, fmt: str,
          narrowing: Narrowing = Narrowing()) -> tuple[bytes, str, str]:
    """(content, media type, filename) of one extract file."""
    data, cols, stamp = rows(grant, narrowing), columns(grant), mark(grant, holder)
    base = f"extract-{grant.reference}"
    if fmt == "json":
        body = {"watermark": stamp, "grant": grant.reference, "dictionary": dictionary(grant),
                "narrowed_to": narrowing.as_dict(), "rows": data}
        return (json.dumps(body, ensure_ascii=False, indent=1, default=str).encode(),
                "application/json", f"{base}.json")
    stamped = [{**row, "grant": grant.reference} for row in data]
    table = (csv_text(stamped, [*cols, "grant"], preamble=stamp).encode("utf-8-sig")
             if fmt == "csv" else write_xlsx(stamped, [*cols, "grant"], sheet=grant.reference,
                                             preamble=stamp))
    guide = csv_text(dictionary(grant), ["column", "label", "treatment"], preamble=stamp)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{base}.{fmt}", table)
        archive.writestr("data-dictionary.csv", guide.encode("utf-8-sig"))
        archive.writestr("WATERMARK.txt", stamp + "\n")
    return out.getvalue(), "application/zip", f"{base}-{fmt}.zip"


def link_token(grant: Grant, user: Any, fmt: str, narrowing: Narrowing = Narrowing()) -> str:
    """A signed, expiring token for one download: the grant, the person and the format are
    inside, so a link changed by hand (or given to someone else) is refused."""
    return signing.dumps({"grant": grant.pk, "user": user.pk, "format": fmt,
                          **narrowing.as_dict()}, salt=LINK_SALT, compress=True)


def read_token(token: str) -> dict[str, Any]:
    try:
        return signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise ExtractRefused("This download link has expired; ask for a new one.") from None
    except signing.BadSignature:
        raise ExtractRefused("This download link is not valid.") from None
