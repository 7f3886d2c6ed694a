from django.contrib import admin

from .models import RedactionListEntry


@admin.register(RedactionListEntry)
class RedactionListEntryAdmin(admin.ModelAdmin):
    """This installation's 'never flag' and 'always flag' lists (added to the shipped ones)."""

    list_display = ("text", "list", "kind", "note", "added_by", "added_at")
    list_filter = ("list", "kind")
    search_fields = ("text", "note")
    readonly_fields = ("added_by", "added_at")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.added_by = request.user
        super().save_model(request, obj, form, change)
