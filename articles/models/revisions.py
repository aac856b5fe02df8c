"""An article's revisions: a snapshot of its content at every change, kept to compare and revert.

Newsroom keeps its own model rather than django-reversion or
django-simple-history (docs/REVISIONS.md says why): one row per change holds
the whole article (its fields, topics, images and related links) as compact
JSON, zlib-compressed, so that a revision can also be a change not yet
applied, and the importer can write thousands in one statement.
"""

import json
import zlib

from django.conf import settings
from django.db import models
from django.utils import timezone

from .article import Article
from .history import ArticleTransition


class Revision(models.Model):
    class Kind(models.TextChoices):
        EXISTING = "existing", "As it was before revisions were kept"
        ADDED = "added", "Created"
        EDITED = "edited", "Edited"
        TRANSITION = "transition", "Workflow"
        IMPORT_CREATED = "import_created", "Created by the import"
        IMPORT_UPDATED = "import_updated", "Updated by the import"
        REVERTED = "reverted", "Reverted"
        CONFLICT_TAKEN = "conflict_taken", "Took the feed's version"
        CONFLICT_KEPT = "conflict_kept", "Kept ours over the feed's version"

    article = models.ForeignKey(
        Article, verbose_name="article", on_delete=models.CASCADE, related_name="revisions", db_index=False
    )
    number = models.PositiveIntegerField("number", help_text="1 for the article's first revision, then 2, 3, …")
    kind = models.CharField("kind", max_length=20, choices=Kind.choices, help_text="What made the revision.")
    created_at = models.DateTimeField("at", default=timezone.now, help_text="When the change was written.")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The person who made the change; empty for the import.",
    )
    source_file = models.CharField(
        "seed file", max_length=1000, blank=True, help_text="For the import's revisions: the file it read."
    )
    status = models.CharField(
        "status", max_length=20, choices=Article.Status.choices, help_text="The article's status after the change."
    )
    transition = models.OneToOneField(
        ArticleTransition,
        verbose_name="transition",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="revision",
        help_text="For a workflow revision: the move it records.",
    )
    reverted_from = models.ForeignKey(
        "self",
        verbose_name="reverted to",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="For a revert: the revision whose content was restored.",
    )
    digest = models.CharField(
        "content digest",
        max_length=32,
        blank=True,
        help_text="BLAKE2b of the snapshot, to spot no-ops; empty while the snapshot is not taken yet.",
    )
    data = models.BinaryField(
        "snapshot",
        blank=True,
        default=b"",
        help_text="The content as zlib-compressed JSON (articles.revisions); empty for an import's revision "
        "until the article next changes: until then its content is the article's.",
    )

    class Meta:
        ordering = ["-number"]
        verbose_name = "revision"
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="revision_article_number")]

    def __str__(self):
        return f"Revision {self.number} of article {self.article_id}"

    @property
    def snapshot(self) -> dict:
        return json.loads(zlib.decompress(bytes(self.data)))
