"""Notifications (issue 15): each kind reaches the right people exactly once, in the inbox and by mail.

Mail is sent by the job queue: the tests run the worker's jobs (``run_jobs``)
and read Django's outbox, or a real SMTP server (aiosmtpd, tests/support/smtp.py)
that accepts, refuses or hangs, then recovers.
"""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles import notes, notifications, pending, services
from articles.models import Article, ArticleAuthor, Notification, NotificationPreference
from tests.support.factories import make_draft_article, make_user
from tests.support.forms import change_url, read_form
from tests.support.smtp import smtp_server

pytestmark = pytest.mark.django_db
Kind = Notification.Kind


def person(role: str, name: str = ""):
    user = make_user(role)
    user.email = f"{name or user.username}@desk.example"
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def desk():
    """A writer with a story of theirs, another writer, two editors, a superuser (an editor in effect)."""
    writer, other = person("writer", "writer"), person("writer", "other")
    editor, second = person("editor", "editor"), person("editor", "second")
    boss = person("superuser", "boss")
    article = make_draft_article(title="Harbour plan")
    ArticleAuthor.objects.create(article=article, user=writer, position=0)
    return {"writer": writer, "other": other, "editor": editor, "second": second, "boss": boss, "article": article}


@pytest.fixture(autouse=True)
def worker_keeps_the_test_connection(monkeypatch):
    """The worker closes its connection between jobs when it is not in autocommit: inside a test's transaction
    (PostgreSQL) that would close the test's own."""
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)


def run_jobs(**options) -> None:
    """The worker's jobs, run here until none is ready (``max_tasks``: only that many)."""
    call_command("jobs_worker", batch=True, interval=0, verbosity=0, **options)


def told(kind: str) -> list[str]:
    """The usernames told of this kind, once per row (a second row for one person would show twice)."""
    return sorted(Notification.objects.filter(kind=kind).values_list("user__username", flat=True))


def mailed() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a write as its request would: its on-commit callbacks (the mail's jobs) run after it."""

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


def test_submitting_tells_every_editor_once_and_not_the_writer(desk, commit):
    commit(services.article_submit_for_review, article=desk["article"], by=desk["writer"])
    run_jobs()
    run_jobs()  # nothing more: each mail is sent once

    assert told(Kind.SUBMITTED) == sorted([desk["editor"].username, desk["second"].username, desk["boss"].username])
    assert mailed() == ["boss@desk.example", "editor@desk.example", "second@desk.example"]
    assert "Harbour plan" in mail.outbox[0].subject


def test_sending_back_tells_the_writer_with_the_comment(desk, commit):
    article = desk["article"]
    services.article_submit_for_review(article=article, by=desk["other"])  # submitted by a colleague
    Notification.objects.all().delete()
    commit(services.article_send_back, article=article, by=desk["editor"], comment="Check the second quote.")
    run_jobs()

    assert told(Kind.SENT_BACK) == sorted([desk["writer"].username, desk["other"].username])
    assert mailed() == ["other@desk.example", "writer@desk.example"]
    assert "Check the second quote." in mail.outbox[0].body


def test_publishing_tells_the_byline_and_the_assignee_but_not_the_editor_who_published(desk, commit):
    article = desk["article"]
    Article.objects.filter(pk=article.pk).update(assignee=desk["other"])
    article.refresh_from_db()
    commit(services.article_publish, article=article, by=desk["editor"])
    run_jobs()

    assert told(Kind.PUBLISHED) == sorted([desk["writer"].username, desk["other"].username])
    assert mailed() == ["other@desk.example", "writer@desk.example"]


def test_a_live_storys_pending_change_is_told_as_the_storys_own_moves(desk, commit):
    article, writer, editor = desk["article"], desk["writer"], desk["editor"]
    services.article_publish(article=article, by=editor)
    Notification.objects.all().delete()
    with pending.sandbox(article) as box:
        current = Article.objects.get(pk=article.pk)
        current.title = "Harbour plan, revised"
        services.article_save(article=current, by=writer, seen_token=None, is_edit=True, proposal=True)
        pending.capture(box)
    pending.store(box, by=writer)

    commit(pending.move, article=article, name="submit_for_review", by=writer)
    commit(pending.move, article=article, name="send_back", by=editor, comment="Name the source.")
    commit(pending.move, article=article, name="submit_for_review", by=writer)  # again: a new event, told again
    commit(pending.move, article=article, name="publish", by=editor, correction=("update", "Revised."))
    run_jobs()

    assert told(Kind.SUBMITTED) == sorted([desk["second"].username, desk["boss"].username, editor.username] * 2)
    assert told(Kind.SENT_BACK) == [writer.username]
    assert told(Kind.PUBLISHED) == [writer.username]
    assert "pending change" in Notification.objects.get(kind=Kind.SENT_BACK).subject


def test_a_pending_change_sent_back_from_the_form_tells_the_writer_who_made_it(desk, client, commit):
    article, colleague, editor = desk["article"], desk["other"], desk["editor"]  # the colleague is not on the byline
    services.article_publish(article=article, by=editor)
    with pending.sandbox(article) as box:
        current = Article.objects.get(pk=article.pk)
        current.title = "Harbour plan, the colleague's version"
        services.article_save(article=current, by=colleague, seen_token=None, is_edit=True, proposal=True)
        pending.capture(box)
    pending.store(box, by=colleague)
    pending.move(article=article, name="submit_for_review", by=colleague)
    Notification.objects.all().delete()

    client.force_login(editor)
    data, _ = read_form(client.get(change_url(article)))
    data |= {"_transition": ["send_back"], "transition_comment": ["Name the source."]}
    commit(client.post, change_url(article), data)

    assert colleague.username in told(Kind.SENT_BACK)


def test_an_assignment_tells_the_assignee_once_and_is_in_the_history(desk, commit):
    article = desk["article"]
    article.assignee, article.due_at = desk["other"], timezone.now() + timedelta(hours=3)
    commit(services.article_save, article=article, by=desk["editor"], seen_token=None, is_edit=False)
    run_jobs()
    article.refresh_from_db()
    commit(services.article_save, article=article, by=desk["editor"], seen_token=None, is_edit=False)  # unchanged

    assert told(Kind.ASSIGNED) == [desk["other"].username]
    assert mailed() == ["other@desk.example"]
    history = desk["editor"].logentry_set.filter(object_id=str(article.pk)).values_list("change_message", flat=True)
    assert [message.split(" Due ")[0] for message in history] == [f"Assigned to {desk['other'].username}."]


def test_a_writer_may_not_assign(desk):
    article = desk["article"]
    article.assignee = desk["writer"]

    with pytest.raises(services.ValidationError, match="Only editors"):
        services.article_save(article=article, by=desk["writer"], seen_token=None, is_edit=False)


def test_a_mention_tells_the_people_named_and_not_unknown_names(desk, commit):
    outsider = make_user("writer")
    outsider.is_staff = False
    outsider.save()
    text = f"@{desk['editor'].username} and @{desk['other'].username}: see @nobody-here and @{outsider.username}."
    note = commit(notes.add_note, article=desk["article"], by=desk["writer"], text=text)
    run_jobs()

    assert told(Kind.MENTIONED) == sorted([desk["editor"].username, desk["other"].username])
    assert sorted(u.username for u in note.mentions.all()) == told(Kind.MENTIONED)
    assert mailed() == ["editor@desk.example", "other@desk.example"]
    assert note.text == text  # unknown names stay as written


def test_mentions_are_read_as_usernames_not_inside_words_or_addresses():
    assert notes.mentioned_names("Ask @jane.doe. Or @bob, not bob@example.org or a@b; again @jane.doe") == [
        "jane.doe",
        "bob",
    ]


def test_a_feed_conflict_tells_the_people_who_edited_the_story_once(desk, commit, write_seed):
    seed = "title: Bridge story\nwebUrl: https://feed.example/bridge\n"
    call_command("import_seeds", str(write_seed(seed + "quality: 1")), verbosity=0)
    article = Article.objects.get(web_url="https://feed.example/bridge")
    article.title = "Bridge story, checked"
    services.article_save(article=article, by=desk["other"], seen_token=None, is_edit=True)
    newer = write_seed(seed + "quality: 2")
    commit(call_command, "import_seeds", str(newer), verbosity=0)
    commit(call_command, "import_seeds", str(newer), verbosity=0)  # the same file again: the same conflict
    run_jobs()

    assert Article.objects.get(pk=article.pk).conflict_file == str(newer)
    assert told(Kind.CONFLICT) == [desk["other"].username]
    assert mailed() == ["other@desk.example"]


def test_a_story_waiting_too_long_tells_the_editors_once_per_submission(desk, commit, settings):
    settings.NEWSROOM_NOTIFICATIONS = {**settings.NEWSROOM_NOTIFICATIONS, "REVIEW_WAITING_HOURS": 4}
    services.article_submit_for_review(article=desk["article"], by=desk["writer"])
    Notification.objects.all().delete()
    call_command("notifications_check", verbosity=0)
    assert told(Kind.REVIEW_WAITING) == []  # not yet

    with time_machine.travel(timezone.now() + timedelta(hours=5)):
        commit(call_command, "notifications_check", verbosity=0)
        commit(call_command, "notifications_check", verbosity=0)
        run_jobs()

    assert told(Kind.REVIEW_WAITING) == sorted(
        [desk["editor"].username, desk["second"].username, desk["boss"].username]
    )
    assert len(mail.outbox) == 3


def test_a_kind_turned_off_by_mail_stays_in_the_inbox_and_one_turned_off_entirely_is_not_written(desk, commit):
    NotificationPreference.objects.create(user=desk["editor"], kind=Kind.SUBMITTED, inbox=True, email=False)
    NotificationPreference.objects.create(user=desk["second"], kind=Kind.SUBMITTED, inbox=False, email=False)
    commit(services.article_submit_for_review, article=desk["article"], by=desk["writer"])
    run_jobs()

    assert told(Kind.SUBMITTED) == sorted([desk["editor"].username, desk["boss"].username])
    assert mailed() == ["boss@desk.example"]


def test_the_preferences_page_saves_unchecked_boxes_as_off(desk, client):
    client.force_login(desk["editor"])
    page = client.get(reverse("admin:notification_preferences"))
    assert page.status_code == 200
    posted = {f"{kind}-{channel}": "on" for kind in Kind.values for channel in ("inbox", "email")}
    del posted["mentioned-email"]

    client.post(reverse("admin:notification_preferences"), posted)

    preference = NotificationPreference.objects.get(user=desk["editor"], kind=Kind.MENTIONED)
    assert (preference.inbox, preference.email) == (True, False)


def test_the_inbox_badge_counts_unread_and_marking_read_clears_it(desk, client, commit):
    commit(services.article_submit_for_review, article=desk["article"], by=desk["writer"])
    client.force_login(desk["editor"])

    index = client.get(reverse("admin:index")).content.decode()
    assert 'class="inbox-badge" aria-label="1 unread">1</span>' in index
    page = client.get(reverse("admin:inbox")).content.decode()
    assert "For review: “Harbour plan”" in page

    client.post(reverse("admin:inbox"), {"all": "1"})

    assert "inbox-badge" not in client.get(reverse("admin:index")).content.decode()
    assert Notification.objects.get(user=desk["boss"]).read_at is None  # only their own


def test_opening_a_notification_from_the_inbox_marks_it_read_and_leads_to_the_story(desk, client, commit):
    commit(services.article_submit_for_review, article=desk["article"], by=desk["writer"])
    notification = Notification.objects.get(user=desk["editor"])
    client.force_login(desk["editor"])

    response = client.get(reverse("admin:inbox_open", args=[notification.pk]))

    assert response["Location"] == reverse("admin:articles_article_change", args=[desk["article"].pk]) + "#notes"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert Notification.objects.get(user=desk["second"]).read_at is None


# Delivery: a real SMTP server


def submitted_notification(desk, commit) -> Notification:
    commit(services.article_submit_for_review, article=desk["article"], by=desk["writer"])
    Notification.objects.exclude(user=desk["editor"]).delete()
    notification = Notification.objects.get(user=desk["editor"])
    DBTaskResult.objects.exclude(args_kwargs__args=[notification.pk]).delete()  # the others' jobs
    assert DBTaskResult.objects.count() == 1
    return notification


def test_mail_reaches_a_real_smtp_server_once(desk, commit, settings):
    with smtp_server(settings) as server:
        notification = submitted_notification(desk, commit)
        run_jobs()
        notifications.deliver(notification.pk)  # a duplicate job: the row says it is sent

    assert len(server.to("editor@desk.example")) == 1
    assert server.messages[0]["Message-ID"].startswith(f"<notification-{notification.pk}-")
    notification.refresh_from_db()
    assert (notification.attempts, notification.sent_at is not None) == (1, True)


@pytest.mark.parametrize("failure", ["refuse", "hang"])
def test_a_server_that_refuses_or_times_out_is_tried_again_and_the_mail_goes_once_it_recovers(
    desk, commit, settings, failure
):
    with smtp_server(settings, timeout=0.5) as server:
        server.mode = failure
        notification = submitted_notification(desk, commit)
        run_jobs(max_tasks=1)
        notification.refresh_from_db()
        assert (notification.sent_at, notification.attempts) == (None, 1)
        assert ("Timeout" in notification.last_error or "timed out" in notification.last_error) == (failure == "hang")
        assert DBTaskResult.objects.filter(status="READY").count() == 1  # the retry

        server.mode = "accept"
        run_jobs()

    notification.refresh_from_db()
    assert len(server.to("editor@desk.example")) == 1
    assert (notification.attempts, notification.last_error, notification.sent_at is not None) == (2, "", True)


def test_a_server_that_never_recovers_is_given_up_after_the_last_attempt(desk, commit, settings):
    settings.NEWSROOM_NOTIFICATIONS = {**settings.NEWSROOM_NOTIFICATIONS, "MAX_ATTEMPTS": 3}
    with smtp_server(settings) as server:
        server.mode = "refuse"
        notification = submitted_notification(desk, commit)
        run_jobs()
        call_command("notifications_check", verbosity=0)  # queues nothing: it was given up
        run_jobs()

    notification.refresh_from_db()
    assert (notification.attempts, notification.sent_at, notification.gave_up_at is not None) == (3, None, True)
    assert server.messages == []
    assert Notification.objects.filter(user=desk["editor"]).count() == 1  # still in the inbox


def test_the_job_of_a_dead_worker_is_queued_again_and_mails_once(desk, commit, settings):
    import socket
    import subprocess
    import sys

    with smtp_server(settings) as server:
        notification = submitted_notification(desk, commit)
        job = DBTaskResult.objects.get(status="READY")
        process = subprocess.Popen([sys.executable, "-c", "pass"])
        process.wait()
        DBTaskResult.objects.filter(pk=job.pk).update(
            status="RUNNING", worker_ids=[f"{socket.gethostname()[:40]}:{process.pid}"], started_at=timezone.now()
        )
        run_jobs()  # recovers the dead worker's job first, then runs it
        run_jobs()

    assert len(server.to("editor@desk.example")) == 1
    notification.refresh_from_db()
    assert notification.sent_at is not None


class Crash(BaseException):
    """The worker dying between the server's "250 OK" and the commit that records it."""


def test_a_crash_after_the_server_accepted_sends_again_with_the_same_message_id(desk, commit, settings, monkeypatch):
    """At least once, by choice (articles/notifications.py): the rare duplicate is recognisably the same mail."""
    with smtp_server(settings) as server:
        notification = submitted_notification(desk, commit)
        real_send = notifications.EmailMessage.send

        def send_then_crash(message, *args, **kwargs):
            real_send(message, *args, **kwargs)
            raise Crash

        monkeypatch.setattr(notifications.EmailMessage, "send", send_then_crash)
        with pytest.raises(Crash):
            notifications.deliver(notification.pk)
        monkeypatch.undo()
        notifications.deliver(notification.pk)
        notifications.deliver(notification.pk)

    ids = [message["Message-ID"] for message in server.to("editor@desk.example")]
    assert len(ids) == 2
    assert ids[0] == ids[1]


def test_mail_whose_job_was_lost_is_queued_again_by_the_periodic_check(desk, commit):
    notification = submitted_notification(desk, commit)
    DBTaskResult.objects.all().delete()  # the enqueue lost (a crash between commit and enqueue)
    call_command("notifications_check", verbosity=0)
    run_jobs()
    assert mail.outbox == []  # too recent: its job may still be on the way

    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        call_command("notifications_check", verbosity=0)
        run_jobs()

    assert mailed() == ["editor@desk.example"]
    notification.refresh_from_db()
    assert notification.sent_at is not None
