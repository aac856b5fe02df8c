"""Corrections readers can see (issue 13): asked on the admin form when a live story's text changes,
stored append-only, shown on the article page, in JSON-LD, the feeds, the API and /corrections/."""

import json
import re
from datetime import timedelta

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
        client,
        article,
        body="She left on Tuesday.",
        correction_kind=kind,
        correction_note="It was Tuesday,\nnot Monday.",
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
    assert "Silent" not in page
    assert 'class="corrections"' not in page


def test_a_silent_fix_is_refused_for_someone_who_may_not_publish():
    writer = make_user("writer")

    refused = services.correction_refusal(writer, "silent", "")

    assert refused is not None
    assert refused.message_dict == {"correction_kind": ["Only editors may make a silent fix."]}
    assert services.correction_refusal(make_user("editor"), "silent", "") is None


def test_the_service_refuses_a_live_text_change_without_a_kind_when_asked_to():
    editor = make_user("editor")
    article = make_published_article("Minister resigns")
    article.title = "Minister quits"

    with pytest.raises(ValidationError) as refused:
        services.article_save(article=article, by=editor, seen_token=None, is_edit=True, require_correction=True)

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


# What readers see


def correct(article, *, kind="correction", note="It was Tuesday, not Monday.", body=None, by=None, at=None):
    """An editor's change to the story's body with a correction, through the one write path."""
    article.refresh_from_db()
    article.body = body or article.body + " Corrected."
    services.article_save(
        article=article,
        by=by or make_user("editor"),
        seen_token=None,
        is_edit=True,
        correction=(kind, note),
        require_correction=True,
        at=at,
    )
    return Correction.objects.filter(article=article).first()


def json_ld(response) -> dict:
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S)
    return json.loads(scripts[0])


def test_the_article_page_shows_each_note_with_its_kind_and_date(client, time_machine):
    time_machine.move_to("2026-11-29 10:00:00+00:00", tick=False)
    article = make_published_article("Minister resigns")
    correct(article, note="She left on Tuesday, not Monday.")
    correct(article, kind="update", note="She has since been replaced.")
    correct(article, kind="silent", note="")

    text = client.get(article.get_absolute_url()).content.decode()

    assert 'Correction, <time datetime="2026-11-29T10:00:00+00:00">29 November 2026</time>:</strong>' in text
    assert "She left on Tuesday, not Monday." in text
    assert "Update, <time" in text
    assert "She has since been replaced." in text
    assert "Silent" not in text
    assert text.index("She left on Tuesday") < text.index("She has since been replaced")  # in the order made


def test_json_ld_carries_each_correction_and_the_date_modified(client, time_machine):
    time_machine.move_to("2026-11-29 10:00:00+00:00", tick=False)
    article = make_published_article("Minister resigns", age=timedelta(days=1))
    correct(article, note="She left on Tuesday.")

    data = json_ld(client.get(article.get_absolute_url()))

    assert data["correction"] == [
        {
            "@type": "CorrectionComment",
            "text": "Correction: She left on Tuesday.",
            "datePublished": "2026-11-29T10:00:00+00:00",
        }
    ]
    assert data["dateModified"] == "2026-11-29T10:00:00+00:00"


def test_a_story_without_corrections_has_none_in_json_ld(client):
    article = make_published_article("Minister resigns")
    assert "correction" not in json_ld(client.get(article.get_absolute_url()))


def test_the_api_lists_the_corrections_readers_see(client, time_machine):
    time_machine.move_to("2026-11-29 10:00:00+00:00", tick=False)
    article = make_published_article("Minister resigns")
    correct(article, kind="clarification", note="The minister, not her deputy.")
    correct(article, kind="silent", note="")

    data = client.get(reverse("articles:api_detail", args=[article.pk])).json()
    listed = client.get(reverse("articles:api_list")).json()["results"][0]

    expected = [{"kind": "clarification", "note": "The minister, not her deputy.", "dateTime": "2026-11-29T10:00:00Z"}]
    assert data["corrections"] == expected
    assert listed["corrections"] == expected
    assert data["updatedDateTime"] == "2026-11-29T10:00:00Z"


def test_the_feeds_give_a_corrected_story_its_new_updated_date(client, time_machine):
    time_machine.move_to("2026-11-28 10:00:00+00:00", tick=False)
    article = make_published_article("Minister resigns")
    before = client.get(reverse("articles:latest_atom")).content.decode()
    time_machine.move_to("2026-11-29 12:30:00+00:00", tick=False)
    correct(article)

    after = client.get(reverse("articles:latest_atom")).content.decode()

    assert "<updated>2026-11-29T12:30:00+00:00</updated>" not in before
    assert "<updated>2026-11-29T12:30:00+00:00</updated>" in after


def test_the_corrections_page_lists_notes_of_live_stories_newest_first(client, time_machine):
    time_machine.move_to("2026-11-27 09:00:00+00:00", tick=False)
    older = make_published_article("Older story")
    correct(older, note="First note.")
    time_machine.move_to("2026-11-29 09:00:00+00:00", tick=False)
    newer = make_published_article("Newer story")
    correct(newer, kind="clarification", note="Second note.")
    correct(newer, kind="silent", note="")

    text = client.get(reverse("articles:corrections")).content.decode()

    assert text.index("Second note.") < text.index("First note.")
    assert "Clarification, <time" in text
    assert "29 November 2026" in text
    assert f'href="{newer.get_absolute_url()}"' in text
    assert "Silent" not in text


def test_a_correction_of_a_story_no_longer_live_is_not_on_the_corrections_page_or_its_feed(client):
    article = make_published_article("Taken down")
    correct(article, note="A note about a story since unpublished.")
    services.article_unpublish(article=article, by=make_user("editor"))
    shown = make_published_article("Still live")
    correct(shown, note="A note readers see.")

    page = client.get(reverse("articles:corrections")).content.decode()
    feed = client.get(reverse("articles:corrections_rss")).content.decode()

    assert "A note readers see." in page
    assert "A note readers see." in feed
    assert "since unpublished" not in page
    assert "since unpublished" not in feed


def test_a_draft_saved_with_a_correction_stores_none(client):
    article = make_published_article("Draft", status=Article.Status.DRAFT)

    assert correct(article, note="Not for a draft.") is None
    assert "Not for a draft." not in client.get(reverse("articles:corrections")).content.decode()


@pytest.mark.parametrize("url_name", ["articles:corrections_rss", "articles:corrections_atom"])
def test_the_corrections_feed_has_one_item_per_note_linking_to_the_story(client, url_name):
    article = make_published_article("Minister resigns")
    correct(article, note="She left on Tuesday.")

    response = client.get(reverse(url_name))

    text = response.content.decode()
    assert response.status_code == 200
    assert "Correction: Minister resigns" in text
    assert "She left on Tuesday." in text
    assert f"http://testserver{article.get_absolute_url()}" in text


def test_a_new_correction_refreshes_the_cached_pages(client):
    article = make_published_article("Minister resigns")
    for url in (article.get_absolute_url(), reverse("articles:corrections"), reverse("articles:corrections_rss")):
        assert "Fresh note." not in client.get(url).content.decode()  # now in the page cache

    correct(article, note="Fresh note.")

    for url in (article.get_absolute_url(), reverse("articles:corrections"), reverse("articles:corrections_rss")):
        assert "Fresh note." in client.get(url).content.decode(), url


@pytest.mark.parametrize("size", [1, 12])
def test_the_corrections_page_and_feed_run_a_fixed_number_of_queries(
    client, django_assert_num_queries, page_cache_queries, size
):
    editor = make_user("editor")
    for number in range(size):
        correct(make_published_article(f"Story {number}", topics=["Counting"]), by=editor)
    with django_assert_num_queries(5 + page_cache_queries):
        assert client.get(reverse("articles:corrections")).status_code == 200
    with django_assert_num_queries(1 + page_cache_queries):
        assert client.get(reverse("articles:corrections_rss")).status_code == 200


def test_retention_keeps_a_revision_a_correction_points_to():
    from django.core.management import call_command

    editor = make_user("editor")
    draft = make_published_article("Draft", status=Article.Status.DRAFT)
    for n in range(4):
        draft.refresh_from_db()
        draft.title = f"Draft {n}"
        services.article_save(article=draft, by=editor, seen_token=None, is_edit=True)
    pointed = Revision.objects.get(article=draft, number=2)
    Correction.objects.create(article=draft, kind="correction", note="Noted.", revision=pointed)

    call_command("prune_revisions", keep=2, verbosity=0)

    assert list(Revision.objects.filter(article=draft).values_list("number", flat=True)) == [5, 4, 2]
    assert Correction.objects.get().revision == pointed


def test_a_writer_opening_a_live_story_sees_it_without_the_correction_questions(client):
    client.force_login(make_user("writer"))
    article = make_published_article("Minister resigns")

    response = client.get(change_url(article))

    assert response.status_code == 200
    assert 'name="correction_kind"' not in response.content.decode()


def test_an_editor_opening_a_live_story_is_asked_the_kind_of_change(client, editor):
    article = make_published_article("Minister resigns")

    page = client.get(change_url(article)).content.decode()

    for kind in ("correction", "clarification", "update", "silent"):
        assert f'name="correction_kind" value="{kind}"' in page
    assert 'name="correction_note"' in page
