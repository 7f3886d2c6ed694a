"""The product's one way to send e-mail (docs/notifications.md).

    from observatory.notifications import send, register_topic
    register_topic("weekly_digest", "Weekly summary of your actions")
    send(user, "weekly_digest", "Subject", "Plain-text body")

``send`` writes one plain-text message to the person's address through Django's e-mail
framework (file backend under ``make run``, SMTP when ``OBSERVATORY_SMTP_HOST`` is set),
adds a personal unsubscribe link for the topic, and sends nothing to someone who has
unsubscribed from it or has no address. Bodies must hold no confidential text: say how
many and link to the service, where access is checked.
"""

from __future__ import annotations

from typing import Any

__all__ = ["register_topic", "send", "subscribed", "topics", "unsubscribe_url"]


# The functions live in ``mail`` (which needs the app's models); importing this package
# must not need them, so apps can register topics from ready().
def register_topic(key: str, label: str) -> None:
    """Name a kind of e-mail people can unsubscribe from (call from an app's ready())."""
    from .mail import register_topic as register

    register(key, label)


def send(user: Any, topic: str, subject: str, body: str) -> bool:
    """Send ``body`` (plain text, nothing confidential) to ``user`` about ``topic``, with an
    unsubscribe link; False (nothing sent) without an address or after unsubscribing."""
    from .mail import send as send_mail

    return send_mail(user, topic, subject, body)


def subscribed(user: Any, topic: str) -> bool:
    from .mail import subscribed as is_subscribed

    return is_subscribed(user, topic)


def topics() -> dict[str, str]:
    from .mail import topics as all_topics

    return all_topics()


def unsubscribe_url(user: Any, topic: str) -> str:
    from .mail import unsubscribe_url as url

    return url(user, topic)
