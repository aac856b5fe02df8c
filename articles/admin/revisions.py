"""An article's revisions in the admin: the list (with the workflow moves), a comparison of any two, revert,
and preview links to one revision for people without a login (created and revoked by editors only).

``RevisionsAdmin`` is mixed into the articles' ModelAdmin. Who may see the
pages is who may view the article; who may revert is who may edit it
(``pending.may_edit_form``, checked again by ``services.article_revert``; a writer's revert of a live story
is a pending change, an editor's asks for the correction's kind as an edit does). Each
page costs a fixed number of queries whatever the number of revisions.
Preview links are made and revoked by those who may publish
(``workflow.PUBLISH_PERMISSION``, editors); a link is never edited or
deleted here, and its uses are listed with it.
"""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from .. import pending, revisions, services, workflow
from ..compare import compare
from ..models import ArticleTransition, Correction, PreviewLink, Revision
from ..models.previews import DEFAULT_HOURS, MAX_HOURS


def may_share(user) -> bool:
    """Who may create and revoke preview links: those who may publish (editors)."""
    return workflow.may_schedule(user)


def who(revision: Revision) -> str:
    if revision.by_id is not None:
        return services.person(revision.by)
    if revision.source_file:
        return f"seed file {revision.source_file}"
    if revision.kind == Revision.Kind.EXISTING:
        return "—"
    return services.person(None)


class RevisionsAdmin:
    """Mixed into the articles' ModelAdmin before ``admin.ModelAdmin``."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        own = [
            path(
                "<path:object_id>/revisions/",
                self.admin_site.admin_view(self.revisions_view),
                name="{}_{}_revisions".format(*info),
            ),
            path(
                "<path:object_id>/revisions/compare/",
                self.admin_site.admin_view(self.compare_view),
                name="{}_{}_revisions_compare".format(*info),
            ),
            path(
                "<path:object_id>/revisions/<int:number>/revert/",
                self.admin_site.admin_view(self.revert_view),
                name="{}_{}_revisions_revert".format(*info),
            ),
            path(
                "<path:object_id>/revisions/<int:number>/preview-link/",
                self.admin_site.admin_view(self.preview_link_create_view),
                name="{}_{}_preview_link_create".format(*info),
            ),
            path(
                "<path:object_id>/preview-links/<int:link_id>/revoke/",
                self.admin_site.admin_view(self.preview_link_revoke_view),
                name="{}_{}_preview_link_revoke".format(*info),
            ),
        ]
        return own + super().get_urls()

    def viewable_article(self, request, object_id):
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404("No such article.")
        if not self.has_view_permission(request, article):
            raise PermissionDenied
        return article

    def revision_context(self, request, article, title: str) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "title": title,
            "subtitle": str(article),
            "may_edit": pending.may_edit_form(request.user, article),
            "asks_correction": article.is_live() and not pending.edits_pending(request, article),
            "correction_kinds": Correction.Kind.choices,
        }

    def revisions_view(self, request, object_id):
        article = self.viewable_article(request, object_id)
        revisions = list(
            Revision.objects.filter(article=article)
            .select_related("by", "transition", "reverted_from")
            .defer("data", "reverted_from__data")
            .order_by("-number")
        )
        # Workflow moves from before revisions were kept have no revision of their own.
        older_moves = ArticleTransition.objects.filter(article=article, revision__isnull=True).select_related("by")
        rows = [{"revision": r, "at": r.created_at, "who": who(r)} for r in revisions]
        rows += [{"transition": t, "at": t.at, "who": services.person(t.by)} for t in older_moves]
        rows.sort(key=lambda row: (row["at"], row["revision"].number if "revision" in row else 0), reverse=True)
        latest = revisions[0].number if revisions else None
        context = self.revision_context(request, article, f"Revisions of “{article}”")
        links = (
            PreviewLink.objects.filter(article=article)
            .select_related("created_by", "revoked_by")
            .annotate(use_count=Count("uses"), last_use=Max("uses__at"))
            .order_by("-created_at", "-pk")
        )
        context |= {
            "rows": rows,
            "latest": latest,
            "edit_token": article.edit_token,
            "preview_links": list(links),
            "may_share": may_share(request.user),
            "default_hours": DEFAULT_HOURS,
            "max_hours": MAX_HOURS,
            "now": timezone.now(),
        }
        return TemplateResponse(request, "admin/articles/article/revisions.html", context)

    def revisions_url(self, article) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_revisions", args=[article.pk])

    def preview_link_create_view(self, request, object_id, number):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self.viewable_article(request, object_id)
        if not may_share(request.user):
            raise PermissionDenied
        revision = Revision.objects.filter(article=article, number=number).defer("data").first()
        if revision is None:
            raise Http404("No such revision.")
        try:
            hours = int(request.POST.get("hours") or DEFAULT_HOURS)
        except ValueError:
            hours = 0
        if not 1 <= hours <= MAX_HOURS:
            self.message_user(request, f"No link made: it must last from 1 to {MAX_HOURS} hours.", messages.ERROR)
            return HttpResponseRedirect(self.revisions_url(article))
        note = " ".join((request.POST.get("note") or "").split())[:200]
        link, token = PreviewLink.create(revision=revision, by=request.user, hours=hours, note=note)
        url = request.build_absolute_uri(reverse("articles:preview_link", args=[token]))
        self.message_user(
            request,
            f"Preview link to revision {number}, valid until {link.expires_at:%d %b %Y, %H:%M} UTC: {url} "
            "— copy it now: it is shown only once.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self.revisions_url(article))

    def preview_link_revoke_view(self, request, object_id, link_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self.viewable_article(request, object_id)
        if not may_share(request.user):
            raise PermissionDenied
        updated = PreviewLink.objects.filter(article=article, pk=link_id, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=request.user
        )
        if not updated and not PreviewLink.objects.filter(article=article, pk=link_id).exists():
            raise Http404("No such preview link.")
        self.message_user(request, "The preview link is revoked: it now answers “gone”.", messages.SUCCESS)
        return HttpResponseRedirect(self.revisions_url(article))

    def compare_view(self, request, object_id):
        article = self.viewable_article(request, object_id)
        try:
            numbers = [int(request.GET[name]) for name in ("a", "b") if request.GET.get(name)]
        except ValueError:
            raise Http404("Revision numbers are whole numbers.") from None
        if len(numbers) != 2:
            newest = list(
                Revision.objects.filter(article=article).order_by("-number").values_list("number", flat=True)[:2]
            )
            if len(newest) < 2:
                raise Http404("This article has fewer than two revisions.")
            numbers = newest[::-1]
        found = {r.number: r for r in Revision.objects.filter(article=article, number__in=numbers).select_related("by")}
        if len(found) != len(set(numbers)):
            raise Http404("No such revision.")
        old, new = sorted((found[numbers[0]], found[numbers[1]]), key=lambda r: r.number)
        context = self.revision_context(request, article, f"Revision {old.number} → {new.number} of “{article}”")
        context |= {
            "old": old,
            "new": new,
            "old_who": who(old),
            "new_who": who(new),
            "comparison": compare(revisions.content_of(old), revisions.content_of(new)),
            "latest": Revision.objects.filter(article=article).order_by("-number").values_list("number", flat=True)[0],
            "edit_token": article.edit_token,
        }
        return TemplateResponse(request, "admin/articles/article/revision_compare.html", context)

    def revert_view(self, request, object_id, number):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self.viewable_article(request, object_id)
        if not pending.may_edit_form(request.user, article):
            raise PermissionDenied
        revision = Revision.objects.filter(article=article, number=number).first()
        if revision is None:
            raise Http404("No such revision.")
        back = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_revisions", args=[article.pk])
        try:
            if pending.edits_pending(
                request, article
            ):  # a writer's revert of a live story, or one with a pending change
                pending.propose_revert(article=article, revision=revision, by=request.user)
                self.message_user(
                    request,
                    f"The content of revision {number} is now the pending change of “{article}”; "
                    "readers keep the live version until an editor publishes it.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(back)
            correction = request.POST.get("correction_kind", ""), request.POST.get("correction_note", "")
            services.article_revert(
                article=article,
                revision=revision,
                by=request.user,
                seen_token=request.POST.get("edit_token") or "",
                correction=correction,
            )
        except ValidationError as refused:
            self.message_user(request, f"Not reverted: {' '.join(refused.messages)}", messages.ERROR)
        else:
            self.message_user(
                request, f"“{article}” has the content of revision {number} again, as a new revision.", messages.SUCCESS
            )
        return HttpResponseRedirect(back)
