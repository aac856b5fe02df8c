"""The public site's page cache: what is cached, for how long, keyed on what.

What: the rendered 200 responses of the public pages readers share (front
page, article pages, topic, provider and category pages, RSS/Atom feeds,
sitemaps, the JSON API), wherever ``cache_public_page`` wraps a view in the
URLconfs. Never search (its keys are unbounded), never previews, never the
admin, never a response that sets a cookie or says private/no-store.

Who: anonymous visitors only. A request carrying a session cookie may be
staff, so it bypasses the cache entirely (no lookup, no store) and its
response says ``Cache-Control: private, no-store``. Deciding on the cookie
rather than ``request.user`` keeps anonymous hits free of any session or
database lookup.

For how long: ``NEWSROOM_PAGE_CACHE_SECONDS`` (default 300) in this cache
(Redis, shared by every app server, or the process's memory); browsers and
a CDN may keep a page ``BROWSER_MAX_AGE`` (60) seconds (``Cache-Control:
public, max-age=60``), so a CDN in front may lag a change by that long.
Freshness here never waits for the timeout:

Keyed on: the absolute URL (scheme, host, path and query string: pages
carry canonical links) and the site-wide *content version*, a token kept in
the cache. ``content_changed()`` replaces the token, so every cached page
misses at once; so does a scheduled go-live or expiry time passing (the
version keeps the times it was told of). Any change to what readers can see bumps it: the workflow
services (publish, unpublish, archive, restore, edits), any ORM save or
delete of an article, its topics, related links or images, a provider or a
topic (signals registered in ``ArticlesConfig.ready``), and the seed import
at the end of a run that created or updated something. One global version
is deliberately coarse: it costs a re-render of each page after a change,
never a stale page, and needs no map from articles to the pages they
appear on. Scheduled times the version was not told of (set while the
cache was empty or lost in a race, see ``content_changed``) show within
``NEWSROOM_PAGE_CACHE_SECONDS``.

A hit still answers conditional GETs: 304 when the reader's ETag matches.
"""

import hashlib
import os
import secrets
import time
from collections.abc import Iterable
from datetime import datetime
from functools import partial, wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.template.response import SimpleTemplateResponse
from django.utils.cache import get_conditional_response, has_vary_header, patch_cache_control
from django.utils.http import parse_http_date_safe

PAGE_CACHE_SECONDS = int(os.environ.get("NEWSROOM_PAGE_CACHE_SECONDS", 300))
BROWSER_MAX_AGE = 60
VERSION_KEY = "articles:content-version"
MAX_SCHEDULED = 1000


def content_version() -> str:
    """The current content version: a new one when the cache lost it, or when a scheduled time has passed."""
    state = cache.get(VERSION_KEY)
    if state is None:
        # add(): when two servers race, both use whichever version landed first.
        cache.add(VERSION_KEY, (new_token(), ()), timeout=None)
        state = cache.get(VERSION_KEY) or (new_token(), ())
    token, upcoming = state
    now = time.time()
    if upcoming and upcoming[0] <= now:
        # A go-live or expiry time passed: what readers see changed without any write.
        token = new_token()
        cache.set(VERSION_KEY, (token, tuple(moment for moment in upcoming if moment > now)), timeout=None)
    return token


def content_changed(*, scheduled: Iterable[datetime | None] = ()) -> None:
    """Make every cached page stale: readers' next request renders afresh.

    ``scheduled``: go-live and expiry times of the changed articles; when one
    of them passes, the version changes again by itself. They are kept with
    the version (the earliest ``MAX_SCHEDULED``), so a concurrent bump on
    another server can drop one: that page is then stale for at most
    ``PAGE_CACHE_SECONDS``, as it is after the cache was emptied.

    The version is a random token rather than a counter: a version lost from
    the cache and started again can never match pages cached under an earlier one.
    """
    now = time.time()
    state = cache.get(VERSION_KEY)
    moments = {moment.timestamp() for moment in scheduled if moment is not None}
    moments.update(state[1] if state else ())
    upcoming = tuple(sorted(moment for moment in moments if moment > now))[:MAX_SCHEDULED]
    cache.set(VERSION_KEY, (new_token(), upcoming), timeout=None)


def content_changed_on_commit(*, scheduled: Iterable[datetime | None] = ()) -> None:
    """Bump now and again once the current transaction commits.

    After commit, because a page rendered between the first bump and the
    commit still shows the old data and is stored under the new version;
    now as well, so that readers in this same transaction (tests, a shell)
    never see a page cached before the change.
    """
    scheduled = tuple(scheduled)
    content_changed(scheduled=scheduled)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(partial(content_changed, scheduled=scheduled))


def new_token() -> str:
    return secrets.token_hex(8)


def page_key(request, version: str) -> str:
    url = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()
    return f"articles:page:{version}:{url}"


def is_anonymous(request) -> bool:
    return settings.SESSION_COOKIE_NAME not in request.COOKIES


def is_cacheable(request, response) -> bool:
    """A 200 meant for everyone: no cookie set, nothing private, not personalised through the session."""
    cache_control = response.get("Cache-Control", "")
    session = getattr(request, "session", None)
    return (
        response.status_code == 200
        and not (session is not None and session.accessed)
        and not has_vary_header(response, "Cookie")
        and not response.streaming
        and not response.cookies
        and "private" not in cache_control
        and "no-store" not in cache_control
        and "no-cache" not in cache_control
    )


def answer_from_cache(request, response):
    """The cached response, or 304 when the reader already holds it."""
    return get_conditional_response(
        request,
        etag=response.get("ETag"),
        last_modified=parse_http_date_safe(response.get("Last-Modified", "")),
        response=response,
    )


def cache_public_page(view):
    """Serve ``view`` to anonymous visitors from the page cache; see the module docstring."""

    @wraps(view)
    def cached_view(request, *args, **kwargs):
        if request.method != "GET" or not is_anonymous(request):
            response = view(request, *args, **kwargs)
            if request.method in ("GET", "HEAD") and not is_anonymous(request):
                patch_cache_control(response, private=True, no_store=True)
            return response
        version = content_version()  # read before rendering: see content_changed_on_commit
        key = page_key(request, version)
        cached = cache.get(key)
        if cached is not None:
            return answer_from_cache(request, cached)
        response = view(request, *args, **kwargs)
        if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
            response = response.render()  # runs the post-render callbacks (ETag) before pickling
        if is_cacheable(request, response):
            patch_cache_control(response, public=True, max_age=BROWSER_MAX_AGE)
            cache.set(key, response, PAGE_CACHE_SECONDS)
        return response

    return cached_view


def on_content_saved(sender, **kwargs) -> None:
    """Signal receiver: an ORM write to something readers see."""
    if kwargs.get("raw"):  # loaddata: fixtures, not content changes
        return
    instance = kwargs["instance"]
    content_changed_on_commit(scheduled=(getattr(instance, "go_live_at", None), getattr(instance, "expires_at", None)))


def on_topics_changed(sender, action, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        content_changed_on_commit()


def connect_signals() -> None:
    """Called from ``ArticlesConfig.ready``: ORM writes anywhere (admin, shell, tests) bump the version."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from .models import Article, ArticleImage, Provider, ProviderLogo, RelatedLink, RelatedLinkImage, Topic

    for model in (Article, ArticleImage, Provider, ProviderLogo, RelatedLink, RelatedLinkImage, Topic):
        uid = f"articles.caching:{model.__name__}"
        post_save.connect(on_content_saved, sender=model, dispatch_uid=f"{uid}:save")
        post_delete.connect(on_content_saved, sender=model, dispatch_uid=f"{uid}:delete")
    m2m_changed.connect(on_topics_changed, sender=Article.topics.through, dispatch_uid="articles.caching:topics")
