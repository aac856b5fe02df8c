"""Admin registrations. The editorial workflow builds on these."""

from django.contrib import admin

from .models import Article, ArticleImage, Provider, ProviderLogo, RelatedLink, RelatedLinkImage, SeedFile, Topic


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


class ArticleImageInline(admin.TabularInline):
    model = ArticleImage
    extra = 0
    fields = ["position", "url", "width", "height", "is_cached", "file"]


class RelatedLinkInline(admin.StackedInline):
    model = RelatedLink
    extra = 0
    fields = ["position", "title", "web_url", "provider", "quality", "published_at"]
    autocomplete_fields = ["provider"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "provider", "quality", "heat", "published_at"]
    list_filter = ["status", "category", "item_type"]
    list_select_related = ["provider"]
    search_fields = ["title", "excerpt", "provider__name", "web_url"]
    autocomplete_fields = ["provider", "topics"]
    readonly_fields = ["secured", "provider_data", "topic_names", "extra", "import_notes", "source_file", "source_hash"]
    inlines = [ArticleImageInline, RelatedLinkInline]
    show_full_result_count = False


@admin.register(RelatedLink)
class RelatedLinkAdmin(admin.ModelAdmin):
    list_display = ["title", "provider", "quality", "article"]
    search_fields = ["title", "web_url"]
    autocomplete_fields = ["article", "provider"]


@admin.register(SeedFile)
class SeedFileAdmin(admin.ModelAdmin):
    list_display = ["path", "outcome", "imported_at", "article"]
    list_filter = ["outcome"]
    search_fields = ["path", "content_hash"]
    readonly_fields = ["content_hash", "path", "article", "outcome", "imported_at"]


admin.site.register(ArticleImage, search_fields=["url"])
admin.site.register(RelatedLinkImage, search_fields=["url"])
