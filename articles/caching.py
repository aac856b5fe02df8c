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
every cached page misses at once; so does a scheduled go-live or expiry time
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
from django.utils import timezone
from django.utils.cache import get_conditional_response, has_vary_header, patch_cache_control, set_response_etag
from django.utils.http import parse_http_date_safe

from . import chrome

PAGE_CACHE_SECONDS = int(os.environ.get("NEWSROOM_PAGE_CACHE_SECONDS", 300))
BROWSER_MAX_AGE = 60
SITE = "site"  # every public page is keyed on this version
LISTS = "lists"  # every page but an article's own (and the sidebar and section bar on it)
VERSION_KEY = f"articles:content-version:{SITE}"
MAX_SCHEDULED = 1000


def new_token() -> str:
    """A random token rather than a counter: a version lost and started again never matches an earlier one."""
    return secrets.token_hex(8)


def article_scope(pk) -> str:
    """The scope of one article's own version: its page (less the sidebar and section bar) and its API entry."""
    return f"article:{pk}"


def upcoming(moments: Iterable[float]) -> list[float]:
    """The times still to come, earliest first, at most ``MAX_SCHEDULED`` of them."""
    now = time.time()
    return sorted({moment for moment in moments if moment > now})[:MAX_SCHEDULED]


_own = threading.local()


def read_all_through_own_connection(sql: str, *params) -> list[tuple] | None:
    """``sql``'s rows, read through a database connection of this thread's own; None where there is none.

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
            return cursor.fetchall()
    except (OSError, DatabaseError) as error:
        close_own_connection()
        raise DatabaseError(str(error)) from error


def close_own_connection() -> None:
    own, _own.connection, _own.file = getattr(_own, "connection", None), None, None
    if own is not None:
        with contextlib.suppress(DatabaseError):  # already broken: nothing to close
            own.close()


class DatabaseVersion:
    """The versions as rows of ``ContentVersion``: shared by every process that uses the database."""

    def __init__(self, scope: str = SITE):
        self.scope = scope

    def read(self) -> tuple[str, float | None]:
        return self.read_many([self.scope])[self.scope]

    def read_many(self, scopes: list[str]) -> dict[str, tuple[str, float | None]]:
        """One query by primary key, without the ORM: it runs on every anonymous request. Missing rows are made."""
        from .models import ContentVersion

        marks = ", ".join(["%s"] * len(scopes))
        sql = f"SELECT scope, token, next_at FROM {ContentVersion._meta.db_table} WHERE scope IN ({marks})"  # noqa: S608
        rows = read_all_through_own_connection(sql, *scopes)
        if rows is None:
            with connection.cursor() as cursor:
                cursor.execute(sql, scopes)
                rows = cursor.fetchall()
        found = {scope: (token, next_at) for scope, token, next_at in rows}
        missing = [scope for scope in scopes if scope not in found]
        if missing:
            ContentVersion.objects.bulk_create(
                [ContentVersion(scope=scope, token=new_token()) for scope in missing], ignore_conflicts=True
            )
            rows = ContentVersion.objects.filter(scope__in=missing).values_list("scope", "token", "next_at")
            found.update({scope: (token, next_at) for scope, token, next_at in rows})
        return found

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

    @staticmethod
    def bump_many(scopes: list[str]) -> None:
        """A new token for each of ``scopes`` (articles' own), their upcoming times kept: one statement."""
        from .models import ContentVersion

        ContentVersion.objects.bulk_create(
            [ContentVersion(scope=scope, token=new_token()) for scope in sorted(scopes)],
            update_conflicts=True,
            unique_fields=["scope"],
            update_fields=["token"],
        )

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


def cache_key(scope: str) -> str:
    return f"articles:content-version:{scope}"


class CacheVersion:
    """The versions as cache keys: the choice when the cache is shared (Redis)."""

    def __init__(self, scope: str = SITE):
        self.scope = scope
        self.key = cache_key(scope)

    def read(self) -> tuple[str, float | None]:
        return self.read_many([self.scope])[self.scope]

    def read_many(self, scopes: list[str]) -> dict[str, tuple[str, float | None]]:
        keys = {cache_key(scope): scope for scope in scopes}
        states = cache.get_many(list(keys))
        for key in keys.keys() - states.keys():
            # add(): when two servers race, both use whichever version landed first.
            cache.add(key, (new_token(), []), timeout=None)
            states[key] = cache.get(key) or (new_token(), [])
        return {keys[key]: (token, moments[0] if moments else None) for key, (token, moments) in states.items()}

    def bump(self, moments: set[float], *, wait: bool) -> None:
        # A concurrent bump elsewhere can drop a time: that page is then stale for at most PAGE_CACHE_SECONDS.
        state = cache.get(self.key)
        cache.set(self.key, (new_token(), upcoming({*moments, *(state[1] if state else ())})), timeout=None)

    @staticmethod
    def bump_many(scopes: list[str]) -> None:
        keys = [cache_key(scope) for scope in scopes]
        states = cache.get_many(keys)
        cache.set_many({key: (new_token(), upcoming(states[key][1]) if key in states else []) for key in keys}, None)

    def schedule(self, moment: float) -> None:
        state = cache.get(self.key)
        if state is None:
            return self.bump({moment}, wait=True)
        token, moments = state
        if moment not in moments:
            cache.set(self.key, (token, upcoming({moment, *moments})), timeout=None)


def version_store(scope: str = SITE) -> DatabaseVersion | CacheVersion:
    store = CacheVersion if settings.NEWSROOM_CONTENT_VERSION_STORE == "cache" else DatabaseVersion
    return store(scope)


_last_seen: dict[str, str] = {}  # this process's last versions: served from while the database is away


def versions(scopes: list[str]) -> list[str]:
    """The current version of each of ``scopes``; a new one for a scope whose scheduled time has passed."""
    store = version_store()
    try:
        found = store.read_many(scopes)
        due = [scope for scope, (_, next_at) in found.items() if next_at is not None and next_at <= time.time()]
        if due:
            # A go-live or expiry time passed: what readers see changed without any write.
            for scope in due:
                version_store(scope).bump(set(), wait=False)
            found.update(store.read_many(due))
    except DatabaseError:
        if any(scope not in _last_seen for scope in scopes):
            raise
        return [_last_seen[scope] for scope in scopes]  # nothing can be written to a database nobody reaches
    _last_seen.update({scope: found[scope][0] for scope in scopes})
    return [found[scope][0] for scope in scopes]


def content_version() -> str:
    """The site-wide version: every cached page is keyed on it."""
    return versions([SITE])[0]


def bump(scope: str, moments: set[float]) -> None:
    """A new version of ``scope``: now, and again once the transaction commits (see ``content_changed``)."""
    store = version_store(scope)
    if not transaction.get_connection().in_atomic_block:
        store.bump(moments, wait=True)
        return
    store.bump(moments, wait=False)
    transaction.on_commit(lambda: store.bump(moments, wait=True))


def content_changed(*, scheduled: Iterable[datetime | None] = ()) -> None:
    """Make every cached page stale: readers' next request renders afresh.

    For what is shown on every page or many (a source's or topic's name, a
    category), and for any caller that cannot say which articles changed.
    ``scheduled``: go-live and expiry times of the changed articles; when one
    of them passes, the version changes again by itself (the earliest
    ``MAX_SCHEDULED`` are kept).

    Inside a transaction, the version changes now and again once it commits:
    after the commit, because a page rendered in between still shows the old
    data and is stored under the new version; now as well, so that readers in
    this same transaction (tests, a shell) never see a page cached before the
    change.
    """
    bump(SITE, {moment.timestamp() for moment in scheduled if moment is not None})


def articles_changed(ids: Iterable[int], *, scheduled: Iterable[datetime | None] = (), lists_within: float = 0) -> None:
    """Make stale what shows these articles: their own pages, and every list page (see the module docstring).

    ``scheduled`` as for ``content_changed``: the articles' own versions and
    the lists' change again at those times. ``lists_within``: the lists'
    version changes at the end of the current window of that many seconds
    rather than now (as ``content_changes_within``); the articles' own at once.
    """
    scopes = sorted({article_scope(pk) for pk in ids if pk is not None})
    if not scopes:
        return
    moments = {moment.timestamp() for moment in scheduled if moment is not None}
    store = version_store()
    store.bump_many(scopes)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: store.bump_many(scopes))
    for scope in scopes if moments else ():
        for moment in moments:
            version_store(scope).schedule(moment)
    if lists_within > 0:
        version_store(LISTS).schedule(window_end(lists_within))
    else:
        bump(LISTS, moments)


def window_end(seconds: float) -> float:
    return float((math.floor(time.time() / seconds) + 1) * seconds)


def content_changes_within(seconds: float) -> None:
    """Make every cached page stale within ``seconds``, coalesced: any number of calls in one window, one change.

    For changes that come in streams and can wait a little: the version is
    scheduled to change at the end of the current ``seconds``-long window of
    the clock, as a go-live time would make it change, so every call in that
    window names the same moment and the pages are rendered again once, not
    once per call. Call it after the change has committed (a page rendered
    before would be stored under the new version). ``seconds`` 0 or less: at
    once.
    """
    if seconds <= 0:
        content_changed()
        return
    version_store().schedule(window_end(seconds))


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


def page_key(request, *tokens: str) -> str:
    """Keyed on the versions the page shows, the URL and the day (the masthead prints the date)."""
    url = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()
    return f"articles:page:{timezone.localdate().isoformat()}:{':'.join(tokens)}:{url}"


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


def cache_public_page(view, *, query: Iterable[str] = (), article: str | None = None, with_chrome: bool = False):
    """Serve ``view`` to anonymous visitors from the page cache; see the module docstring.

    ``query``: the names of the query parameters the view reads. For
    anonymous visitors every other parameter is removed before the view
    runs, so that it is not part of the cache key. ``article``: the name of
    the view's keyword argument that is an article's id; the page is then
    keyed on that article's own version, not the lists'. ``with_chrome``:
    the page's section bar and sidebar (``articles/chrome.py``) are kept
    apart, under the lists' version.
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
        own = article_scope(kwargs[article]) if article else LISTS
        site, own_version, lists = versions([SITE, own, LISTS])  # read before rendering: see content_changed
        key = page_key(request, site, own_version)
        response = cache.get(key)
        if response is None:
            if with_chrome:
                chrome.ask_for_markers(request)
            response = view(request, *args, **kwargs)
            if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
                response = response.render()  # runs the post-render callbacks (ETag) before pickling
            response.chrome_nonce = getattr(request, "chrome_nonce", None)
            if is_cacheable(request, response):
                patch_cache_control(response, public=True, max_age=BROWSER_MAX_AGE)
                cache.set(key, response, PAGE_CACHE_SECONDS)
        nonce = getattr(response, "chrome_nonce", None)
        if nonce is None or response.status_code != 200:
            return answer_from_cache(request, response)
        prefix = f"articles:chrome:{timezone.localdate().isoformat()}:{site}:{lists}:"
        parts = chrome.fragments(
            request,
            int(kwargs[article]),
            get=lambda name: cache.get(prefix + name),
            store=lambda name, value: cache.set(prefix + name, value, PAGE_CACHE_SECONDS),
        )
        chrome.fill(response, nonce, parts)
        set_response_etag(response)
        return answer_from_cache(request, response)

    return cached_view


def on_content_saved(sender, **kwargs) -> None:
    """Signal receiver: an ORM write to something readers see on many pages (a source, a topic, a category)."""
    if kwargs.get("raw"):  # loaddata: fixtures, not content changes
        return
    content_changed()


def on_article_saved(sender, **kwargs) -> None:
    """Signal receiver: an ORM write to an article, or to a part of one (images, links, corrections, authors)."""
    if kwargs.get("raw"):
        return
    instance = kwargs["instance"]
    if sender.__name__ == "Article":
        pk = instance.pk
    elif hasattr(instance, "article_id"):
        pk = instance.article_id
    else:  # a related link's image
        pk = type(instance.related_link).objects.filter(pk=instance.related_link_id).values_list("article_id").first()
        pk = pk and pk[0]
    if pk is None:
        content_changed()  # whose it was is no longer known
        return
    articles_changed([pk], scheduled=(getattr(instance, "go_live_at", None), getattr(instance, "expires_at", None)))


def on_topics_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        if not reverse:
            articles_changed([instance.pk])
        elif pk_set:
            articles_changed(pk_set)
        else:
            content_changed()  # a topic's articles all cleared: which they were is no longer known


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

    shown_widely = (Category, Provider, ProviderLogo, Topic)
    parts_of_articles = (Article, ArticleAuthor, ArticleImage, Correction, RelatedLink, RelatedLinkImage)
    for models, receiver in ((shown_widely, on_content_saved), (parts_of_articles, on_article_saved)):
        for model in models:
            uid = f"articles.caching:{model.__name__}"
            post_save.connect(receiver, sender=model, dispatch_uid=f"{uid}:save")
            post_delete.connect(receiver, sender=model, dispatch_uid=f"{uid}:delete")
    m2m_changed.connect(on_topics_changed, sender=Article.topics.through, dispatch_uid="articles.caching:topics")
