"""The admin header's inbox link with its unread count, and the desk's assignments on the dashboard (issue 15)."""

from django import template
from django.urls import reverse
from django.utils import timezone

from articles.admin.collab import unread_count
from articles.models import Article

register = template.Library()

DASHBOARD_ROWS = 8


@register.inclusion_tag("admin/articles/inbox_link.html", takes_context=True)
def inbox_link(context):
    user = context["request"].user
    return {"unread": unread_count(user) if user.is_active and user.is_staff else 0, "show": user.is_staff}


@register.inclusion_tag("admin/articles/assignment_dashboard.html", takes_context=True)
def assignment_dashboard(context):
    request = context["request"]
    if not request.user.has_perm("articles.view_article"):
        return {"show": False}
    now = timezone.now()
    mine = Article.objects.assigned_to(request.user).exclude(status=Article.Status.ARCHIVED)
    return {
        "show": True,
        "now": now,
        "changelist": reverse("admin:articles_article_changelist"),
        "mine": mine.order_by("due_at", "-id")[:DASHBOARD_ROWS],
        "mine_count": mine.count(),
        "overdue": Article.objects.overdue(now).select_related("assignee")[:DASHBOARD_ROWS],
        "overdue_count": Article.objects.overdue(now).count(),
    }
