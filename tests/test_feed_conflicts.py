"""Conflicts with a newer seed file, settled in the admin (issue 13, ``articles.conflicts``)."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from articles import conflicts, pending, services
from articles.models import Article, FeedConflict, PendingChange, Revision
from tests.support.factories import make_user

pytestmark = pytest.mark.django_db

FRONT = "title: Feed story\nwebUrl: https://e.org/feed\nquality: {quality}\ntopics: [{topic}]"


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def conflict_url(article) -> str:
    return reverse("admin:articles_article_conflict", args=[article.pk])


def imported(write_seed, *, quality=1, topic="Energy", body="Old words here.", name=None, **options):
    path = write_seed(FRONT.format(quality=quality, topic=topic), body, name=name)
    call_command("import_seeds", str(path), verbosity=0, **options)
    return path


@pytest.fixture
def edited_with_conflict(write_seed):
    """A draft imported, edited here (title), then a newer file (quality, body, topic)."""
    imported(write_seed)
    article = Article.objects.get()
    article.title = "Our headline"
    services.article_save(article=article, by=make_user("editor"), seen_token=None, is_edit=True)
    newer = imported(write_seed, quality=7, topic="Housing", body="New words here.", name="newer.md")
    article.refresh_from_db()
    return article, newer


def test_the_import_keeps_the_feeds_version_of_an_edited_article_and_leaves_the_article(edited_with_conflict):
    article, newer = edited_with_conflict
    conflict = FeedConflict.objects.get(article=article)
    version = conflict.snapshot
    assert (version["title"], version["quality"], version["body"]) == ("Feed story", 7, "New words here.")
    assert (article.title, article.quality, article.body) == ("Our headline", 1, "Old words here.")
    assert [t.name for t in article.topics.all()] == ["Energy"]
    assert article.conflict_file == str(newer)


def test_the_conflict_screen_shows_the_feeds_version_against_ours(client, edited_with_conflict):
    article, _ = edited_with_conflict
    client.force_login(make_user("writer"))
    page = client.get(conflict_url(article))
    html = page.content.decode()
    assert page.status_code == 200
    assert "<del>Our</del><ins>Feed</ins>" in html
    assert "<del>Old</del><ins>New</ins> words here." in html
    assert "Added: Housing" in text(page)
    assert "Keep ours" in html  # a draft: writers may change it, so may settle it


def test_taking_the_feeds_version_whole_applies_it_and_records_a_revision(client, edited_with_conflict, write_seed):
    article, newer = edited_with_conflict
    editor = make_user("editor")
    client.force_login(editor)
    response = client.post(conflict_url(article), {"_take": "all"})
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.title, article.quality, article.body) == ("Feed story", 7, "New words here.")
    assert [t.name for t in article.topics.all()] == ["Housing"]
    assert (article.conflict_file, FeedConflict.objects.count()) == ("", 0)
    latest = Revision.objects.filter(article=article).first()
    assert (latest.kind, latest.by) == ("conflict_taken", editor)
    call_command("import_seeds", str(newer), verbosity=0)  # the same file again: nothing changes
    assert Revision.objects.filter(article=article).first() == latest


def test_taking_some_fields_keeps_ours_for_the_rest(client, edited_with_conflict):
    article, _ = edited_with_conflict
    client.force_login(make_user("editor"))
    client.post(conflict_url(article), {"_take": "some", "take": ["quality"]})
    article.refresh_from_db()
    assert (article.title, article.quality, article.body) == ("Our headline", 7, "Old words here.")
    assert [t.name for t in article.topics.all()] == ["Energy"]
    assert Revision.objects.filter(article=article).first().kind == "conflict_taken"


def test_keeping_ours_changes_nothing_but_records_it_and_a_newer_file_conflicts_again(
    client, edited_with_conflict, write_seed
):
    article, _ = edited_with_conflict
    client.force_login(make_user("editor"))
    client.post(conflict_url(article), {"_keep": "1"})
    article.refresh_from_db()
    assert (article.title, article.quality, article.conflict_file) == ("Our headline", 1, "")
    assert Revision.objects.filter(article=article).first().kind == "conflict_kept"
    assert not FeedConflict.objects.exists()
    imported(write_seed, quality=9, name="newest.md")
    article.refresh_from_db()
    assert article.quality == 1
    assert FeedConflict.objects.get(article=article).snapshot["quality"] == 9


def test_overwrite_still_applies_the_file_and_clears_the_kept_version(edited_with_conflict, write_seed):
    article, _ = edited_with_conflict
    imported(write_seed, quality=8, name="forced.md", overwrite=True)
    article.refresh_from_db()
    assert (article.title, article.quality, article.conflict_file) == ("Feed story", 8, "")
    assert not FeedConflict.objects.exists()


def test_a_writer_may_not_settle_the_conflict_of_a_published_story_by_a_crafted_post(client, write_seed):
    imported(write_seed)
    article = Article.objects.get()
    Article.objects.filter(pk=article.pk).update(status=Article.Status.PUBLISHED)
    article.refresh_from_db()
    article.quality = 3
    services.article_save(article=article, by=make_user("editor"), seen_token=None, is_edit=True)
    imported(write_seed, quality=7, name="newer.md")
    client.force_login(make_user("writer"))
    assert client.post(conflict_url(article), {"_take": "all"}).status_code == 403
    article.refresh_from_db()
    assert article.quality == 3
    assert FeedConflict.objects.filter(article=article).exists()


def test_taking_a_live_storys_new_headline_from_the_feed_asks_for_the_correction(client, write_seed):
    imported(write_seed)
    article = Article.objects.get()
    Article.objects.filter(pk=article.pk).update(status=Article.Status.PUBLISHED)
    article.refresh_from_db()
    article.title = "Our headline"
    services.article_save(
        article=article, by=make_user("editor"), seen_token=None, is_edit=True, correction=("silent", "")
    )
    imported(write_seed, quality=7, name="newer.md")
    client.force_login(make_user("editor"))
    refused = client.post(conflict_url(article), {"_take": "all"}, follow=True)
    assert "Not settled" in text(refused)
    client.post(conflict_url(article), {"_take": "all", "correction_kind": "update", "correction_note": "Feed's."})
    article.refresh_from_db()
    assert article.title == "Feed story"
    assert article.corrections.get(kind="update").note == "Feed's."


def test_a_newer_file_for_a_live_story_with_a_pending_change_conflicts_and_taking_it_stops_the_publish(write_seed):
    imported(write_seed)
    article = Article.objects.get()
    Article.objects.filter(pk=article.pk).update(status=Article.Status.PUBLISHED)
    article.refresh_from_db()
    writer, editor = make_user("writer"), make_user("editor")
    with pending.sandbox(article) as box:
        proposed = Article.objects.get(pk=article.pk)
        proposed.excerpt = "A pending summary."
        services.article_save(article=proposed, by=writer, seen_token=None, is_edit=True, proposal=True)
        pending.capture(box)
    assert pending.store(box, by=writer) is not None
    imported(write_seed, quality=7, body="New words here.", name="newer.md")
    article.refresh_from_db()
    assert (article.quality, article.body) == (1, "Old words here.")  # kept for the editor: not applied silently
    assert FeedConflict.objects.get(article=article).snapshot["quality"] == 7
    conflicts.resolve(article=article, by=editor, take={"quality"})
    with pytest.raises(pending.PendingRefused, match="changed since this pending change was started"):
        pending.move(article=article, name="publish", by=editor, correction=("silent", ""))
    article.refresh_from_db()
    assert (article.quality, article.excerpt) == (7, "")  # the feed's quality is not undone
    assert PendingChange.objects.get(article=article).snapshot["excerpt"] == "A pending summary."
