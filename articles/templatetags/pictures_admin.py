"""The job queue on the admin index: ``{% pictures_dashboard %}`` (articles/pictures/jobs.py, queue_state)."""

from django import template
from django.urls import reverse

from ..pictures.jobs import queue_state

register = template.Library()


@register.inclusion_tag("admin/articles/pictures_dashboard.html", takes_context=True)
def pictures_dashboard(context):
    request = context["request"]
    if not request.user.has_perm("articles.view_picture"):
        return {"show": False}
    changelist = reverse("admin:articles_picture_changelist")
    return {"show": True, "changelist": changelist, **queue_state()}
