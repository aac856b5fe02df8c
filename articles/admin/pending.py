"""Pending changes of live stories in the admin: the change form edits them, its buttons move them.

``PendingAdmin`` is mixed into the articles' ModelAdmin first. When an
edit of the article is its pending change (``pending.edits_pending``: it has
one, the person is a writer, or an editor pressed "Save as pending"), the
whole change view runs in ``pending.sandbox``: the form and its inlines show
the pending content, a save goes through ``services.article_save`` as a
proposal, and what it would have written is stored as the pending change
once the sandbox is rolled back. The workflow buttons are then the pending
change's (``pending.TRANSITIONS``); the list and the dashboard show the
stories that have one.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html

from .. import pending
from ..models import PendingChange
from .workflow import SCHEDULE_FIELDS


class PendingFilter(admin.SimpleListFilter):
    title = "pending changes"
    parameter_name = "pending"

    def lookups(self, request, model_admin):
        return [("yes", "Live, with pending changes"), ("review", "Pending changes in review")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pending_change__isnull=False)
        if self.value() == "review":
            return queryset.filter(pending_change__status=PendingChange.Status.REVIEW)
        return queryset


class PendingAdmin:
    """Mixed into the articles' ModelAdmin before the other mixins."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        own = [
            path(
                "<path:object_id>/pending/discard/",
                self.admin_site.admin_view(self.discard_pending_view),
                name="{}_{}_pending_discard".format(*info),
            )
        ]
        return own + super().get_urls()

    # The list

    def get_queryset(self, request):
        status = PendingChange.objects.filter(article=OuterRef("pk")).values("status")[:1]
        return super().get_queryset(request).annotate(pending_status=Subquery(status))

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), PendingFilter]

    @admin.display(description="status", ordering="status")
    def status_badge(self, article):
        badge = super().status_badge(article)
        status = getattr(article, "pending_status", None)
        if status is None and not hasattr(article, "pending_status"):
            found = pending.pending_of(article)
            status = found.status if found else None
        if status is None:
            return badge
        label = PendingChange.Status(status).label.lower()
        return format_html(
            '{} <span class="status-badge status-pending" title="The live version stays until an editor publishes '
            'the change">with pending changes ({})</span>',
            badge,
            label,
        )

    # The form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        article = self.get_object(request, unquote(object_id)) if object_id is not None else None
        if (
            article is None
            or not self.has_view_permission(request, article)
            or not pending.edits_pending(request, article)
        ):
            return super().changeform_view(request, object_id, form_url, extra_context)
        if request.method == "POST" and pending.form_refusal(request.user, article) is not None:
            return super().changeform_view(request, object_id, form_url, extra_context)  # says why
        with pending.sandbox(article) as box:
            box.move = None
            request.pending_box = box
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()  # its querysets are read here, in the sandbox
        if box.content is None:
            return response
        stored = pending.store(box, by=request.user)
        name, comment, correction = box.move or ("", "", None)
        if not name:
            if stored is None:
                self.message_user(request, "Nothing changed: there is no pending change to save.", messages.INFO)
            else:
                self.message_user(
                    request,
                    f"The change to “{article}” is saved as pending: readers keep the live version until an editor "
                    "publishes it.",
                    messages.SUCCESS,
                )
            return response
        try:
            pending.move(article=article, name=name, by=request.user, comment=comment, correction=correction)
        except ValidationError as refused:
            self.message_user(request, f"Saved as pending, but: {' '.join(refused.messages)}", messages.ERROR)
        else:
            done = pending.TRANSITIONS[name].done
            readers = " Readers see it now." if name == pending.PUBLISH.name else ""
            self.message_user(request, f"The pending change to “{article}” was {done}.{readers}", messages.SUCCESS)
        return response

    def save_options(self, request, form, change) -> dict:
        if getattr(request, "pending_box", None) is None:
            return super().save_options(request, form, change)
        return {"proposal": True}

    def after_save(self, request, form, article, change) -> None:
        box = getattr(request, "pending_box", None)
        if box is None:
            return super().after_save(request, form, article, change)
        name = form.data.get("_transition") or ""
        comment = form.cleaned_data.get("transition_comment") or ""
        correction = None
        # Checked here, in the form's save, so that a refusal is shown on the form (WorkflowAdmin.changeform_view)
        # with what was typed; nothing is then stored, so the same form posted again is not stale.
        schedule = sorted(set(form.changed_data) & SCHEDULE_FIELDS)
        if schedule:
            reason = (
                "Not saved: the schedule, embargo and assignment belong to the live story, not to its pending "
                "change. Change this once no pending change is open (publish or discard it first), or save the "
                "pending change without it."
            )
            raise pending.PendingRefused(dict.fromkeys(schedule, reason), code="schedule_in_pending")
        pending.capture(box)
        try:
            if name:
                stub = box.pending or PendingChange(article=box.live)
                pending.check_transition(request.user, stub, name, comment)
                if name == pending.PUBLISH.name:
                    correction = (
                        form.cleaned_data.get("correction_kind") or "",
                        form.cleaned_data.get("correction_note") or "",
                    )
                    pending.check_correction(request.user, box.live, pending.without_ids(box.content), correction)
        except ValidationError:
            box.content = None
            raise
        box.move = name, comment, correction
        return None

    def response_change(self, request, obj):
        if getattr(request, "pending_box", None) is None:
            return super().response_change(request, obj)
        return HttpResponseRedirect(request.path)  # the messages say what happened, once the change is stored

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        box = getattr(request, "pending_box", None)
        if obj is not None and box is not None:
            found = box.pending
            stub = found or PendingChange(article=obj)
            may = pending.form_refusal(request.user, obj) is None
            context["pending"] = found
            context["pending_mode"] = True
            context["pending_transitions"] = pending.allowed_transitions(request.user, stub) if may else []
            context["may_discard"] = pending.may_discard(request.user, found)
            context["preview_url"] = reverse("articles:preview", kwargs={"pk": obj.pk})
        elif obj is not None and pending.goes_pending(obj) and pending.may_edit_form(request.user, obj):
            context["may_save_pending"] = True
        response = super().render_change_form(request, context, add, change, form_url, obj)
        if box is not None and obj is not None:
            response.context_data["transitions"] = context["pending_transitions"]
            response.context_data["preview_url"] = context["preview_url"]
        return response

    def discard_pending_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404("No such article.")
        if not self.has_view_permission(request, article):
            raise PermissionDenied
        try:
            pending.discard(article=article, by=request.user)
        except ValidationError as refused:
            self.message_user(request, f"Not discarded: {' '.join(refused.messages)}", messages.ERROR)
        else:
            self.message_user(
                request, f"The pending change to “{article}” is discarded; the live version stays.", messages.SUCCESS
            )
        info = self.opts.app_label, self.opts.model_name
        return HttpResponseRedirect(reverse("admin:{}_{}_change".format(*info), args=[article.pk]))
