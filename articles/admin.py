"""The newsroom's admin: the editorial workflow lives on the Article screens.

Who may do what is decided in ``articles.workflow``; writes go through
``articles.services``. This module only wires them to Django's admin.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect
from django.db import connections, router
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from . import services, workflow
from .forms import ArticleAdminForm, KeepStoredText
from .models import (
    Article,
    ArticleImage,
    ArticleTransition,
    Provider,
    ProviderLogo,
    RelatedLink,
    SeedFile,
    Topic,
)

# Form fields whose change is not a change of content (see ArticleAdmin.save_model).
SCHEDULE_FIELDS = {"go_live_at", "expires_at"}


def when(value) -> str:
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


def compact(value) -> str:
    """A date and time short enough for a list column, e.g. 2026-11-26 14:05."""
    return date_format(timezone.localtime(value), "Y-m-d H:i") if value else "—"


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


# List filters


class AutocompleteFilter(admin.SimpleListFilter):
    """A filter for a relation with too many values to list: an autocomplete box.

    It uses the admin's own autocomplete endpoint (and so the related admin's
    search_fields and view permission); without JavaScript it is a plain
    select with an "Apply" button.
    """

    template = "admin/articles/article/autocomplete_filter.html"
    field_name = ""  # the Article field, e.g. "provider"
    lookup = ""  # the queryset filter, e.g. "provider_id"

    def lookups(self, request, model_admin):
        return []

    def has_output(self):
        return True

    def value(self):
        value = super().value()
        return value if value and value.isdigit() else None

    def queryset(self, request, queryset):
        if not super().value():
            return queryset
        if self.value() is None:  # not a number: matches nothing
            return queryset.none()
        return queryset.filter(**{self.lookup: self.value()})

    def choices(self, changelist):
        field = Article._meta.get_field(self.field_name)
        form_field = forms.ModelChoiceField(
            queryset=field.related_model.objects.all(),
            required=False,
            widget=AutocompleteSelect(field, admin.site, attrs={"data-placeholder": "Type to search…"}),
        )
        yield {
            "widget": form_field.widget.render(
                self.parameter_name, self.value(), attrs={"id": f"filter_{self.field_name}"}
            ),
            "parameter_name": self.parameter_name,
            "selected": self.value() is not None,
            "all_query_string": changelist.get_query_string(remove=[self.parameter_name]),
            # Other active parameters, kept as hidden fields of the filter's form.
            "hidden": [
                (key, value)
                for key, values in changelist.params.items()
                if key not in {self.parameter_name, "p"}
                for value in (values if isinstance(values, list) else [values])
                if value != ""
            ],
        }


class ProviderFilter(AutocompleteFilter):
    title = "provider"
    parameter_name = "provider"
    field_name = "provider"
    lookup = "provider_id"


class TopicFilter(AutocompleteFilter):
    title = "topic"
    parameter_name = "topic"
    field_name = "topics"
    lookup = "topics__id"


class IndexedValuesFilter(admin.AllValuesFieldListFilter):
    """The distinct values of an indexed column, read by hopping through its index.

    Django's own filter runs ``SELECT DISTINCT`` over every article, which
    PostgreSQL answers by reading the whole table. This recursive query asks
    the index for the next larger value once per value (a "loose index
    scan"), so it costs as many steps as there are categories, whatever the
    number of articles (docs/PERFORMANCE.md).
    """

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        connection = connections[router.db_for_read(model)]
        table, column = connection.ops.quote_name(model._meta.db_table), connection.ops.quote_name(field.column)
        # Only the quoted names of the model's own table and column go into the text.
        sql = (
            f"WITH RECURSIVE found(value) AS (SELECT MIN({column}) FROM {table} UNION ALL "  # noqa: S608
            f"SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > found.value) FROM found "
            "WHERE found.value IS NOT NULL) SELECT value FROM found WHERE value IS NOT NULL"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql)
            self.lookup_choices = [row[0] for row in cursor.fetchall()]


class VisibilityFilter(admin.SimpleListFilter):
    title = "visibility to readers"
    parameter_name = "visibility"

    def lookups(self, request, model_admin):
        return [("live", "Live"), ("scheduled", "Scheduled"), ("expired", "Expired"), ("hidden", "Not published")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "live":
            return queryset.published()
        if value == "scheduled":
            return queryset.scheduled()
        if value == "expired":
            return queryset.expired()
        if value == "hidden":
            return queryset.exclude(status=Article.Status.PUBLISHED)
        return queryset


class QualityBandFilter(admin.SimpleListFilter):
    title = "quality"
    parameter_name = "quality_band"
    BANDS = {
        "low": ("Low (below 40)", Q(quality__lt=40)),
        "medium": ("Medium (40–69)", Q(quality__gte=40, quality__lt=70)),
        "high": ("High (70–99)", Q(quality__gte=70, quality__lt=100)),
        "top": ("Top (100 and over)", Q(quality__gte=100)),
        "none": ("Not scored", Q(quality__isnull=True)),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _) in self.BANDS.items()]

    def queryset(self, request, queryset):
        band = self.BANDS.get(self.value())
        return queryset.filter(band[1]) if band else queryset


class ArticlePartInline:
    """A part of an article's content (its images, its related links), edited on the article's form only.

    The article's rule decides (``workflow.may_edit``), not the part model's
    own permissions: a writer who may not change the article may not change
    its links either. The parts have no admin pages of their own.
    """

    extra = 0
    form = KeepStoredText

    def has_view_permission(self, request, obj=None):
        return self.admin_site.get_model_admin(self.parent_model).has_view_permission(request, obj)

    def has_add_permission(self, request, obj):
        return workflow.may_edit(request.user, obj)

    def has_change_permission(self, request, obj=None):
        return workflow.may_edit(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return workflow.may_edit(request.user, obj)


class ArticleImageInline(ArticlePartInline, admin.TabularInline):
    model = ArticleImage
    fields = ["position", "url", "width", "height", "is_cached", "file"]


class RelatedLinkInline(ArticlePartInline, admin.StackedInline):
    model = RelatedLink
    fields = [("position", "item_type", "quality"), "title", "excerpt", "web_url", "provider", "published_at"]
    autocomplete_fields = ["provider"]


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


STATUS_COLOURS = {
    "draft": "#6b7280",
    "review": "#b45309",
    "published": "#15803d",
    "scheduled": "#1d4ed8",
    "expired": "#7c2d12",
    "archived": "#374151",
}


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
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
    actions = ["submit_for_review", "publish", "unpublish", "archive", "restore"]

    autocomplete_fields = ["provider", "topics"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [RelatedLinkInline, ArticleImageInline, ArticleTransitionInline]
    fieldsets = [
        (
            "Content",
            {
                "fields": [
                    "title",
                    "slug",
                    "excerpt",
                    "body",
                    ("category", "item_type"),
                    "provider",
                    "topics",
                    "featured_content",
                ]
            },
        ),
        (
            "Source and scores",
            {
                "fields": [
                    "web_url",
                    "original_url",
                    "amp_web_url",
                    "cdn_amp_web_url",
                    "published_at",
                    ("quality", "heat"),
                    "published_flag",
                ]
            },
        ),
        (
            "Workflow",
            {
                "fields": [
                    "status_badge",
                    ("go_live_at", "expires_at"),
                    "transition_comment",
                    ("edited_at", "edited_by"),
                    "edit_token",
                ]
            },
        ),
        (
            "Raw import data",
            {
                "classes": ["collapse"],
                "description": "As the seed file gave it; kept so that export gives the file back. Read-only.",
                "fields": [
                    "source_file",
                    ("imported_at", "source_hash"),
                    ("conflict_file", "conflict_at"),
                    "secured_blob",
                    "extra",
                    "import_notes",
                    "provider_data",
                    "topic_names",
                ],
            },
        ),
    ]
    readonly_fields = [
        "status_badge",
        "edited_at",
        "edited_by",
        "imported_at",
        "source_file",
        "source_hash",
        "conflict_file",
        "conflict_at",
        "secured_blob",
        "extra",
        "import_notes",
        "provider_data",
        "topic_names",
    ]

    @property
    def media(self):
        # The provider and topic filters on the list are autocomplete boxes too.
        return super().media + AutocompleteSelect(Article._meta.get_field("provider"), admin.site).media

    # Display

    @admin.display(description="status", ordering="status")
    def status_badge(self, article):
        key, text, detail = article.status, article.get_status_display(), ""
        if article.is_scheduled():
            key, text, detail = "scheduled", "Scheduled", f"Goes live {when(article.go_live_at)}"
        elif article.is_expired():
            key, text, detail = "expired", "Expired", f"Expired {when(article.expires_at)}"
        elif article.status == Article.Status.PUBLISHED and article.expires_at:
            detail = f"Expires {when(article.expires_at)}"
        return format_html(
            '<span class="status-badge status-{}" style="background:{}" title="{}">{}</span>{}',
            key,
            STATUS_COLOURS[key],
            detail,
            text,
            format_html(' <span class="status-detail">{}</span>', detail) if detail else "",
        )

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

    def view_on_site(self, article):
        return article.get_absolute_url() if article.is_live() else None

    def get_changelist(self, request, **kwargs):
        return ArticleChangeList

    # Permissions: the rules are in articles.workflow.

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or workflow.may_edit(request.user, obj)

    def has_submit_for_review_permission(self, request):
        return workflow.user_may(request.user, workflow.SUBMIT_FOR_REVIEW)

    def has_publish_permission(self, request):
        return workflow.user_may(request.user, workflow.PUBLISH)

    def has_unpublish_permission(self, request):
        return workflow.user_may(request.user, workflow.UNPUBLISH)

    def has_archive_permission(self, request):
        return workflow.user_may(request.user, workflow.ARCHIVE)

    def has_restore_permission(self, request):
        return workflow.user_may(request.user, workflow.RESTORE)

    # The form

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        hidden = set()
        if obj is None:
            hidden |= {"transition_comment", "edit_token", "status_badge", ("edited_at", "edited_by")}
        elif not (workflow.may_edit(request.user, obj) and workflow.allowed_transitions(request.user, obj)):
            hidden.add("transition_comment")
        if obj is not None and not workflow.may_edit(request.user, obj):
            hidden.add("edit_token")
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not workflow.may_schedule(request.user):
            readonly += ["go_live_at", "expires_at"]
        return readonly

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["transitions"] = (
                workflow.allowed_transitions(request.user, obj) if workflow.may_edit(request.user, obj) else []
            )
            context["edit_refusal"] = workflow.edit_refusal(request.user, obj)
            if not obj.is_live():
                context["preview_url"] = reverse("articles:preview", kwargs={"pk": obj.pk})
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Django answers a POST the user may not make with a bare 403; say why instead.
        if request.method == "POST" and object_id is not None:
            article = self.get_object(request, unquote(object_id))
            if article is not None and self.has_view_permission(request, article):
                reason = workflow.edit_refusal(request.user, article)
                if reason:
                    self.message_user(request, f"{reason} Nothing was saved.", messages.ERROR)
                    return HttpResponseRedirect(request.path)
        return super().changeform_view(request, object_id, form_url, extra_context)

    # Saving

    @staticmethod
    def content_changed(form) -> bool:
        return bool(set(form.changed_data) - SCHEDULE_FIELDS)

    def save_model(self, request, obj, form, change):
        """Nothing yet: the article is saved with its topics and parts, in one call, by save_related."""

    def save_related(self, request, form, formsets, change):
        parts, removed_parts = [], []
        for formset in formsets:
            parts += formset.save(commit=False)  # nothing is written yet: the service writes it all
            removed_parts += formset.deleted_objects
        article = services.article_save(
            article=form.instance,
            by=request.user,
            seen_token=form.cleaned_data.get("edit_token") if change else None,
            content_changed=not change or self.content_changed(form) or bool(parts or removed_parts),
            topics=form.cleaned_data.get("topics"),
            parts=parts,
            removed_parts=removed_parts,
            message=self.construct_change_message(request, form, formsets, not change),
        )
        name = form.data.get("_transition")
        if change and name:
            services.article_transition(
                article=article, name=name, by=request.user, comment=form.cleaned_data.get("transition_comment") or ""
            )

    def log_addition(self, request, obj, message):
        """Nothing: services.article_save logs each save, and transitions log themselves."""

    def log_change(self, request, obj, message):
        """Nothing: services.article_save logs each save, and transitions log themselves."""

    def response_change(self, request, obj):
        name = request.POST.get("_transition")
        if not name:
            return super().response_change(request, obj)
        obj.refresh_from_db()
        transition = workflow.TRANSITIONS[name]
        self.message_user(request, f"“{obj}” was {transition.done}.{self.visibility_note(obj)}", messages.SUCCESS)
        return HttpResponseRedirect(request.path)

    @staticmethod
    def visibility_note(article) -> str:
        if article.is_scheduled():
            return f" It goes live at {when(article.go_live_at)}; readers will not see it before then."
        if article.is_expired():
            return f" It expired at {when(article.expires_at)}, so readers do not see it."
        return ""

    # Bulk actions: one per transition; send back needs a comment per article, so it is on the form only.

    @admin.action(description="Submit selected articles for review", permissions=["submit_for_review"])
    def submit_for_review(self, request, queryset):
        self.bulk_transition(request, queryset, workflow.SUBMIT_FOR_REVIEW)

    @admin.action(description="Publish selected articles", permissions=["publish"])
    def publish(self, request, queryset):
        self.bulk_transition(request, queryset, workflow.PUBLISH)

    @admin.action(description="Unpublish selected articles (back to draft)", permissions=["unpublish"])
    def unpublish(self, request, queryset):
        self.bulk_transition(request, queryset, workflow.UNPUBLISH)

    @admin.action(description="Archive selected articles", permissions=["archive"])
    def archive(self, request, queryset):
        self.bulk_transition(request, queryset, workflow.ARCHIVE)

    @admin.action(description="Restore selected articles (back to draft)", permissions=["restore"])
    def restore(self, request, queryset):
        self.bulk_transition(request, queryset, workflow.RESTORE)

    def bulk_transition(self, request, queryset, transition):
        done = []
        for article in queryset.order_by("pk"):
            try:
                services.article_transition(article=article, name=transition.name, by=request.user)
            except workflow.TransitionRefused as error:
                self.message_user(request, f"Not {transition.done}: {error.message}", messages.WARNING)
            else:
                done.append(article)
                note = self.visibility_note(article)
                if note:
                    self.message_user(request, f"“{article}” was {transition.done}.{note}", messages.INFO)
        if done:
            titles = ", ".join(f"“{article}”" for article in done[:10])
            more = f" and {len(done) - 10} more" if len(done) > 10 else ""
            count = f"{len(done)} article{'s' if len(done) != 1 else ''}"
            self.message_user(request, f"{count} {transition.done}: {titles}{more}.", messages.SUCCESS)


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
