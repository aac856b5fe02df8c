"""The admin of what articles come from and are filed under: providers and topics,
and the seed files the importer read."""

from django.contrib import admin

from ..models import Category, Provider, ProviderLogo, SeedFile, Topic


class ProviderLogoInline(admin.TabularInline):
    model = ProviderLogo
    extra = 0


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "domain", "slug"]
    search_fields = ["name", "domain"]
    prepopulated_fields = {"slug": ["domain"]}
    inlines = [ProviderLogoInline]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """The managed list of sections. The importer adds a feed's new category here; editors rename or merge."""

    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(SeedFile)
class SeedFileAdmin(admin.ModelAdmin):
    """The importer's record of the files it read: shown, never written by hand (a superuser may delete one)."""

    list_display = ["path", "outcome", "imported_at", "article"]
    list_filter = ["outcome"]
    search_fields = ["path", "content_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
