"""Each role's home page is its work (the policy decides what each may see and change):

- a partnership: its own area's reviews with their timescales against the guidance of the
  day, and the decisions waiting on them (drafted values, personal-data flags);
- an analyst or administrator: the processing queue, flags and values to decide, coding;
- a researcher: coding to do; the steering group: consultations in progress;
- everyone: the latest learning, newest published reviews first.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from observatory_core.stats.timeliness import load_limits

from ..accounts.access import can, role_of
from ..repository.filters import visible_reviews


class Kind:
    """'Work of this kind in general', for asking the policy."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def access_kind(self) -> str:
        return self.kind


def months_since(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


def timescale(review: Any, today: date) -> dict[str, Any]:
    """Where a review stands against the time the guidance of its decision date allows."""
    limit = load_limits().for_review(review.review_type.code if review.review_type else None,
                                     review.decision_date)
    out: dict[str, Any] = {"decided": review.decision_date, "completed": review.completion_date,
                           "published": review.publication_date,
                           "limit_months": limit.months if limit else None,
                           "guidance": limit.guidance if limit else None}
    if review.decision_date is None:
        return {**out, "state": "No decision date recorded", "late": False}
    if review.completion_date is not None:
        late = limit is not None and (review.timeliness_months or 0) > limit.months
        return {**out, "months": review.timeliness_months, "late": late,
                "state": f"Completed in {review.timeliness_months:g} months"
                + (f", beyond the {limit.months:g} months expected" if late else "")}
    months = months_since(review.decision_date, today)
    late = limit is not None and months > limit.months
    return {**out, "months": months, "late": late,
            "state": f"{months} months since the decision"
            + (f": beyond the {limit.months:g} months expected" if late else
               f" of the {limit.months:g} months expected" if limit else "")}


def partnership_reviews(user: Any, today: date) -> list[dict[str, Any]]:
    reviews = [r for r in visible_reviews(user).select_related("review_type")
               .order_by("-decision_date", "reference") if can(user, "change", r)]
    from ..quality.work import review_panel  # deadlines and the Quality Marker dialogue

    out = []
    for r in reviews:
        panel = review_panel(user, r, today)
        out.append({"id": r.pk, "reference": r.reference, "title": r.title,
                    "url": r.get_absolute_url(), "timescale": timescale(r, today),
                    "deadlines": panel["timescales"], "quality": panel["dialogue"]})
    return out


def latest_reviews(user: Any, limit: int = 5) -> list[Any]:
    return list(visible_reviews(user).filter(publication_date__isnull=False)
                .order_by("-publication_date", "-pk")[:limit])


def work_for(user: Any, today: date | None = None) -> dict[str, Any]:
    """The sections of this user's home page, as plain data (also its JSON)."""
    from ..coding.work import documents_to_code
    from ..consultation.work import studies_in_progress
    from ..ingestion import work as ingestion

    today = today or date.today()
    role = role_of(user)
    out: dict[str, Any] = {"role": role}
    if role == "partnership":
        reviews = partnership_reviews(user, today)
        ids = [r["id"] for r in reviews]
        out["your_reviews"] = reviews
        out["values_to_decide"] = ingestion.values_to_decide(ids)
        out["flags_to_review"] = ingestion.flags_to_review(ids)
    if role in ("analyst", "admin"):
        out["ingest_queue"] = ingestion.ingest_queue()
        out["flags_to_review"] = ingestion.flags_to_review()
        out["values_to_decide"] = ingestion.values_to_decide()
    if can(user, "change", Kind("coding")):
        out["coding"] = documents_to_code(user)
    if can(user, "change", Kind("delphi_study")):
        out["consultations"] = studies_in_progress()
    out["latest_learning"] = ingestion.latest_learning(user, latest_reviews(user))
    return out
