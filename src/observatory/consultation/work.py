"""Consultations waiting for the steering group, for the home pages: studies whose latest
round is being prepared or open (imported studies are finished work)."""

from __future__ import annotations

from typing import Any

from .models import Round, Study


def studies_in_progress(limit: int = 10) -> list[dict[str, Any]]:
    out = []
    for study in Study.objects.filter(imported=False).prefetch_related("rounds").order_by("-pk"):
        rounds = list(study.rounds.all())
        latest = rounds[-1] if rounds else None
        if latest is not None and latest.status == Round.CLOSED:
            continue
        out.append({"title": study.title, "url": study.get_absolute_url(),
                    "round": latest.number if latest else None,
                    "status": latest.get_status_display() if latest else "Being prepared",
                    "closes_at": latest.closes_at if latest else None})
    return out[:limit]
