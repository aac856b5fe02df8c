"""An article's history: its moves through the workflow."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .article import Article


class ArticleTransition(models.Model):
    """One move of an article through the workflow, as the history shows it."""

    article = models.ForeignKey(
        Article,
        verbose_name="article",
        on_delete=models.CASCADE,
        related_name="transitions",
        help_text="The article that moved.",
    )
    name = models.CharField("transition", max_length=30, help_text="Which transition, e.g. “publish”.")
    from_status = models.CharField(
        "from", max_length=20, choices=Article.Status.choices, help_text="The status before the transition."
    )
    to_status = models.CharField(
        "to", max_length=20, choices=Article.Status.choices, help_text="The status after the transition."
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The person who made the transition.",
    )
    at = models.DateTimeField("at", default=timezone.now, help_text="When the transition happened.")
    comment = models.TextField("comment", blank=True, help_text="Why, in the person's words; required to send back.")
    embargo_overridden = models.DateTimeField(
        "embargo overridden",
        null=True,
        blank=True,
        help_text="The embargo time an editor published before, lifting the embargo; empty when none was broken.",
    )
    override_reason = models.TextField(
        "override reason", blank=True, help_text="Why the editor published before the embargo lifted."
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "transition"
        indexes = [models.Index(fields=["article", "-at"], name="transition_article_at")]

    def __str__(self):
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"
