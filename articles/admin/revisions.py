"""An article's revisions in the admin: the list (with the workflow moves), a comparison of any two, revert.

``RevisionsAdmin`` is mixed into the articles' ModelAdmin. Who may see the
pages is who may view the article; who may revert is who may edit it
(``workflow.may_edit``, checked again by ``services.article_revert``). Each
page costs a fixed number of queries whatever the number of revisions.
"""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from .. import revisions, services, workflow
from ..compare import compare
from ..models import ArticleTransition, Revision


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
            "may_edit": workflow.may_edit(request.user, article),
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
        context |= {"rows": rows, "latest": latest, "edit_token": article.edit_token}
        return TemplateResponse(request, "admin/articles/article/revisions.html", context)

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
        if not workflow.may_edit(request.user, article):
            raise PermissionDenied
        revision = Revision.objects.filter(article=article, number=number).first()
        if revision is None:
            raise Http404("No such revision.")
        back = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_revisions", args=[article.pk])
        try:
            services.article_revert(
                article=article, revision=revision, by=request.user, seen_token=request.POST.get("edit_token") or ""
            )
        except ValidationError as refused:
            self.message_user(request, f"Not reverted: {' '.join(refused.messages)}", messages.ERROR)
        else:
            self.message_user(
                request, f"“{article}” has the content of revision {number} again, as a new revision.", messages.SUCCESS
            )
        return HttpResponseRedirect(back)
