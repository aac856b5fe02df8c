"""Notes on an article (issue 15): beside the change form, written without saving it, for the desk only."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from articles.models import Article, ArticleNote
from tests.support.factories import make_draft_article, make_published_article, make_user
from tests.support.forms import change_url, read_form

pytestmark = pytest.mark.django_db


def notes_url(article) -> str:
    return reverse("admin:articles_article_notes_add", args=[article.pk])


def resolve_url(note) -> str:
    return reverse("admin:articles_article_notes_resolve", args=[note.article_id, note.pk])


def test_a_writer_notes_a_story_in_review_without_saving_it_and_the_note_shows_beside_the_form(client):
    """A writer may not change a story in review, but may talk about it: the article is not written."""
    article = make_draft_article(status=Article.Status.REVIEW, title="Council budget")
    writer = make_user("writer")
    client.force_login(writer)
    before = Article.objects.values("version", "edited_at", "updated_at").get(pk=article.pk)

    response = client.post(notes_url(article), {"text": "Is the second figure\r\nfrom the draft budget?"})

    assert response.status_code == 302
    assert response["Location"] == change_url(article) + "#notes"
    assert Article.objects.values("version", "edited_at", "updated_at").get(pk=article.pk) == before
    assert article.revisions.count() == 0
    page = client.get(change_url(article)).content.decode()
    assert "Is the second figure<br>from the draft budget?" in page
    assert 'id="notes"' in page
    assert ArticleNote.objects.get().author == writer


def test_the_article_form_is_unchanged_by_the_notes_panel(client):
    """The notes' forms are outside the article's form: saving the article posts no note field."""
    article = make_draft_article()
    ArticleNote.objects.create(article=article, text="Open question")
    client.force_login(make_user("editor"))

    data, _ = read_form(client.get(change_url(article)))

    assert not {"text", "parent", "resolved"} & set(data)


def test_replies_thread_under_their_note_and_resolving_the_thread_needs_no_article_form(client):
    article = make_draft_article()
    editor = make_user("editor")
    client.force_login(editor)
    client.post(notes_url(article), {"text": "First"})
    first = ArticleNote.objects.get()
    client.post(notes_url(article), {"text": "An answer", "parent": str(first.pk)})
    reply = ArticleNote.objects.get(parent=first)

    client.post(resolve_url(reply))  # resolving a reply resolves its thread

    first.refresh_from_db()
    assert (first.resolved_by, first.resolved_at is not None) == (editor, True)
    page = client.get(change_url(article)).content.decode()
    assert page.index("First") < page.index("An answer")
    assert f"resolved by {editor.username}" in page
    client.post(resolve_url(first), {"resolved": "0"})
    first.refresh_from_db()
    assert first.resolved_at is None


def test_a_reply_to_a_note_of_another_article_and_an_empty_note_are_refused(client):
    article, other = make_draft_article(), make_draft_article()
    foreign = ArticleNote.objects.create(article=other, text="Elsewhere")
    client.force_login(make_user("writer"))

    crafted = client.post(notes_url(article), {"text": "Sneaky", "parent": str(foreign.pk)})
    empty = client.post(notes_url(article), {"text": "  \r\n "})

    assert crafted.status_code == 404
    assert empty.status_code == 302
    assert ArticleNote.objects.count() == 1


def test_adding_a_note_needs_the_csrf_token():
    article = make_draft_article()
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("editor"))

    refused = client.post(notes_url(article), {"text": "No token"})
    page = client.get(change_url(article))
    token = page.cookies["csrftoken"].value
    accepted = client.post(notes_url(article), {"text": "With token", "csrfmiddlewaretoken": token})

    assert (refused.status_code, accepted.status_code) == (403, 302)
    assert list(ArticleNote.objects.values_list("text", flat=True)) == ["With token"]


def test_mention_suggestions_list_colleagues_who_may_see_articles_only(client):
    colleague = make_user("writer")
    colleague.first_name = "Zelda"
    colleague.save()
    outsider = make_user("writer")
    outsider.first_name = "Zeno"
    outsider.is_staff = False
    outsider.save()
    client.force_login(make_user("editor"))

    found = client.get(reverse("admin:mention_suggestions"), {"q": "@ze"}).json()["people"]

    assert found == [{"username": colleague.username, "name": "Zelda"}]


def test_notes_reach_no_public_page_feed_api_or_export(client, tmp_path):
    live = make_published_article("Open story")
    ArticleNote.objects.create(article=live, text="Desk-only remark zq7")
    urls = [
        "/",
        live.get_absolute_url(),
        reverse("articles:search") + "?q=zq7",
        reverse("articles:search") + "?q=Open",
        reverse("articles:latest_rss"),
        reverse("articles:latest_atom"),
        reverse("articles:api_list"),
        reverse("articles:api_detail", args=[live.pk]),
        reverse("sitemap-news"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Desk-only remark" not in response.content.decode(), url
    call_command("export_seeds", str(tmp_path), verbosity=0)
    exported = [path.read_text() for path in tmp_path.rglob("*") if path.is_file()]
    assert exported
    assert all("zq7" not in text for text in exported)
