"""The body editor's preview: Markdown in, the HTML the site would show out.

The same renderer and sanitiser as the site (``rendering.stored_body_html``),
so what the writer sees is what readers get. Staff only (the admin site's
``admin_view``: signed in, staff, CSRF-checked), POST only, for people who may
write articles, and bounded: a body over the site's own bounds is refused with
the reason, and a request larger than any allowed body is refused unread.
"""

from django.http import HttpResponse, HttpResponseForbidden
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from .. import rendering

# A body of MAX_BODY_CHARS characters, each up to 4 bytes in UTF-8, form-encoded (up to 3 bytes a byte), and the
# token: anything larger cannot hold an allowed body.
MAX_REQUEST_BYTES = rendering.MAX_BODY_CHARS * 12 + 4096


def may_write(user) -> bool:
    return user.has_perm("articles.add_article") or user.has_perm("articles.change_article")


def fragment(html: str, status: int = 200) -> HttpResponse:
    return HttpResponse(html, status=status, content_type="text/html; charset=utf-8")  # admin_view: never cached


@require_POST
def body_preview(request):
    if not may_write(request.user):
        return HttpResponseForbidden("You may not write articles.")
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_REQUEST_BYTES:
        return fragment('<p class="errornote">This text is too long to preview.</p>', status=413)
    try:
        html = rendering.stored_body_html(request.POST.get("body", ""), request.POST.get("title", ""))
    except rendering.BodyTooLarge as error:
        return fragment(format_html('<p class="errornote">The {}: too long to preview or save.</p>', error), status=413)
    return fragment(html or '<p class="body-preview-empty">Nothing to preview yet.</p>')
