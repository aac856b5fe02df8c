"""The permission matrix: anonymous, writer, editor and superuser against every
transition, through every path into the admin.

- form button: open the change form as that user, press the transition's
  button (or, when the page offers none, post it anyway as a crafted request);
- bulk action: pick the action on the changelist (or post it anyway when the
  dropdown does not offer it);
- crafted status: post the change form with the ``status`` field set to the
  transition's target, bypassing transitions altogether.

Each case asserts what the page offered, the response, and the database.
"""

import pytest
from django.contrib.messages import get_messages

from articles import workflow
from articles.admin.workflow import takes_off_the_site
from articles.models import Article, ArticleTransition
from tests.support.factories import make_draft_article, make_user
from tests.support.forms import CHANGELIST, change_url, read_form, transition_buttons
from tests.support.workflow import MOVES

pytestmark = pytest.mark.django_db

Status = Article.Status
ROLES = ["anonymous", "writer", "editor", "superuser"]
ALLOWED = {
    "anonymous": set(),
    "writer": {"submit_for_review"},
    "editor": {"submit_for_review", "publish", "send_back", "unpublish", "archive", "restore"},
    "superuser": {"submit_for_review", "publish", "send_back", "unpublish", "archive", "restore"},
}
CASES = [pytest.param(role, *move, id=f"{role}-{move[0]}-from-{move[1]}") for role in ROLES for move in MOVES]
LOGIN = "/admin/login/"


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def assert_unchanged(article, status):
    article.refresh_from_db()
    assert article.status == status
    assert not ArticleTransition.objects.filter(article=article).exists()


@pytest.mark.parametrize(("role", "name", "source", "target"), CASES)
def test_form_button(client, role, name, source, target):
    user = make_user(role)
    article = make_draft_article(status=source, title="Matrix story")
    url = change_url(article)
    if user is None:
        assert client.get(url)["Location"].startswith(LOGIN)
        response = client.post(url, {"_transition": name, "transition_comment": "Why"})
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
        assert_unchanged(article, source)
        return

    client.force_login(user)
    page = client.get(url)
    assert page.status_code == 200
    allowed = name in ALLOWED[role]
    assert (name in transition_buttons(page)) is allowed
    data, _ = read_form(page)
    data |= {"_transition": [name], "transition_comment": ["Why"]}
    response = client.post(url, data)

    article.refresh_from_db()
    if allowed:
        assert response.status_code == 302
        assert response["Location"] == url
        assert article.status == target
        record = ArticleTransition.objects.get(article=article)
        assert (record.name, record.from_status, record.to_status, record.by) == (name, source, target, user)
        assert any("was" in m and "Matrix story" in m for m in messages_of(response))
    elif source == Status.DRAFT or (role == "writer" and source == Status.PUBLISHED):
        # A writer's own draft, or a live story's pending change: the form is editable, the crafted transition is
        # refused on it.
        assert response.status_code == 200
        assert "only editors may" in response.content.decode()
        assert_unchanged(article, source)
    else:
        # Not a draft: the writer's page is read-only, and a crafted POST is refused with the reason.
        assert response.status_code == 302
        assert response["Location"] == url
        assert any("You cannot change" in m and "Nothing was saved" in m for m in messages_of(response))
        assert_unchanged(article, source)


@pytest.mark.parametrize(("role", "name", "source", "target"), CASES)
def test_bulk_action(client, role, name, source, target):
    user = make_user(role)
    article = make_draft_article(status=source, title="Matrix story")
    other = make_draft_article(status=source)
    post = {"action": name, "_selected_action": [article.pk], "index": "0", "select_across": "0"}
    if user is None:
        response = client.post(CHANGELIST, post)
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
        assert_unchanged(article, source)
        return

    client.force_login(user)
    # Send back needs a comment per article, so it is on the change form only.
    allowed = name in ALLOWED[role] and name != "send_back"
    offered = {value for value, _ in client.get(CHANGELIST).context["action_form"].fields["action"].choices}
    assert (name in offered) is allowed
    response = client.post(CHANGELIST, post)
    if allowed and takes_off_the_site(workflow.TRANSITIONS[name]):
        # Unpublish and archive ask first, on a page of their own; nothing changes until confirmed.
        assert response.status_code == 200
        assert "Are you sure you want to" in response.content.decode()
        assert_unchanged(article, source)
        response = client.post(CHANGELIST, post | {"post": "yes"})

    assert response.status_code == 302
    article.refresh_from_db()
    if allowed:
        assert article.status == target
        assert ArticleTransition.objects.get(article=article).by == user
        assert any("1 article" in m and "Matrix story" in m for m in messages_of(response))
    else:
        assert "No action selected." in messages_of(response)
        assert_unchanged(article, source)
    assert_unchanged(other, source)


@pytest.mark.parametrize(("role", "name", "source", "target"), CASES)
def test_crafted_status_field_never_moves_an_article(client, role, name, source, target):
    user = make_user(role)
    article = make_draft_article(status=source, title="Matrix story")
    url = change_url(article)
    if user is None:
        response = client.post(url, {"status": target, "title": "Hijacked"})
        assert response["Location"].startswith(LOGIN)
        assert_unchanged(article, source)
        return

    client.force_login(user)
    data, _ = read_form(client.get(url))
    data |= {"status": [target], "_save": ["Save"]}
    response = client.post(url, data)
    assert response.status_code == 302
    assert_unchanged(article, source)


def test_a_bulk_action_reports_each_refusal_with_its_reason(client):
    client.force_login(make_user("editor"))
    draft = make_draft_article(status=Status.DRAFT, title="Ready one")
    archived = make_draft_article(status=Status.ARCHIVED, title="Old one")
    published = make_draft_article(status=Status.PUBLISHED, title="Live one")
    response = client.post(
        CHANGELIST,
        {"action": "publish", "_selected_action": [draft.pk, archived.pk, published.pk], "index": "0"},
    )
    messages = messages_of(response)
    assert "1 article published: “Ready one”." in messages
    assert (
        "Not published: “Old one” cannot be published: it is archived, and only draft or in review articles can be."
        in messages
    )
    assert (
        "Not published: “Live one” cannot be published: it is published, and only draft or in review articles can be."
        in messages
    )
    assert [a.status for a in Article.objects.order_by("pk")] == [Status.PUBLISHED, Status.ARCHIVED, Status.PUBLISHED]


@pytest.mark.parametrize(
    ("role", "transition", "message"),
    [
        pytest.param("editor", "restore", "cannot be restored: it is draft", id="not-from-this-status"),
        pytest.param("superuser", "delete_everything", "There is no transition called", id="unknown"),
    ],
)
def test_a_crafted_transition_that_does_not_fit_the_status_or_does_not_exist_is_refused_on_the_form(
    client, role, transition, message
):
    client.force_login(make_user(role))
    article = make_draft_article(status=Status.DRAFT)
    data, _ = read_form(client.get(change_url(article)))
    response = client.post(change_url(article), data | {"_transition": [transition]})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert_unchanged(article, Status.DRAFT)


def test_sending_back_without_a_comment_is_refused_on_the_form(client):
    client.force_login(make_user("editor"))
    article = make_draft_article(status=Status.REVIEW)
    data, _ = read_form(client.get(change_url(article)))
    response = client.post(change_url(article), data | {"_transition": ["send_back"], "transition_comment": [" "]})
    assert response.status_code == 200
    assert "a comment is required when an article is sent back" in response.content.decode()
    assert "Write why here, then press the button again." in response.content.decode()
    assert_unchanged(article, Status.REVIEW)


def test_a_writer_edits_a_published_article_as_a_pending_change_and_is_told_so(client):
    client.force_login(make_user("writer"))
    article = make_draft_article(status=Status.PUBLISHED)
    page = client.get(change_url(article)).content.decode()
    assert "your changes are saved as a <strong>pending change</strong>" in page
    assert 'name="title"' in page
    assert "Save pending changes" in page


def test_a_writer_sees_an_article_in_review_read_only_with_the_reason(client):
    client.force_login(make_user("writer"))
    article = make_draft_article(status=Status.REVIEW)
    page = client.get(change_url(article)).content.decode()
    assert "it is in review" in page
    assert 'name="title"' not in page
    assert 'name="_save"' not in page


def test_a_writer_may_not_set_go_live_or_expiry(client):
    client.force_login(make_user("writer"))
    article = make_draft_article(status=Status.DRAFT)
    data, _ = read_form(client.get(change_url(article)))
    assert "go_live_at_0" not in data
    response = client.post(change_url(article), data | {"go_live_at_0": ["2030-01-01"], "go_live_at_1": ["10:00"]})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.go_live_at is None


def test_writers_see_every_article_including_other_writers_drafts(client):
    alice, bob = make_user("writer"), make_user("writer")
    client.force_login(alice)
    bobs_draft = make_draft_article(title="Bob's draft")
    client.force_login(bob)
    data, _ = read_form(client.get(change_url(bobs_draft)))
    client.post(change_url(bobs_draft), data | {"title": ["Bob's draft, improved"]})
    client.force_login(alice)
    assert "Bob&#x27;s draft, improved" in client.get(CHANGELIST).content.decode()
    assert client.get(change_url(bobs_draft)).status_code == 200


def test_a_writer_may_not_delete_articles(client):
    client.force_login(make_user("writer"))
    article = make_draft_article()
    response = client.post(f"/admin/articles/article/{article.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Article.objects.filter(pk=article.pk).exists()
