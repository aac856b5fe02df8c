"""The desk's review flow on the admin: the workflow bar on the article form, "submitted by / at" on the list and
the review queue (from the transition log, a fixed number of queries), the confirmation page before bulk actions
that take stories off the site, and the admin's name and icon."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from articles import services
from articles.models import Article, ArticleTransition
from tests.support.factories import make_draft_article, make_published_article, make_user
from tests.support.forms import CHANGELIST, change_url, read_form

pytestmark = pytest.mark.django_db

Status = Article.Status
NOON = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def workflow_bar(page: str) -> str:
    match = re.search(r'<div class="workflow-bar".*?</div>\s*</div>\s*(?=<p class="workflow-notice"|<div>)', page, re.S)
    assert match, "no workflow bar on the page"
    return match.group(0)


# "Submitted by / at"


def submitted_stories(count: int, writer) -> None:
    for number in range(count):
        with time_machine.travel(NOON.replace(hour=number % 10), tick=False):
            article = make_draft_article(title=f"Submitted {number}")
            services.article_submit_for_review(article=article, by=writer)


def test_the_list_shows_who_submitted_each_story_and_when(client):
    writer, editor = make_user("writer"), make_user("editor")
    with time_machine.travel(NOON, tick=False):
        article = make_draft_article(title="Waiting")
        services.article_submit_for_review(article=article, by=writer)
    with time_machine.travel(NOON.replace(hour=13), tick=False):
        services.article_send_back(article=article, by=editor, comment="Needs a source.")
    with time_machine.travel(NOON.replace(hour=14), tick=False):
        services.article_submit_for_review(article=article, by=editor)  # the latest submission counts
    make_draft_article(title="Never submitted")
    client.force_login(editor)

    response = client.get(CHANGELIST)
    rows = {row.title: row for row in response.context["cl"].result_list}
    assert rows["Waiting"].submitted_at == NOON.replace(hour=14)
    assert rows["Waiting"].submitted_by == editor.username
    assert rows["Never submitted"].submitted_at is None
    page = response.content.decode()
    assert '<th scope="col" class="sortable column-submitted' in page
    assert f'<span class="submitted-by">by {editor.username}</span>' in page


def test_the_list_sorts_by_submission_time(client):
    writer = make_user("writer")
    submitted_stories(3, writer)
    client.force_login(make_user("editor"))
    column = client.get(CHANGELIST).context["cl"].list_display.index("submitted")  # "o" counts the checkbox too
    response = client.get(f"{CHANGELIST}?o={column}")  # oldest first; the default order is newest first
    assert [a.title for a in response.context["cl"].result_list] == ["Submitted 0", "Submitted 1", "Submitted 2"]


@pytest.mark.parametrize("count", [1, 30])
def test_submitted_by_and_at_cost_no_query_per_row(client, django_assert_num_queries, session_queries, count):
    writer = make_user("writer")
    submitted_stories(count, writer)
    client.force_login(make_user("editor"))
    client.get(CHANGELIST)  # warm the content type and permission caches
    # As test_admin's unfiltered changelist: user, permissions (2), count, rows, categories, types, unread
    # notifications; the session.
    with django_assert_num_queries(8 + session_queries):
        response = client.get(CHANGELIST)
    assert response.content.decode().count(f"by {writer.username}</span>") == count


def test_the_review_queue_says_who_submitted_each_story(client):
    writer = make_user("writer")
    submitted_stories(3, writer)
    client.force_login(make_user("editor"))
    page = client.get(reverse("admin:index")).content.decode()
    queue = page.split('id="dashboard-review-queue"')[1].split('id="dashboard-scheduled"')[0]
    assert queue.count(f"by {writer.username}") == 3


# The workflow bar


def test_the_workflow_buttons_the_comment_box_and_the_latest_comment_are_in_a_bar_at_the_top(client):
    editor = make_user("editor")
    article = make_draft_article(status=Status.REVIEW)
    services.article_send_back(article=article, by=editor, comment="Check the figures.")
    services.article_submit_for_review(article=article, by=editor, comment="")
    client.force_login(editor)
    page = client.get(change_url(article)).content.decode()
    bar = workflow_bar(page)
    assert page.index(bar) < page.index('<fieldset class="module aligned')  # above the form's sections
    assert "Check the figures." in bar
    assert 'name="transition_comment"' in bar
    assert {"publish", "send_back", "archive"} <= set(re.findall(r'name="_transition" value="(\w+)"', bar))
    assert page.count('name="transition_comment"') == 1
    assert page.count('name="_transition"') == 3
    # Save comes first in the form, so Enter in a field saves rather than moves the article.
    _, buttons = read_form(client.get(change_url(article)))
    assert buttons[0][0] in {"_save", "_continue"}


def test_sending_back_without_a_comment_shows_the_error_beside_the_box(client):
    client.force_login(make_user("editor"))
    article = make_draft_article(status=Status.REVIEW)
    data, _ = read_form(client.get(change_url(article)))
    response = client.post(change_url(article), data | {"_transition": ["send_back"], "transition_comment": [""]})
    assert response.status_code == 200
    page = response.content.decode()
    bar = workflow_bar(page)
    assert 'class="workflow-comment-error"' in bar
    assert "a comment is required when an article is sent back" in bar
    assert "errorlist nonfield" not in page  # not at the top of the form, away from the box
    assert Article.objects.get(pk=article.pk).status == Status.REVIEW


# Confirmation before taking stories off the site


@pytest.mark.parametrize("action", ["unpublish", "archive"])
def test_bulk_off_site_actions_list_the_stories_and_change_nothing_until_confirmed(client, action):
    editor = make_user("editor")
    live = [make_draft_article(status=Status.PUBLISHED, title=f"Live story {n}") for n in range(3)]
    other = make_draft_article(status=Status.PUBLISHED, title="Not selected")
    client.force_login(editor)
    post = {"action": action, "_selected_action": [a.pk for a in live], "index": "0", "select_across": "0"}

    response = client.post(CHANGELIST, post)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Are you sure you want to" in page
    assert "3 of them are live now and will be taken off the site" in page
    for article in live:
        assert article.title in page
    assert "Not selected" not in page
    assert set(Article.objects.values_list("status", flat=True)) == {Status.PUBLISHED}
    assert not ArticleTransition.objects.exists()

    # The page's own form, as a browser posts it.
    form = re.search(r'<form method="post">(.*?)</form>', page, re.S).group(1)
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    assert data["post"] == ["yes"]
    assert data["action"] == [action]
    assert sorted(map(int, data["_selected_action"])) == sorted(a.pk for a in live)
    response = client.post(CHANGELIST, data)
    assert response.status_code == 302
    target = Status.DRAFT if action == "unpublish" else Status.ARCHIVED
    assert set(Article.objects.filter(pk__in=[a.pk for a in live]).values_list("status", flat=True)) == {target}
    assert Article.objects.get(pk=other.pk).status == Status.PUBLISHED
    assert ArticleTransition.objects.filter(name=action, by=editor).count() == 3


def test_bulk_publish_needs_no_confirmation(client):
    client.force_login(make_user("editor"))
    article = make_draft_article(status=Status.REVIEW)
    post = {"action": "publish", "_selected_action": [article.pk], "index": "0", "select_across": "0"}
    assert client.post(CHANGELIST, post).status_code == 302
    assert Article.objects.get(pk=article.pk).status == Status.PUBLISHED


# The admin's name


def test_the_admin_is_branded_with_the_sites_name_and_icon(client):
    client.force_login(make_user("editor"))
    page = client.get(reverse("admin:index")).content.decode()
    assert "Django administration" not in page
    assert "Django site admin" not in page
    assert '<div id="site-name"><a href="/admin/">Newsroom</a></div>' in page
    assert "<title>Editorial desk | Newsroom</title>" in page
    assert re.search(r'<link rel="icon" href="[^"]*favicon\.svg"', page)
    with override_settings(NEWSROOM_SITE_NAME="The Daily Bugle"):
        assert "The Daily Bugle</a></div>" in client.get(CHANGELIST).content.decode()


def test_a_conflict_recorded_before_the_import_kept_the_files_version_leads_to_the_article_not_a_404(client):
    article = make_published_article("Edited before this round")
    Article.objects.filter(pk=article.pk).update(conflict_file="older/round.md", conflict_at=timezone.now())
    client.force_login(make_user("editor"))

    response = client.get(reverse("admin:articles_article_conflict", args=[article.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("admin:articles_article_change", args=[article.pk])
    assert "--overwrite" in response.content.decode()
