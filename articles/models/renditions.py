"""Local copies of images and their renditions (issue 14).

A ``Picture`` is one image source: a feed image's URL, or an uploaded file.
Every ``ArticleImage``/``RelatedLinkImage``/``ProviderLogo`` with that source
points at the same picture, so a URL used by a thousand articles is fetched
once. Its original bytes are stored under a content-addressed name (their
SHA-256), and so are its ``Rendition`` files: a name is never written twice
with different bytes, so a job run again (after a crash, by two workers)
writes the same files and changes nothing.

``variants`` repeats what the renditions are, as JSON on the picture, so a
page that has its images' pictures (one JOIN) can write ``srcset`` without a
query per image.
"""

import hashlib

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from .keys import URL_MAX_LENGTH

UNIT = [MinValueValidator(0.0), MaxValueValidator(1.0)]


def source_key(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()


def upload_source(name: str) -> str:
    """The source of an uploaded file: its name in the default storage."""
    return f"upload:{name}"


class Picture(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "waiting to be fetched"
        READY = "ready", "ready"
        FAILED = "failed", "failed"

    source = models.TextField("source", help_text="The image's URL, or upload:<file name> for an uploaded file.")
    source_key = models.CharField("source key", max_length=64, unique=True, editable=False)
    status = models.CharField("status", max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    reason = models.CharField(
        "reason", max_length=300, blank=True, editable=False, help_text="Why the last fetch was refused or failed."
    )
    attempts = models.PositiveIntegerField("attempts", default=0, editable=False)
    next_attempt_at = models.DateTimeField("next attempt", null=True, blank=True, editable=False)
    content_hash = models.CharField("content SHA-256", max_length=64, blank=True, editable=False)
    original = models.CharField("stored original", max_length=200, blank=True, editable=False)
    format = models.CharField("format", max_length=10, blank=True, editable=False)
    width = models.PositiveIntegerField("width", null=True, blank=True, editable=False)
    height = models.PositiveIntegerField("height", null=True, blank=True, editable=False)
    byte_size = models.PositiveIntegerField("bytes", null=True, blank=True, editable=False)
    focal_x = models.FloatField(
        "focal point x", default=0.5, validators=UNIT, help_text="0 (left edge) to 1 (right edge)."
    )
    focal_y = models.FloatField(
        "focal point y", default=0.5, validators=UNIT, help_text="0 (top edge) to 1 (bottom edge)."
    )
    variants = models.JSONField("renditions made", default=dict, blank=True, editable=False)
    created_at = models.DateTimeField("created", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("updated", default=timezone.now, editable=False)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = "picture"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(focal_x__gte=0, focal_x__lte=1, focal_y__gte=0, focal_y__lte=1),
                name="picture_focal_point_inside",
            )
        ]

    def __str__(self):
        return self.source[:120]

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY and bool(self.variants)


class Rendition(models.Model):
    """One file made from a picture: a width (``crop`` empty: the whole image) or a fixed-ratio crop."""

    picture = models.ForeignKey(Picture, on_delete=models.CASCADE, related_name="renditions")
    crop = models.CharField("crop", max_length=16, blank=True, help_text="Empty, 16:9, 1:1 or og (1200x630).")
    width = models.PositiveIntegerField("width")
    height = models.PositiveIntegerField("height")
    format = models.CharField("format", max_length=10)
    file = models.CharField("file", max_length=200)
    byte_size = models.PositiveIntegerField("bytes")

    class Meta:
        ordering = ["picture", "crop", "format", "width"]
        constraints = [
            models.UniqueConstraint(fields=["picture", "crop", "format", "width"], name="rendition_once"),
        ]

    def __str__(self):
        return self.file


# The longest source a picture is made for (an image URL column's length).
SOURCE_MAX_LENGTH = URL_MAX_LENGTH + len("upload:")
