"""A review's statutory deadlines for its pages (public function: the home page and the
review page call it). The rules are observatory_core.timescales'; this only reads the
review's dates."""

from __future__ import annotations

from datetime import date
from typing import Any

from observatory_core.timescales import DONE_LATE, OVERDUE, deadlines

DATE_FIELDS = ("incident_date", "notification_date", "decision_date", "start_date",
               "completion_date", "publication_date")


def review_timescales(review: Any, today: date | None = None) -> dict[str, Any]:
    """The review's deadlines in the order they fall due, with what is overdue."""
    today = today or date.today()
    rows = deadlines(review.review_type.code if review.review_type_id else None,
                     {f: getattr(review, f) for f in DATE_FIELDS}, today)
    return {"deadlines": [d.as_dict() for d in rows],
            "overdue": sum(d.state == OVERDUE for d in rows),
            "late": sum(d.state == DONE_LATE for d in rows),
            "next_due": next(({"label": d.label, "due": d.due, "days_left": d.days_left}
                              for d in rows if d.days_left is not None and d.days_left >= 0),
                             None)}
