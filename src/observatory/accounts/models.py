"""A user's role and, for partnerships, the local area they act for."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from observatory_core.access import ROLES

ROLE_LABELS = {
    "public": "Member of the public",
    "practitioner": "Practitioner",
    "partnership": "Local safeguarding partnership",
    "analyst": "National analyst",
    "researcher": "Researcher",
    "steering": "Steering group",
    "admin": "Administrator",
}
ROLE_CHOICES = [(r, ROLE_LABELS[r]) for r in ROLES]


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(max_length=20, choices=ROLE_CHOICES, default="practitioner")
    local_authority = models.ForeignKey(
        "vocabularies.LocalAuthority",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text="Required for partnership users: the area whose reviews they manage.",
    )

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"
