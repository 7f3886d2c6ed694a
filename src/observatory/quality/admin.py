"""Administrators complete and correct the markers (each saved change becomes a new
version; reviews keep the version they began with) and approve proposed obstacles. The
admin site asks the same access policy as every page (``quality_marker``: change =
administrators)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from ..accounts.access import can
from .models import Marker, MarkerVersion, Obstacle
from .services import save_marker_version


class PolicyAdmin(admin.ModelAdmin):
    def _may(self, request: Any, action: str) -> bool:
        return can(request.user, action, Marker())

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        return self._may(request, "change")

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return self._may(request, "change")

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_module_permission(self, request: Any) -> bool:
        return self._may(request, "change")


class ObstacleInline(admin.TabularInline):
    model = Obstacle
    fields = ("text", "status", "from_source")
    readonly_fields = ("from_source",)
    extra = 0

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return can(request.user, "change", Marker())

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return can(request.user, "change", Marker())

    def has_view_permission(self, request: Any, obj: Any = None) -> bool:
        return can(request.user, "change", Marker())

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Marker)
class MarkerAdmin(PolicyAdmin):
    list_display = ("number", "title", "cluster", "version")
    readonly_fields = ("number", "version")
    fields = ("number", "title", "cluster", "statement", "rationale", "questions",
              "knowledge_base", "equality_diversity_section", "equality_diversity",
              "guidance_links", "source", "version")
    inlines = [ObstacleInline]

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        # After the obstacles are saved too, so the version holds what the marker now says.
        super().save_related(request, form, formsets, change)
        save_marker_version(form.instance, request.user, note="Edited by an administrator")


@admin.register(Obstacle)
class ObstacleAdmin(PolicyAdmin):
    list_display = ("text", "marker", "status", "from_source")
    list_filter = ("status",)
    fields = ("marker", "text", "status")
    readonly_fields = ("marker",)


@admin.register(MarkerVersion)
class MarkerVersionAdmin(PolicyAdmin):
    list_display = ("marker", "version", "note", "created_at")
    readonly_fields = ("marker", "version", "content", "note", "created_by")

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
