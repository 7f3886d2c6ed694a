"""An append-only record of who viewed, downloaded or changed what, and when."""

from __future__ import annotations

from django.conf import settings
from django.db import models

ACTIONS = ["view", "download", "create", "change", "delete", "export", "import", "login",
           "logout"]


class AuditEvent(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # Kept as text too, so the record survives the user's deletion.
    username = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=20)
    action = models.CharField(max_length=20, choices=[(a, a) for a in ACTIONS])
    allowed = models.BooleanField(default=True, help_text="False for a refused attempt.")
    object_kind = models.CharField(max_length=40, db_index=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(max_length=300, blank=True)
    confidential = models.BooleanField(default=False, db_index=True)
    channel = models.CharField(max_length=10, default="web", help_text="web, api or cli")
    path = models.CharField(max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_kind", "object_id"])]

    def __str__(self) -> str:
        verb = self.action if self.allowed else f"refused {self.action}"
        return f"{self.at:%Y-%m-%d %H:%M} {self.username or 'anonymous'} {verb} {self.object_repr}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise PermissionError("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit events cannot be deleted")

    def access_kind(self) -> str:
        return "audit_log"
