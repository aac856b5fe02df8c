"""Presence and locks (issue 15): who else has an article open (a heartbeat, expiring after a minute, frozen
clock), an explicit lock that refuses others' saves on every path, its takeover by an editor with a reason in the
History, and the three-way view of a save refused because someone saved in between."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse

from articles import conflicts, pending, presence, revisions, services
from articles.models import Article, ArticleLock, ArticlePresence, FeedConflict, PendingChange
from tests.support.factories import make_draft_article, make_published_article, make_user
from tests.support.forms import change_url, read_form

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 3, 1, 12, tzinfo=UTC)


def beat(client, article) -> dict:
    response = client.post(reverse("admin:articles_article_presence", args=[article.pk]))
    assert response.status_code == 200
    return response.json()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_others_are_shown_while_their_heartbeat_is_younger_than_a_minute(time_machine):
    article = make_draft_article(title="Shared story")
    ann, bob = make_user("writer"), make_user("editor")
    ann.first_name, ann.last_name = "Ann", "Writer"
    ann.save()
    time_machine.move_to(NOON, tick=False)
    assert beat(signed_in(ann), article)["others"] == []
    time_machine.move_to(NOON + timedelta(seconds=59), tick=False)
    assert [row["name"] for row in beat(signed_in(bob), article)["others"]] == ["Ann Writer"]
    page = signed_in(bob).get(change_url(article)).content.decode()
    assert 'Also open by: <span class="presence-person">Ann Writer</span>' in page
    time_machine.move_to(NOON + timedelta(seconds=60), tick=False)
    assert beat(signed_in(bob), article)["others"] == []
    assert list(ArticlePresence.objects.values_list("user", flat=True)) == [bob.pk]  # the expired row is gone


def test_the_heartbeat_is_a_csrf_protected_post():
    article = make_draft_article()
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("writer"))
    url = reverse("admin:articles_article_presence", args=[article.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 403  # no token


@pytest.fixture
def locked():
    """A draft locked by one writer; another writer and an editor who would save it."""
    holder, other, editor = make_user("writer"), make_user("writer"), make_user("editor")
    article = make_draft_article(title="Locked story", status=Article.Status.DRAFT)
    article.title = "Locked story, first headline"
    services.article_save(article=article, by=holder, seen_token=None, is_edit=True)
    article.title = "Locked story"
    services.article_save(article=article, by=holder, seen_token=None, is_edit=True)  # an older revision to revert to
    presence.lock_take(article=article, by=holder)
    return {"article": article, "holder": holder, "other": other, "editor": editor}


def test_a_lock_refuses_others_saves_on_every_path(locked):
    article, other, editor = locked["article"], locked["other"], locked["editor"]
    article.title = "Changed by another"
    with pytest.raises(presence.LockRefused, match="holds the lock"):
        services.article_save(article=article, by=other, seen_token=None, is_edit=True)
    with pytest.raises(presence.LockRefused, match="holds the lock"):
        services.article_submit_for_review(article=article, by=other)
    with pytest.raises(presence.LockRefused, match="holds the lock"):
        services.article_publish(article=article, by=editor)
    with pytest.raises(presence.LockRefused, match="holds the lock"):
        services.article_revert(article=article, revision=article.revisions.get(number=2), by=editor, seen_token=None)

    client = signed_in(other)
    data, _ = read_form(client.get(change_url(article)))
    response = client.post(change_url(article), data | {"title": ["Changed in the form"]})
    assert response.status_code == 200
    assert "holds the lock on this article" in response.content.decode()
    bulk = signed_in(other).post(
        reverse("admin:articles_article_changelist"),
        {"action": "submit_for_review", "_selected_action": [article.pk]},
        follow=True,
    )
    assert "holds the lock" in bulk.content.decode()
    assert Article.objects.get(pk=article.pk).title == "Locked story"
    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT

    article.title = "Changed by the holder"
    services.article_save(article=article, by=locked["holder"], seen_token=None, is_edit=True)
    assert Article.objects.get(pk=article.pk).title == "Changed by the holder"


def test_only_an_editor_takes_over_a_lock_with_a_reason_recorded_in_the_history(locked):
    article, other, editor = locked["article"], locked["other"], locked["editor"]
    url = reverse("admin:articles_article_lock", args=[article.pk])
    signed_in(other).post(url, {"action": "take_over", "reason": "Mine now"})
    signed_in(editor).post(url, {"action": "take_over", "reason": "  "})
    assert ArticleLock.objects.get(article=article).by == locked["holder"]

    signed_in(editor).post(url, {"action": "take_over", "reason": "Ann is off sick; the story runs tonight"})

    assert ArticleLock.objects.get(article=article).by == editor
    entry = LogEntry.objects.filter(object_id=str(article.pk), user=editor).latest("action_time")
    assert "Took over the lock from" in entry.change_message
    assert "Ann is off sick; the story runs tonight" in entry.change_message
    with pytest.raises(presence.LockRefused):
        services.article_save(article=article, by=locked["holder"], seen_token=None, is_edit=True)


def test_the_holder_releases_the_lock_and_others_may_save_again(locked):
    url = reverse("admin:articles_article_lock", args=[locked["article"].pk])
    signed_in(locked["other"]).post(url, {"action": "release"})  # not theirs: nothing happens
    assert ArticleLock.objects.filter(article=locked["article"]).exists()
    signed_in(locked["holder"]).post(url, {"action": "release"})
    assert not ArticleLock.objects.filter(article=locked["article"]).exists()


def test_a_stale_save_shows_yours_theirs_and_the_version_you_started_from():
    ann, bob = make_user("writer"), make_user("writer")
    article = make_draft_article(title="Council votes", excerpt="The council met.")
    services.article_save(article=article, by=ann, seen_token=None, is_edit=True)
    client = signed_in(ann)
    data, _ = read_form(client.get(change_url(article)))
    article.refresh_from_db()
    article.excerpt = "The council met on Monday."
    services.article_save(article=article, by=bob, seen_token=None, is_edit=True)  # in between

    response = client.post(change_url(article), data | {"excerpt": ["The council met late."]})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was overwritten" in page
    assert 'id="three-way"' in page
    yours, theirs, started = (
        page.split(f'three-way-{column}">')[1].split("</td>")[0] for column in ("yours", "theirs", "started")
    )
    assert yours == "The council met<ins> late</ins>."
    assert theirs == "The council met<ins> on Monday</ins>."
    assert started.strip() == "The council met."


def test_a_lock_refuses_others_moves_of_a_pending_change_its_discard_and_settling_a_conflict():
    writer, editor, holder = make_user("writer"), make_user("editor"), make_user("editor")
    article = make_published_article("Live locked story")
    with pending.sandbox(article) as box:
        current = Article.objects.get(pk=article.pk)
        current.title = "Live locked story, proposed"
        services.article_save(article=current, by=writer, seen_token=None, is_edit=True, proposal=True)
        pending.capture(box)
    pending.store(box, by=writer)
    FeedConflict.objects.create(
        article=article,
        source_file="newer.md",
        content_hash="0" * 64,
        data=revisions.pack(revisions.snapshot(article.pk))[1],
    )
    presence.lock_take(article=article, by=holder)

    with pytest.raises(presence.LockRefused, match="holds the lock"):
        pending.move(article=article, name="submit_for_review", by=writer)
    with pytest.raises(presence.LockRefused, match="holds the lock"):
        pending.discard(article=article, by=writer)
    with pytest.raises(presence.LockRefused, match="holds the lock"):
        conflicts.resolve(article=article, by=editor, take=None)
    assert PendingChange.objects.get(article=article).status == PendingChange.Status.DRAFT
    assert FeedConflict.objects.filter(article=article).exists()
