"""The page cache (articles.caching): anonymous readers are served from it, and any change readers could see
makes every page fresh at once; junk query parameters never miss it. Runs on the local memory cache with the
content version in the database, and on Redis (version and pages) when REDIS_URL is set. The same across real
gunicorn workers: tests/test_caching_across_processes.py."""

import threading
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import OperationalError, connection, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import resolve
from django.utils import timezone

from articles import caching, services
from articles.models import Article, ContentVersion
from tests.support.factories import make_provider, make_published_article, make_topic, make_user

pytestmark = pytest.mark.django_db

Status = Article.Status


@pytest.fixture
def story():
    """A live article with a topic, a source and a category: it appears on every kind of cached page."""
    return make_published_article(
        "Cached story", provider=make_provider("Cache Source", "cache-source.example"), topics=("Caching",)
    )


def pages(article: Article) -> dict[str, str]:
    """Every cached page the article appears on."""
    return {
        "front": "/",
        "latest": "/?ordering=newest",
        "topic": "/topics/caching/",
        "provider": "/providers/cache-source-example/",
        "category": "/category/news/",
        "rss": "/feeds/latest.rss",
        "atom": "/feeds/latest.atom",
        "topic feed": "/feeds/topics/caching.rss",
        "provider feed": "/feeds/providers/cache-source-example.atom",
        "api": "/api/news/",
        "api detail": f"/api/news/{article.pk}/",
        "sitemap": "/sitemap-articles.xml",
        "news sitemap": "/sitemap-news.xml",
        "detail": article.get_absolute_url(),
    }


def shows(client, url: str, text: str) -> bool:
    response = client.get(url)
    return response.status_code == 200 and text in response.content.decode()


def warm(client, *urls: str) -> None:
    for url in urls:
        client.get(url)


@pytest.mark.parametrize("kind", list(pages(Article(pk=1, slug="x"))))
def test_a_second_anonymous_request_is_served_from_the_cache_with_at_most_the_version_query(
    client, story, django_assert_num_queries, page_cache_queries, kind
):
    url = pages(story)[kind]
    first = client.get(url)
    assert first.status_code == 200

    with django_assert_num_queries(page_cache_queries):
        second = client.get(url)

    assert second.status_code == 200
    assert second.content == first.content
    assert set(second["Cache-Control"].split(", ")) == {"public", "max-age=60"}


def test_the_key_includes_the_query_string(client, story):
    warm(client, "/")

    response = client.get("/?ordering=newest")

    assert response.context is not None, "rendered, not the front page's cached copy"
    assert "Latest news" in response.content.decode()


def test_a_cached_page_still_answers_304_to_a_reader_holding_it(
    client, story, django_assert_num_queries, page_cache_queries
):
    etag = client.get("/")["ETag"]

    with django_assert_num_queries(page_cache_queries):
        response = client.get("/", headers={"if-none-match": etag})

    assert response.status_code == 304


def test_logged_in_staff_bypass_the_cache_and_get_private_pages(client, story):
    warm(client, "/")  # cached for anonymous readers
    client.force_login(make_user("editor"))

    response = client.get("/")

    assert "Cached story" in response.content.decode()
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]
    assert response.context is not None, "rendered for staff, not taken from the cache"


def test_a_page_rendered_for_staff_is_never_stored_for_readers(client, story):
    client.force_login(make_user("editor"))
    client.get("/")
    client.logout()
    client.cookies.clear()

    response = client.get("/")

    assert response.context is not None, "rendered afresh for the reader"


def test_previews_and_search_are_never_cached(client, story):
    client.force_login(make_user("editor"))
    preview = client.get(f"/preview/{story.pk}/")
    assert "no-store" in preview["Cache-Control"]
    client.logout()
    client.cookies.clear()

    warm(client, "/search/?q=Cached")
    response = client.get("/search/?q=Cached")

    assert response.context is not None


def test_a_response_that_sets_a_cookie_or_is_not_200_is_not_stored():
    calls = []

    def view(request, status=200, cookie=False):
        calls.append(1)
        response = HttpResponse("page", status=status)
        if cookie:
            response.set_cookie("tracking", "x")
        return response

    cached = caching.cache_public_page(view)
    request = RequestFactory().get("/page/")
    for kwargs in ({"cookie": True}, {"status": 404}, {"status": 301}):
        calls.clear()
        cached(request, **kwargs)
        cached(request, **kwargs)
        assert len(calls) == 2, kwargs


def test_a_lost_version_never_brings_back_pages_cached_under_an_earlier_one():
    before = caching.content_version()
    cache.delete(caching.VERSION_KEY)
    ContentVersion.objects.all().delete()

    assert caching.content_version() != before


def test_the_version_is_kept_in_the_database_without_redis_and_in_redis_with_it(settings):
    store = settings.NEWSROOM_CONTENT_VERSION_STORE
    assert store == ("cache" if settings.REDIS_URL else "database")
    token = caching.content_version()

    if settings.REDIS_URL:
        assert cache.get(caching.VERSION_KEY)[0] == token
    else:
        assert ContentVersion.objects.get(scope=caching.SITE).token == token


@pytest.mark.parametrize("store", ["database", "cache"])
def test_a_change_written_by_another_process_is_seen_on_the_next_read(settings, store):
    """What another process does to the shared version: write it where this one reads it, not through this one."""
    settings.NEWSROOM_CONTENT_VERSION_STORE = store
    before = caching.content_version()

    if store == "database":
        ContentVersion.objects.filter(scope=caching.SITE).update(token="written-elsewhere")
    else:
        cache.set(caching.VERSION_KEY, ("written-elsewhere", []), timeout=None)

    assert caching.content_version() == "written-elsewhere" != before


def test_pages_this_process_holds_are_still_served_while_the_database_is_away(client, story, monkeypatch):
    warm(client, "/")

    def unreachable(self, scopes):
        raise OperationalError("unable to open database file")

    monkeypatch.setattr(caching.DatabaseVersion, "read_many", unreachable)
    monkeypatch.setattr(caching, "version_store", caching.DatabaseVersion)

    response = client.get("/")

    assert response.status_code == 200
    assert response.context is None, "from the cache"


# Query strings: only the parameters a page reads are part of its key.


def test_junk_query_parameters_are_answered_from_the_cache(
    client, story, django_assert_num_queries, page_cache_queries
):
    urls = {kind: url for kind, url in pages(story).items() if "?" not in url}
    for url in urls.values():
        warm(client, url)

    for kind, url in urls.items():
        for junk in (
            "?cb=1",
            "?cb=2",
            "?utm_source=mail&utm_medium=x",
            "?page_size=3&q=zzz" if "api" not in url else "?cb=3",
        ):
            with django_assert_num_queries(page_cache_queries):
                response = client.get(url + junk)
            assert response.status_code == 200, (kind, junk)
            assert response.context is None, (kind, junk)


def test_parameters_a_page_reads_still_change_it_whatever_junk_comes_with_them(client, story):
    other = make_published_article("Older low story", age=timedelta(days=2), quality=1, heat=0, topics=("Caching",))
    warm(client, "/")

    def listed(url: str) -> list[str]:
        return [article.title for article in client.get(url).context["articles"]]

    assert "Latest news" in client.get("/?cb=1&ordering=newest").content.decode()
    assert listed("/?min_quality=40&cb=2") == ["Cached story"]
    assert listed("/topics/caching/?cb=1&min_quality=40") == ["Cached story"]
    assert listed("/topics/caching/?cb=1&page=1") == ["Cached story", "Older low story"]
    api = client.get("/api/news/?cb=1&q=Older").json()
    assert [item["title"] for item in api["results"]] == [other.title]
    assert len(client.get("/api/news/?page_size=1&cb=9").json()["results"]) == 1


def test_a_page_first_asked_with_junk_never_shows_the_junk_to_later_readers(client, story):
    for number in range(25):  # a second page: the list links to it
        make_published_article(f"Filler {number}", topics=("Caching",))

    first = client.get("/?ordering=newest&utm_source=poison").content.decode()
    api = client.get("/api/news/?utm_source=poison").json()

    assert "page=2" in first
    assert "poison" not in first
    assert "poison" not in api["next"]
    assert client.get("/?ordering=newest").content.decode() == first


def test_search_words_are_not_part_of_a_list_page_that_does_not_search(client, story):
    """List pages other than search ignore ``q`` (views.render_list); so does their cache key."""
    warm(client, "/topics/caching/")

    response = client.get("/topics/caching/?q=nothing-matches-this")

    assert response.context is None
    assert "Cached story" in response.content.decode()


def test_naming_the_parameters_a_list_reads_leaves_its_filter_choices_to_each_request(client, time_machine):
    """The names come from the filters without building their fields, which would keep the live topics of the
    moment the URLconf was loaded."""
    resolve("/")  # the URLconf, and the parameter names of its pages
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    make_published_article("Soon gone", topics=("Fleeting",), expires_at=start + timedelta(minutes=1))
    time_machine.move_to(start + timedelta(minutes=2), tick=False)

    response = client.get("/?topic=fleeting")

    assert "topic" in response.context["filterset"].form.errors


def test_logged_in_staff_get_the_query_string_as_they_sent_it(client, story):
    client.force_login(make_user("editor"))

    response = client.get("/?ordering=newest&utm_source=mail")

    assert response.wsgi_request.GET.get("utm_source") == "mail"


# Invalidation: every page the article is on shows the change on the very next request.


@pytest.mark.parametrize("kind", ["front", "topic", "provider", "category", "rss", "topic feed", "api", "sitemap"])
def test_publishing_shows_the_article_at_once_on_every_page(client, story, kind):
    draft = make_published_article(
        "Just published", status=Status.DRAFT, provider=story.provider, topics=("Caching",), quality=99, heat=99
    )
    url = pages(story)[kind]
    text = draft.get_absolute_url() if "sitemap" in kind else "Just published"
    assert not shows(client, url, text)

    services.article_publish(article=draft, by=make_user("editor"))

    assert shows(client, url, text)


def test_unpublishing_hides_the_article_at_once(client, story):
    warm(client, "/", story.get_absolute_url(), "/feeds/latest.rss")

    services.article_unpublish(article=story, by=make_user("editor"))

    assert not shows(client, "/", "Cached story")
    assert not shows(client, "/feeds/latest.rss", "Cached story")
    assert client.get(story.get_absolute_url()).status_code == 404


def test_archiving_hides_the_article_at_once(client, story):
    warm(client, "/", "/api/news/")

    services.article_archive(article=story, by=make_user("editor"))

    assert not shows(client, "/", "Cached story")
    assert not shows(client, "/api/news/", "Cached story")


def lists_and_own(article: Article) -> list[str]:
    """The versions an article's change must replace: the lists' and the article's own (not the whole site's)."""
    return caching.versions([caching.LISTS, caching.article_scope(article.pk)])


def test_restoring_bumps_the_version():
    story = make_published_article("Archived", status=Status.ARCHIVED)
    before = lists_and_own(story)

    services.article_restore(article=story, by=make_user("editor"))

    after = lists_and_own(story)
    assert after[0] != before[0]
    assert after[1] != before[1]


def test_an_edit_shows_at_once_on_the_article_and_list_pages(client, story):
    warm(client, "/", story.get_absolute_url(), "/topics/caching/")
    story.title = "Corrected headline"

    services.article_save(article=story, by=make_user("editor"), seen_token=story.edit_token, is_edit=True)

    for url in ("/", story.get_absolute_url(), "/topics/caching/", f"/api/news/{story.pk}/"):
        assert shows(client, url, "Corrected headline"), url


def test_marking_an_edit_of_links_or_images_bumps_the_version(story):
    before = lists_and_own(story)
    image = story.images.get()
    image.url = "https://img.example/replaced.jpg"

    services.article_save(article=story, by=make_user("editor"), seen_token=None, is_edit=True, parts=[image])

    after = lists_and_own(story)
    assert after[0] != before[0]
    assert after[1] != before[1]


def test_orm_writes_outside_the_services_bump_the_version(client, story):
    warm(client, "/topics/caching/", "/providers/cache-source-example/", story.get_absolute_url())

    topic = make_topic("Caching")
    topic.name = "Cache invalidation"
    topic.save()
    story.provider.name = "Renamed Source"
    story.provider.save()
    story.related_links.create(position=1, title="Also covered by", web_url="https://also.example/1")

    assert shows(client, "/topics/caching/", "Cache invalidation")
    assert shows(client, "/providers/cache-source-example/", "Renamed Source")
    assert shows(client, story.get_absolute_url(), "Also covered by")


def test_removing_a_topic_bumps_the_version(client, story):
    warm(client, "/topics/caching/")

    story.topics.clear()

    assert not shows(client, "/topics/caching/", "Cached story")


def test_content_changed_as_the_importer_calls_it_makes_pages_fresh(client, story):
    """The importer writes with raw INSERTs and update(): no signals, so it calls content_changed() itself."""
    warm(client, "/", story.get_absolute_url())
    Article.objects.filter(pk=story.pk).update(title="Imported headline")
    assert shows(client, "/", "Cached story"), "update() alone sends no signal: the page is still cached"

    caching.content_changed()

    assert shows(client, "/", "Imported headline")
    assert shows(client, story.get_absolute_url(), "Imported headline")


def test_a_re_import_shows_the_new_title_on_the_front_page(client, write_seed):
    seed = """
title: First headline
webUrl: https://import.example/story
publishedDateTime: 2026-11-26T09:00:00Z
published: true
"""
    path = write_seed(seed, name="story.md")
    call_command("import_seeds", str(path), verbosity=0)
    assert shows(client, "/", "First headline")

    path.write_text(path.read_text().replace("First headline", "Second headline"))
    call_command("import_seeds", str(path), verbosity=0)

    assert shows(client, "/", "Second headline")


def test_a_scheduled_article_appears_and_expires_on_time_on_cached_pages(client, story, time_machine):
    start = timezone.now().replace(microsecond=0)
    time_machine.move_to(start, tick=False)
    draft = make_published_article("Scheduled story", status=Status.DRAFT, published_at=start)
    services.article_publish(
        article=draft,
        by=make_user("editor"),
        go_live_at=start + timedelta(hours=1),
        expires_at=start + timedelta(hours=2),
    )
    assert not shows(client, "/", "Scheduled story")
    assert shows(client, "/", "Cached story"), "cached before the go-live time"

    time_machine.move_to(start + timedelta(hours=1), tick=False)
    assert shows(client, "/", "Scheduled story")

    time_machine.move_to(start + timedelta(hours=2), tick=False)
    assert not shows(client, "/", "Scheduled story")


@pytest.mark.django_db(transaction=True)
def test_a_change_inside_a_transaction_never_waits_for_the_version_row(settings):
    """Waiting there, while holding an article's row, could deadlock with a transaction that holds the version
    row and waits for that article: the bump skips the locked row, and the one after the commit waits."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: a second write transaction never starts")
    settings.NEWSROOM_CONTENT_VERSION_STORE = "database"
    before = caching.content_version()
    locked, release = threading.Event(), threading.Event()

    def hold_the_version_row():
        with transaction.atomic():
            ContentVersion.objects.select_for_update().get(scope=caching.SITE)
            locked.set()
            release.wait(30)
        connection.close()

    holder = threading.Thread(target=hold_the_version_row)
    holder.start()
    try:
        assert locked.wait(30)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '3s'")  # a wait fails the test instead of hanging it
            caching.content_changed()
            release.set()  # the bump at commit may now wait for the holder, which is not waiting for us
    finally:
        release.set()
        holder.join(30)

    assert caching.content_version() != before
