"""Corrections readers can see (issue 13): asked on the admin form when a live story's text changes,
stored append-only, shown on the article page, in JSON-LD, the feeds, the API and /corrections/."""

import json
import re

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse

from articles import services
from articles.models import Article, Correction, Revision
from tests.support.factories import make_published_article, make_user
from tests.support.forms import change_url, read_form

pytestmark = pytest.mark.django_db


def post_form(client, article, **changes):
    """The article's change form as a browser posts it, with ``changes`` typed in (textareas with CRLF)."""
    data, _ = read_form(client.get(change_url(article)))
    changes = {key: value.replace("\n", "\r\n") for key, value in changes.items()}
    return client.post(change_url(article), data | {key: [value] for key, value in changes.items()})


def errors_beside(response, field: str) -> list[str]:
    form = response.context["adminform"].form
    return [str(error) for error in form.errors.get(field, [])]


@pytest.fixture
def editor(client):
    user = make_user("editor")
    client.force_login(user)
    return user


@pytest.mark.parametrize("kind", ["correction", "clarification", "update"])
def test_an_editor_changing_a_live_story_stores_a_note_of_the_kind_chosen(client, editor, kind):
    article = make_published_article("Minister resigns", body="She left on Monday.")

    response = post_form(
        client, article, body="She left on Tuesday.", correction_kind=kind, correction_note="It was Tuesday,\nnot Monday."
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.body == "She left on Tuesday."
    correction = Correction.objects.get()
    assert (correction.article, correction.kind, correction.by) == (article, kind, editor)
    assert correction.note == "It was Tuesday,\nnot Monday."  # the browser's CRLF stored as LF
    assert correction.revision == Revision.objects.filter(article=article).first()
    assert correction.revision.kind == "edited"


@pytest.mark.parametrize(("field", "value"), [("title", "Minister quits"), ("excerpt", "New standfirst")])
def test_the_headline_and_the_standfirst_ask_for_a_kind_too(client, editor, field, value):
    article = make_published_article("Minister resigns")

    response = post_form(client, article, **{field: value})

    assert response.status_code == 200
    assert errors_beside(response, "correction_kind") == [
        "This changes the text of a live story: say what kind of change it is."
    ]
    article.refresh_from_db()
    assert getattr(article, field) != value
    assert not Correction.objects.exists()


@pytest.mark.parametrize("kind", ["correction", "clarification", "update"])
def test_every_kind_but_a_silent_fix_needs_a_note(client, editor, kind):
    article = make_published_article("Minister resigns", body="She left on Monday.")

    response = post_form(client, article, body="She left on Tuesday.", correction_kind=kind, correction_note=" \n ")

    assert response.status_code == 200
    assert errors_beside(response, "correction_note")[0].startswith(f"A {kind} needs a note")
    article.refresh_from_db()
    assert article.body == "She left on Monday."
    assert not Correction.objects.exists()


def test_a_silent_fix_needs_no_note_and_readers_are_not_told(client, editor):
    article = make_published_article("Minister resigns", body="She left on Mnoday.")

    response = post_form(client, article, body="She left on Monday.", correction_kind="silent")

    assert response.status_code == 302
    correction = Correction.objects.get()
    assert (correction.kind, correction.note) == ("silent", "")
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Silent" not in page and "class=\"corrections\"" not in page


def test_a_silent_fix_is_refused_for_someone_who_may_not_publish():
    writer = make_user("writer")

    refused = services.correction_refusal(writer, "silent", "")

    assert refused is not None and refused.message_dict == {"correction_kind": ["Only editors may make a silent fix."]}
    assert services.correction_refusal(make_user("editor"), "silent", "") is None


def test_the_service_refuses_a_live_text_change_without_a_kind_when_asked_to():
    editor = make_user("editor")
    article = make_published_article("Minister resigns")
    article.title = "Minister quits"

    with pytest.raises(ValidationError) as refused:
        services.article_save(
            article=article, by=editor, seen_token=None, is_edit=True, require_correction=True
        )

    assert "correction_kind" in refused.value.message_dict
    assert Article.objects.get(pk=article.pk).title == "Minister resigns"


def test_a_draft_change_asks_for_nothing_and_stores_no_correction(client, editor):
    article = make_published_article("Draft story", status=Article.Status.DRAFT)

    page = client.get(change_url(article)).content.decode()
    response = post_form(client, article, title="Draft story, sharper")

    assert 'name="correction_kind"' not in page
    assert response.status_code == 302
    assert not Correction.objects.exists()


def test_a_change_to_a_live_story_other_than_its_text_asks_for_nothing(client, editor):
    article = make_published_article("Minister resigns")

    response = post_form(client, article, correction_note="ignored")

    assert response.status_code == 302
    assert not Correction.objects.exists()


def test_no_one_may_change_or_delete_a_correction_in_the_admin(client):
    model_admin = admin.site.get_model_admin(Correction)
    article = make_published_article("Story")
    correction = Correction.objects.create(article=article, kind="correction", note="Was wrong.")
    for role in ("writer", "editor", "superuser"):
        client.force_login(make_user(role))
        request = client.get(reverse("admin:articles_correction_changelist")).wsgi_request
        assert not model_admin.has_change_permission(request, correction)
        assert not model_admin.has_delete_permission(request, correction)
        assert not model_admin.has_add_permission(request)
        response = client.post(
            reverse("admin:articles_correction_change", args=[correction.pk]),
            {"kind": "silent", "note": "Nothing happened."},
        )
        assert response.status_code == 403
        response = client.post(reverse("admin:articles_correction_delete", args=[correction.pk]), {"post": "yes"})
        assert response.status_code == 403
    correction.refresh_from_db()
    assert (correction.kind, correction.note) == ("correction", "Was wrong.")
