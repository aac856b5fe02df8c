"""Which change makes which cached page stale, and nothing else (articles/caching.py, issue 16 part 2).

An article's page is keyed on the site's version and the article's own;
every other cached page on the site's and the lists'; the article page's
section bar and sidebar are kept apart under the lists' version
(articles/chrome.py). A page taken from the cache must be byte for byte what
a fresh render gives.
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from articles import caching, pending, services
from articles.models import Article, Correction
from tests.support.factories import make_provider, make_published_article, make_user

pytestmark = pytest.mark.django_db

SEED = """---
title: {title}
webUrl: https://rules.example/{name}
publishedDateTime: 2026-11-2{day}T09:00:00Z
published: true
topics: [Rules]
provider:
  name: Rules Wire
  domain: rules.example
---
{body}
"""


@pytest.fixture
def stories():
    provider = make_provider("Rules Source", "rules-source.example")
    return [make_published_article(f"Rule story {n}", provider=provider, topics=("Rules",)) for n in range(3)]


def rendered(client, url: str) -> bool:
    """Whether the page itself was rendered for this request (not its cached copy; a sidebar may be)."""
    response = client.get(url)
    assert response.status_code == 200, url
    return bool({"articles/detail.html", "articles/list.html"} & {t.name for t in response.templates})


def misses(client, urls: dict[str, str]) -> set[str]:
    return {name for name, url in urls.items() if rendered(client, url)}


def urls_of(stories) -> dict[str, str]:
    return {
        "front": "/",
        "topic": "/topics/rules/",
        "provider": "/providers/rules-source-example/",
        **{f"story {n}": story.get_absolute_url() for n, story in enumerate(stories)},
    }


LISTS = {"front", "topic", "provider"}


def edit(article: Article, **changes) -> None:
    """An editor's edit, through the workflow services."""
    for name, value in changes.items():
        setattr(article, name, value)
    services.article_save(article=article, by=make_user("editor"), seen_token=article.edit_token, is_edit=True)


def test_warm_pages_are_all_hits(client, stories):
    urls = urls_of(stories)
    assert misses(client, urls) == set(urls)

    assert misses(client, urls) == set()


def test_an_edit_renders_the_edited_article_and_the_lists_again_and_no_other_article(client, stories):
    urls = urls_of(stories)
    misses(client, urls)

    edit(stories[1], title="Edited rule story")

    assert misses(client, urls) == LISTS | {"story 1"}
    # The other articles' pages were not rendered, yet their sidebars show the new title.
    assert "Edited rule story" in client.get(urls["story 0"]).content.decode()


def test_an_import_renders_the_articles_it_changed_and_the_lists_only(client, stories, tmp_path):
    path = tmp_path / "one.md"
    path.write_text(SEED.format(title="Imported rule", name="one", day=6, body="First body."), encoding="utf-8")
    call_command("import_seeds", str(tmp_path), verbosity=0)
    imported = Article.objects.get(web_url="https://rules.example/one")
    urls = urls_of(stories) | {"imported": imported.get_absolute_url()}
    misses(client, urls)

    path.write_text(SEED.format(title="Imported rule", name="one", day=6, body="Second body."), encoding="utf-8")
    call_command("import_seeds", str(tmp_path), verbosity=0)

    assert misses(client, urls) == LISTS | {"imported"}
    assert "Second body." in client.get(urls["imported"]).content.decode()


def test_a_correction_renders_its_article_and_the_lists_only(client, stories):
    urls = urls_of(stories) | {"corrections": "/corrections/"}
    misses(client, urls)

    Correction.objects.create(article=stories[2], kind=Correction.Kind.CORRECTION, note="A figure was wrong.")

    assert misses(client, urls) == LISTS | {"story 2"}
    assert "A figure was wrong." in client.get("/corrections/").content.decode()


def test_renaming_a_source_renders_every_page_again(client, stories):
    urls = urls_of(stories)
    misses(client, urls)
    provider = stories[0].provider
    provider.name = "Renamed Rules Source"
    provider.save()

    assert misses(client, urls) == set(urls)


def test_a_page_from_the_cache_is_what_a_fresh_render_gives(client, stories):
    """The article pages with their sidebars put back, the newest story's own sidebar (without itself) included."""
    urls = urls_of(stories)
    misses(client, urls)
    edit(stories[0], title="Rule story 0, edited")
    served = {name: client.get(url).content for name, url in urls.items()}  # article pages 1 and 2 from the cache

    cache.clear()
    fresh = {name: client.get(url).content for name, url in urls.items()}

    assert served == fresh
    assert "<!--chrome" not in fresh["story 0"].decode()


@pytest.fixture
def archive():
    """An old story of its own topic and source, below eight newer ones: outside the sidebar's newest."""
    old = make_published_article(
        "Old archive story",
        age=timedelta(days=30),
        provider=make_provider("Archive Source", "archive-source.example"),
        topics=("Archive",),
    )
    newer = [make_published_article(f"Newer story {n}", topics=("Rules",)) for n in range(8)]
    return old, newer


def archive_urls(old, newer) -> dict[str, str]:
    return {
        "front": "/",
        "archive topic": "/topics/archive/",
        "rules topic": "/topics/rules/",
        "archive source": "/providers/archive-source-example/",
        "old": old.get_absolute_url(),
        "newer": newer[0].get_absolute_url(),
    }


def test_an_edit_of_what_an_old_story_shows_renders_only_its_page_and_the_lists_showing_it(client, archive):
    old, newer = archive
    urls = archive_urls(old, newer)
    misses(client, urls)

    edit(old, excerpt="A new summary of the old story.")

    assert misses(client, urls) == {"old", "front", "archive topic", "archive source"}
    assert "A new summary of the old story." in client.get("/topics/archive/").content.decode()


def test_assigning_a_story_leaves_the_lists_that_do_not_show_it_alone(client, archive):
    old, newer = archive
    urls = archive_urls(old, newer)
    misses(client, urls)

    old.assignee, old.due_at = make_user("writer"), timezone.now() + timedelta(hours=3)
    services.article_save(article=old, by=make_user("editor"), seen_token=old.edit_token, is_edit=False)

    assert misses(client, urls) <= {"old", "front", "archive topic", "archive source"}


def test_a_pending_change_that_moves_a_story_to_a_topic_shows_there_once_published(client, archive, settings):
    settings.NEWSROOM_CONTENT_VERSION_STORE = "cache"  # as with Redis: versions the sandbox's rollback cannot undo
    old, newer = archive
    misses(client, archive_urls(old, newer))
    writer, editor = make_user("writer"), make_user("editor")
    with pending.sandbox(old) as box:  # drawn and saved as a pending change: readers see nothing of it yet
        current = Article.objects.get(pk=old.pk)
        topics = [*old.topics.all(), newer[0].topics.get()]
        services.article_save(article=current, by=writer, seen_token=None, is_edit=True, topics=topics, proposal=True)
        pending.capture(box)
    pending.store(box, by=writer)
    assert "Old archive story" not in client.get("/topics/rules/").content.decode()

    pending.move(article=old, name="publish", by=editor)

    assert "Old archive story" in client.get("/topics/rules/").content.decode()


def test_moving_an_old_story_to_another_topic_renders_every_list_again(client, archive):
    old, newer = archive
    urls = archive_urls(old, newer)
    misses(client, urls)

    old.topics.add(newer[0].topics.get())

    assert misses(client, urls) == {"old", "front", "archive topic", "rules topic", "archive source"}
    assert "Old archive story" in client.get("/topics/rules/").content.decode()


def test_a_list_page_is_ranked_again_at_each_step_of_the_clock(client, archive, time_machine, monkeypatch):
    """The hot rank decays with age: a page ranked in one step is not served in the next."""
    monkeypatch.setattr(caching, "PAGE_CACHE_SECONDS", 2 * caching.RANK_SECONDS)
    time_machine.move_to(timezone.now(), tick=False)
    urls = archive_urls(*archive)
    misses(client, urls)

    time_machine.shift(timedelta(seconds=caching.RANK_SECONDS))

    assert misses(client, urls) == {"front", "archive topic", "rules topic", "archive source"}
