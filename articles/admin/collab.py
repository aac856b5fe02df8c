"""Working together in the admin (issue 15): assignment, notes beside the change form, the inbox.

- ``CollabAdmin`` is mixed into the articles' ModelAdmin: the assignee and due
  fields (editors change them: ``workflow.may_assign``), the notes panel's
  data, and two small POST views, adding a note and resolving a thread,
  which do not need the article's form to be saved. Anyone who may see the
  article in the admin may do both.
- ``AssignmentFilter``: "assigned to me", "unassigned", "overdue" on the list.
- ``site_urls``: each person's inbox (mark read), their notification
  preferences and the mention suggestions (JSON for the note box).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from .. import notes, notifications, workflow
from ..models import ArticleNote, Notification, NotificationPreference

MENTION_SUGGESTIONS = 10


def staff_choices():
    return get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username")


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Note",
        max_length=notes.MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only the desk sees notes. Type @ and a name to tell someone.",
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, help_text="The note this one answers.")


class CollabAdmin:
    """Mixed into the articles' ModelAdmin before ``RevisionsAdmin`` (whose ``viewable_article`` it uses)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assignee":
            kwargs["queryset"] = staff_choices()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not workflow.may_assign(request.user):
            readonly += [name for name in ("assigned_to", "due_at") if name not in readonly]
        return readonly

    def get_fieldsets(self, request, obj=None):
        """Writers see who has the story as text (``assigned_to``), not a link to a user page they may not open."""
        fieldsets = super().get_fieldsets(request, obj)
        if workflow.may_assign(request.user):
            return fieldsets
        shown = {"assignee": "assigned_to"}

        def swap(line):
            return tuple(shown.get(name, name) for name in line) if isinstance(line, tuple) else shown.get(line, line)

        return [
            (name, {**options, "fields": [swap(line) for line in options["fields"]]}) for name, options in fieldsets
        ]

    @admin.display(description="assigned to", ordering="assignee__username")
    def assigned_to(self, article):
        if article.assignee_id is None:
            return "—"
        overdue = (
            article.due_at
            and article.due_at < timezone.now()
            and article.status in {workflow.Status.DRAFT, workflow.Status.REVIEW}
        )
        return f"{article.assignee.get_username()}{' (overdue)' if overdue else ''}"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        own = [
            path(
                "<path:object_id>/notes/",
                self.admin_site.admin_view(self.note_add_view),
                name="{}_{}_notes_add".format(*info),
            ),
            path(
                "<path:object_id>/notes/<int:note_id>/resolve/",
                self.admin_site.admin_view(self.note_resolve_view),
                name="{}_{}_notes_resolve".format(*info),
            ),
        ]
        return own + super().get_urls()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            context["note_threads"] = notes.threads(obj)
            context["notes_add_url"] = reverse("admin:articles_article_notes_add", args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def notes_anchor(self, article) -> str:
        return reverse("admin:articles_article_change", args=[article.pk]) + "#notes"

    @staticmethod
    def refusal_text(error: ValidationError) -> str:
        return " ".join(error.messages)

    def note_add_view(self, request, object_id):
        return require_POST(self._note_add)(request, object_id)

    def _note_add(self, request, object_id):
        article = self.viewable_article(request, object_id)  # RevisionsAdmin: 404, or 403 unless they see it
        form = NoteForm(request.POST)
        if not form.is_valid():
            self.message_user(request, "The note was not added: write something.", messages.ERROR)
            return HttpResponseRedirect(self.notes_anchor(article))
        parent = None
        if form.cleaned_data["parent"]:
            parent = ArticleNote.objects.filter(pk=form.cleaned_data["parent"], article=article).first()
            if parent is None:
                raise Http404("No such note on this article.")
        try:
            note = notes.add_note(article=article, by=request.user, text=form.cleaned_data["text"], parent=parent)
        except ValidationError as error:
            self.message_user(request, f"The note was not added: {self.refusal_text(error)}", messages.ERROR)
        else:
            told = ", ".join(user.get_username() for user in note.mentions.all())
            self.message_user(request, "Note added." + (f" Told: {told}." if told else ""), messages.SUCCESS)
        return HttpResponseRedirect(self.notes_anchor(article))

    def note_resolve_view(self, request, object_id, note_id):
        return require_POST(self._note_resolve)(request, object_id, note_id)

    def _note_resolve(self, request, object_id, note_id):
        article = self.viewable_article(request, object_id)  # RevisionsAdmin: 404, or 403 unless they see it
        note = get_object_or_404(ArticleNote, pk=note_id, article=article)
        resolved = request.POST.get("resolved", "1") != "0"
        notes.resolve_note(note=note, by=request.user, resolved=resolved)
        self.message_user(request, "Thread resolved." if resolved else "Thread open again.", messages.SUCCESS)
        return HttpResponseRedirect(self.notes_anchor(article))


class AssignmentFilter(admin.SimpleListFilter):
    title = "assignment"
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", "Assigned to me"), ("none", "Unassigned"), ("overdue", "Overdue")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "me":
            return queryset.assigned_to(request.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value == "overdue":
            return queryset.overdue()
        return queryset


# The site's own pages: the inbox, the preferences, the mention suggestions.


def inbox(user):
    return Notification.objects.filter(user=user, inbox=True)


def unread_count(user) -> int:
    return inbox(user).filter(read_at=None).count()


def inbox_view(site, request):
    if request.method == "POST":
        chosen = inbox(request.user).filter(read_at=None)
        if "all" not in request.POST:
            chosen = chosen.filter(pk__in=[v for v in request.POST.getlist("notification") if v.isdigit()])
        marked = chosen.update(read_at=timezone.now())
        messages.success(request, f"{marked} marked read.")
        return HttpResponseRedirect(reverse("admin:inbox"))
    page = Paginator(inbox(request.user).select_related("actor", "article"), 50).get_page(request.GET.get("p"))
    context = {
        **site.each_context(request),
        "title": "Your notifications",
        "subtitle": None,
        "page": page,
        "unread": unread_count(request.user),
    }
    return TemplateResponse(request, "admin/articles/inbox.html", context)


def inbox_open_view(request, notification_id):
    """Open a notification's story from the inbox: it is read now. Another person's answers 404."""
    notification = get_object_or_404(inbox(request.user), pk=notification_id)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk).update(read_at=timezone.now())
    if notification.article_id is None:
        return HttpResponseRedirect(reverse("admin:inbox"))
    return HttpResponseRedirect(reverse("admin:articles_article_change", args=[notification.article_id]) + "#notes")


class PreferencesForm(forms.Form):
    """Two boxes per kind: in the inbox, by mail."""

    def __init__(self, *args, chosen: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in Notification.Kind.choices:
            preference = chosen.get(kind)
            for channel, text in (("inbox", "in the inbox"), ("email", "by mail")):
                self.fields[f"{kind}-{channel}"] = forms.BooleanField(
                    label=f"{label}: {text}",
                    required=False,
                    initial=getattr(preference, channel) if preference else True,
                    help_text=f"Tell me {text} when: {label.lower()}.",
                )

    def rows(self):
        return [(label, self[f"{kind}-inbox"], self[f"{kind}-email"]) for kind, label in Notification.Kind.choices]


def preferences_view(site, request):
    chosen = {p.kind: p for p in NotificationPreference.objects.filter(user=request.user)}
    form = PreferencesForm(request.POST if request.method == "POST" else None, chosen=chosen)
    if request.method == "POST" and form.is_valid():
        for kind in Notification.Kind.values:
            NotificationPreference.objects.update_or_create(
                user=request.user,
                kind=kind,
                defaults={"inbox": form.cleaned_data[f"{kind}-inbox"], "email": form.cleaned_data[f"{kind}-email"]},
            )
        messages.success(request, "Your notification preferences are saved.")
        return HttpResponseRedirect(reverse("admin:notification_preferences"))
    context = {
        **site.each_context(request),
        "title": "Notification preferences",
        "subtitle": None,
        "form": form,
        "has_email": bool(request.user.email),
    }
    return TemplateResponse(request, "admin/articles/notification_preferences.html", context)


@require_GET
def mention_suggestions(request):
    """People a note may mention whose username or name starts with ``q``: [{username, name}], at most ten."""
    term = request.GET.get("q", "").strip().lstrip("@")[:150]
    people = notifications.may_see_articles().filter(
        Q(username__istartswith=term) | Q(first_name__istartswith=term) | Q(last_name__istartswith=term)
    )
    found = people.order_by("username")[:MENTION_SUGGESTIONS]
    return JsonResponse({"people": [{"username": u.get_username(), "name": u.get_full_name()} for u in found]})


def site_urls(site) -> list:
    return [
        path("inbox/", site.admin_view(lambda request: inbox_view(site, request)), name="inbox"),
        path("inbox/<int:notification_id>/", site.admin_view(inbox_open_view), name="inbox_open"),
        path(
            "inbox/preferences/",
            site.admin_view(lambda request: preferences_view(site, request)),
            name="notification_preferences",
        ),
        path("mentions/", site.admin_view(mention_suggestions), name="mention_suggestions"),
    ]
