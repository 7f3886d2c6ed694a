"""Small public questions other apps ask about the register (no tables needed)."""

from __future__ import annotations

from typing import Any

from ..accounts.access import can


def may_view_register(user: Any, review: Any) -> bool:
    """May ``user`` open the review's register of recommendations and action plan?"""
    from .models import ActionPlan

    return can(user, "view", ActionPlan(review=review))
