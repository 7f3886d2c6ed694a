"""Signals the repository sends for other apps to react to (it imports none of them)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent with ``document=`` after a person chose which version of it counts (or returned to
# the latest): ingestion works out again which recommendations count.
current_version_changed = Signal()

# Sent with ``document=`` after a person changed whether its recommendations count.
recommendations_role_changed = Signal()
