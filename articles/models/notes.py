"""Notes on an article: the desk's conversation about a story, apart from its workflow comments (issue 15).

Threaded one level or more (``parent``), with ``@username`` mentions
(``articles.notes.mentioned_users``) and a resolved state. Notes are for the
admin only: no public page, feed, export or API answer reads this table.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .article import Article


class ArticleNote(models.Model):
    article = models.ForeignKey(
        Article,
        verbose_name="article",
        on_delete=models.CASCADE,
        related_name="notes",
        help_text="The story the note is about.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="author",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who wrote the note; empty once their account is deleted.",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="in reply to",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
        help_text="The note this one answers; empty for a new thread.",
    )
    text = models.TextField("note", help_text="Plain text; @username tells that person (they get a notification).")
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="mentions",
        blank=True,
        related_name="+",
        help_text="The people the text names with @username who have an account and may see the article.",
    )
    created_at = models.DateTimeField("written at", default=timezone.now, help_text="When the note was written.")
    resolved_at = models.DateTimeField(
        "resolved at", null=True, blank=True, help_text="When the thread was marked resolved; empty while open."
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="resolved by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who marked it resolved.",
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "note"
        indexes = [models.Index(fields=["article", "created_at"], name="note_article_created")]

    def __str__(self):
        return f"Note {self.pk} on article {self.article_id}"
