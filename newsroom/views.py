"""Project-level views that belong to no app."""

import mimetypes

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.http import FileResponse, Http404, JsonResponse, StreamingHttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

RASTER_IMAGES = {"image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"}


@never_cache
def healthz(request):
    """200 when the database and the cache both answer, 503 (saying which failed) otherwise."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # any failure means unhealthy, whatever the driver raises
        checks["database"] = f"error: {type(error).__name__}"
    try:
        cache.set("healthz", "ok", 5)
        checks["cache"] = "ok" if cache.get("healthz") == "ok" else "error: value not read back"
    except Exception as error:
        checks["cache"] = f"error: {type(error).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503)


def may_see_file(request, name: str) -> bool:
    """Whether the uploaded file ``name`` may be shown: a live article's image or any logo or related
    link's image to everyone; a draft's image to staff who may view articles only (its page is a preview)."""
    from articles.models import Article, ArticleImage, ProviderLogo, RelatedLinkImage

    user = request.user
    if user.is_active and user.is_staff and user.has_perm("articles.view_article"):
        return True
    live = Article.objects.published().values("pk")
    return (
        ArticleImage.objects.filter(file=name, article__in=live).exists()
        or ProviderLogo.objects.filter(file=name).exists()
        or RelatedLinkImage.objects.filter(file=name).exists()
    )


@require_safe
def media_file(request, path):
    """An uploaded image, under ``make run`` and ``make serve`` alike (WhiteNoise serves static files only).

    Read through the default storage (a folder under MEDIA_ROOT in a real
    deployment; it refuses ".." and absolute paths). Raster images only: an
    SVG could carry script. A draft's image goes to staff only (see
    ``may_see_file``), so it is never in a shared cache.
    """
    if not settings.NEWSROOM_SERVE_MEDIA or "\x00" in path:
        raise Http404("No such file.")
    content_type, encoding = mimetypes.guess_type(path)
    if encoding or content_type not in RASTER_IMAGES or not may_see_file(request, path):
        raise Http404("No such file.")
    try:
        file = default_storage.open(path, "rb")
    except (OSError, SuspiciousFileOperation):
        raise Http404("No such file.") from None
    if isinstance(default_storage, FileSystemStorage):
        response = FileResponse(file, content_type=content_type)  # a file of its own: sendfile where the server can
    else:
        # Another storage may hand every reader one shared file object (InMemoryStorage does): FileResponse
        # would hang this response's close() on it, and the next request to close that file would end its
        # own request early (closing its database connection). A plain stream leaves the object alone.
        response = StreamingHttpResponse(file.chunks(), content_type=content_type)
        response["Content-Length"] = str(file.size)
    staff = request.user.is_active and request.user.is_staff
    patch_cache_control(response, **{"private" if staff else "public": True}, max_age=settings.MEDIA_MAX_AGE)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
