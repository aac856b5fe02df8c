"""Presence and locks on the article change form (``articles.presence`` decides and writes).

Two POST-only URLs under an article, CSRF-protected like every admin view:
``presence/`` (the heartbeat the change form sends, answering JSON: who else
is here, who holds the lock) and ``lock/`` (take, release or take over the
lock: a plain form, then back to the change form with a message).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.urls import path, reverse
from django.utils import timezone

from .. import presence, services, workflow


def lock_data(lock, user) -> dict | None:
    if lock is None:
        return None
    return {"by": presence.person(lock.by), "mine": lock.by_id == user.pk, "since": lock.taken_at.isoformat()}


class PresenceAdmin:
    """Mixed into the articles' ModelAdmin (before ``RevisionsAdmin``, whose ``viewable_article`` it uses): the two
    URLs, and what the change form shows of them."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        own = [
            path(
                "<path:object_id>/presence/",
                self.admin_site.admin_view(self.presence_view),
                name="{}_{}_presence".format(*info),
            ),
            path("<path:object_id>/lock/", self.admin_site.admin_view(self.lock_view), name="{}_{}_lock".format(*info)),
        ]
        return own + super().get_urls()

    def presence_view(self, request, object_id):
        """The heartbeat: record this person here now; answer who else is, and the lock."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self.viewable_article(request, object_id)
        now = timezone.now()
        presence.presence_beat(article=article, user=request.user, at=now)
        others = presence.others_here(article, request.user, at=now)
        return JsonResponse(
            {
                "others": [{"name": presence.person(row.user), "since": row.seen_at.isoformat()} for row in others],
                "lock": lock_data(presence.lock_of(article.pk), request.user),
                "every": presence.HEARTBEAT_SECONDS,
            }
        )

    def lock_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self.viewable_article(request, object_id)
        if not workflow.may_edit(request.user, article):
            raise PermissionDenied
        back = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[article.pk])
        if request.POST.get("action") == "release":
            if presence.lock_release(article=article, by=request.user):
                self.message_user(request, "You released the lock: others may save this article again.")
            return HttpResponseRedirect(back)
        try:
            presence.lock_take(article=article, by=request.user, reason=request.POST.get("reason", ""))
        except ValidationError as refused:
            self.message_user(request, f"Lock not taken: {' '.join(refused.messages)}", messages.ERROR)
        else:
            self.message_user(request, "You hold the lock: nobody else can save this article until you release it.")
        return HttpResponseRedirect(back)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            lock = presence.lock_of(obj.pk)
            context["presence"] = {
                "url": reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_presence", args=[obj.pk]),
                "lock_url": reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_lock", args=[obj.pk]),
                "others": presence.others_here(obj, request.user),
                "lock": lock,
                "lock_refusal": presence.lock_refusal(obj.pk, request.user, lock),
                "may_lock": workflow.may_edit(request.user, obj),
                "may_take_over": presence.may_take_over(request.user),
                "every": presence.HEARTBEAT_SECONDS,
            }
            refused = getattr(request, "refused_save", None)
            if isinstance(refused, services.EditConflict) and "adminform" in context:
                form = context["adminform"].form
                started = presence.started_from(obj, form.data.get("seen_revision"))
                saved = type(obj).objects.get(pk=obj.pk)  # obj holds what was posted
                context["three_way"] = presence.three_way(form, saved, started)
                context["three_way_started"] = started
        return super().render_change_form(request, context, add, change, form_url, obj)
