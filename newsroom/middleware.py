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
    """django-csp's policy from settings, with inline styles allowed under /admin/ only (and
    Chromium's own XSLT banner in feeds).

    Django's own admin templates still carry an inline ``<style>`` (the
    changelist without actions), and so do ours (templates/admin/), so a
    strict style-src would break the editors' screens. Scripts stay strict
    there too: the admin runs no inline script.
    """

    ADMIN_PREFIX = "/admin/"
    # The feeds (articles/feeds.py) as a browser shows them, through the site's XSLT stylesheet:
    # Chromium 156 adds a banner of its own to every XSLT page (XSLT is deprecated), with style
    # attributes and a close button's onclick. Allowed by their hashes (CSP "unsafe-hashes"), on
    # feeds only, so that the banner works and the console stays clean; nothing else inline runs.
    # Another Chromium version may change the banner: tests/browser/test_reader_pages.py notices.
    FEED_PREFIX = "/feeds/"
    CHROMIUM_XSLT_BANNER = {
        "style-src": [
            "'unsafe-hashes'",
            "'sha256-/3RHWtS7UXAcmJ7lSnklScB2fo7FSVHjVnJfEDpBmZs='",
            "'sha256-V2GycOVmq9EBDz8q16MG+o/Q8CCO+BnfgeyYK/ij3Tc='",
            "'sha256-Vc6YdsPwJmyOyOWY3K0+DEFqLyvNxfsrADVC0UvQkxI='",
            "'sha256-k7We2NkL52dzxJ7Onuayib0w0pIae+gF2hnqjj9zNCY='",
            "'sha256-wigbdYYtFNuCCF2AjANk4urC670LJtVGgGmNcceTXJY='",
        ],
        "script-src": ["'unsafe-hashes'", "'sha256-TXA+6usvAyONGFuiE99/kgV7JxYXAtQaottQ4sJDSIw='"],
    }

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        if request.path_info.startswith(self.ADMIN_PREFIX):
            parts.update = {**(parts.update or {}), "style-src": ["'unsafe-inline'"]}
        elif request.path_info.startswith(self.FEED_PREFIX):
            parts.update = {**(parts.update or {}), **self.CHROMIUM_XSLT_BANNER}
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
