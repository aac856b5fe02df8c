"""Related coverage: other outlets' stories about the same news."""

from django.db import models
from django.db.models.functions import Cast, Concat
from django.db.models.lookups import Contains
from django.utils import timezone

from .article import Article
from .keys import URL_MAX_LENGTH
from .sources import Provider


class RelatedLinkQuerySet(models.QuerySet):
    def for_readers(self, at=None):
        """Without the links to a story under embargo: its address or its page here (``/news/<id>-``).

        An EXISTS on the few embargoed articles (an index), not a join: its
        cost does not grow with the archive.
        """
        embargoed = Article.objects.embargoed(at or timezone.now())
        page = Concat(models.Value("/news/"), Cast("pk", models.CharField()), models.Value("-"))
        points_here = models.Q(web_url=models.OuterRef("web_url")) | models.Q(
            Contains(models.OuterRef("web_url"), page)
        )
        return self.exclude(models.Exists(embargoed.filter(points_here)))


class RelatedLink(models.Model):
    """Other coverage of the same story, in the order the feed gives it."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="related_links")
    position = models.PositiveIntegerField("position", default=0, help_text="Order within the list, from 0.")
    title = models.CharField("title", max_length=500, blank=True, help_text="The other item's headline.")
    excerpt = models.TextField("excerpt", blank=True)
    published_at = models.DateTimeField("publication date", null=True, blank=True)
    web_url = models.URLField("web URL", max_length=URL_MAX_LENGTH, blank=True)
    amp_web_url = models.URLField("AMP URL", max_length=URL_MAX_LENGTH, blank=True)
    cdn_amp_web_url = models.URLField("CDN AMP URL", max_length=URL_MAX_LENGTH, blank=True)
    item_type = models.CharField("type", max_length=50, blank=True)
    provider = models.ForeignKey(
        Provider, verbose_name="provider", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    provider_data = models.JSONField("provider as given", null=True, blank=True)
    quality = models.IntegerField("quality", null=True, blank=True)
    extra = models.JSONField("other seed data", default=dict, blank=True, help_text="Unmodelled keys, kept.")

    objects = RelatedLinkQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "related link"

    def __str__(self):
        return self.title or self.web_url
