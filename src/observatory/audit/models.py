"""An append-only record of who viewed, downloaded or changed what, and when."""

from __future__ import annotations

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from observatory_core.auditchain import FIELDS, GENESIS, digest

ACTIONS = ["view", "download", "create", "change", "delete", "export", "import", "login",
           "logout"]


class AuditEvent(models.Model):
    # Set before the digest is computed (not auto_now_add, which would set it after).
    at = models.DateTimeField(default=timezone.now, db_index=True)
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
    # The hash chain (observatory_core.auditchain): position, the digest of the event before,
    # and this event's digest over its fields and that one.
    seq = models.PositiveBigIntegerField(unique=True, null=True, editable=False)
    previous_digest = models.CharField(max_length=64, blank=True, editable=False)
    digest = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_kind", "object_id"])]

    def __str__(self) -> str:
        verb = self.action if self.allowed else f"refused {self.action}"
        return f"{self.at:%Y-%m-%d %H:%M} {self.username or 'anonymous'} {verb} {self.object_repr}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise PermissionError("audit events cannot be changed")
        with transaction.atomic():
            # The head row is locked so that two writers cannot both follow the same event.
            head = ChainHead.objects.select_for_update().filter(pk=1).first()
            if head is None:
                head = ChainHead.objects.create(pk=1)
            self.at = self.at or timezone.now()
            self.seq = head.seq + 1
            self.previous_digest = head.digest
            self.digest = digest(self.chain_fields(), head.digest)
            super().save(*args, **kwargs)
            ChainHead.objects.filter(pk=1).update(seq=self.seq, digest=self.digest)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit events cannot be deleted")

    def access_kind(self) -> str:
        return "audit_log"

    def chain_fields(self) -> dict:
        return {name: getattr(self, name) for name in FIELDS}


class ChainHead(models.Model):
    """The last position of the audit chain and its digest (one row): catches events
    removed from the end of the log, which no later event could show."""

    seq = models.PositiveBigIntegerField(default=0)
    digest = models.CharField(max_length=64, default=GENESIS)

    def __str__(self) -> str:
        return f"audit chain head at {self.seq}"


class RemovedLink(models.Model):
    """An event removed by a retention rule leaves its place in the chain, not its content."""

    seq = models.PositiveBigIntegerField(unique=True)
    previous_digest = models.CharField(max_length=64)
    digest = models.CharField(max_length=64)
    removed_at = models.DateTimeField(default=timezone.now)
    rule = models.CharField(max_length=100)

    def __str__(self) -> str:
        return f"removed audit event {self.seq} ({self.rule})"
