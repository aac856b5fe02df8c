"""The article screens: the list, the change form and its inlines, as declarations.

The workflow (permissions, buttons, bulk actions, saving) comes from
``WorkflowAdmin``; the list's filters from ``filters``.
"""

from django.contrib import admin
from django.contrib.admin.utils import flatten
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect
from django.utils import timezone
from django.utils.formats import date_format

from ..forms import ArticleAdminForm
from ..models import Article, ArticleImage, ArticleTransition, RelatedLink, SeedFile
from .filters import IndexedValuesFilter, ProviderFilter, QualityBandFilter, TopicFilter, VisibilityFilter
from .revisions import RevisionsAdmin
from .workflow import ArticlePartInline, WorkflowAdmin


def compact(value) -> str:
    """A date and time short enough for a list column, e.g. 2026-11-26 14:05."""
    return date_format(timezone.localtime(value), "Y-m-d H:i") if value else "—"


class RelatedLinkInline(ArticlePartInline, admin.StackedInline):
    model = RelatedLink
    fields = [("position", "item_type", "quality"), "title", "excerpt", "web_url", "provider", "published_at"]
    autocomplete_fields = ["provider"]


class ArticleImageInline(ArticlePartInline, admin.TabularInline):
    model = ArticleImage
    fields = ["position", "url", "width", "height", "is_cached", "file"]


class ArticleTransitionInline(admin.TabularInline):
    """The article's workflow history, newest first, read-only."""

    model = ArticleTransition
    verbose_name = "workflow event"
    verbose_name_plural = "workflow history"
    fields = ["at", "by", "from_status", "to_status", "comment"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ArticleChangeList(ChangeList):
    # The list shows a few columns; the bodies and raw import data can be large.
    LARGE_FIELDS = ["body", "featured_content", "secured", "provider_data", "topic_names", "extra", "import_notes"]

    def get_queryset(self, request, exclude_parameters=None):
        return super().get_queryset(request, exclude_parameters).defer(*self.LARGE_FIELDS)


# The change form's sections.
CONTENT = ["title", "slug", "excerpt", "body", ("category", "item_type"), "provider", "topics", "featured_content"]
SOURCE = ["web_url", "original_url", "amp_web_url", "cdn_amp_web_url", "published_at", ("quality", "heat")]
SOURCE += ["published_flag"]
WORKFLOW = ["status_badge", ("go_live_at", "expires_at"), "transition_comment", ("edited_at", "edited_by")]
WORKFLOW += ["edit_token"]
RAW_IMPORT = ["source_file", ("imported_at", "source_hash"), ("conflict_file", "conflict_at"), "secured_blob"]
RAW_IMPORT += ["extra", "import_notes", "provider_data", "topic_names"]


@admin.register(Article)
class ArticleAdmin(RevisionsAdmin, WorkflowAdmin, admin.ModelAdmin):
    form = ArticleAdminForm
    change_form_template = "admin/articles/article/change_form.html"
    change_list_template = "admin/articles/article/change_list.html"

    list_display = ["title", "status_badge", "provider_name", "quality", "heat", "published_on", "goes_live"]
    list_filter = [
        "status",
        # Not date_hierarchy: its year list is a DISTINCT over every article's date (1.2 s at 100,000
        # articles on SQLite, see docs/PERFORMANCE.md); these ranges are index seeks.
        ("published_at", admin.DateFieldListFilter),
        VisibilityFilter,
        ProviderFilter,
        TopicFilter,
        ("category", IndexedValuesFilter),
        ("item_type", IndexedValuesFilter),
        QualityBandFilter,
    ]
    list_select_related = ["provider"]
    search_fields = ["title", "excerpt", "provider__name", "web_url"]
    ordering = ["-published_at", "-id"]
    show_full_result_count = False
    list_per_page = 50

    autocomplete_fields = ["provider", "topics"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [RelatedLinkInline, ArticleImageInline, ArticleTransitionInline]
    fieldsets = [
        ("Content", {"fields": CONTENT}),
        ("Source and scores", {"fields": SOURCE}),
        ("Workflow", {"fields": WORKFLOW}),
        (
            "Raw import data",
            {
                "classes": ["collapse"],
                "description": "As the seed file gave it; kept so that export gives the file back. Read-only.",
                "fields": RAW_IMPORT,
            },
        ),
    ]
    readonly_fields = ["status_badge", "edited_at", "edited_by", *flatten(RAW_IMPORT)]

    @property
    def media(self):
        # The provider and topic filters on the list are autocomplete boxes too.
        return super().media + AutocompleteSelect(Article._meta.get_field("provider"), admin.site).media

    def get_changelist(self, request, **kwargs):
        return ArticleChangeList

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # Seed files are the record of an article's import: they go with it, whoever may delete it.
        return deleted, counts, perms_needed - {SeedFile._meta.verbose_name}, protected

    def view_on_site(self, article):
        return article.get_absolute_url() if article.is_live() else None

    @admin.display(description="published", ordering="published_at")
    def published_on(self, article):
        return compact(article.published_at)

    @admin.display(description="go live", ordering="go_live_at")
    def goes_live(self, article):
        return compact(article.go_live_at)

    @admin.display(description="provider", ordering="provider__name")
    def provider_name(self, article):
        return article.provider.name if article.provider else "—"

    @admin.display(description="secured blob")
    def secured_blob(self, article):
        # Opaque data from the feed: kept byte for byte for export, never displayed.
        if not article.secured:
            return "—"
        return f"Present ({len(article.secured)} characters), kept as given and not shown."
