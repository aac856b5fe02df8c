"""Bylines: who wrote a story, in order. A staff account or a contributor's name as free text."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from .article import Article


class ArticleAuthor(models.Model):
    """One name in an article's byline: a person with an account here, or an outside contributor by name."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="authors")
    position = models.PositiveIntegerField("position", default=0, help_text="Order in the byline, from 0.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="staff member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bylines",
        help_text="A writer or editor with an account; their full name is shown.",
    )
    name = models.CharField(
        "contributor name",
        max_length=200,
        blank=True,
        help_text="An outside writer's name, as readers see it; or a staff member's name as they sign this piece.",
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "author"
        verbose_name_plural = "byline"

    def __str__(self):
        return self.display_name or "author"

    @property
    def display_name(self) -> str:
        if self.name.strip():
            return " ".join(self.name.split())
        if self.user_id is None:
            return ""
        return self.user.get_full_name() or self.user.get_username()

    def clean(self):
        if self.user_id is None and not self.name.strip():
            raise ValidationError("Choose a staff member or write a contributor's name.", code="author_missing")
