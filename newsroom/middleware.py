"""Project-wide middleware: a log line per request, the Content-Security-Policy,
and a plain 503 while the database is away."""

import logging
import time

from csp.middleware import CSPMiddleware, PolicyParts
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse

from .client_ip import client_ip

request_logger = logging.getLogger("newsroom.request")
logger = logging.getLogger("newsroom")

UNAVAILABLE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Newsroom is briefly unavailable</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body>
<h1>We'll be right back</h1>
<p>Newsroom cannot reach its database at the moment. Please try again in a minute.</p>
</body></html>
"""


class RequestLogMiddleware:
    """Logs method, path, status, duration, user and client address of every request as one structured line."""

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
                    "client": client_ip(request),
                }
            },
        )
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy from settings, with inline styles allowed under /admin/ only.

    Django's own admin templates still carry an inline ``<style>`` (the
    changelist without actions), and so do ours (templates/admin/), so a
    strict style-src would break the editors' screens. Scripts stay strict
    there too: the admin runs no inline script.
    """

    ADMIN_PREFIX = "/admin/"

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path_info.startswith(self.ADMIN_PREFIX):
            parts.update = {**(parts.update or {}), "style-src": ["'unsafe-inline'"]}
        return parts


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
