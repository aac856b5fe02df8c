"""A feed's version of an article a person edited: kept for the conflict screen (issue 13, ``articles.conflicts``).

When the import meets a newer seed file for an article edited here since its
last import, it does not apply it (unless ``--overwrite``): it keeps the
file's version here, one per article (a newer file replaces it), and the
admin's conflict screen compares it with the article and settles it. It is
not a ``Revision``: the article never held this content, and the latest
revision is what the article holds now.
"""

import json
import zlib

from django.db import models
from django.utils import timezone

from .article import Article


class FeedConflict(models.Model):
    article = models.OneToOneField(
        Article,
        verbose_name="article",
        on_delete=models.CASCADE,
        related_name="feed_conflict",
        help_text="The edited article the newer seed file is for.",
    )
    source_file = models.CharField("seed file", max_length=1000, help_text="The newer seed file.")
    content_hash = models.CharField(
        "content hash", max_length=64, help_text="SHA-256 of the file, as the import records it (source_hash)."
    )
    at = models.DateTimeField("found", default=timezone.now, help_text="When the import met the file.")
    data = models.BinaryField("snapshot", help_text="The file's version of the article as zlib-compressed JSON.")

    class Meta:
        verbose_name = "feed conflict"
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"Feed conflict of article {self.article_id}"

    @property
    def snapshot(self) -> dict:
        return json.loads(zlib.decompress(bytes(self.data)))
