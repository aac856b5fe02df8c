"""The editorial dashboard on the admin index: ``{% editorial_dashboard %}``."""

from django import template
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, PendingChange

register = template.Library()

DASHBOARD_ROWS = 8


@register.inclusion_tag("admin/articles/dashboard.html", takes_context=True)
def editorial_dashboard(context):
    request = context["request"]
    if not request.user.has_perm("articles.view_article"):
        return {"show": False}
    now = timezone.now()
    counts = Article.objects.status_counts(now)
    changelist = reverse("admin:articles_article_changelist")
    return {
        "show": True,
        "now": now,
        "changelist": changelist,
        "status_counts": [
            (label, counts[value], f"{changelist}?status__exact={value}") for value, label in Article.Status.choices
        ],
        "scheduled_count": counts["scheduled"],
        "expired_count": counts["expired"],
        "conflict_count": counts["in_conflict"],
        "review_queue": Article.objects.review_queue().select_related("provider")[:DASHBOARD_ROWS],
        "scheduled": Article.objects.scheduled(now).order_by("go_live_at", "id")[:DASHBOARD_ROWS],
        "recently_imported": Article.objects.recently_imported().select_related("provider")[:DASHBOARD_ROWS],
        "conflicts": Article.objects.in_conflict()[:DASHBOARD_ROWS],
        # Live stories with a change waiting (articles.pending), the longest-waiting first.
        "pending_count": PendingChange.objects.count(),
        "pending_changes": PendingChange.objects.select_related("article", "updated_by")
        .defer("data")
        .order_by("updated_at", "id")[:DASHBOARD_ROWS],
    }
