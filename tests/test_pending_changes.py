"""Changes to a live story under review while readers keep the live version (issue 13, ``articles.pending``)."""

import json
import re

import pytest
from django.urls import reverse

from articles import pending, services
from articles.models import Article, Correction, PendingChange, Revision
from tests.support.factories import make_published_article, make_topic, make_user
from tests.support.forms import CHANGELIST, change_url, read_form, transition_buttons

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def post_form(client, article, *, button=("_continue", ""), **changes):
    """The change form as a browser posts it, with ``changes`` typed into its fields."""
    data, _ = read_form(client.get(change_url(article)))
    for name, value in changes.items():
        data[name] = [value] if isinstance(value, str) else value
    if button:
        data[button[0]] = [button[1]]
    return client.post(change_url(article), data)


def live_story(**fields):
    return make_published_article("Live headline", body="The live body.", topics=["Energy"], images=1, **fields)


def test_a_writers_edit_of_a_live_story_is_pending_and_readers_keep_the_live_version(client):
    writer = make_user("writer")
    article = live_story()
    client.force_login(writer)
    response = post_form(client, article, title="Pending headline", body="The pending body.")
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.title, article.body) == ("Live headline", "The live body.")
    change = PendingChange.objects.get(article=article)
    assert (change.snapshot["title"], change.created_by, change.status) == ("Pending headline", writer, "draft")
    page = client.get(change_url(article))
    data, _ = read_form(page)
    assert data["title"] == ["Pending headline"]
    assert "pending change" in text(page)
    client.logout()
    public = client.get(article.get_absolute_url())
    assert "Live headline" in text(public)
    assert "Pending headline" not in text(public)
    for url in (
        "/feeds/latest.rss",
        "/feeds/latest.atom",
        "/api/news/",
        f"/api/news/{article.pk}/",
        "/sitemap-news.xml",
        "/search/?q=headline",
    ):
        content = client.get(url).content.decode()
        assert "Live headline" in content, url
        assert "Pending headline" not in content, url


def test_the_writer_continues_the_pending_change_and_its_parts_keep_their_forms(client):
    writer = make_user("writer")
    article = live_story()
    client.force_login(writer)
    post_form(client, article, title="First pending headline")
    data, _ = read_form(client.get(change_url(article)))
    data["images-0-caption"] = ["A caption for the pending version"]
    data["title"] = ["Second pending headline"]
    data["_continue"] = [""]
    assert client.post(change_url(article), data).status_code == 302
    snapshot = PendingChange.objects.get(article=article).snapshot
    assert snapshot["title"] == "Second pending headline"
    assert [image["caption"] for image in snapshot["images"]] == ["A caption for the pending version"]
    assert article.images.get().caption == ""


def test_a_writer_submits_the_pending_change_and_cannot_publish_it(client):
    writer = make_user("writer")
    article = live_story()
    client.force_login(writer)
    page = client.get(change_url(article))
    assert transition_buttons(page) == {"submit_for_review"}
    post_form(client, article, title="Pending headline", button=("_transition", "submit_for_review"))
    assert PendingChange.objects.get(article=article).status == "review"
    # A crafted publish is refused, and a writer may no longer change it while in review.
    response = post_form(client, article, title="Sneaky", button=("_transition", "publish"))
    article.refresh_from_db()
    assert article.title == "Live headline"
    assert PendingChange.objects.get(article=article).snapshot["title"] == "Pending headline"
    assert response.status_code == 302
    with pytest.raises(pending.PendingRefused):
        pending.move(article=article, name="publish", by=writer)


def test_an_editor_publishes_the_pending_change_with_a_correction_readers_see(client):
    writer, editor = make_user("writer"), make_user("editor")
    article = live_story()
    client.force_login(writer)
    post_form(client, article, title="Corrected headline", button=("_transition", "submit_for_review"))
    client.force_login(editor)
    page = client.get(change_url(article))
    assert transition_buttons(page) == {"send_back", "publish"}
    refused = post_form(client, article, button=("_transition", "publish"))
    assert refused.status_code == 200  # the correction is asked, on the form
    assert not Article.objects.filter(title="Corrected headline").exists()
    response = post_form(
        client,
        article,
        button=("_transition", "publish"),
        correction_kind="correction",
        correction_note="The headline named the wrong minister.",
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "Corrected headline"
    assert not PendingChange.objects.filter(article=article).exists()
    correction = Correction.objects.get(article=article)
    assert (correction.kind, correction.by) == ("correction", editor)
    assert Revision.objects.filter(article=article).latest("number").by == editor
    client.logout()
    public = text(client.get(article.get_absolute_url()))
    assert "Corrected headline" in public
    assert "The headline named the wrong minister." in public


def test_a_silent_fix_on_publishing_is_for_editors_and_needs_no_note():
    writer, editor = make_user("writer"), make_user("editor")
    article = live_story()
    propose(article, writer, title="Live headlin e")
    services_article = pending.move(article=article, name="publish", by=editor, correction=("silent", ""))
    assert services_article.title == "Live headlin e"
    assert not Correction.objects.shown().filter(article=article).exists()


def propose(article, by, **fields):
    with pending.sandbox(article) as box:
        current = Article.objects.get(pk=article.pk)
        for name, value in fields.items():
            setattr(current, name, value)
        services.article_save(article=current, by=by, seen_token=None, is_edit=True, proposal=True)
        pending.capture(box)
    return pending.store(box, by=by)


def test_an_editor_sends_a_pending_change_back_with_a_comment_and_the_writer_edits_again(client):
    writer, editor = make_user("writer"), make_user("editor")
    article = live_story()
    propose(article, writer, title="Pending headline")
    pending.move(article=article, name="submit_for_review", by=writer)
    with pytest.raises(pending.PendingRefused):
        pending.move(article=article, name="send_back", by=editor)
    pending.move(article=article, name="send_back", by=editor, comment="Source it.")
    change = PendingChange.objects.get(article=article)
    assert (change.status, change.comment) == ("draft", "Source it.")
    client.force_login(writer)
    assert "Source it." in text(client.get(change_url(article)))


def test_an_editor_saves_as_pending_instead_of_changing_the_live_story(client):
    editor = make_user("editor")
    article = live_story()
    client.force_login(editor)
    _, buttons = read_form(client.get(change_url(article)))
    assert ("_save_pending", "Save as pending") in buttons
    post_form(client, article, title="Editor's pending headline", button=("_save_pending", "Save as pending"))
    article.refresh_from_db()
    assert article.title == "Live headline"
    assert PendingChange.objects.get(article=article).snapshot["title"] == "Editor's pending headline"


def test_discarding_is_for_an_editor_or_the_changes_author():
    writer, other, editor = make_user("writer"), make_user("writer"), make_user("editor")
    article = live_story()
    propose(article, writer, title="Pending headline")
    with pytest.raises(pending.PendingRefused):
        pending.discard(article=article, by=other)
    pending.discard(article=article, by=writer)
    assert not PendingChange.objects.exists()
    propose(article, writer, title="Pending again")
    pending.discard(article=article, by=editor)
    assert not PendingChange.objects.exists()
    article.refresh_from_db()
    assert article.title == "Live headline"


def test_the_discard_button_posts_to_its_own_url(client):
    writer = make_user("writer")
    article = live_story()
    propose(article, writer, title="Pending headline")
    client.force_login(writer)
    assert "pending/discard/" in client.get(change_url(article)).content.decode()
    response = client.post(reverse("admin:articles_article_pending_discard", args=[article.pk]))
    assert response.status_code == 302
    assert not PendingChange.objects.exists()


def test_a_writers_revert_of_a_live_story_is_a_pending_change(client):
    writer, editor = make_user("writer"), make_user("editor")
    article = live_story()
    article.refresh_from_db()
    services.article_save(article=article, by=editor, seen_token=None, is_edit=True, correction=("silent", ""))
    current = Article.objects.get(pk=article.pk)
    current.quality = 99
    services.article_save(article=current, by=editor, seen_token=None, is_edit=True)
    client.force_login(writer)
    url = reverse("admin:articles_article_revisions_revert", args=[article.pk, 1])
    assert client.post(url, {"edit_token": current.edit_token}).status_code == 302
    article.refresh_from_db()
    assert article.quality == 99
    assert PendingChange.objects.get(article=article).snapshot["quality"] == 50


def test_an_editors_revert_of_a_live_storys_text_asks_for_its_kind(client):
    editor = make_user("editor")
    article = live_story()
    current = Article.objects.get(pk=article.pk)
    current.title = "Edited headline"
    services.article_save(article=current, by=editor, seen_token=None, is_edit=True, correction=("silent", ""))
    client.force_login(editor)
    url = reverse("admin:articles_article_revisions_revert", args=[article.pk, 1])
    client.post(url, {"edit_token": current.edit_token})
    article.refresh_from_db()
    assert article.title == "Edited headline"
    client.post(url, {"edit_token": article.edit_token, "correction_kind": "update", "correction_note": "Back."})
    article.refresh_from_db()
    assert article.title == "Live headline"
    assert Correction.objects.filter(article=article, kind="update").exists()


def test_preview_shows_the_pending_version_and_the_reader_page_the_live_one(client):
    writer = make_user("writer")
    article = live_story()
    propose(article, writer, title="Pending headline")
    client.force_login(writer)
    preview = text(client.get(reverse("articles:preview", args=[article.pk])))
    assert "Pending headline" in preview
    assert "Live headline" in text(client.get(article.get_absolute_url()))
    article.refresh_from_db()
    assert article.title == "Live headline"


def test_the_list_shows_and_filters_live_stories_with_pending_changes(client):
    writer, editor = make_user("writer"), make_user("editor")
    article = live_story()
    other = make_published_article("Untouched story")
    propose(article, writer, title="Pending headline")
    client.force_login(editor)
    page = text(client.get(CHANGELIST + "?pending=yes"))
    assert "Live headline" in page
    assert "with pending changes" in page
    assert other.title not in page
    assert "Live, with pending changes" in text(client.get("/admin/"))


def test_a_pending_topic_and_a_removed_image_are_published_with_it():
    writer, editor = make_user("writer"), make_user("editor")
    article = live_story()
    with pending.sandbox(article) as box:
        current = Article.objects.get(pk=article.pk)
        services.article_save(
            article=current,
            by=writer,
            seen_token=None,
            is_edit=True,
            topics=[make_topic("Housing")],
            removed_parts=list(current.images.all()),
            proposal=True,
        )
        pending.capture(box)
    pending.store(box, by=writer)
    assert article.images.count() == 1
    pending.move(article=article, name="publish", by=editor)
    assert [t.name for t in article.topics.all()] == ["Housing"]
    assert article.images.count() == 0


def test_json_ld_carries_the_correction_after_publishing(client):
    writer, editor = make_user("writer"), make_user("editor")
    article = live_story()
    propose(article, writer, body="The corrected body.")
    pending.move(article=article, name="publish", by=editor, correction=("clarification", "We said more."))
    html = client.get(article.get_absolute_url()).content.decode()
    data = json.loads(re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert data["correction"][0]["text"] == "Clarification: We said more."


def test_a_pending_change_saved_by_someone_else_since_the_form_opened_is_not_overwritten(client):
    writer, other = make_user("writer"), make_user("writer")
    article = live_story()
    propose(article, writer, title="First pending headline")
    client.force_login(writer)
    data, _ = read_form(client.get(change_url(article)))
    propose(article, other, title="Other's pending headline")
    data |= {"title": ["Mine"], "_continue": [""]}
    response = client.post(change_url(article), data)
    assert response.status_code == 200
    assert "Nothing was overwritten" in text(response)
    assert PendingChange.objects.get(article=article).snapshot["title"] == "Other's pending headline"


def test_a_writer_cannot_change_a_pending_change_in_review_through_its_inlines(client):
    writer, editor = make_user("writer"), make_user("editor")
    article = live_story()
    client.force_login(editor)
    data, _ = read_form(client.get(change_url(article)))  # as an editor's page offers it, inlines editable
    propose(article, writer, title="Pending headline")
    pending.move(article=article, name="submit_for_review", by=writer)
    client.force_login(writer)
    data |= {"images-0-caption": ["Forged caption"], "_continue": [""]}
    client.post(change_url(article), data)
    assert article.images.get().caption == ""
    assert [image.get("caption", "") for image in PendingChange.objects.get().snapshot["images"]] == [""]


def test_bulk_actions_give_a_writer_no_way_to_publish_and_leave_the_pending_change(client):
    writer = make_user("writer")
    article = live_story()
    propose(article, writer, title="Pending headline")
    client.force_login(writer)
    response = client.post(CHANGELIST, {"action": "publish", "_selected_action": [article.pk]})
    assert response.status_code in (200, 302)
    article.refresh_from_db()
    assert article.title == "Live headline"
    assert PendingChange.objects.get().snapshot["title"] == "Pending headline"


def test_unpublishing_a_story_keeps_its_pending_change_for_the_editor_to_publish_or_discard():
    writer, editor = make_user("writer"), make_user("editor")
    article = live_story()
    propose(article, writer, title="Pending headline")
    services.article_unpublish(article=article, by=editor)
    pending.move(article=article, name="publish", by=editor)
    article.refresh_from_db()
    assert (article.title, article.status) == ("Pending headline", "draft")
    assert not Correction.objects.exists()  # not live: nothing to tell readers


def test_looking_at_a_pending_change_leaves_readers_cached_pages_alone(client):
    from articles import caching

    writer = make_user("writer")
    article = live_story()
    propose(article, writer, title="Pending headline")
    client.force_login(writer)
    before = caching.content_version()
    assert client.get(change_url(article)).status_code == 200
    assert client.get(reverse("articles:preview", args=[article.pk])).status_code == 200
    assert caching.content_version() == before


def test_a_refused_publish_stores_nothing_and_the_same_form_with_a_correction_publishes(client):
    writer, editor = make_user("writer"), make_user("editor")
    article = live_story()
    client.force_login(writer)
    post_form(client, article, title="Corrected headline", button=("_transition", "submit_for_review"))
    saves = PendingChange.objects.get(article=article).saves
    client.force_login(editor)
    refused = post_form(client, article, button=("_transition", "publish"))
    assert refused.status_code == 200
    assert PendingChange.objects.get(article=article).saves == saves  # the refused request stored nothing
    data, _ = read_form(refused)  # the form shown again, as the browser now posts it
    data["correction_kind"] = ["correction"]
    data["correction_note"] = ["The headline named the wrong minister."]
    data["_transition"] = ["publish"]
    response = client.post(change_url(article), data, follow=True)
    assert "was published. Readers see it now." in text(response)
    assert "Not saved" not in text(response)
    article.refresh_from_db()
    assert article.title == "Corrected headline"
    assert not PendingChange.objects.filter(article=article).exists()


def test_a_schedule_change_on_a_story_with_a_pending_change_is_refused_on_the_form_not_dropped(client):
    writer, editor = make_user("writer"), make_user("editor")
    article = live_story()
    propose(article, writer, title="Pending headline")
    saves = PendingChange.objects.get(article=article).saves
    client.force_login(editor)
    response = post_form(client, article, title="Editor's pending headline", assignee=str(editor.pk))
    assert response.status_code == 200
    assert "belong to the live story" in text(response)
    data, _ = read_form(response)
    assert (data["title"], data["assignee"]) == (["Editor's pending headline"], [str(editor.pk)])  # what was typed
    article.refresh_from_db()
    change = PendingChange.objects.get(article=article)
    assert (article.assignee, change.saves, change.snapshot["title"]) == (None, saves, "Pending headline")
    data["assignee"] = [""]
    data["_continue"] = [""]
    assert client.post(change_url(article), data).status_code == 302  # without the schedule, the change is saved
    assert PendingChange.objects.get(article=article).snapshot["title"] == "Editor's pending headline"
