"""The public face of research grants for the access rule (``accounts.access.can`` and
``accounts.scopes``): which grants a person holds today, and what each covers.

Nothing is cached between calls: a revocation or an end date that has passed takes effect
on the very next check, on every page, API route, search, drill-down and export.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from observatory_core.research import ResearchScope

from ..vocabularies.models import LocalAuthority, Term
from .models import Grant


def held_by(user: Any) -> Q:
    """Grants whose holders include ``user``: the applicant and the people named."""
    return Q(application__applicant=user) | Q(application__members=user)


def active_grants(user: Any, today=None) -> QuerySet[Grant]:
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return Grant.objects.none()
    today = today or timezone.localdate()
    return (Grant.objects.filter(held_by(user), revoked_at__isnull=True, starts__lte=today,
                                 ends__gte=today)
            .select_related("application").distinct())


def area_ids(regions: list[str], areas: list[str]) -> frozenset[int]:
    """Local area ids of the regions and areas (GSS codes) an application names."""
    return frozenset(LocalAuthority.objects.filter(
        Q(region_code__in=regions or []) | Q(gss_code__in=areas or []))
        .values_list("pk", flat=True))


def kind_ids(codes: list[str]) -> frozenset[int]:
    return frozenset(Term.objects.filter(vocabulary__key="document_kind", code__in=codes or [])
                     .values_list("pk", flat=True))


def freeze(grant: Grant) -> None:
    """Resolve the approved regions, areas and document kinds to ids, once, at approval."""
    application = grant.application
    grant.area_ids = sorted(area_ids(application.regions, application.areas))
    grant.kind_ids = sorted(kind_ids(application.document_kinds))


def scope_of(grant: Grant) -> ResearchScope:
    application = grant.application
    return ResearchScope(
        areas=frozenset(grant.area_ids),
        year_from=application.year_from, year_to=application.year_to,
        document_kinds=frozenset(grant.kind_ids),
        fields=tuple(application.fields), coded_data=application.coded_data,
        coarsen_dates=grant.coarsen_dates, extra={"grant": grant.pk})


def active_scopes(user: Any) -> list[ResearchScope]:
    return [scope_of(grant) for grant in active_grants(user)]


def review_q(scope: ResearchScope, prefix: str = "") -> Q:
    """Reviews (fields under ``prefix``) inside the scope: its areas and review years (the
    year of the decision to review)."""
    return Q(**{f"{prefix}local_authority_id__in": sorted(scope.areas) or [0],
                f"{prefix}decision_date__year__gte": scope.year_from,
                f"{prefix}decision_date__year__lte": scope.year_to})


def placed(obj: Any) -> tuple[Any, Any] | None:
    """(review, document or None) that ``obj`` belongs to, for a grant's scope check:
    a review, a document, a document version, or a row derived from a version."""
    from ..repository.models import Document, DocumentVersion, Review

    if isinstance(obj, Review):
        return obj, None
    if isinstance(obj, Document):
        return obj.review, obj
    if isinstance(obj, DocumentVersion):
        return obj.document.review, obj.document
    if getattr(obj, "version_id", None):
        document = obj.version.document
        return document.review, document
    review = getattr(obj, "review", None)
    return (review, None) if isinstance(review, Review) else None


def covers(user: Any, obj: Any) -> bool:
    """Does one of ``user``'s active grants cover ``obj``?"""
    place = placed(obj)
    if place is None:
        return False
    review, document = place
    year = review.decision_date.year if review.decision_date else None
    kind = document.kind_id if document is not None else None
    return any(scope.covers(review.local_authority_id, year, kind)
               for scope in active_scopes(user))
