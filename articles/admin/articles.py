"""The article screens: the list, the change form and its inlines, as declarations.

The workflow (permissions, buttons, bulk actions, saving) comes from
``WorkflowAdmin``; the list's filters from ``filters``.
"""

from django.contrib import admin
from django.contrib.admin.utils import flatten
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from .. import workflow
from ..forms import ArticleAdminForm
from ..models import Article, ArticleAuthor, ArticleImage, ArticleTransition, RelatedLink, SeedFile
from .collab import AssignmentFilter, CollabAdmin
from .conflicts import ConflictsAdmin
from .filters import IndexedValuesFilter, ProviderFilter, QualityBandFilter, TopicFilter, VisibilityFilter
from .pending import PendingAdmin
from .presence import PresenceAdmin
from .revisions import RevisionsAdmin
from .workflow import ArticlePartInline, WorkflowAdmin


def compact(value) -> str:
    """A date and time short enough for a list column, e.g. 2026-11-26 14:05."""
    return date_format(timezone.localtime(value), "Y-m-d H:i") if value else "—"


class RelatedLinkInline(ArticlePartInline, admin.StackedInline):
    model = RelatedLink
    fields = [("position", "item_type", "quality"), "title", "excerpt", "web_url", "provider", "published_at"]
    autocomplete_fields = ["provider"]


class ArticleAuthorInline(ArticlePartInline, admin.TabularInline):
    """The byline: staff members or contributors' names, in order. A new story's creator is its author
    unless the form names others (services.article_save)."""

    model = ArticleAuthor
    fields = ["position", "user", "name"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ArticleImageInline(ArticlePartInline, admin.StackedInline):
    """Pictures: an upload (alt text required) or a feed's URL, each with its caption and credit."""

    model = ArticleImage
    fields = [("file", "position"), "alt_text", ("caption", "credit"), ("url", "width", "height", "is_cached")]


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


# The change form's sections: what a writer writes first; what came from a feed last, collapsed.
CONTENT = ["title", "excerpt", "body", "section", "topics", "new_topics"]
WORKFLOW = ["status_badge", "published_at", ("go_live_at", "expires_at"), ("embargo_until", "embargo_reason")]
WORKFLOW += [("assignee", "due_at"), "transition_comment"]
WORKFLOW += ["slug", ("edited_at", "edited_by"), "edit_token", "seen_revision"]
SOURCE = ["web_url", "original_url", "amp_web_url", "cdn_amp_web_url", ("quality", "heat"), "published_flag"]
SOURCE += ["provider", ("category", "item_type"), "featured_content"]
RAW_IMPORT = ["source_file", ("imported_at", "source_hash"), ("conflict_file", "conflict_at"), "secured_blob"]
RAW_IMPORT += ["extra", "import_notes", "provider_data", "topic_names"]


@admin.register(Article)
class ArticleAdmin(
    PresenceAdmin, PendingAdmin, CollabAdmin, ConflictsAdmin, RevisionsAdmin, WorkflowAdmin, admin.ModelAdmin
):
    form = ArticleAdminForm
    change_form_template = "admin/articles/article/change_form.html"
    change_list_template = "admin/articles/article/change_list.html"

    list_display = [
        "title",
        "status_badge",
        "submitted",
        "provider_name",
        "quality",
        "heat",
        "published_on",
        "goes_live",
    ]
    list_filter = [
        "status",
        # Not date_hierarchy: its year list is a DISTINCT over every article's date (1.2 s at 100,000
        # articles on SQLite, see docs/PERFORMANCE.md); these ranges are index seeks.
        ("published_at", admin.DateFieldListFilter),
        VisibilityFilter,
        AssignmentFilter,
        ProviderFilter,
        TopicFilter,
        "section",  # the managed categories: one short query, however many articles
        ("item_type", IndexedValuesFilter),
        QualityBandFilter,
    ]
    list_select_related = ["provider"]
    search_fields = ["title", "excerpt", "provider__name", "web_url"]
    ordering = ["-published_at", "-id"]
    show_full_result_count = False
    list_per_page = 50

    autocomplete_fields = ["provider", "topics", "section"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ArticleAuthorInline, ArticleImageInline, RelatedLinkInline, ArticleTransitionInline]
    fieldsets = [
        ("Story", {"fields": CONTENT}),
        (
            "Correction",
            {
                "description": "This story is live. A change to its headline, standfirst or body needs its kind, "
                "and every kind but a silent fix a note for readers.",
                "fields": ["correction_kind", "correction_note"],
            },
        ),
        ("Workflow", {"fields": WORKFLOW}),
        (
            "Source feed",
            {
                "classes": ["collapse"],
                "description": (
                    "What the seed file gave, kept so that export gives the file back. Empty for a story of our "
                    "own: without a web URL its address is its page on this site. Only editors change these."
                ),
                "fields": SOURCE + RAW_IMPORT,
            },
        ),
    ]
    readonly_fields = ["status_badge", "edited_at", "edited_by", *flatten(RAW_IMPORT)]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if not workflow.may_schedule(request.user):  # writers: what came from a feed is shown, not edited
            readonly += [name for name in flatten(SOURCE) if name not in readonly]
        return readonly

    @property
    def media(self):
        # The provider and topic filters on the list are autocomplete boxes too.
        return super().media + AutocompleteSelect(Article._meta.get_field("provider"), admin.site).media

    def get_queryset(self, request):
        return super().get_queryset(request).with_submission()  # the "submitted" column, sortable

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

    @admin.display(description="submitted", ordering="submitted_at")
    def submitted(self, article):
        """When the article last went into review, and by whom (from the transition log)."""
        if not article.submitted_at:
            return "—"
        by = article.submitted_by or "someone no longer here"
        return format_html('{}<span class="submitted-by">by {}</span>', compact(article.submitted_at), by)

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
