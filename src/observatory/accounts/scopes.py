"""Which objects a user may see, as query filters: the list form of ``access.can``.

``can(user, action, obj)`` decides for one object; every list, search, count, drill-down,
export and API route filters its rows with the functions here instead. Both read the same
grants (``observatory_core.access``: ``reach`` says whether a role reaches every object of
a kind, only those in its own area, or none), and a property test
(tests/apps/test_access_scopes.py) holds each filter against ``can`` for users of every role
and area and objects of every kind. One function per object kind:

- ``reviews_q``: reviews (published_review / unpublished_review);
- ``documents_q`` (``prefix='document__'`` for document versions): documents
  (confidential_document by their kind, else published/unpublished_document by their
  review);
- ``rows_q``: rows derived from a document that copy its review and confidentiality
  (passages, recommendations, extractions; ``nullable_version`` for rows that may belong to
  the review itself), with the review conditions as ``review_id IN (subquery)`` so the
  search's per-row access check stays an index lookup;
- ``segments_q``: coded segments (the coding grant, and the document or review they are on).

Research grants (``observatory.research.grants``) add, for their holders, what the policy's
``[research_grant]`` opens within each active grant's scope (areas, review years, document
kinds); nothing is cached, so revocation and expiry act on the next query.

Each returns a ``Q`` for the model the caller filters (``prefix`` reaches it from another
model). "Nothing" is ``Q(pk__isnull=True)``, which SQL can still compile (an empty ``IN ()``
would make raw SQL built from the queryset fail).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q

from observatory_core.access import EVERYWHERE, OWN_AREA, reach, research_opens

from .access import areas_of, role_of

NOTHING = Q(pk__isnull=True)
PUBLICATION_KINDS = {"review": ("published_review", "unpublished_review"),
                     "document": ("published_document", "unpublished_document")}


def _is_nothing(q: Q) -> bool:
    return q is NOTHING


def _or(parts: list[Q]) -> Q:
    if not parts:
        return NOTHING
    if any(not part for part in parts):  # an empty Q() is "everything"
        return Q()
    out = parts[0]
    for part in parts[1:]:
        out |= part
    return out


def _reached(user: Any, kind: str, action: str, selects: Q, area_field: str) -> Q | None:
    """``selects`` narrowed to what the user's role reaches of ``kind``; None for nothing."""
    how = reach(role_of(user), kind, action)
    if how == EVERYWHERE:
        return selects
    areas = areas_of(user)  # the user's area with its history and partnership (one rule)
    if how == OWN_AREA and areas:
        mine = Q(**{f"{area_field}__in": sorted(areas)})
        return selects & mine if selects else mine
    return None


def published_q(prefix: str = "") -> Q:
    """A review is published once its publication date has come (``Review.is_published``)."""
    return Q(**{f"{prefix}publication_date__isnull": False,
                f"{prefix}publication_date__lte": date.today()})


def report_public_q(prefix: str = "") -> Q:
    """A review's report (its documents) is public once the review is published and its
    publication state says so now (``Review.report_is_public``,
    observatory_core.publication.is_public): published, or embargoed until a moment that
    has passed. Draft, withdrawn and still-embargoed reports are unpublished documents."""
    from django.utils import timezone

    return published_q(prefix) & (
        Q(**{f"{prefix}report_status": "published"})
        | Q(**{f"{prefix}report_status": "embargoed",
               f"{prefix}embargo_until__lte": timezone.now()}))


def _by_publication(user: Any, action: str, kinds: tuple[str, str], prefix: str) -> Q:
    """Reviews (fields under ``prefix``) whose published/unpublished kind the role reaches.
    For documents, "published" is the report's state (``report_public_q``); for the review's
    catalogue record, its publication date."""
    published, unpublished = kinds
    is_published = (report_public_q(prefix) if kinds == PUBLICATION_KINDS["document"]
                    else published_q(prefix))
    area_field = f"{prefix}local_authority_id"
    pub = _reached(user, published, action, Q(), area_field)
    unpub = _reached(user, unpublished, action, Q(), area_field)
    if pub is not None and not pub:  # every published review: X | (~X & Y) == X | Y
        return _or([is_published, *([unpub] if unpub is not None else [])])
    if unpub is not None and not unpub:
        return _or([~is_published, *([pub] if pub is not None else [])])
    parts = [is_published & pub if pub is not None else None,
             ~is_published & unpub if unpub is not None else None]
    return _or([p for p in parts if p is not None])


def _scopes(user: Any) -> list:
    """The research scopes ``user`` holds today (none for the public)."""
    if role_of(user) == "public":
        return []
    from ..research.grants import active_scopes

    return active_scopes(user)


def _granted(user: Any, action: str, kinds: tuple[str, str], review_prefix: str,
             narrow: Any = None) -> Q | None:
    """What the user's research grants open of the published/unpublished ``kinds``: reviews
    (fields under ``review_prefix``) inside a grant's scope, each narrowed by
    ``narrow(scope)`` (the document kinds); None when grants open nothing here."""
    published, unpublished = (research_opens(k, action) for k in kinds)
    if not (published or unpublished):
        return None
    scopes = _scopes(user)
    if not scopes:
        return None
    from ..research.grants import review_q

    within = _or([review_q(s, review_prefix) & (narrow(s) if narrow else Q())
                  for s in scopes])
    if published and unpublished:
        return within
    return within & (published_q(review_prefix) if published else ~published_q(review_prefix))


def _plus(base: Q, extra: Q | None) -> Q:
    """``base`` or ``extra`` (either may be NOTHING/None; an empty Q is everything)."""
    if extra is None or _is_nothing(extra) or not base:
        return base
    return extra if _is_nothing(base) else base | extra


def reviews_q(user: Any, action: str = "view", prefix: str = "") -> Q:
    """Reviews ``user`` may ``action``: ``Review.objects.filter(reviews_q(user))``."""
    return _plus(_by_publication(user, action, PUBLICATION_KINDS["review"], prefix),
                 _granted(user, action, PUBLICATION_KINDS["review"], prefix))


def _granted_documents(user: Any, action: str, review_prefix: str, kind_field: str,
                       confidential: Q) -> Q | None:
    """Documents the user's research grants open: confidential ones of the grant's kinds
    (if the policy opens confidential documents), others as their review's publication."""
    def kinds(scope: Any) -> Q:
        return Q(**{f"{kind_field}__in": sorted(scope.document_kinds) or [0]})

    parts: list[Q] = []
    if research_opens("confidential_document", action):
        secret = _granted(user, action, ("confidential_document", "confidential_document"),
                          review_prefix, kinds)
        if secret is not None:
            parts.append(confidential & secret)
    others = _granted(user, action, PUBLICATION_KINDS["document"], review_prefix, kinds)
    if others is not None:
        parts.append(~confidential & others)
    return _or(parts) if parts else None


def confidential_kind_ids() -> list[int]:
    """Document kinds whose documents are confidential (the rule of ``Document.confidential``)."""
    from ..repository.models import Document

    return Document.confidential_kind_ids()


def documents_q(user: Any, action: str = "view", prefix: str = "") -> Q:
    """Documents ``user`` may ``action`` (``prefix='document__'`` for document versions)."""
    confidential = Q(**{f"{prefix}kind_id__in": confidential_kind_ids() or [0]})
    secret = _reached(user, "confidential_document", action, confidential,
                      f"{prefix}review__local_authority_id")
    reviews = _by_publication(user, action, PUBLICATION_KINDS["document"], f"{prefix}review__")
    parts = [] if secret is None else [secret]
    if not _is_nothing(reviews):
        parts.append(~confidential & reviews if reviews else ~confidential)
    if secret is not None and secret == confidential and not reviews:
        return Q()  # every confidential document and every other one
    return _plus(_or(parts), _granted_documents(user, action, f"{prefix}review__",
                                                f"{prefix}kind_id", confidential))


def _review_ids(q: Q, prefix: str) -> Q:
    """``review_id IN (reviews matching q)``: a subquery, not a join, so the database checks
    a row's access from its own (review, confidential) index."""
    from ..repository.models import Review

    if not q:
        return Q()
    return Q(**{f"{prefix}review_id__in": Review.objects.filter(q).values("pk")})


def rows_q(user: Any, action: str = "view", prefix: str = "", *,
           nullable_version: bool = False) -> Q:
    """Rows derived from a document that carry its ``review`` and ``confidential`` flag
    (Passage, Recommendation, Extraction, CodedSegment): the rule of ``documents_q`` on the
    copied columns. With ``nullable_version``, a row without a version belongs to the review
    itself and follows ``reviews_q``."""
    parts = []
    secret = _reached(user, "confidential_document", action, Q(), "local_authority_id")
    if secret is not None:
        parts.append(Q(**{f"{prefix}confidential": True}) & _review_ids(secret, prefix))
    reviews = _by_publication(user, action, PUBLICATION_KINDS["document"], "")
    if not _is_nothing(reviews):
        parts.append(Q(**{f"{prefix}confidential": False}) & _review_ids(reviews, prefix))
    everything = secret is not None and not secret and not reviews
    documents = Q() if everything else _or(parts)
    if not everything:
        # Grants: judged on the row's document (its kind), not only its review.
        documents = _plus(documents, _granted_documents(
            user, action, f"{prefix}version__document__review__",
            f"{prefix}version__document__kind_id", Q(**{f"{prefix}confidential": True})))
    if not nullable_version:
        return documents
    own = reviews_q(user, action)
    if not documents and not own:
        return Q()
    review_rows = (NOTHING if _is_nothing(own)
                   else Q(**{f"{prefix}version__isnull": True}) & _review_ids(own, prefix))
    document_rows = (NOTHING if _is_nothing(documents)
                     else Q(**{f"{prefix}version__isnull": False}) & documents)
    return _or([p for p in (review_rows, document_rows) if not _is_nothing(p)])


def segments_q(user: Any, action: str = "view") -> Q:
    """Coded segments ``user`` may ``action``: the coding grant, and the document (or, for a
    whole-review code, the review) the segment is on must be visible to the user."""
    coding = _reached(user, "coding", action, Q(), "review__local_authority_id")
    if coding is None:
        return NOTHING
    on = rows_q(user, "view", nullable_version=True)
    if _is_nothing(on):
        return NOTHING
    return coding & on if coding else on


def plans_q(user: Any, action: str = "view", prefix: str = "review__") -> Q:
    """Register entries, actions and plans ``user`` may ``action`` (the action_plan grant,
    by their review's area; ``prefix`` reaches the review, e.g. ``plan__review__``)."""
    found = _reached(user, "action_plan", action, Q(), f"{prefix}local_authority_id")
    return NOTHING if found is None else found
