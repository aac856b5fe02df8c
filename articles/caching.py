"""The public site's page cache: what is cached, for how long, keyed on what.

What: the rendered 200 responses of the public pages readers share (front
page, article pages, topic, provider and category pages, RSS/Atom feeds,
sitemaps, the JSON API), wherever ``cache_public_page`` wraps a view in the
URLconfs. Never search (its keys are unbounded), never previews, never the
admin, never a response that sets a cookie or says private/no-store.

Who: anonymous visitors only. A request carrying a session cookie may be
staff, so it bypasses the cache entirely (no lookup, no store) and its
response says ``Cache-Control: private, no-store``. Deciding on the cookie
rather than ``request.user`` keeps anonymous hits free of any session lookup.

For how long: ``NEWSROOM_PAGE_CACHE_SECONDS`` (default 300) in the cache
(Redis, shared by every app server, or each process's own memory); browsers
and a CDN may keep a page ``BROWSER_MAX_AGE`` (60) seconds (``Cache-Control:
public, max-age=60``), so a CDN in front may lag a change by that long.
Freshness here never waits for the timeout:

Keyed on: the absolute URL, with only the query parameters the view reads
(``query``, declared where the view is wrapped: the filters and page of a
list, nothing for an article page), and the site-wide *content version*.
Other parameters (``?cb=1``, ``?utm_source=x``) are dropped before the view
runs, so a junk query string is answered from the cache and can never show
in a cached page's links. ``content_changed()`` replaces the version, so
every cached page misses at once; so does a scheduled go-live, expiry or embargo time
passing (the version keeps the times it was told of). Any change to what
readers can see bumps it: the workflow services (publish, unpublish,
archive, restore, edits), any ORM save or delete of an article, its topics,
related links or images, a provider or a topic (signals registered in
``ArticlesConfig.ready``), and the seed import at the end of a run that
created or updated something; a picture made ready changes it at the end of
a short window (``content_changes_within``), once for all the pictures of
that window. One global version is deliberately coarse: it
costs a re-render of each page after a change, never a stale page.

Where the version lives: it must be shared by every process that serves
pages or changes content (gunicorn's workers, other app servers, the import
run from cron), or a process would go on serving pages cached under a
version only it still holds. With Redis (``REDIS_URL``) it is a cache key,
like the pages. Without, the pages are in each process's memory and the
version is a row in the database (``ContentVersion``), read with one
primary-key query per anonymous request (``NEWSROOM_CONTENT_VERSION_STORE``
says which; docs/PERFORMANCE.md gives the cost). If the database cannot be
reached, the version this process read last is used, so pages it holds are
still served (docs/RELIABILITY.md).

A hit still answers conditional GETs: 304 when the reader's ETag matches.
"""

import contextlib
import hashlib
import math
import os
import secrets
import threading
import time
from collections.abc import Iterable
from datetime import datetime
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.http import QueryDict
from django.template.response import SimpleTemplateResponse
from django.utils.cache import get_conditional_response, has_vary_header, patch_cache_control
from django.utils.http import parse_http_date_safe

PAGE_CACHE_SECONDS = int(os.environ.get("NEWSROOM_PAGE_CACHE_SECONDS", 300))
BROWSER_MAX_AGE = 60
SITE = "site"  # the scope of the one version there is today: every public page
VERSION_KEY = f"articles:content-version:{SITE}"
MAX_SCHEDULED = 1000


def new_token() -> str:
    """A random token rather than a counter: a version lost and started again never matches an earlier one."""
    return secrets.token_hex(8)


def upcoming(moments: Iterable[float]) -> list[float]:
    """The times still to come, earliest first, at most ``MAX_SCHEDULED`` of them."""
    now = time.time()
    return sorted({moment for moment in moments if moment > now})[:MAX_SCHEDULED]


_own = threading.local()


def read_through_own_connection(sql: str, *params) -> tuple | None:
    """``sql``'s first row, read through a database connection of this thread's own; None where there is none.

    It runs on every anonymous request. Django's connection is opened with
    each request on SQLite (CONN_MAX_AGE 0: a hit then cost 0.5 to 10 ms,
    most of it the WAL checkpoint at close) and checked with an extra
    ``SELECT 1`` on PostgreSQL (CONN_HEALTH_CHECKS); this one is kept, so a
    read costs one query. It is opened again after an error, and on SQLite
    when the file was replaced (a restore). Not used inside a transaction,
    whose own writes only Django's connection sees, nor for a database in
    memory (the tests').
    """
    if connection.in_atomic_block or (connection.vendor == "sqlite" and connection.is_in_memory_db()):
        return None
    try:
        if connection.vendor == "sqlite":
            stat = os.stat(connection.settings_dict["NAME"])
            if getattr(_own, "file", None) != (stat.st_dev, stat.st_ino):
                close_own_connection()
                _own.file = (stat.st_dev, stat.st_ino)
        if getattr(_own, "connection", None) is None:
            _own.connection = connections.create_connection(DEFAULT_DB_ALIAS)
        with _own.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    except (OSError, DatabaseError) as error:
        close_own_connection()
        raise DatabaseError(str(error)) from error


def close_own_connection() -> None:
    own, _own.connection, _own.file = getattr(_own, "connection", None), None, None
    if own is not None:
        with contextlib.suppress(DatabaseError):  # already broken: nothing to close
            own.close()


class DatabaseVersion:
    """The version as a row of ``ContentVersion``: shared by every process that uses the database."""

    def __init__(self, scope: str = SITE):
        self.scope = scope

    def read(self) -> tuple[str, float | None]:
        """One primary-key lookup, without the ORM: it runs on every anonymous request."""
        from .models import ContentVersion

        sql = f"SELECT token, next_at FROM {ContentVersion._meta.db_table} WHERE scope = %s"  # noqa: S608 - no input
        row = read_through_own_connection(sql, self.scope)
        if row is None:
            with connection.cursor() as cursor:
                cursor.execute(sql, [self.scope])
                row = cursor.fetchone()
        if row is None:
            ContentVersion.objects.bulk_create(
                [ContentVersion(scope=self.scope, token=new_token())], ignore_conflicts=True
            )
            row = ContentVersion.objects.filter(scope=self.scope).values_list("token", "next_at").get()
        return row

    def bump(self, moments: set[float], *, wait: bool) -> None:
        """A new token. ``wait=False``: skip it if another transaction holds the row (it bumps when it commits).

        Inside a transaction the row stays locked until the commit. Waiting
        for it there, while holding other rows (an article's), could deadlock
        with a transaction that holds those and waits for this row; so only a
        bump outside any transaction waits.
        """
        from .models import ContentVersion

        with transaction.atomic():
            rows = ContentVersion.objects.select_for_update(skip_locked=not wait).filter(scope=self.scope)
            row = rows.first()
            if row is None:
                # No row yet (a fresh database), or one another transaction holds. Two first bumps at once (two
                # imports) both inserted it, and one failed on the key: make it if missing, then take it.
                ContentVersion.objects.bulk_create(
                    [ContentVersion(scope=self.scope, token=new_token())], ignore_conflicts=True
                )
                row = rows.first()
                if row is None:
                    return  # locked by a transaction that bumps again when it commits
            row.token = new_token()
            row.upcoming = upcoming({*moments, *row.upcoming})
            row.next_at = row.upcoming[0] if row.upcoming else None
            row.save()

    def schedule(self, moment: float) -> None:
        """Change the token at ``moment`` (as a go-live time does), not now; nothing to write if already due then."""
        from .models import ContentVersion

        if moment in (ContentVersion.objects.filter(scope=self.scope).values_list("upcoming", flat=True).first() or ()):
            return
        with transaction.atomic():
            row = ContentVersion.objects.select_for_update().filter(scope=self.scope).first()
            if row is None:
                return self.bump({moment}, wait=True)
            row.upcoming = upcoming({moment, *row.upcoming})
            row.next_at = row.upcoming[0] if row.upcoming else None
            row.save(update_fields=["upcoming", "next_at"])


class CacheVersion:
    """The version as a cache key: the choice when the cache is shared (Redis)."""

    def __init__(self, scope: str = SITE):
        self.key = f"articles:content-version:{scope}"

    def read(self) -> tuple[str, float | None]:
        state = cache.get(self.key)
        if state is None:
            # add(): when two servers race, both use whichever version landed first.
            cache.add(self.key, (new_token(), []), timeout=None)
            state = cache.get(self.key) or (new_token(), [])
        token, moments = state
        return token, moments[0] if moments else None

    def bump(self, moments: set[float], *, wait: bool) -> None:
        # A concurrent bump elsewhere can drop a time: that page is then stale for at most PAGE_CACHE_SECONDS.
        state = cache.get(self.key)
        cache.set(self.key, (new_token(), upcoming({*moments, *(state[1] if state else ())})), timeout=None)

    def schedule(self, moment: float) -> None:
        state = cache.get(self.key)
        if state is None:
            return self.bump({moment}, wait=True)
        token, moments = state
        if moment not in moments:
            cache.set(self.key, (token, upcoming({moment, *moments})), timeout=None)


def version_store() -> DatabaseVersion | CacheVersion:
    return CacheVersion() if settings.NEWSROOM_CONTENT_VERSION_STORE == "cache" else DatabaseVersion()


_last_seen: str | None = None  # this process's last version: served from while the database is away


def content_version() -> str:
    """The current content version; a new one when a scheduled time has passed."""
    global _last_seen
    store = version_store()
    try:
        token, next_at = store.read()
        if next_at is not None and next_at <= time.time():
            # A go-live or expiry time passed: what readers see changed without any write.
            store.bump(set(), wait=False)
            token, _ = store.read()
    except DatabaseError:
        if _last_seen is None:
            raise
        return _last_seen  # nothing can be written to a database nobody reaches
    _last_seen = token
    return token


def content_changed(*, scheduled: Iterable[datetime | None] = ()) -> None:
    """Make every cached page stale: readers' next request renders afresh.

    ``scheduled``: go-live and expiry times of the changed articles; when one
    of them passes, the version changes again by itself (the earliest
    ``MAX_SCHEDULED`` are kept).

    Inside a transaction, the version changes now and again once it commits:
    after the commit, because a page rendered in between still shows the old
    data and is stored under the new version; now as well, so that readers in
    this same transaction (tests, a shell) never see a page cached before the
    change.
    """
    moments = {moment.timestamp() for moment in scheduled if moment is not None}
    store = version_store()
    if not transaction.get_connection().in_atomic_block:
        store.bump(moments, wait=True)
        return
    store.bump(moments, wait=False)
    transaction.on_commit(lambda: store.bump(moments, wait=True))


def content_changes_within(seconds: float) -> None:
    """Make every cached page stale within ``seconds``, coalesced: any number of calls in one window, one change.

    For changes that come in streams and can wait a little (pictures becoming
    ready, hundreds a minute after an import): the version is scheduled to
    change at the end of the current ``seconds``-long window of the clock, as
    a go-live time would make it change, so every call in that window names
    the same moment and the pages are rendered again once, not once per call.
    Call it after the change has committed (a page rendered before would be
    stored under the new version). ``seconds`` 0 or less: at once.
    """
    if seconds <= 0:
        content_changed()
        return
    moment = (math.floor(time.time() / seconds) + 1) * seconds
    version_store().schedule(float(moment))


content_changed_on_commit = content_changed  # the name the workflow services know it by


def canonical_query(request, names: frozenset[str]) -> str:
    """The query string with only the parameters in ``names``, in a fixed order, each value kept as given."""
    query = QueryDict(mutable=True)
    for name in sorted(names.intersection(request.GET)):
        query.setlist(name, request.GET.getlist(name))
    return query.urlencode()


def query_names(filterset_class, exclude: Iterable[str] = ()) -> frozenset[str]:
    """The query parameters a django-filter FilterSet reads (a date range reads ``date_after`` and ``date_before``).

    From the filters' classes, without building their form fields: a field
    built here would be kept by the FilterSet class, its choices (the live
    topics) frozen at the time the URLconf was loaded.
    """
    names = set()
    for name, filter_ in filterset_class.base_filters.items():
        if name in exclude:
            continue
        widget = filter_.extra.get("widget") or filter_.field_class.widget
        suffixes = getattr(widget, "suffixes", None) or [None]
        names.update("_".join(filter(None, [name, suffix])) for suffix in suffixes)
    return frozenset(names)


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


def cache_public_page(view, *, query: Iterable[str] = ()):
    """Serve ``view`` to anonymous visitors from the page cache; see the module docstring.

    ``query``: the names of the query parameters the view reads. For
    anonymous visitors every other parameter is removed before the view
    runs, so that it is not part of the cache key.
    """
    names = frozenset(query)

    @wraps(view)
    def cached_view(request, *args, **kwargs):
        if request.method != "GET" or not is_anonymous(request):
            response = view(request, *args, **kwargs)
            if request.method in ("GET", "HEAD") and not is_anonymous(request):
                patch_cache_control(response, private=True, no_store=True)
            return response
        request.META["QUERY_STRING"] = canonical_query(request, names)
        request.GET = QueryDict(request.META["QUERY_STRING"])
        version = content_version()  # read before rendering: see content_changed
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
    content_changed(scheduled=getattr(instance, "reader_moments", ()))


def on_topics_changed(sender, action, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        content_changed()


def connect_signals() -> None:
    """Called from ``ArticlesConfig.ready``: ORM writes anywhere (admin, shell, tests) bump the version."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from .models import (
        Article,
        ArticleAuthor,
        ArticleImage,
        Category,
        Correction,
        Provider,
        ProviderLogo,
        RelatedLink,
        RelatedLinkImage,
        Topic,
    )

    models = (Article, ArticleAuthor, ArticleImage, Category, Correction, Provider, ProviderLogo, RelatedLink)
    models += (RelatedLinkImage,)
    for model in (*models, Topic):
        uid = f"articles.caching:{model.__name__}"
        post_save.connect(on_content_saved, sender=model, dispatch_uid=f"{uid}:save")
        post_delete.connect(on_content_saved, sender=model, dispatch_uid=f"{uid}:delete")
    m2m_changed.connect(on_topics_changed, sender=Article.topics.through, dispatch_uid="articles.caching:topics")
