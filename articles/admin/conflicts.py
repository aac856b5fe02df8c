"""The conflict screen: a newer seed file's version of an edited article, against the article (issue 13).

``ConflictsAdmin`` is mixed into the articles' ModelAdmin. Everyone who may
view the article sees the comparison (``articles.compare``, the feed's
version as the newer side); those who may change the article itself settle
it (``articles.conflicts.resolve``, which checks again): take the feed's
version, whole or the fields ticked, or keep ours.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from .. import conflicts, revisions, workflow
from ..compare import compare
from ..models import Correction, FeedConflict


class ConflictFilter(admin.SimpleListFilter):
    title = "conflicts"
    parameter_name = "conflict"

    def lookups(self, request, model_admin):
        return [("yes", "In conflict with a newer seed file")]

    def queryset(self, request, queryset):
        return queryset.in_conflict() if self.value() == "yes" else queryset


class ConflictsAdmin:
    """Mixed into the articles' ModelAdmin before ``admin.ModelAdmin``."""

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), ConflictFilter]

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        own = [
            path(
                "<path:object_id>/conflict/",
                self.admin_site.admin_view(self.conflict_view),
                name="{}_{}_conflict".format(*info),
            )
        ]
        return own + super().get_urls()

    def conflict_view(self, request, object_id):
        article = self.viewable_article(request, object_id)  # RevisionsAdmin: 404, or 403 for who may not view it
        conflict = FeedConflict.objects.filter(article=article).first()
        if conflict is None and article.conflict_file:  # recorded before the import kept the file's version
            self.message_user(
                request,
                f"The import did not keep {article.conflict_file}'s version to compare: import it again with "
                "--overwrite to take it.",
                messages.WARNING,
            )
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))
        if conflict is None:
            raise Http404("This article has no conflict with a seed file.")
        may_settle = workflow.may_edit(request.user, article)
        if request.method == "POST":
            if not may_settle:
                raise PermissionDenied
            take = set(request.POST.getlist("take")) if "_take" in request.POST else set()
            if request.POST.get("_take") == "all":
                take = {key for key, _ in conflicts.differing(revisions.snapshot(article.pk), conflict.snapshot)}
            correction = request.POST.get("correction_kind", ""), request.POST.get("correction_note", "")
            try:
                conflicts.resolve(article=article, by=request.user, take=take, correction=correction)
            except ValidationError as refused:
                self.message_user(request, f"Not settled: {' '.join(refused.messages)}", messages.ERROR)
                return HttpResponseRedirect(request.path)
            done = "took the feed's version of what you chose" if take else "kept our version"
            self.message_user(request, f"Conflict with {conflict.source_file} settled: {done}.", messages.SUCCESS)
            info = self.opts.app_label, self.opts.model_name
            return HttpResponseRedirect(reverse("admin:{}_{}_change".format(*info), args=[article.pk]))
        ours = revisions.snapshot(article.pk)
        theirs = conflict.snapshot
        context = self.revision_context(request, article, f"Conflict with a newer seed file: “{article}”")
        context |= {
            "conflict": conflict,
            "comparison": compare(ours, theirs),
            "differing": conflicts.differing(ours, theirs),
            "may_settle": may_settle,
            "asks_correction": article.is_live(),
            "correction_kinds": Correction.Kind.choices,
        }
        return TemplateResponse(request, "admin/articles/article/conflict.html", context)
