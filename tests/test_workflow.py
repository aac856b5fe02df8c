"""The workflow rules (articles.workflow) and the services that apply them (articles.services)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from articles import services, workflow
from articles.models import Article, ArticleTransition, RelatedLink
from tests.support.factories import make_draft_article, make_user
from tests.support.workflow import MOVES

pytestmark = pytest.mark.django_db

Status = Article.Status
NOON = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_the_transitions_are_exactly_those_of_the_issue():
    table = {(t.name, source, t.target) for t in workflow.TRANSITIONS.values() for source in t.sources}
    assert table == set(MOVES)


def test_data_migration_creates_writers_and_editors_with_the_workflow_permissions():
    writers = set(Group.objects.get(name="Writers").permissions.values_list("codename", flat=True))
    editors = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    assert {"add_article", "change_article", "view_article", "view_provider", "view_topic"} <= writers
    assert not writers & {"publish_article", "review_article", "archive_article", "delete_article"}
    assert {"publish_article", "review_article", "archive_article", "change_article", "delete_article"} <= editors
    assert "add_articletransition" not in editors | writers  # history is written by the workflow only


def test_no_group_holds_permissions_on_the_parts_of_an_article():
    """Images and related links follow their article's rule (workflow.may_edit), not permissions of their own."""
    held = set(Group.objects.filter(name__in=["Writers", "Editors"]).values_list("permissions__codename", flat=True))
    parts = {f"{action}_{model}" for model in ("articleimage", "relatedlink", "relatedlinkimage")
             for action in ("add", "change", "delete", "view")}  # fmt: skip
    assert held & parts == set()


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("writer", {"submit_for_review"}),
        ("editor", set(workflow.TRANSITIONS)),
        ("superuser", set(workflow.TRANSITIONS)),
    ],
)
def test_who_may_make_each_transition(role, allowed):
    user = make_user(role)
    assert {name for name, t in workflow.TRANSITIONS.items() if workflow.user_may(user, t)} == allowed


def test_inactive_editor_may_make_no_transition():
    editor = make_user("editor")
    editor.is_active = False
    editor.save()
    assert not any(workflow.user_may(editor, t) for t in workflow.TRANSITIONS.values())


@pytest.mark.parametrize(("name", "source", "target"), MOVES)
def test_each_transition_moves_the_article_and_records_who_when_from_to_and_comment(name, source, target):
    editor = make_user("editor")
    article = make_draft_article(status=source)
    with time_machine.travel(NOON, tick=False):
        record = services.article_transition(article=article, name=name, by=editor, comment="  Because.  ")
    article.refresh_from_db()
    assert article.status == target
    assert (record.name, record.from_status, record.to_status, record.by, record.at, record.comment) == (
        name,
        source,
        target,
        editor,
        NOON,
        "Because.",
    )
    assert list(article.transitions.all()) == [record]
    entry = LogEntry.objects.get(object_id=str(article.pk))
    assert (entry.user, entry.action_flag) == (editor, CHANGE)
    assert f"{source.label} → {target.label}" in entry.get_change_message()
    assert "Because." in entry.get_change_message()


def test_a_transition_is_not_an_edit_of_the_content():
    article = make_draft_article(status=Status.REVIEW)
    services.article_publish(article=article, by=make_user("editor"))
    article.refresh_from_db()
    assert article.edited_at is None
    assert article.edited_by is None


def test_a_transition_bumps_the_version_so_open_forms_go_stale():
    article = make_draft_article()
    token = article.edit_token
    services.article_submit_for_review(article=article, by=make_user("writer"))
    article.refresh_from_db()
    assert article.version == 1
    assert article.edit_token != token


def test_history_lists_the_newest_transition_first():
    editor = make_user("editor")
    article = make_draft_article()
    with time_machine.travel(NOON, tick=False):
        services.article_submit_for_review(article=article, by=editor)
    with time_machine.travel(NOON + timedelta(minutes=5), tick=False):
        services.article_send_back(article=article, by=editor, comment="Needs a source.")
    with time_machine.travel(NOON + timedelta(minutes=9), tick=False):
        services.article_publish(article=article, by=editor)
    assert [t.name for t in article.transitions.all()] == ["publish", "send_back", "submit_for_review"]


@pytest.mark.parametrize("comment", ["", "   \n "])
def test_send_back_without_a_comment_is_refused(comment):
    article = make_draft_article(status=Status.REVIEW)
    with pytest.raises(workflow.TransitionRefused, match="comment is required"):
        services.article_send_back(article=article, by=make_user("editor"), comment=comment)
    article.refresh_from_db()
    assert article.status == Status.REVIEW
    assert not ArticleTransition.objects.exists()


@pytest.mark.parametrize(
    ("name", "status"),
    [("submit_for_review", Status.REVIEW), ("publish", Status.PUBLISHED), ("send_back", Status.DRAFT),
     ("unpublish", Status.DRAFT), ("archive", Status.ARCHIVED), ("restore", Status.PUBLISHED)],
)  # fmt: skip
def test_a_transition_from_the_wrong_status_is_refused_and_changes_nothing(name, status):
    article = make_draft_article(status=status)
    with pytest.raises(workflow.TransitionRefused, match="cannot be"):
        services.article_transition(article=article, name=name, by=make_user("superuser"), comment="x")
    article.refresh_from_db()
    assert (article.status, article.version) == (status, 0)
    assert not LogEntry.objects.exists()


@pytest.mark.parametrize("name", ["publish", "send_back", "unpublish", "archive", "restore"])
def test_a_writer_is_refused_every_transition_but_submit(name):
    source = {"publish": Status.DRAFT, "send_back": Status.REVIEW, "unpublish": Status.PUBLISHED}.get(
        name, Status.ARCHIVED if name == "restore" else Status.DRAFT
    )
    article = make_draft_article(status=source)
    with pytest.raises(workflow.TransitionRefused, match="only editors may"):
        services.article_transition(article=article, name=name, by=make_user("writer"), comment="x")
    article.refresh_from_db()
    assert article.status == source


def test_an_unknown_transition_is_refused():
    with pytest.raises(workflow.TransitionRefused, match="no transition called"):
        services.article_transition(article=make_draft_article(), name="delete", by=make_user("superuser"))


def test_the_rule_reads_the_current_status_not_a_stale_instance():
    article = make_draft_article(status=Status.REVIEW)
    stale = Article.objects.get(pk=article.pk)
    services.article_publish(article=article, by=make_user("editor"))
    with pytest.raises(workflow.TransitionRefused):
        services.article_publish(article=stale, by=make_user("editor"))
    assert ArticleTransition.objects.count() == 1


# Who may edit what


@pytest.mark.parametrize(
    ("status", "writer_may_edit"),
    [(Status.DRAFT, True), (Status.REVIEW, False), (Status.PUBLISHED, False), (Status.ARCHIVED, False)],
)
def test_writers_edit_drafts_only_and_editors_edit_everything(status, writer_may_edit):
    article = make_draft_article(status=status)
    assert workflow.may_edit(make_user("writer"), article) is writer_may_edit
    assert workflow.may_edit(make_user("editor"), article)
    assert workflow.may_edit(make_user("superuser"), article)


def test_a_writer_editing_a_published_article_is_refused_with_the_reason():
    article = make_draft_article(status=Status.PUBLISHED, title="Live story")
    article.title = "Changed"
    with pytest.raises(ValidationError, match="published, and writers cannot change what readers see"):
        services.article_save(article=article, by=make_user("writer"), seen_token=None, is_edit=True)
    article.refresh_from_db()
    assert article.title == "Live story"


def test_saving_content_stamps_edited_at_and_by_and_bumps_the_version():
    writer = make_user("writer")
    article = make_draft_article()
    article.title = "Better title"
    with time_machine.travel(NOON, tick=False):
        services.article_save(article=article, by=writer, seen_token=article.edit_token, is_edit=True)
    article.refresh_from_db()
    assert (article.title, article.edited_at, article.edited_by, article.version) == ("Better title", NOON, writer, 1)


def test_a_part_of_another_article_is_refused_and_nothing_is_saved():
    article, other = make_draft_article(title="Mine"), make_draft_article(title="Theirs")
    link = RelatedLink.objects.create(article=other, title="Their link")
    link.title = "Hijacked"
    article.title = "Changed"
    with pytest.raises(ValueError, match="belongs to another article"):
        services.article_save(article=article, by=make_user("editor"), seen_token=None, is_edit=True, parts=[link])
    assert RelatedLink.objects.get().title == "Their link"
    assert Article.objects.get(pk=article.pk).title == "Mine"


def test_a_save_never_changes_the_status():
    article = make_draft_article(status=Status.DRAFT)
    article.status = Status.PUBLISHED
    services.article_save(article=article, by=make_user("editor"), seen_token=None, is_edit=True)
    article.refresh_from_db()
    assert article.status == Status.DRAFT


def test_a_new_article_always_starts_as_a_draft():
    article = Article(title="New", web_url="https://example-news.org/new", status=Status.PUBLISHED)
    services.article_save(article=article, by=make_user("editor"), seen_token=None, is_edit=True)
    assert Article.objects.get(pk=article.pk).status == Status.DRAFT


def test_a_save_with_a_stale_token_is_refused_naming_who_saved_and_when():
    alice = make_user("editor")
    alice.first_name, alice.last_name = "Alice", "Adams"
    alice.save()
    article = make_draft_article()
    opened = Article.objects.get(pk=article.pk)
    with time_machine.travel(NOON, tick=False):
        article.title = "Alice's title"
        services.article_save(article=article, by=alice, seen_token=article.edit_token, is_edit=True)
    opened.title = "Bob's title"
    with pytest.raises(services.EditConflict, match=r"Alice Adams saved it at Nov\. 26, 2026, noon"):
        services.article_save(article=opened, by=make_user("editor"), seen_token=opened.edit_token, is_edit=True)
    assert Article.objects.get(pk=article.pk).title == "Alice's title"


def test_a_stale_token_after_a_transition_names_the_transition():
    editor = make_user("editor")
    article = make_draft_article(status=Status.REVIEW)
    opened = Article.objects.get(pk=article.pk)
    services.article_publish(article=article, by=editor)
    with pytest.raises(services.EditConflict, match=f"{editor.username} published it"):
        services.article_save(article=opened, by=editor, seen_token=opened.edit_token, is_edit=True)


def test_a_stale_token_after_a_save_that_only_rescheduled_names_who_saved_it():
    alice = make_user("editor")
    alice.first_name = "Alice"
    alice.save()
    article = make_draft_article(imported_at=NOON - timedelta(days=1))
    opened = Article.objects.get(pk=article.pk)
    article.go_live_at = NOON + timedelta(days=1)
    with time_machine.travel(NOON, tick=False):
        services.article_save(article=article, by=alice, seen_token=article.edit_token, is_edit=False)
    assert Article.objects.get(pk=article.pk).edited_at is None  # not an edit of the content

    opened.title = "Bob's title"
    with pytest.raises(services.EditConflict, match=r"Not saved: Alice saved it at Nov\. 26, 2026, noon"):
        services.article_save(article=opened, by=make_user("editor"), seen_token=opened.edit_token, is_edit=True)


def test_a_save_that_changes_nothing_writes_nothing_and_leaves_open_pages_valid():
    article = make_draft_article(imported_at=NOON)
    opened = Article.objects.get(pk=article.pk)
    services.article_save(article=article, by=make_user("editor"), seen_token=article.edit_token, is_edit=False)
    assert Article.objects.get(pk=article.pk).version == 0
    assert not LogEntry.objects.exists()

    opened.title = "Bob's title"
    services.article_save(article=opened, by=make_user("editor"), seen_token=opened.edit_token, is_edit=True)
    assert Article.objects.get(pk=article.pk).title == "Bob's title"


def test_a_stale_token_after_a_re_import_says_the_import_changed_it():
    article = make_draft_article(imported_at=NOON)
    opened = Article.objects.get(pk=article.pk)
    Article.objects.filter(pk=article.pk).update(imported_at=NOON + timedelta(hours=1), title="From the seed")
    with pytest.raises(services.EditConflict, match="the seed import updated it"):
        services.article_save(article=opened, by=make_user("editor"), seen_token=opened.edit_token, is_edit=True)
    assert Article.objects.get(pk=article.pk).title == "From the seed"


# Scheduling and expiry: visibility is computed at read time.


def test_a_scheduled_article_goes_live_exactly_at_its_go_live_time():
    go_live = NOON + timedelta(hours=2)
    article = make_draft_article(status=Status.REVIEW)
    with time_machine.travel(NOON, tick=False):
        services.article_publish(article=article, by=make_user("editor"), go_live_at=go_live)
        article.refresh_from_db()
        assert article.is_scheduled()
        assert list(Article.objects.scheduled()) == [article]
    with time_machine.travel(go_live - timedelta(microseconds=1), tick=False):
        assert not Article.objects.published().exists()
        assert not article.is_live()
    with time_machine.travel(go_live, tick=False):
        assert list(Article.objects.published()) == [article]
        assert article.is_live()
        assert not article.is_scheduled()
        assert not Article.objects.scheduled().exists()


def test_an_article_stops_being_shown_exactly_at_its_expiry_time():
    expires = NOON + timedelta(days=1)
    article = make_draft_article(status=Status.REVIEW)
    with time_machine.travel(NOON, tick=False):
        services.article_publish(article=article, by=make_user("editor"), expires_at=expires)
    article.refresh_from_db()
    with time_machine.travel(expires - timedelta(microseconds=1), tick=False):
        assert list(Article.objects.published()) == [article]
        assert not Article.objects.expired().exists()
    with time_machine.travel(expires, tick=False):
        assert not Article.objects.published().exists()
        assert list(Article.objects.expired()) == [article]
        assert article.is_expired()


def test_a_writer_may_not_publish_with_a_schedule():
    article = make_draft_article(status=Status.DRAFT)
    with pytest.raises(workflow.ScheduleRefused, match="may not schedule"):
        services.article_publish(article=article, by=make_user("writer"), go_live_at=NOON)
    assert Article.objects.get(pk=article.pk).status == Status.DRAFT


def test_an_expiry_before_the_go_live_time_is_refused():
    article = make_draft_article(status=Status.REVIEW)
    with pytest.raises(ValidationError, match="expiry time must be after"):
        services.article_publish(
            article=article, by=make_user("editor"), go_live_at=NOON, expires_at=NOON - timedelta(hours=1)
        )
    article.refresh_from_db()
    assert article.status == Status.REVIEW


def test_a_writer_may_not_schedule():
    article = make_draft_article()
    article.go_live_at = NOON
    with pytest.raises(workflow.ScheduleRefused, match="may not schedule") as refused:
        services.article_save(article=article, by=make_user("writer"), seen_token=None, is_edit=False)
    assert not isinstance(refused.value, workflow.TransitionRefused)  # a bulk action's refusal is another thing
    assert Article.objects.get(pk=article.pk).go_live_at is None


# Read rules used by the dashboard


def test_the_review_queue_lists_the_longest_waiting_first():
    writer = make_user("writer")
    first, second, third = make_draft_article(), make_draft_article(), make_draft_article()
    for minutes, article in [(30, second), (10, first), (20, third)]:
        with time_machine.travel(NOON + timedelta(minutes=minutes), tick=False):
            services.article_submit_for_review(article=article, by=writer)
    make_draft_article(status=Status.DRAFT)
    assert list(Article.objects.review_queue()) == [first, third, second]


def test_in_conflict_lists_articles_with_a_newer_seed_file():
    make_draft_article()
    conflicted = make_draft_article(conflict_file="fixtures/new.md", conflict_at=NOON)
    assert list(Article.objects.in_conflict()) == [conflicted]


def test_status_counts_count_each_status_and_what_the_dashboard_lists_in_one_query(django_assert_num_queries):
    make_draft_article(status=Status.DRAFT)
    make_draft_article(status=Status.DRAFT, conflict_file="fixtures/newer.md", conflict_at=NOON)
    make_draft_article(status=Status.REVIEW)
    make_draft_article(status=Status.PUBLISHED)
    make_draft_article(status=Status.PUBLISHED, go_live_at=NOON + timedelta(hours=1))
    make_draft_article(status=Status.PUBLISHED, expires_at=NOON)
    make_draft_article(status=Status.ARCHIVED)

    with django_assert_num_queries(1):
        counts = Article.objects.status_counts(NOON)

    assert counts == {
        "draft": 2, "review": 1, "published": 3, "archived": 1, "scheduled": 1, "expired": 1, "in_conflict": 1,
    }  # fmt: skip
    assert counts["scheduled"] == Article.objects.scheduled(NOON).count()
    assert counts["expired"] == Article.objects.expired(NOON).count()
    assert counts["in_conflict"] == Article.objects.in_conflict().count()
