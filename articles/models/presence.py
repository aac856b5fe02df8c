"""Who has an article open in the admin right now, and who holds its lock (issue 15).

Rows in the database rather than in the cache: without Redis each process
has its own cache, and every process must see every heartbeat.
"""

from django.conf import settings
from django.db import models

from .article import Article


class ArticlePresence(models.Model):
    """One person's change form of one article, open as of ``seen_at`` (its last heartbeat)."""

    article = models.ForeignKey(
        Article, verbose_name="article", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="person", on_delete=models.CASCADE, related_name="+"
    )
    seen_at = models.DateTimeField("last seen", help_text="The last heartbeat from the person's open form.")

    class Meta:
        verbose_name = "presence"
        constraints = [models.UniqueConstraint(fields=["article", "user"], name="presence_article_user")]

    def __str__(self):
        return f"{self.user} on article {self.article_id}"


class ArticleLock(models.Model):
    """An explicit lock on an article: others' saves are refused until its holder releases it or an editor
    takes it over (with a reason, in the article's History)."""

    article = models.OneToOneField(
        Article, verbose_name="article", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="held by",
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The person who holds the lock; only they may save the article.",
    )
    taken_at = models.DateTimeField("taken at", help_text="When they took it.")

    class Meta:
        verbose_name = "lock"

    def __str__(self):
        return f"Lock on article {self.article_id} by {self.by}"
