"""Validating imported values exactly as the database's own fields would (length, choices,
validators), so an import never writes what a form would refuse, and never fails half-way
on PostgreSQL with an over-long value that SQLite would have taken."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models


def field_problems(model: type[models.Model], field: str, value: Any) -> list[str]:
    """The reasons ``value`` cannot be stored in ``model.field`` (none when it can)."""
    try:
        model._meta.get_field(field).clean(value, None)
    except ValidationError as exc:
        return list(exc.messages)
    return []
