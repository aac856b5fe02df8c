"""Assignment (issue 15): who has a story and by when; editors set it, everyone sees it."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.support.factories import make_draft_article, make_user
from tests.support.forms import CHANGELIST, change_url, read_form

pytestmark = pytest.mark.django_db


def test_an_editor_assigns_a_story_on_its_form_and_the_history_says_so_without_a_new_revision(client):
    article = make_draft_article(title="Ferry timetable")
    editor, writer = make_user("editor"), make_user("writer")
    client.force_login(editor)
    data, _ = read_form(client.get(change_url(article)))
    due = timezone.localtime() + timedelta(days=1)
    data |= {"assignee": [str(writer.pk)], "due_at_0": [due.strftime("%Y-%m-%d")], "due_at_1": ["18:00:00"]}

    response = client.post(change_url(article), data | {"_continue": ["Save"]})

    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.assignee, article.due_at.hour, article.edited_at) == (writer, 18, None)
    assert article.revisions.count() == 0  # not a change of content
    history = client.get(reverse("admin:articles_article_history", args=[article.pk])).content.decode()
    assert f"Assigned to {writer.username}." in history
    assert LogEntry.objects.filter(object_id=str(article.pk)).count() == 1


def test_a_writer_sees_the_assignment_but_a_crafted_post_does_not_change_it(client):
    editor, writer = make_user("editor"), make_user("writer")
    article = make_draft_article(assignee=editor)
    client.force_login(writer)
    page = client.get(change_url(article))
    data, _ = read_form(page)

    assert "assignee" not in data
    assert editor.username in page.content.decode()
    client.post(change_url(article), data | {"assignee": [str(writer.pk)], "_continue": ["Save"]})
    article.refresh_from_db()
    assert article.assignee == editor


def test_assigned_to_me_and_overdue_on_the_dashboard_and_as_list_filters(client):
    writer = make_user("writer")
    now = timezone.now()
    mine = make_draft_article(title="Mine, due tomorrow", assignee=writer, due_at=now + timedelta(days=1))
    late = make_draft_article(title="Late story", assignee=make_user("writer"), due_at=now - timedelta(hours=2))
    make_draft_article(title="Published late", status=Article.Status.PUBLISHED, due_at=now - timedelta(hours=2))
    client.force_login(writer)

    dashboard = client.get(reverse("admin:index")).content.decode()
    assigned = client.get(CHANGELIST, {"assigned": "me"}).content.decode()
    overdue = client.get(CHANGELIST, {"assigned": "overdue"}).content.decode()

    assert mine.title in dashboard
    assert late.title in dashboard
    assert "Published late" not in dashboard
    assert mine.title in assigned
    assert late.title not in assigned
    assert late.title in overdue
    assert mine.title not in overdue
    assert "Published late" not in overdue
