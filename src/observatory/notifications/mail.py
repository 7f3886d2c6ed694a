"""Sending: topics, the unsubscribe link (a signed token, no sign-in needed) and ``send``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.urls import reverse

SALT = "observatory.notifications.unsubscribe"
_TOPICS: dict[str, str] = {}


def register_topic(key: str, label: str) -> None:
    """Name a kind of e-mail people can unsubscribe from (call from an app's ready())."""
    _TOPICS[key] = label


def topics() -> dict[str, str]:
    return dict(_TOPICS)


def token_for(user: Any, topic: str) -> str:
    return signing.dumps({"u": user.pk, "t": topic}, salt=SALT)


def read_token(token: str) -> tuple[int, str] | None:
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("t") not in _TOPICS:
        return None
    return int(data["u"]), str(data["t"])


def unsubscribe_url(user: Any, topic: str) -> str:
    path = reverse("notifications-unsubscribe", args=[token_for(user, topic)])
    return settings.OBSERVATORY_BASE_URL + path


def subscribed(user: Any, topic: str) -> bool:
    from .models import Unsubscription

    return not Unsubscription.objects.filter(user=user, topic=topic).exists()


def send(user: Any, topic: str, subject: str, body: str) -> bool:
    """Send ``body`` (plain text, no confidential content) to ``user`` about ``topic``.
    Returns False, sending nothing, when the person has no address or unsubscribed."""
    if topic not in _TOPICS:
        raise ValueError(f"unknown e-mail topic '{topic}': register_topic it first")
    if not getattr(user, "email", "") or not user.is_active or not subscribed(user, topic):
        return False
    footer = (f"\n\n--\nYou receive this because you use the Case Review Observatory. "
              f"To stop receiving \"{_TOPICS[topic]}\": {unsubscribe_url(user, topic)}\n")
    message = EmailMessage(subject, body + footer, settings.DEFAULT_FROM_EMAIL, [user.email],
                           headers={"List-Unsubscribe": f"<{unsubscribe_url(user, topic)}>"})
    return message.send() == 1


def unsubscribe(user_id: int, topic: str) -> None:
    from .models import Unsubscription

    Unsubscription.objects.get_or_create(user_id=user_id, topic=topic)
