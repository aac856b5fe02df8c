"""Telling people what happened to their stories: the inbox and the mail (issue 15).

An event (a transition, an assignment, a mention in a note, a feed conflict, a
story waiting for review) calls ``notify`` in its own transaction: one
``Notification`` row per person, unique per (person, event), so the inbox is
exactly the events that happened, once each. People are told of what others
do, never of what they did themselves, and only if they may see articles in
the admin; each person's ``NotificationPreference`` turns a kind off in the
inbox, by mail, or both.

Mail goes out from the job queue (the task ``send_notification_mail`` on the
``notifications`` queue, run by ``manage.py jobs_worker``), queued when the
event's transaction commits: never inside the request. The job locks the
row, sends through Django's mail framework and sets ``sent_at`` in the same
transaction; a row with ``sent_at`` is never sent again, so a retried or
duplicated job sends nothing more. A failure (the server refuses, times out,
is not there) is recorded and tried again after ``BACKOFF_SECONDS *
4**(attempt-1)``, at most ``MAX_ATTEMPTS`` times.

At least once, not at most once: if the worker dies after the SMTP server
accepted a message and before the transaction that records it commits (the
few milliseconds between the server's "250 OK" and COMMIT), the job runs
again (``recover_lost_jobs``) and the mail goes a second time. The other
choice, marking the row before sending, loses the mail in the same crash,
and a missed "your story was sent back" costs more than a rare duplicate. The
duplicate carries the same Message-ID (one per notification row), so mail
clients that fold duplicates show it once. ``manage.py notifications_check``
queues again any mail left unsent (a job lost between commit and enqueue).
"""

import hashlib
import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from .models import Article, ArticleNote, ArticleTransition, Notification, NotificationPreference, Revision

logger = logging.getLogger("newsroom.notifications")
Kind = Notification.Kind
QUEUE = "notifications"
VIEW_PERMISSION = "articles.view_article"
REVIEW_PERMISSION = "articles.review_article"
# A mail left unsent this long (its job lost) is queued again by notifications_check.
UNSENT_GRACE = timedelta(minutes=10)


def options() -> dict:
    return settings.NEWSROOM_NOTIFICATIONS


def person(user) -> str:
    if user is None:
        return "Someone"
    return user.get_full_name() or user.get_username()


def staff_with(permission: str):
    """Active staff who hold ``permission`` (superusers included)."""
    users = get_user_model().objects.with_perm(permission, backend="django.contrib.auth.backends.ModelBackend")
    return users.filter(is_staff=True, is_active=True)


def may_see_articles():
    """The people who may be told: only those who may see articles in the admin hear about them."""
    return staff_with(VIEW_PERMISSION)


def event_key(*parts) -> str:
    """An event's key, e.g. ``transition:42``; a long one (a seed file's path) is shortened by its hash."""
    key = ":".join(str(part) for part in parts)
    return key if len(key) <= 200 else f"{key[:150]}#{hashlib.sha256(key.encode()).hexdigest()[:40]}"


def notify(*, kind: str, event: str, users, article=None, actor=None, subject: str, body: str = "", at=None) -> int:
    """One notification per person in ``users`` (but the actor) for this event; their mail queued on commit.

    Written in the caller's transaction, so it exists exactly when the event
    does. Writing the same event again adds nothing. How many people it is for (told now or before).
    """
    actor_id = getattr(actor, "pk", None)
    people = {user.pk: user for user in users if user is not None and user.pk != actor_id}
    allowed = set(may_see_articles().filter(pk__in=list(people)).values_list("pk", flat=True))
    people = {pk: user for pk, user in people.items() if pk in allowed}  # one query, not a permission check each
    if not people:
        return 0
    chosen = {p.user_id: p for p in NotificationPreference.objects.filter(user__in=list(people), kind=kind)}
    rows = []
    for pk, user in people.items():
        preference = chosen.get(pk)
        inbox = preference.inbox if preference else True
        email = (preference.email if preference else True) and bool(user.email)
        if inbox or email:
            rows.append(
                Notification(
                    user=user,
                    kind=kind,
                    event=event,
                    article=article,
                    actor=actor,
                    subject=subject[:300],
                    body=body,
                    created_at=at or timezone.now(),
                    inbox=inbox,
                    email=email,
                )
            )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)  # an event told twice is told once
    mail = list(
        Notification.objects.filter(
            event=event, user__in=[row.user_id for row in rows if row.email], sent_at=None
        ).values_list("pk", flat=True)
    )
    if mail:
        transaction.on_commit(lambda: enqueue(mail))
    return len(rows)


def enqueue(notification_ids) -> None:
    with transaction.atomic():
        for pk in notification_ids:
            send_notification_mail.enqueue(pk)


# The events


def transition_made(record: ArticleTransition, article: Article) -> None:
    """After a transition (services.article_transition): submit tells the editors, send back the writer,
    publish the byline and the assignee."""
    submitters = []
    if record.name == "send_back":  # who submitted it is told too
        submitted = (
            ArticleTransition.objects.filter(article=article, to_status=Article.Status.REVIEW)
            .exclude(pk=record.pk)
            .select_related("by")
            .first()
        )
        submitters = [submitted.by] if submitted else []
    event = event_key("transition", record.pk)
    moved(
        article,
        name=record.name,
        by=record.by,
        comment=record.comment,
        event=event,
        at=record.at,
        submitters=submitters,
    )


def moved(article: Article, *, name: str, by, comment: str, event: str, at, submitters, pending=False) -> None:
    """A story's move (or its pending change's, ``pending``; articles.pending.move): submit tells the editors, send
    back the byline and ``submitters``, publish the byline and the assignee."""
    title = article.title + (" (pending change)" if pending else "")
    if name == "submit_for_review":
        users = staff_with(REVIEW_PERMISSION)
        subject = f"For review: “{title}”, submitted by {person(by)}"
        kind = Kind.SUBMITTED
    elif name == "send_back":
        users = [*byline_users(article), *submitters]
        subject = f"Sent back: “{title}”, by {person(by)}"
        kind = Kind.SENT_BACK
    elif name == "publish":
        users = [*byline_users(article), article.assignee]
        subject = f"Published: “{title}”, by {person(by)}"
        kind = Kind.PUBLISHED
    else:
        return
    body = f"{person(by)}’s comment: {comment}" if comment else ""
    notify(kind=kind, event=event, users=users, article=article, actor=by, subject=subject, body=body, at=at)


def byline_users(article: Article) -> list:
    return [author.user for author in article.authors.select_related("user") if author.user_id]


def assigned(article: Article, *, by, log_entry_id: int, at) -> None:
    """After an assignment (services.article_save): the new assignee is told, unless they took it themselves."""
    if article.assignee_id is None:
        return
    due = f" Due {timezone.localtime(article.due_at):%Y-%m-%d %H:%M}." if article.due_at else ""
    notify(
        kind=Kind.ASSIGNED,
        event=event_key("assigned", log_entry_id),
        users=[article.assignee],
        article=article,
        actor=by,
        subject=f"Assigned to you: “{article.title}”, by {person(by)}",
        body=f"{person(by)} gave you this story.{due}",
        at=at,
    )


def mentioned(note: ArticleNote, users) -> None:
    """After a note (articles.notes.add_note): each person it mentions is told."""
    notify(
        kind=Kind.MENTIONED,
        event=event_key("note", note.pk),
        users=users,
        article=note.article,
        actor=note.author,
        subject=f"{person(note.author)} mentioned you on “{note.article.title}”",
        body=note.text,
        at=note.created_at,
    )


def feed_conflicts(conflicts: dict[int, str], *, at) -> None:
    """After an import kept people's edits over newer seed files ({article id: file}): the editors of each
    article are told, once per article and file."""
    if not conflicts:
        return
    articles = Article.objects.filter(pk__in=conflicts).select_related("edited_by").only("pk", "title", "edited_by")
    edits = Revision.objects.filter(
        article_id__in=conflicts,
        kind__in=[Revision.Kind.ADDED, Revision.Kind.EDITED, Revision.Kind.REVERTED],
        by__isnull=False,
    )
    editors: dict[int, set] = {}
    for article_id, user_id in edits.values_list("article_id", "by_id").distinct():
        editors.setdefault(article_id, set()).add(user_id)
    users = get_user_model().objects.in_bulk({pk for ids in editors.values() for pk in ids})
    for article in articles:
        path = conflicts[article.pk]
        people = [article.edited_by, *(users[pk] for pk in editors.get(article.pk, ()) if pk in users)]
        notify(
            kind=Kind.CONFLICT,
            event=event_key("conflict", article.pk, path),
            users=list({user.pk: user for user in people if user is not None}.values()),
            article=article,
            subject=f"Feed conflict: “{article.title}” has a newer seed file",
            body=f"The import did not apply {path} because the story was edited here. "
            "Compare them and re-import with --overwrite to take the file’s version.",
            at=at,
        )


def review_waiting(at=None) -> int:
    """Tell the editors of each story in review longer than REVIEW_WAITING_HOURS, once per submission."""
    now = at or timezone.now()
    limit = now - timedelta(hours=options()["REVIEW_WAITING_HOURS"])
    waiting = Article.objects.review_queue().filter(Q(submitted_at__lt=limit) | Q(submitted_at=None))
    editors = list(staff_with(REVIEW_PERMISSION))
    told = 0
    for article in waiting.only("pk", "title", "imported_at"):
        submission = ArticleTransition.objects.filter(article=article, to_status=Article.Status.REVIEW).first()
        if submission is None and (article.imported_at is None or article.imported_at >= limit):
            continue
        key = event_key("waiting", "transition", submission.pk) if submission else event_key("waiting", article.pk)
        since = submission.at if submission else article.imported_at
        hours = int((now - since).total_seconds() // 3600)
        with transaction.atomic():
            told += notify(
                kind=Kind.REVIEW_WAITING,
                event=key,
                users=editors,
                article=article,
                subject=f"Waiting for review for {hours} hours: “{article.title}”",
                at=now,
            )
    return told


def queue_unsent(at=None) -> int:
    """Queue again mail left unsent past UNSENT_GRACE (its job lost): sending twice is refused by the row."""
    since = (at or timezone.now()) - UNSENT_GRACE
    unsent = Notification.objects.filter(
        email=True, sent_at=None, gave_up_at=None, created_at__lt=since, attempts__lt=options()["MAX_ATTEMPTS"]
    )
    ids = list(unsent.values_list("pk", flat=True)[:1000])
    enqueue(ids)
    return len(ids)


# Delivery


@task(queue_name=QUEUE)
def send_notification_mail(notification_id: int) -> str:
    """The queued job: ``deliver``; returns what became of the mail."""
    return deliver(notification_id)


def admin_url(path: str) -> str:
    return options()["ADMIN_BASE_URL"] + path


def message(notification: Notification) -> EmailMessage:
    lines = [notification.subject, ""]
    if notification.body:
        lines += [notification.body, ""]
    if notification.article_id:
        lines.append(admin_url(reverse("admin:articles_article_change", args=[notification.article_id])))
    lines += ["", f"Your notifications: {admin_url(reverse('admin:inbox'))}"]
    lines.append(f"Choose which you get: {admin_url(reverse('admin:notification_preferences'))}")
    return EmailMessage(
        subject=f"[{settings.NEWSROOM_SITE_NAME}] {notification.subject}",
        body="\n".join(lines),
        to=[notification.user.email],
        # One Message-ID per notification: a duplicate after a crash (see above) is the same message.
        headers={"Message-ID": f"<notification-{notification.pk}-{notification.created_at:%Y%m%d%H%M%S}@{DNS_NAME}>"},
    )


def deliver(notification_id: int) -> str:
    """Send one notification's mail unless it is sent; record the success in the same transaction."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None:
            return "gone"
        if notification.sent_at or notification.gave_up_at or not notification.email:
            return "nothing to send"
        attempt = notification.attempts + 1
        try:
            message(notification).send()
        except (smtplib.SMTPException, OSError) as error:  # refused, timed out, unreachable
            return failed(notification, attempt, error)
        Notification.objects.filter(pk=notification.pk).update(sent_at=timezone.now(), attempts=attempt, last_error="")
    return "sent"


def failed(notification: Notification, attempt: int, error: Exception) -> str:
    """Record a failed delivery; queue the next attempt after its backoff, or give up after the last."""
    opts = options()
    reason = f"attempt {attempt}: {error.__class__.__name__}: {error}".replace("\n", " ")[:300]
    again = attempt < opts["MAX_ATTEMPTS"]
    Notification.objects.filter(pk=notification.pk).update(
        attempts=attempt, last_error=reason, gave_up_at=None if again else timezone.now()
    )
    logger.warning("notification %s not mailed: %s", notification.pk, reason)
    if not again:
        return "given up"
    when = timezone.now() + timedelta(seconds=opts["BACKOFF_SECONDS"] * 4 ** (attempt - 1))
    send_notification_mail.using(run_after=when).enqueue(notification.pk)  # in this transaction: one or neither
    return "retry"
