from django.contrib import admin

from .models import LocalAuthority, Term, Vocabulary


class TermInline(admin.TabularInline):
    model = Term
    extra = 1
    fields = ("code", "label", "description", "source", "order", "active", "attributes")


@admin.register(Vocabulary)
class VocabularyAdmin(admin.ModelAdmin):
    list_display = ("label", "key", "multiple")
    search_fields = ("label", "key")
    inlines = [TermInline]


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ("label", "code", "vocabulary", "active")
    list_filter = ("vocabulary", "active")
    search_fields = ("label", "code")


@admin.register(LocalAuthority)
class LocalAuthorityAdmin(admin.ModelAdmin):
    list_display = ("name", "gss_code", "dfe_code", "region_name", "end_date")
    list_filter = ("region_name",)
    search_fields = ("name", "gss_code", "dfe_code", "alt_names")
