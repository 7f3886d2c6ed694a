"""Administrators' views of reviews and documents. Versions are read-only: files change
only by uploading a new version, and deletion goes through the audited delete pages."""

from django.contrib import admin

from .models import Document, DocumentVersion, Review


class DocumentInline(admin.TabularInline):
    model = Document
    fields = ("title", "kind", "created_at")
    readonly_fields = ("created_at",)
    extra = 0
    show_change_link = True
    can_delete = False


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ("reference", "title", "local_authority", "review_type", "outcome",
                    "publication_date", "fictional")
    list_filter = ("fictional", "review_type", "outcome", "local_authority__region_name")
    search_fields = ("reference", "title", "summary")
    autocomplete_fields = ["local_authority"]
    readonly_fields = ("age_band", "timeliness_months", "created_at", "updated_at")
    inlines = [DocumentInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # use the audited delete page


class VersionInline(admin.TabularInline):
    model = DocumentVersion
    fields = ("number", "original_filename", "media_type", "size", "sha256", "uploaded_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "review")
    list_filter = ("kind",)
    search_fields = ("title", "review__reference")
    inlines = [VersionInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
