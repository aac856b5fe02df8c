"""Notifications: one row per (event, person), the inbox and the mail's record at once (issue 15).

The row is written in the transaction of the event it tells about (a
transition, an assignment, a note, an import's conflict), so there is a
notification exactly when the event happened; the unique (person, event)
pair makes a second write of the same event (a retried job, a re-run check)
a no-op. Mail goes out from a job (``articles.notifications``), which sets
``sent_at`` once the SMTP server accepted the message.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .article import Article


class Notification(models.Model):
    class Kind(models.TextChoices):
        SUBMITTED = "submitted", "A story is submitted for review"
        SENT_BACK = "sent_back", "My story is sent back"
        PUBLISHED = "published", "My story is published"
        ASSIGNED = "assigned", "A story is assigned to me"
        MENTIONED = "mentioned", "Someone mentions me in a note"
        CONFLICT = "conflict", "The feed has a newer version of a story I edited"
        REVIEW_WAITING = "review_waiting", "A story has waited too long for review"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="person",
        on_delete=models.CASCADE,
        related_name="notifications",
        help_text="Who is told.",
    )
    kind = models.CharField("kind", max_length=20, choices=Kind.choices, help_text="What happened.")
    event = models.CharField(
        "event",
        max_length=200,
        help_text="The event's key, e.g. “transition:42”: one notification per event and person.",
    )
    article = models.ForeignKey(
        Article,
        verbose_name="article",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The story it is about.",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who did it; empty for the import and the periodic check.",
    )
    subject = models.CharField("subject", max_length=300, help_text="One line: the inbox entry and the mail's subject.")
    body = models.TextField("text", blank=True, help_text="The details, e.g. the editor's comment.")
    created_at = models.DateTimeField("at", default=timezone.now, help_text="When the event happened.")
    read_at = models.DateTimeField("read at", null=True, blank=True, help_text="When the person marked it read.")
    inbox = models.BooleanField(
        "in the inbox", default=True, help_text="Whether the inbox shows it (their preference)."
    )
    email = models.BooleanField(
        "by mail", default=True, help_text="Whether it is sent by mail (their preference, and an address on file)."
    )
    sent_at = models.DateTimeField(
        "mailed at", null=True, blank=True, help_text="When the SMTP server accepted the mail; empty until then."
    )
    attempts = models.PositiveSmallIntegerField("attempts", default=0, help_text="Mail deliveries tried.")
    last_error = models.CharField(
        "last error", max_length=300, blank=True, help_text="Why the latest delivery failed, if it did."
    )
    gave_up_at = models.DateTimeField(
        "given up at", null=True, blank=True, help_text="When mail delivery stopped after its last attempt."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "notification"
        constraints = [models.UniqueConstraint(fields=["user", "event"], name="notification_once_per_event")]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_inbox", condition=models.Q(inbox=True)),
            models.Index(
                fields=["created_at"],
                name="notification_unsent",
                condition=models.Q(email=True, sent_at__isnull=True, gave_up_at__isnull=True),
            ),
        ]

    def __str__(self):
        return self.subject


class NotificationPreference(models.Model):
    """A person's choice for one kind; without a row, a kind comes to the inbox and by mail."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="person",
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        help_text="Whose preference.",
    )
    kind = models.CharField("kind", max_length=20, choices=Notification.Kind.choices, help_text="Which notifications.")
    inbox = models.BooleanField("in the inbox", default=True, help_text="Show them in the admin's inbox.")
    email = models.BooleanField("by mail", default=True, help_text="Send them by mail too.")

    class Meta:
        verbose_name = "notification preference"
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")]

    def __str__(self):
        return f"{self.user_id}: {self.kind}"
