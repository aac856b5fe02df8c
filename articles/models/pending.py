"""A pending change: an edit of a live story waiting for review, while readers keep the live version (issue 13).

The live ``Article`` row and its parts stay what readers see. The proposed
content is one snapshot (``articles.revisions``' format, with each part's
row id so that the admin's inline forms can keep editing it), on a row of
its own, one per article. It is not a ``Revision``: revisions are what the
article held, numbered in order, and the latest one is "what it holds now"
(the import's and a person's no-op checks rely on that). A pending change
becomes a revision when it is published (``articles.pending.publish``).
"""

import json
import zlib

from django.conf import settings
from django.db import models
from django.utils import timezone

from .article import Article


class PendingChange(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        REVIEW = "review", "In review"

    article = models.OneToOneField(
        Article,
        verbose_name="article",
        on_delete=models.CASCADE,
        related_name="pending_change",
        help_text="The live story the change is for.",
    )
    status = models.CharField(
        "status",
        max_length=20,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text="Draft while its writer works on it; in review once submitted, until published or sent back.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="started by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who started the change: they (or an editor) may discard it.",
    )
    created_at = models.DateTimeField("started", default=timezone.now, help_text="When the change was started.")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="last saved by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who saved the change last.",
    )
    updated_at = models.DateTimeField("last saved", default=timezone.now, help_text="When the change was last saved.")
    saves = models.PositiveIntegerField(
        "saves", default=1, help_text="How many times the change was saved; part of the form's version stamp."
    )
    comment = models.TextField("latest comment", blank=True, help_text="The comment of the latest workflow move.")
    base_digest = models.CharField(
        "based on",
        max_length=32,
        blank=True,
        help_text="Digest of the live story's content when the change was started: publishing is refused once the "
        "live story changed since (an import, a conflict settled, a revert), so nothing written there is undone.",
    )
    data = models.BinaryField(
        "snapshot", help_text="The proposed content as zlib-compressed JSON, with each part's row id."
    )

    class Meta:
        verbose_name = "pending change"
        ordering = ["-updated_at", "-id"]

    def __str__(self):
        return "The pending change"

    @property
    def snapshot(self) -> dict:
        return json.loads(zlib.decompress(bytes(self.data)))
