"""The seed files the importer has accepted."""

from django.db import models
from django.utils import timezone

from .article import Article


class SeedFile(models.Model):
    """One accepted seed file, by content: importing the same bytes again is a no-op."""

    class Outcome(models.TextChoices):
        """What importing a file did. A file is recorded only when it wrote its article
        (``RECORDED``); the other outcomes are counted in the run's report."""

        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        UNCHANGED = "unchanged", "Unchanged"
        CONFLICT = "conflict", "Conflict"
        FAILED = "failed", "Failed"

    RECORDED = (Outcome.CREATED, Outcome.UPDATED)

    content_hash = models.CharField("content hash", max_length=64, unique=True, help_text="SHA-256 of the bytes.")
    path = models.CharField("path", max_length=1000, help_text="Where the file was read from.")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="seed_files")
    outcome = models.CharField(
        "outcome", max_length=20, choices=[(outcome.value, outcome.label) for outcome in RECORDED]
    )
    imported_at = models.DateTimeField("imported at", default=timezone.now)

    class Meta:
        ordering = ["-imported_at"]
        verbose_name = "seed file"

    def __str__(self):
        return self.path
