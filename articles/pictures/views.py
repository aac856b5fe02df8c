"""Rendition files from the local "pictures" storage, for when no proxy or bucket serves them.

Only renditions (``r/...``): the stored originals keep the source's metadata
and are never served. Names are content-addressed, so a response can be
cached for a year. With an S3 bucket the pages link to the bucket instead.
"""

import mimetypes

from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

from .render import storage


@require_safe
def serve_rendition(request, name: str):
    if not name.startswith("r/") or ".partial" in name:
        raise Http404("No such picture.")
    store = storage()
    try:
        handle = store.open(name, "rb")
    except (FileNotFoundError, SuspiciousFileOperation, NotImplementedError):
        raise Http404("No such picture.") from None
    response = FileResponse(handle, content_type=mimetypes.guess_type(name)[0] or "application/octet-stream")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response
