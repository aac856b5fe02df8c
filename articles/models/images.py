"""Images as feeds describe them, with an optional uploaded file: an article's, a provider's logos, a related link's."""

from django.core.exceptions import ValidationError
from django.db import models

from ..rendering import http_url
from .keys import URL_MAX_LENGTH


def http_images(images) -> list:
    """The images readers may be shown, in order: an uploaded file (served from MEDIA_URL), or an
    absolute http(s) URL."""
    return [image for image in images if image.file or http_url(image.url)]


class Image(models.Model):
    """An image as a feed describes it; an uploaded file is optional."""

    url = models.URLField("URL", max_length=URL_MAX_LENGTH, blank=True, help_text="Where the image lives.")
    width = models.PositiveIntegerField("width", null=True, blank=True, help_text="In pixels.")
    height = models.PositiveIntegerField("height", null=True, blank=True, help_text="In pixels.")
    is_cached = models.BooleanField("cached", null=True, blank=True, help_text="The feed's isCached flag.")
    file = models.ImageField(
        "uploaded file",
        upload_to="images/%Y/%m/",
        width_field="width",
        height_field="height",
        blank=True,
        help_text="Optional local copy; its width and height are read from the file.",
    )
    position = models.PositiveIntegerField("position", default=0, help_text="Order within the list, from 0.")
    extra = models.JSONField("other seed data", default=dict, blank=True, help_text="Unmodelled keys, kept.")
    # The local copy and its renditions (articles/models/renditions.py), once a job has made them.
    picture = models.ForeignKey(
        "articles.Picture", null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self):
        return self.url or (self.file.name if self.file else "image")

    @property
    def src(self) -> str:
        return self.file.url if self.file else self.url


class ArticleImage(Image):
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="images")
    alt_text = models.CharField(
        "alt text",
        max_length=300,
        blank=True,
        help_text="What the picture shows, for readers who cannot see it. Required for an uploaded file.",
    )
    caption = models.CharField("caption", max_length=500, blank=True, help_text="Shown under the picture.")
    credit = models.CharField(
        "credit", max_length=200, blank=True, help_text="Who took or owns the picture, e.g. “Jane Doe / Newsroom”."
    )

    class Meta(Image.Meta):
        verbose_name = "article image"

    def clean(self):
        super().clean()
        if self.file and not self.alt_text.strip():
            raise ValidationError(
                {"alt_text": "Describe the picture: alt text is required for an uploaded image."}, code="alt_required"
            )


class ProviderLogo(Image):
    provider = models.ForeignKey("articles.Provider", on_delete=models.CASCADE, related_name="logos")

    class Meta(Image.Meta):
        verbose_name = "provider logo"


class RelatedLinkImage(Image):
    related_link = models.ForeignKey("articles.RelatedLink", on_delete=models.CASCADE, related_name="images")

    class Meta(Image.Meta):
        verbose_name = "related link image"
