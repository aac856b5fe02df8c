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
list, nothing for an article page), and the day (the masthead prints the
date); list pages also on the ranking step (``RANK_SECONDS``: the hot rank
decays with age, so lists rank by the clock in 10-minute steps). Other
parameters (``?cb=1``, ``?utm_source=x``) are dropped before the view runs,
so a junk query string is answered from the cache and can never show in a
cached page's links.

Served only while the versions it was rendered under are unchanged (each
page is stored with them, and they are read again, in one query, on every
hit). Versions, each a random token replaced by the changes it covers:

- ``site`` (``SITE``): every page. A source, topic or category saved or
  deleted (names shown on many pages), ``content_changed()``.
- an article's own (``article:<id>``): its page (less the section bar and
  sidebar, ``articles/chrome.py``, kept apart under the lists' version), its
  API entry, and every list page that showed it. Any write to the article or
  a part of it (images, links, corrections, authors, topics), through the
  workflow services, the ORM (signals registered in ``ArticlesConfig.ready``)
  or the importer (``write_batch``), and a picture it uses made ready.
- ``lists`` (``LISTS``): which articles every list page holds, in what order,
  and the sidebar and section bar. Replaced only when a changed article's
  *listing fingerprint* (every column but ``DISPLAY_ONLY`` ones, and its
  topics: whatever can move it in or out of a list or within one) differs
  from the one its own version held, or the article is among the newest the
  sidebar names. An edit of an old story's text leaves every other page alone.
- ``articles`` (``ALL``): pages showing any article without saying which
  (feeds, sitemaps, the API's list, corrections): any article change.

So a change renders again exactly the pages that can show it. Why no stale
page is served: every version is read before the page is rendered and
replaced after the change commits, so a page rendered from older data is
stored under older versions. A list page learns which articles it shows only
by rendering; their versions are read after, and the page is kept only if
``ALL`` (replaced first by every article change) is still what it was before
the render. A go-live, expiry or embargo time replaces the article's and the lists'
versions when it passes (each version keeps the times it was told of).
Tests: tests/test_cache_invalidation_rules.py; a day's simulation:
bench/simulate.py.

Where the version lives: it must be shared by every process that serves
pages or changes content (gunicorn's workers, other app servers, the import
run from cron), or a process would go on serving pages cached under a
version only it still holds. With Redis (``REDIS_URL``) it is a cache key,
like the pages. Without, the pages are in each process's memory and the
versions are rows in the database (``ContentVersion``), read with one
primary-key query per anonymous request (``NEWSROOM_CONTENT_VERSION_STORE``
says which; docs/PERFORMANCE.md gives the cost). If the database cannot be
reached, the version this process read last is used, so pages it holds are
still served (docs/RELIABILITY.md).

A hit still answers conditional GETs: 304 when the reader's ETag matches.
"""

import contextlib
import contextvars
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
ALL = "articles"  # pages that show any article's data: feeds, sitemaps, the API's list, corrections
LISTS = "lists"  # which articles the list pages hold, and in what order; the sidebar and section bar
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
    def bump_many(tokens: dict[str, str]) -> None:
        """Set the tokens of ``tokens``' scopes (articles' own), their upcoming times kept: one statement."""
        from .models import ContentVersion

        ContentVersion.objects.bulk_create(
            [ContentVersion(scope=scope, token=token) for scope, token in sorted(tokens.items())],
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
    def bump_many(tokens: dict[str, str]) -> None:
        keys = {cache_key(scope): token for scope, token in tokens.items()}
        states = cache.get_many(list(keys))
        cache.set_many(
            {key: (token, upcoming(states[key][1]) if key in states else []) for key, token in keys.items()}, None
        )

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


# Set while writes are made only to be rolled back (a pending change drawn in ``pending.rolled_back``): they change
# no version. A version kept outside the database (Redis) is not rolled back with them, and an article's token would
# then carry the listing fingerprint of content readers never saw.
_writes_undone = contextvars.ContextVar("writes_undone", default=False)


@contextlib.contextmanager
def writes_undone():
    """Around writes that will be rolled back: they leave every page-cache version as it is."""
    reset = _writes_undone.set(True)
    try:
        yield
    finally:
        _writes_undone.reset(reset)


def bump(scope: str, moments: set[float]) -> None:
    """A new version of ``scope``: now, and again once the transaction commits (see ``content_changed``)."""
    if _writes_undone.get():
        return
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


# Columns of an article that only its own page and card show: a change to them alone leaves every list's
# membership and order as they were. Any other column (a new one included) counts as deciding what lists hold.
DISPLAY_ONLY = {
    "title", "slug", "excerpt", "body", "body_html", "featured_content", "web_url", "original_url", "amp_web_url",
    "cdn_amp_web_url", "version", "provider_data", "extra", "import_notes", "source_file", "source_hash",
    "imported_at", "conflict_file", "conflict_at", "edited_at", "edited_by", "created_at", "updated_at",
    "assignee", "due_at",  # the desk's, never shown to readers
}  # fmt: skip


def listing_fingerprints(ids: list[int]) -> dict[int, str]:
    """Per article, a hash of what decides which lists hold it and where: every column but ``DISPLAY_ONLY``,
    and its topics. A deleted article has none."""
    from .models import Article

    fields = [field.attname for field in Article._meta.concrete_fields if field.name not in DISPLAY_ONLY]
    topics = {}
    for article_id, topic_id in Article.topics.through.objects.filter(article_id__in=ids).values_list(
        "article_id", "topic_id"
    ):
        topics.setdefault(article_id, []).append(topic_id)
    return {
        row[0]: hashlib.sha256(repr((row, sorted(topics.get(row[0], [])))).encode()).hexdigest()[:12]
        for row in Article.objects.filter(pk__in=ids).values_list(*fields)
    }


def in_the_sidebar(ids: list[int]) -> bool:
    """Whether any of ``ids`` is among the newest live stories the sidebar lists by title (articles/chrome.py)."""
    from . import ranking
    from .chrome import SIDEBAR_NEWEST
    from .models import Article

    newest = Article.objects.published().order_by(*ranking.NEWEST).values_list("pk", flat=True)
    return not set(ids).isdisjoint(newest[: SIDEBAR_NEWEST + 1])


def articles_changed(
    ids: Iterable[int], *, scheduled: Iterable[datetime | None] = (), images_only: bool = False
) -> None:
    """Make stale what shows these articles, and only that (see the module docstring).

    Every article's own version gets a new token, ending in its listing
    fingerprint; the version of every page showing any article (``ALL``)
    changes, first (``cache_public_page`` relies on that order); the lists'
    (``LISTS``) only when a fingerprint differs from the one its token held
    (or none was held), or one of the articles is in the sidebar.
    ``scheduled`` as for ``content_changed``: the articles' own versions and
    the lists' change again at those times. ``images_only``: only their images
    changed (a picture made ready), which neither a list's membership nor the
    sidebar shows: the lists' version is left alone.
    """
    ids = sorted({int(pk) for pk in ids if pk is not None})
    if not ids or _writes_undone.get():
        return
    moments = {moment.timestamp() for moment in scheduled if moment is not None}
    scopes = {pk: article_scope(pk) for pk in ids}
    store = version_store()
    held = store.read_many(list(scopes.values()))
    prints = listing_fingerprints(ids)
    listed_elsewhere = not images_only and (
        any(held[scope][0].partition(".")[2] != prints.get(pk, "gone") for pk, scope in scopes.items())
        or in_the_sidebar(ids)
    )

    def new_tokens():
        store.bump_many({scope: f"{new_token()}.{prints.get(pk, 'gone')}" for pk, scope in scopes.items()})

    bump(ALL, moments)
    new_tokens()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(new_tokens)  # after ALL's (callbacks run in order)
    for scope in scopes.values() if moments else ():
        for moment in moments:
            version_store(scope).schedule(moment)
    if listed_elsewhere:
        bump(LISTS, moments)
    else:
        for moment in moments:
            version_store(LISTS).schedule(moment)


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


RANK_SECONDS = 600  # list pages rank by the clock in steps of this many seconds (articles/filters.py)


def rank_time() -> datetime:
    """The time list pages rank by: now, rounded down to ``RANK_SECONDS``. The hot rank decays with age, so a
    page ranked a minute later may differ without any write: within one step it never does."""
    now = time.time()
    return datetime.fromtimestamp(now - now % RANK_SECONDS, tz=timezone.get_current_timezone())


def page_key(request, lists: bool) -> str:
    """Keyed on the URL and the day (the masthead prints the date); list pages on the ranking step too."""
    url = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()
    step = f"{rank_time().timestamp():.0f}:" if lists else ""
    return f"articles:page:{timezone.localdate().isoformat()}:{step}{url}"


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


def cache_public_page(
    view, *, query: Iterable[str] = (), article: str | None = None, with_chrome: bool = False, lists: bool = False
):
    """Serve ``view`` to anonymous visitors from the page cache; see the module docstring.

    ``query``: the names of the query parameters the view reads. For
    anonymous visitors every other parameter is removed before the view
    runs, so that it is not part of the cache key. What a page is stored
    with, and served only while each is unchanged: the site's version, and
    ``article``: the name of the view's keyword argument that is an article's
    id: that article's own version (``with_chrome``: the section bar and
    sidebar, ``articles/chrome.py``, are kept apart, under the lists'
    version); ``lists``: the lists' version and the own version of each
    article the page showed (the view names them in
    ``request.shown_articles``); any other page: the version of every page
    showing articles (``ALL``).
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
        base = [SITE, article_scope(kwargs[article]) if article else LISTS if lists else ALL]
        key = page_key(request, lists)
        entry = cache.get(key)  # (response, the versions it was rendered under)
        scopes = list(dict.fromkeys([*base, *([LISTS] if with_chrome else []), *([ALL] if lists else [])]))
        scopes += [scope for scope in (entry[1] if entry else ()) if scope not in scopes]
        current = dict(zip(scopes, versions(scopes), strict=True))  # read before rendering: see content_changed
        if entry is not None and all(current[scope] == token for scope, token in entry[1].items()):
            response = entry[0]
        else:
            response = render_for_cache(request, view, args, kwargs, key, with_chrome, lists, current, base)
        nonce = getattr(response, "chrome_nonce", None)
        if nonce is None or response.status_code != 200:
            return answer_from_cache(request, response)
        prefix = f"articles:chrome:{timezone.localdate().isoformat()}:{current[SITE]}:{current[LISTS]}:"
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


def render_for_cache(request, view, args, kwargs, key, with_chrome, lists, current, base):
    """Render the page and store it with the versions it was rendered under, when it may be shared.

    A list page's articles' own versions are read after the render (which
    articles it shows is known only then). Stored only if ``ALL``, read
    before the render, is still the same in that read: every change bumps it
    before the articles' own (``articles_changed``), so the versions read
    are then older than any change the render could have missed.
    """
    if with_chrome:
        chrome.ask_for_markers(request)
    if lists:
        request.rank_time = rank_time()
    response = view(request, *args, **kwargs)
    if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
        response = response.render()  # runs the post-render callbacks (ETag) before pickling
    response.chrome_nonce = getattr(request, "chrome_nonce", None)
    if not is_cacheable(request, response):
        return response
    recorded = {scope: current[scope] for scope in base}
    shown = getattr(request, "shown_articles", None)
    if lists and shown is not None:
        own = [article_scope(pk) for pk in shown]
        after = dict(zip([ALL, *own], versions([ALL, *own]), strict=True))
        if after[ALL] != current[ALL]:
            return response  # something changed during the render: serve it, do not keep it
        recorded.update({scope: after[scope] for scope in own})
    patch_cache_control(response, public=True, max_age=BROWSER_MAX_AGE)
    cache.set(key, (response, recorded), PAGE_CACHE_SECONDS)
    return response


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
    articles_changed([pk], scheduled=getattr(instance, "reader_moments", ()))
    if sender.__name__ == "Article" and instance.is_embargoed():
        embargo_changed(instance.embargo_until)


def embargo_changed(*moments) -> None:
    """An article under embargo (or whose embargo changed): every page, now and at the lift. Other stories' pages
    leave out related coverage pointing to an embargoed story (``RelatedLink.objects.for_readers``), a dependency
    the articles' own versions do not hold; embargoes are few, so this costs little."""
    content_changed(scheduled=moments)


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
