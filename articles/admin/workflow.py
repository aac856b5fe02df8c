"""The editorial workflow, wired to Django's admin.

``WorkflowAdmin`` gives a ModelAdmin of articles what the rules in
``articles.workflow`` decide and ``articles.services`` writes: who may change
what, the workflow buttons and their bulk actions (built from
``workflow.TRANSITIONS``), the refusal of a crafted POST with its reason, and
the save of an article with its parts. ``ArticlePartInline`` puts an article's
images and related links under the same rule.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from .. import pending, services, workflow
from ..forms import KeepStoredText
from .a11y import NamedInputs

# Form fields whose change is not a change of content (see WorkflowAdmin.save_related): the schedule, the
# embargo, the assignment.
SCHEDULE_FIELDS = {"go_live_at", "expires_at", "embargo_until", "embargo_reason", "assignee", "due_at"}


def when(value) -> str:
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


def takes_off_the_site(transition: workflow.Transition) -> bool:
    """Whether the transition can take a story readers see off the site (unpublish, archive)."""
    return workflow.Status.PUBLISHED in transition.sources and transition.target != workflow.Status.PUBLISHED


def bulk_action(transition: workflow.Transition):
    """The list's action for one transition: "Submit selected articles for review" and so on.

    One that takes stories off the site first shows the stories on a
    confirmation page, as Django's "Delete selected" does, and changes
    nothing until that page's button is pressed.
    """
    verb, _, rest = transition.label.partition(" ")
    back = " (back to draft)" if transition.target == workflow.Status.DRAFT else ""

    def action(model_admin, request, queryset):
        if takes_off_the_site(transition) and request.POST.get("post") != "yes":
            return model_admin.confirm_bulk_transition(request, queryset, transition)
        model_admin.bulk_transition(request, queryset, transition)
        return None

    action.__name__ = transition.name
    return admin.action(description=" ".join(filter(None, [verb, "selected articles", rest])) + back)(action)


class ArticlePartInline(NamedInputs):
    """A part of an article's content (its images, its related links), edited on the article's form only.

    The article's rule decides (``pending.may_edit_form``: the live story, or its pending change), not the part model's
    own permissions: a writer who may not change the article may not change
    its links either. The parts have no admin pages of their own.
    """

    extra = 0
    form = KeepStoredText

    def has_view_permission(self, request, obj=None):
        return self.admin_site.get_model_admin(self.parent_model).has_view_permission(request, obj)

    def has_add_permission(self, request, obj):
        return pending.may_edit_form(request.user, obj)

    def has_change_permission(self, request, obj=None):
        return pending.may_edit_form(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return pending.may_edit_form(request.user, obj)


class WorkflowAdmin(NamedInputs):
    """Mixed into the articles' ModelAdmin before ``admin.ModelAdmin``."""

    # One per transition; sending back needs a comment per article, so it is on the form only.
    actions = [bulk_action(t) for t in workflow.TRANSITIONS.values() if not t.comment_required]

    # The state

    @admin.display(description="status", ordering="status")
    def status_badge(self, article):
        key, text, detail = article.status, article.get_status_display(), ""
        if article.is_scheduled():
            key, text, detail = "scheduled", "Scheduled", f"Goes live {when(article.go_live_at)}"
        elif article.is_expired():
            key, text, detail = "expired", "Expired", f"Expired {when(article.expires_at)}"
        elif article.status == workflow.Status.PUBLISHED and article.expires_at:
            detail = f"Expires {when(article.expires_at)}"
        return format_html(
            '<span class="status-badge status-{}" title="{}">{}</span>{}{}',
            key,
            detail,
            text,
            format_html(' <span class="status-detail">{}</span>', detail) if detail else "",
            self.embargo_badge(article),
        )

    @staticmethod
    def embargo_badge(article) -> str:
        if not article.is_embargoed():
            return ""
        lifts = when(article.embargo_until)
        return format_html(
            ' <span class="status-badge status-embargo" title="{}">Embargo until {}</span>',
            article.embargo_reason or f"Readers see nothing of it before {lifts}",
            lifts,
        )

    @staticmethod
    def visibility_note(article) -> str:
        if article.is_embargoed():
            return f" It is under embargo until {when(article.embargo_until)}; readers will not see it before then."
        if article.is_scheduled():
            return f" It goes live at {when(article.go_live_at)}; readers will not see it before then."
        if article.is_expired():
            return f" It expired at {when(article.expires_at)}, so readers do not see it."
        return ""

    # Permissions: the rules are in articles.workflow.

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or pending.may_edit_form(request.user, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        transitions = workflow.TRANSITIONS
        return {
            name: action
            for name, action in actions.items()
            if name not in transitions or workflow.user_may(request.user, transitions[name])
        }

    # The form

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        hidden = set()
        hidden.add("transition_comment")  # in the workflow bar at the top of the form (change_form.html)
        if obj is None:
            hidden |= {"edit_token", "seen_revision", "status_badge", ("edited_at", "edited_by")}
        if (
            obj is None or not obj.is_live() or not workflow.may_edit(request.user, obj)
        ):  # asked of an edit of a live story
            hidden |= {"correction_kind", "correction_note"}
        if obj is not None and not pending.may_edit_form(request.user, obj):
            hidden |= {"edit_token", "seen_revision"}
        shown = [
            (name, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for name, options in fieldsets
        ]
        return [(name, options) for name, options in shown if options["fields"]]  # no section left empty

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
            context["edit_refusal"] = pending.form_refusal(request.user, obj)
            context["status_badge"] = self.status_badge(obj)
            # Only editors have the Publish button; only they may override an embargo.
            context["offers_embargo_override"] = obj.is_embargoed() and workflow.PUBLISH in context["transitions"]
            context["latest_comment"] = obj.transitions.exclude(comment="").select_related("by").first()
            if not obj.is_live():
                context["preview_url"] = reverse("articles:preview", kwargs={"pk": obj.pk})
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Django answers a POST the user may not make with a bare 403; say why instead.
        if request.method == "POST" and object_id is not None:
            article = self.get_object(request, unquote(object_id))
            if article is not None and self.has_view_permission(request, article):
                reason = pending.form_refusal(request.user, article)
                if reason:
                    self.message_user(request, f"{reason} Nothing was saved.", messages.ERROR)
                    return HttpResponseRedirect(request.path)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as refused:
            # services checked the save against the stored article (the token, the rules) and refused it,
            # so Django's transaction rolled back everything. The same POST again shows the form with the
            # reason, which the form reads from the request: Django's admin has no hook for a late error.
            if request.method != "POST":
                raise
            request.refused_save = refused
            return super().changeform_view(request, object_id, form_url, extra_context)

    # Saving: one call to services.article_save, which logs it; then the transition, which logs itself.

    @staticmethod
    def edits_content(form, parts) -> bool:
        """Whether saving the form edits the article's content: a field besides the schedule, or a part, changed."""
        return bool(set(form.changed_data) - SCHEDULE_FIELDS or parts)

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
            is_edit=not change or self.edits_content(form, parts + removed_parts),
            topics=form.cleaned_data.get("topics"),
            new_topic_names=form.cleaned_data.get("new_topics") or (),
            parts=parts,
            removed_parts=removed_parts,
            message=self.construct_change_message(request, form, formsets, not change),
            **self.save_options(request, form, change),
        )
        self.after_save(request, form, article, change)

    def save_options(self, request, form, change) -> dict:
        """What else ``services.article_save`` is told: the correction of a live story's text."""
        return {"correction": form.correction() if change else None, "require_correction": change}

    def after_save(self, request, form, article, change) -> None:
        """The workflow button pressed with the save, if any."""
        name = form.data.get("_transition")
        if change and name:
            services.article_transition(
                article=article,
                name=name,
                by=request.user,
                comment=form.cleaned_data.get("transition_comment") or "",
                embargo_override=form.cleaned_data.get("embargo_override") or "",
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

    def confirm_bulk_transition(self, request, queryset, transition):
        """The page that lists the selected stories and asks before taking them off the site."""
        articles = list(queryset.select_related("provider").order_by("-published_at", "-id"))
        live = [article for article in articles if article.is_live()]
        context = {
            **self.admin_site.each_context(request),
            "title": f"{transition.label} {len(articles)} article{'s' if len(articles) != 1 else ''}?",
            "subtitle": None,
            "opts": self.opts,
            "transition": transition,
            "articles": articles,
            "live_count": len(live),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/articles/article/confirm_transition.html", context)

    def bulk_transition(self, request, queryset, transition):
        done = []
        for article in queryset.order_by("pk"):
            try:
                services.article_transition(article=article, name=transition.name, by=request.user)
            except ValidationError as error:  # the rules', an embargo's or a lock's
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
