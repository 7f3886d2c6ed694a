"""The audit log's filters (person, object, action, dates, confidential, refused), read
from the query string, with errors worded as GOV.UK asks, applied to the events. The page
and its CSV/XLSX export use the same filter, so an export holds what the page lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.utils import timezone

from ..audit.models import ACTIONS

FIELDS = ("person", "object", "action", "date_from", "date_to", "confidential", "refused")


@dataclass
class AuditFilter:
    values: dict[str, str] = field(default_factory=dict)
    problems: list[dict[str, str]] = field(default_factory=list)  # {"field", "message"}
    dates: dict[str, date] = field(default_factory=dict)

    @classmethod
    def from_query(cls, query: Any) -> AuditFilter:
        f = cls({k: query.get(k, "").strip() for k in FIELDS if query.get(k, "").strip()})
        action = f.values.get("action")
        if action and action not in ACTIONS:
            f.problems.append({"field": "action", "message": "Select an action from the list"})
        for key, label in (("date_from", "From"), ("date_to", "To")):
            raw = f.values.get(key)
            if not raw:
                continue
            try:
                f.dates[key] = date.fromisoformat(raw)
            except ValueError:
                f.problems.append({"field": key, "message": f"'{label}' date must be a real "
                                   "date, like 2025-03-27"})
        if not f.problems and "date_from" in f.dates and "date_to" in f.dates and \
                f.dates["date_to"] < f.dates["date_from"]:
            f.problems.append({"field": "date_to", "message": "'To' date must be the same as "
                               "or after the 'From' date"})
        return f

    def active(self) -> dict[str, str]:
        return dict(self.values)

    def querystring(self) -> str:
        return urlencode(self.values)

    def apply(self, events: QuerySet, hidden_kinds: frozenset[str] = frozenset()) -> QuerySet:
        """``hidden_kinds``: kinds of object whose names the reader may not see
        (``audit.display.hidden_kinds``); the object filter does not match their names or
        ids, so a count cannot reveal a confidential title."""
        v = self.values
        if v.get("person"):
            events = events.filter(username__icontains=v["person"])
        if v.get("object"):
            text = v["object"]
            named = (Q(object_repr__icontains=text) | Q(object_id=text)) & ~Q(
                object_kind__in=hidden_kinds)
            events = events.filter(named | Q(object_kind__iexact=text.replace(" ", "_")))
        if v.get("action"):
            events = events.filter(action=v["action"])
        zone = timezone.get_current_timezone()
        if "date_from" in self.dates:
            events = events.filter(at__gte=datetime.combine(self.dates["date_from"], time.min,
                                                            tzinfo=zone))
        if "date_to" in self.dates:
            events = events.filter(at__lte=datetime.combine(self.dates["date_to"], time.max,
                                                            tzinfo=zone))
        if v.get("confidential") == "1":
            events = events.filter(confidential=True)
        if v.get("refused") == "1":
            events = events.filter(allowed=False)
        return events
