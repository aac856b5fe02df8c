"""Corrections readers can see: a note that goes with a change to a live story's text (issue 13).

A row is written by ``services.article_save`` when a person changes the
headline, standfirst or body of a live story, with the kind the person chose.
Rows are only ever added: the admin lets nobody change or delete one (a later
note is a new row), so what readers were told stays on the record.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .article import Article
from .revisions import Revision


class CorrectionQuerySet(models.QuerySet):
    def shown(self):
        """What readers see: every kind but a silent fix."""
        return self.exclude(kind=Correction.Kind.SILENT)

    def of_live_articles(self, at=None):
        return self.filter(article__in=Article.objects.published(at).values("pk"))


class Correction(models.Model):
    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        CLARIFICATION = "clarification", "Clarification"
        UPDATE = "update", "Update"
        SILENT = "silent", "Silent fix (typos only; not shown to readers)"

    # The text fields whose change, on a live story, is a correction, a clarification, an update or a silent fix.
    TEXT_FIELDS = ("title", "excerpt", "body")

    article = models.ForeignKey(
        Article, verbose_name="article", on_delete=models.CASCADE, related_name="corrections", db_index=False
    )
    kind = models.CharField("kind", max_length=20, choices=Kind.choices)
    note = models.TextField(
        "note", blank=True, help_text="What was wrong and what is right now; shown to readers with its date."
    )
    at = models.DateTimeField("at", default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revision = models.ForeignKey(
        Revision,
        verbose_name="revision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="corrections",
        help_text="The revision the change made, if one was recorded.",
    )

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "correction"
        indexes = [
            models.Index(fields=["article", "at"], name="correction_article_at"),
            models.Index(fields=["at"], name="correction_at"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to article {self.article_id}"

    @property
    def label(self) -> str:
        """ "Correction", "Clarification" or "Update", as readers see it."""
        return self.get_kind_display()
