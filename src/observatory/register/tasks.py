"""Background tasks (Django's Tasks API)."""

from __future__ import annotations

from django_tasks import task


@task()
def send_weekly_digest() -> int:
    """Send the weekly digest, then queue next week's (see ``digest``)."""
    from .digest import schedule_next, send_digests

    sent = send_digests()
    schedule_next()
    return sent
