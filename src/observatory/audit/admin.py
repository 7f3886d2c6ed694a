from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "username", "role", "action", "allowed", "object_kind", "object_repr",
                    "confidential", "channel")
    list_filter = ("action", "allowed", "confidential", "object_kind", "role", "channel")
    search_fields = ("username", "object_repr", "path")
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
