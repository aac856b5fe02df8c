"""Project-wide middleware: a log line per request, and a plain 503 while the database is away."""

import logging
import time

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse

request_logger = logging.getLogger("newsroom.request")
logger = logging.getLogger("newsroom")

UNAVAILABLE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Newsroom is briefly unavailable</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: Georgia, serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem; color: #1a1a1a">
<h1>We'll be right back</h1>
<p>Newsroom cannot reach its database at the moment. Please try again in a minute.</p>
</body></html>
"""


class RequestLogMiddleware:
    """Logs method, path, status, duration and user of every request as one structured line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        request_logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "fields": {
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user": user.pk if user is not None and user.is_authenticated else None,
                }
            },
        )
        return response


class DatabaseUnavailableMiddleware:
    """Answers 503 with a plain page when the database cannot be reached.

    Connections are opened per request, so the site recovers by itself as soon
    as the database is back: nothing here needs resetting.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError):
            logger.error("database unavailable: %s", exception)
            response = HttpResponse(UNAVAILABLE_PAGE, status=503)
            response["Retry-After"] = "30"
            response["Cache-Control"] = "no-store"
            return response
        return None
