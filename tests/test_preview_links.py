"""Preview links: one revision of an article for someone without a login (issue 13)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import resolve, reverse
from django.utils import timezone

from articles import services
from articles.caching import is_cacheable
from articles.models import Article, PreviewLink, PreviewLinkUse, Provider, Revision, Topic
from articles.preview_links import preview_link_page
from tests.support.factories import make_provider, make_published_article, make_topic, make_user

pytestmark = pytest.mark.django_db


def edit(article, by, topics=None, **fields) -> None:
    article.refresh_from_db()
    for name, value in fields.items():
        setattr(article, name, value)
    services.article_save(article=article, by=by, seen_token=None, is_edit=True, topics=topics)


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def editor():
    return make_user("editor")


@pytest.fixture
def story(editor):
    """A live story with two revisions: 1 as it was ("Old wording"), 2 as it is now ("New wording")."""
    article = make_published_article(
        "Old headline", body="Old wording of the story.", topics=[make_topic("Courts")], related=1
    )
    edit(article, editor, title="New headline", body="New wording of the story.", topics=[])
    assert list(article.revisions.order_by("number").values_list("number", flat=True)) == [1, 2]
    return article


def link_to(article, number, by, **kwargs) -> tuple[PreviewLink, str]:
    revision = Revision.objects.get(article=article, number=number)
    link, token = PreviewLink.create(revision=revision, by=by, **kwargs)
    return link, reverse("articles:preview_link", args=[token])


def test_a_valid_link_shows_the_revisions_text_not_the_live_one_with_a_banner(client, story, editor):
    _, url = link_to(story, 1, editor)

    response = client.get(url)
    page = text(response)

    assert response.status_code == 200
    assert "Old headline" in page
    assert "Old wording of the story." in page
    assert "New wording" not in page
    assert "Preview of revision 1 — not published." in page
    assert "Courts" in page  # the revision's topics, not today's (none)
    story.refresh_from_db()
    assert story.title == "New headline"  # nothing written to the article


def test_a_valid_link_is_noindex_private_and_not_stored(client, story, editor):
    _, url = link_to(story, 2, editor)

    response = client.get(url)

    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control
    assert response["Referrer-Policy"] == "no-referrer"


def test_a_link_expires_after_48_hours_by_default_and_then_answers_410(client, story, editor):
    link, url = link_to(story, 1, editor)

    assert link.expires_at - link.created_at == timedelta(hours=48)
    with time_machine.travel(link.created_at + timedelta(hours=47), tick=False):
        assert client.get(url).status_code == 200
    with time_machine.travel(link.created_at + timedelta(hours=48, seconds=1), tick=False):
        response = client.get(url)
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert "Old wording" not in response.content.decode()


def test_a_link_lasts_as_long_as_its_editor_chose(client, story, editor):
    link, url = link_to(story, 1, editor, hours=2)

    with time_machine.travel(link.created_at + timedelta(hours=3), tick=False):
        assert client.get(url).status_code == 410


def test_a_revoked_link_answers_410_with_a_plain_message(client, story, editor):
    link, url = link_to(story, 1, editor)
    assert client.get(url).status_code == 200
    client.force_login(editor)
    client.post(reverse("admin:articles_article_preview_link_revoke", args=[story.pk, link.pk]))
    client.logout()

    response = client.get(url)

    assert response.status_code == 410
    assert response["Content-Type"].startswith("text/plain")
    assert "revoked" in response.content.decode()
    link.refresh_from_db()
    assert link.revoked_by == editor


def test_a_tampered_token_answers_404(client, story, editor):
    _, url = link_to(story, 1, editor)
    token = url.rstrip("/").rsplit("/", 1)[1]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")

    response = client.get(reverse("articles:preview_link", args=[tampered]))

    assert response.status_code == 404
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert not PreviewLinkUse.objects.exists()
    assert client.get(url).status_code == 200


def test_the_token_itself_is_not_stored(story, editor):
    link, url = link_to(story, 1, editor)
    token = url.rstrip("/").rsplit("/", 1)[1]

    assert token not in str(list(PreviewLink.objects.values()))
    assert link.token_hash != token


def test_a_link_to_a_deleted_revision_answers_404(client, story, editor):
    link, url = link_to(story, 1, editor)
    Revision.objects.filter(pk=link.revision_id).delete()

    response = client.get(url)

    assert response.status_code == 404
    assert "no longer exists" in response.content.decode()
    assert "Old wording" not in response.content.decode()
    assert PreviewLink.objects.filter(pk=link.pk).exists()  # the link and its log stay
    assert list(PreviewLinkUse.objects.filter(link=link).values_list("status", flat=True)) == [404]


def test_each_use_is_logged_with_ip_and_truncated_user_agent(client, story, editor):
    link, url = link_to(story, 1, editor)

    client.get(url, HTTP_USER_AGENT="Lawyer's browser " + "x" * 1000, REMOTE_ADDR="203.0.113.9")
    client.get(url, HTTP_USER_AGENT="Second look")
    PreviewLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())
    client.get(url)

    uses = list(PreviewLinkUse.objects.filter(link=link).order_by("pk"))
    assert [use.status for use in uses] == [200, 200, 410]
    assert uses[0].ip_address == "203.0.113.9"
    assert uses[0].user_agent.startswith("Lawyer's browser ")
    assert len(uses[0].user_agent) == 300
    assert uses[1].user_agent == "Second look"


def test_a_links_page_is_never_served_from_the_page_cache(client, story, editor):
    link, url = link_to(story, 2, editor)
    first = client.get(url)
    # Revoked by an update: no content changes, so a page cache would still hold the first answer under its key.
    PreviewLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())

    second = client.get(url)

    assert (first.status_code, second.status_code) == (200, 410)
    assert PreviewLinkUse.objects.filter(link=link).count() == 2  # the view ran both times
    assert not is_cacheable(first.wsgi_request, first)
    assert resolve(url).func is preview_link_page  # not wrapped in cache_public_page


def test_a_revision_whose_topic_and_source_were_deleted_since_still_shows(client, editor):
    source = make_provider("Gone Source", "gone.example")
    article = make_published_article("Before", provider=source, topics=[make_topic("Vanished")])
    edit(article, editor, title="After", provider=None, topics=[])
    _, url = link_to(article, 1, editor)
    Topic.objects.filter(name="Vanished").delete()
    Provider.objects.filter(pk=source.pk).delete()

    page = text(client.get(url))

    assert "Before" in page
    assert "Vanished" not in page
    assert "Gone Source" not in page


def test_an_editor_creates_a_link_from_the_revisions_page(client, story, editor):
    client.force_login(editor)
    page = client.get(reverse("admin:articles_article_revisions", args=[story.pk]))
    create = reverse("admin:articles_article_preview_link_create", args=[story.pk, 1])
    assert create in page.content.decode()

    response = client.post(create, {"hours": "72", "note": "Our lawyer"}, follow=True)

    link = PreviewLink.objects.get(article=story)
    assert (link.revision_number, link.note, link.created_by) == (1, "Our lawyer", editor)
    assert link.expires_at - link.created_at == timedelta(hours=72)
    url = re.search(r"https?://\S+/preview-link/[\w-]+/", response.content.decode()).group(0)
    client.logout()
    assert "Old wording" in client.get(url).content.decode()


def test_a_link_cannot_last_longer_than_the_limit(client, story, editor):
    client.force_login(editor)

    client.post(reverse("admin:articles_article_preview_link_create", args=[story.pk, 1]), {"hours": "100000"})

    assert not PreviewLink.objects.exists()


def test_writers_cannot_create_or_revoke_links(client, story, editor):
    link, _url = link_to(story, 1, editor)
    draft = make_published_article("Writer draft", status=Article.Status.DRAFT)
    edit(draft, editor, title="Writer draft, edited")
    client.force_login(make_user("writer"))

    created = client.post(reverse("admin:articles_article_preview_link_create", args=[draft.pk, 1]), {"hours": "48"})
    revoked = client.post(reverse("admin:articles_article_preview_link_revoke", args=[story.pk, link.pk]))

    assert (created.status_code, revoked.status_code) == (403, 403)
    assert PreviewLink.objects.count() == 1
    assert PreviewLink.objects.get().revoked_at is None
    page = client.get(reverse("admin:articles_article_revisions", args=[draft.pk])).content.decode()
    assert "/preview-link/" not in page
    assert "Create a preview link" not in page


def test_creating_a_link_needs_a_post_with_a_csrf_token(story, editor):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    create = reverse("admin:articles_article_preview_link_create", args=[story.pk, 1])

    assert client.get(create).status_code == 405
    assert client.post(create, {"hours": "48"}).status_code == 403
    assert not PreviewLink.objects.exists()


def test_the_revisions_page_lists_links_with_their_uses_and_state(client, story, editor):
    link, url = link_to(story, 1, editor, note="The source")
    client.get(url)
    client.get(url)
    PreviewLink.create(revision=Revision.objects.get(article=story, number=2), by=editor)
    client.force_login(editor)
    client.post(reverse("admin:articles_article_preview_link_revoke", args=[story.pk, link.pk]))

    page = text(client.get(reverse("admin:articles_article_revisions", args=[story.pk])))

    assert "The source" in page
    assert "Revoked" in page
    assert "Active" in page
    assert PreviewLink.objects.count() == 2  # revoking keeps the row
