"""Where articles come from and what they are about: providers (sources) and topics."""

from django.db import models
from django.urls import reverse

from .fields import UnicodeSlugField
from .images import http_images
from .keys import UniqueKeyMixin, category_key, provider_key, topic_key


def row_for_name(model, key: str, name: str, slug: str):
    """The row of ``model`` (a topic or a category) with ``key``; made, spelled as given, with a free slug, if none."""
    found = model.objects.filter(key=key).first()
    if found:
        return found
    taken = set(model.objects.filter(slug__startswith=slug).values_list("slug", flat=True))
    free, number = slug, 2
    while free in taken:
        free, number = f"{slug}-{number}", number + 1
    row, _ = model.objects.get_or_create(key=key, defaults={"name": " ".join(name.split()), "slug": free})
    return row


class ArticleGroupQuerySet(models.QuerySet):
    """Providers or topics: readers see one (its page, feeds, sitemap entry) while it has a live article."""

    articles_lookup = ""  # how an article refers to the group

    def _live_articles(self):
        """The live articles of the row at hand, for a subquery."""
        from .article import Article

        return Article.objects.published().filter(**{self.articles_lookup: models.OuterRef("pk")})

    def live(self):
        """Those readers see: with at least one live article."""
        return self.filter(models.Exists(self._live_articles()))

    def with_last_live_change(self):
        """The live ones, each with ``lastmod``: the newest ``updated_at`` of its live articles."""
        newest = self._live_articles().order_by("-updated_at").values("updated_at")[:1]
        return self.annotate(lastmod=models.Subquery(newest)).filter(lastmod__isnull=False)


class ProviderQuerySet(ArticleGroupQuerySet):
    articles_lookup = "provider"


class TopicQuerySet(ArticleGroupQuerySet):
    articles_lookup = "topics"


class CategoryQuerySet(ArticleGroupQuerySet):
    articles_lookup = "section"


class Provider(UniqueKeyMixin, models.Model):
    name = models.CharField("name", max_length=200, help_text="The source's name as first seen, e.g. “Reuters”.")
    domain = models.CharField(
        "domain",
        max_length=253,
        help_text="The source's web domain, e.g. reuters.com. Unique regardless of case.",
    )
    key = models.CharField(
        "matching key",
        max_length=253,
        unique=True,
        editable=False,
        help_text="The domain in lower case; two domains with one key are one provider.",
    )
    slug = models.SlugField("slug", max_length=255, unique=True, help_text="The provider page's URL part.")

    key_source = "domain"
    duplicate_message = "A provider with this domain already exists (case does not matter)."

    objects = ProviderQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.domain})"

    def get_absolute_url(self):
        return reverse("articles:provider", kwargs={"slug": self.slug})

    def make_key(self) -> str:
        return provider_key(self.domain)

    @property
    def logo(self):
        """The first logo readers may be shown (of the prefetched ones), or None."""
        return next(iter(http_images(self.logos.all())), None)


class Topic(UniqueKeyMixin, models.Model):
    name = models.CharField("name", max_length=200, help_text="The topic as first spelled, e.g. “Machine Learning”.")
    key = models.CharField(
        "matching key",
        max_length=200,
        unique=True,
        editable=False,
        help_text="The name folded to lower case with single spaces; two names with one key are one topic.",
    )
    slug = UnicodeSlugField(
        "slug", max_length=255, unique=True, help_text="The topic page's URL part, in the name's own script."
    )

    key_source = "name"
    duplicate_message = "A topic with this name already exists (case and spacing do not matter)."

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:topic", kwargs={"slug": self.slug})

    def make_key(self) -> str:
        return topic_key(self.name)

    @classmethod
    def for_name(cls, name: str) -> "Topic":
        """The topic with ``name``'s key (case and spacing folded), made when there is none: how a writer adds one."""
        from ..text import topic_slug

        return row_for_name(cls, topic_key(name), name, topic_slug(name))


class Category(UniqueKeyMixin, models.Model):
    """A section of the site (“news”, “analysis”): a managed list, one row per name whatever its case.

    Articles point at one (``Article.section``). The importer maps a seed
    file's category text onto the row with the same key, creating it when it
    is new, so “News” and “news” are one category; the feed's own spelling
    stays in ``Article.category`` for export.
    """

    name = models.CharField("name", max_length=100, help_text="As readers see it in the menu, e.g. “News”.")
    key = models.CharField(
        "matching key",
        max_length=100,
        unique=True,
        editable=False,
        help_text="The name folded to lower case with single spaces; two names with one key are one category.",
    )
    slug = models.SlugField("slug", max_length=100, unique=True, help_text="The category page's URL part.")

    key_source = "name"
    duplicate_message = "A category with this name already exists (case and spacing do not matter)."

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:category", kwargs={"name": self.slug})

    @property
    def heading(self) -> str:
        """The name as a page or feed title: its first letter capitalised (“news” -> “News”)."""
        return self.name[:1].upper() + self.name[1:]

    def make_key(self) -> str:
        return category_key(self.name)

    @classmethod
    def for_name(cls, name: str) -> "Category":
        """The category with ``name``'s key, made (spelled as given, with a free slug) when there is none."""
        from ..text import category_slug

        return row_for_name(cls, category_key(name), name, category_slug(name))


class TopicOldSlug(models.Model):
    """A slug a topic had before: its old URLs (and feeds) redirect to the topic's page."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="old_slugs")
    slug = models.CharField("old slug", max_length=255, unique=True, help_text="The URL part the topic had.")

    class Meta:
        verbose_name = "old topic slug"

    def __str__(self):
        return self.slug
