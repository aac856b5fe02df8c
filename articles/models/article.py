"""The article: its content, its place in the workflow, and the rules for reading it (ArticleQuerySet).

Every value of an imported seed file is kept: the fields below hold what the
site and the admin use, and each row's ``extra`` holds the rest of its YAML
mapping (unknown keys, explicit nulls), so that export gives the file back.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from ..rendering import body_html_or_note, check_body
from ..text import article_slug
from .fields import UnicodeSlugField
from .images import http_images
from .keys import URL_MAX_LENGTH
from .sources import Category, Provider, Topic


# What the desk sees, each written once: the filters below and status_counts() share them.
def scheduled_at(at) -> Q:
    return Q(status=Article.Status.PUBLISHED, go_live_at__gt=at)


def expired_at(at) -> Q:
    return Q(status=Article.Status.PUBLISHED, expires_at__lte=at)


IN_CONFLICT = ~Q(conflict_file="")


class ArticleQuerySet(models.QuerySet):
    def published(self, at=None):
        """What readers may see: published, past its go-live time, not yet expired."""
        now = at or timezone.now()
        return self.filter(
            Q(go_live_at__isnull=True) | Q(go_live_at__lte=now),
            Q(expires_at__isnull=True) | Q(expires_at__gt=now),
            status=Article.Status.PUBLISHED,
        )

    def in_topics(self, *topics):
        """Articles filed under any of ``topics``.

        An EXISTS probe rather than a join: the database then walks the
        articles newest first (an index) and checks each against the topic
        index, stopping at the page's limit, so a topic page costs the same
        with 1,000 or 100,000 articles. A join starts from the topic's rows
        and sorts all of them: the cost grows with the topic (see
        docs/PERFORMANCE.md).
        """
        through = Article.topics.through.objects.filter(article_id=models.OuterRef("pk"), topic__in=topics)
        return self.filter(models.Exists(through))

    def in_category(self, category):
        """Articles of the managed ``category``: its page and its feeds read them through this one method."""
        return self.filter(section=category)

    # What each page type loads with its articles: a fixed number of queries, however many articles.

    @staticmethod
    def byline():
        """The prefetch of the byline's names, with their accounts: one query."""
        from .authors import ArticleAuthor

        return models.Prefetch("authors", queryset=ArticleAuthor.objects.select_related("user"))

    def for_cards(self):
        """With what a story card shows: the source, the topics and the images."""
        from .images import ArticleImage

        images = ArticleImage.objects.select_related("picture")  # renditions ready to use: no query of their own
        return self.select_related("provider", "section").prefetch_related(
            "topics", models.Prefetch("images", queryset=images)
        )

    def for_article_page(self):
        """With what the article page shows besides: the source's logos, the related coverage and its sources."""
        from .related import RelatedLink

        related = RelatedLink.objects.select_related("provider")
        return self.for_cards().prefetch_related(
            "provider__logos", models.Prefetch("related_links", queryset=related), self.byline()
        )

    def for_api(self):
        """With what the JSON API gives besides a card's: the related coverage, its sources and images."""
        from .images import RelatedLinkImage
        from .related import RelatedLink

        images = RelatedLinkImage.objects.select_related("picture")  # renditions ready to use: no query of their own
        related = RelatedLink.objects.select_related("provider").prefetch_related(models.Prefetch("images", images))
        return self.for_cards().prefetch_related(models.Prefetch("related_links", queryset=related), self.byline())

    def for_export(self):
        """With everything a seed file holds."""
        return self.for_cards().prefetch_related(
            "provider__logos", "related_links__images", "related_links__provider__logos"
        )

    def edited_since_import(self):
        return self.filter(edited_at__isnull=False, imported_at__isnull=False, edited_at__gt=models.F("imported_at"))

    def scheduled(self, at=None):
        """Published, but waiting for its go-live time."""
        return self.filter(scheduled_at(at or timezone.now()))

    def expired(self, at=None):
        """Published, but past its expiry time."""
        return self.filter(expired_at(at or timezone.now()))

    def with_submission(self):
        """With ``submitted_at`` and ``submitted_by`` (a username): the latest move into review, from the log.

        Two subqueries on the transition log's (article, -at) index, in the
        articles' own query: the same number of queries for a page of 1 or 100.
        """
        from .history import ArticleTransition

        latest = ArticleTransition.objects.filter(
            article=models.OuterRef("pk"), to_status=Article.Status.REVIEW
        ).order_by("-at", "-id")
        return self.annotate(
            submitted_at=models.Subquery(latest.values("at")[:1]),
            submitted_by=models.Subquery(latest.values("by__username")[:1]),
        )

    def review_queue(self):
        """Articles waiting for an editor, the longest-waiting first."""
        return (
            self.filter(status=Article.Status.REVIEW)
            .with_submission()
            .order_by(models.F("submitted_at").asc(nulls_first=True), "id")
        )

    def recently_imported(self):
        return self.filter(imported_at__isnull=False).order_by("-imported_at", "-id")

    def in_conflict(self):
        """Articles a person edited, for which the import has seen a newer seed file."""
        return self.filter(IN_CONFLICT).order_by("-conflict_at", "-id")

    def status_counts(self, at=None) -> dict[str, int]:
        """How many articles each status has, and how many are scheduled, expired or in conflict: one query."""
        now = at or timezone.now()
        return self.aggregate(
            **{status: models.Count("pk", filter=Q(status=status)) for status in Article.Status.values},
            scheduled=models.Count("pk", filter=scheduled_at(now)),
            expired=models.Count("pk", filter=expired_at(now)),
            in_conflict=models.Count("pk", filter=IN_CONFLICT),
        )


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        REVIEW = "review", "In review"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    # Content
    title = models.CharField("title", max_length=500, help_text="The headline shown to readers.")
    # Articles are found by id; the slug only makes their URLs readable, so it needs no index.
    slug = UnicodeSlugField(
        "slug", max_length=100, db_index=False, help_text="Readable URL part, made from the title (in its own script)."
    )
    excerpt = models.TextField("excerpt", blank=True, help_text="The summary shown in lists and feeds.")
    body = models.TextField(
        "body",
        blank=True,
        validators=[check_body],
        help_text="Optional full text, in Markdown; at most 100,000 characters.",
    )
    body_html = models.TextField(
        "body as HTML",
        blank=True,
        editable=False,
        help_text="The body rendered and sanitized when it was written; pages show this, never render Markdown.",
    )
    category = models.CharField(
        "category as given",
        max_length=100,
        blank=True,
        help_text="The seed file's category text in its own spelling, kept for export; the site uses the category below.",
    )
    section = models.ForeignKey(
        Category,
        verbose_name="category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
        help_text="The section of the site the story belongs to, from the managed list of categories.",
    )
    item_type = models.CharField(
        "type", max_length=50, blank=True, help_text="The kind of item, e.g. article, video, slideshow."
    )
    featured_content = models.TextField(
        "featured content",
        blank=True,
        help_text="Embed HTML from the feed (e.g. a YouTube player); shown only for allow-listed hosts.",
    )
    provider = models.ForeignKey(
        Provider,
        verbose_name="provider",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
        db_index=False,  # article_provider_published starts with it
        help_text="The source that published the item.",
    )
    topics = models.ManyToManyField(Topic, verbose_name="topics", blank=True, related_name="articles")

    # Source and scores
    # Empty (NULL) for a story of our own: its address is its page here. NULLs never collide in
    # the unique constraint below, on SQLite and PostgreSQL alike.
    web_url = models.URLField(  # noqa: DJ001 - NULL on purpose: empty strings would collide in the unique index
        "web URL",
        max_length=URL_MAX_LENGTH,
        null=True,
        blank=True,
        help_text=(
            "The article's address at its source; the identity used when seed files are imported. "
            "Empty for a story of our own: its address is then its page on this site."
        ),
    )
    original_url = models.URLField(
        "original URL", max_length=URL_MAX_LENGTH, blank=True, help_text="Where the item was first found."
    )
    amp_web_url = models.URLField("AMP URL", max_length=URL_MAX_LENGTH, blank=True, help_text="The AMP version.")
    cdn_amp_web_url = models.URLField(
        "CDN AMP URL", max_length=URL_MAX_LENGTH, blank=True, help_text="The AMP version on the AMP cache."
    )
    published_at = models.DateTimeField(
        "publication date",
        null=True,
        blank=True,
        help_text="When it was published (stored in UTC): the source's date for an imported item. Publishing fills an empty one with the moment it goes live.",
    )
    quality = models.IntegerField("quality", null=True, blank=True, help_text="Editorial quality score, as given.")
    heat = models.IntegerField(
        "heat", null=True, blank=True, help_text="Trending score, as given; -1 means not measured."
    )
    published_flag = models.BooleanField(
        "published in feed",
        null=True,
        blank=True,
        help_text="The seed file's own “published” value, kept as given. What readers see follows the status.",
    )

    # Workflow
    status = models.CharField(
        "status",
        max_length=20,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text="Where the article stands in the editorial workflow.",
    )
    go_live_at = models.DateTimeField(
        "go live at", null=True, blank=True, help_text="A published article is hidden from readers until then."
    )
    expires_at = models.DateTimeField(
        "expires at", null=True, blank=True, help_text="A published article is hidden from readers from then on."
    )
    version = models.PositiveIntegerField(
        "version",
        default=0,
        editable=False,
        help_text="Counts editorial saves and transitions, so that a stale admin form cannot overwrite newer work.",
    )

    # Raw import data: kept so that nothing in a seed file is lost
    secured = models.TextField(
        "secured blob", blank=True, help_text="Opaque encrypted data from the feed, kept byte for byte, never shown."
    )
    provider_data = models.JSONField(
        "provider as given",
        null=True,
        blank=True,
        help_text="The seed file's provider mapping as it was, so export gives it back exactly.",
    )
    topic_names = models.JSONField(
        "topics as given",
        null=True,
        blank=True,
        help_text="The seed file's topic names in their order and spelling.",
    )
    extra = models.JSONField(
        "other seed data",
        default=dict,
        blank=True,
        help_text="Front-matter keys Newsroom does not model (e.g. tags, locale), kept for export.",
    )
    import_notes = models.JSONField(
        "import notes",
        default=dict,
        blank=True,
        help_text="How the import read the file: original text of repaired fields, URL fallbacks.",
    )
    source_file = models.CharField(
        "source file", max_length=1000, blank=True, help_text="The seed file last imported for this article."
    )
    source_hash = models.CharField(
        "content hash", max_length=64, blank=True, help_text="SHA-256 of that seed file's bytes."
    )
    imported_at = models.DateTimeField(
        "imported at", null=True, blank=True, editable=False, help_text="When a seed file last wrote this article."
    )
    conflict_file = models.CharField(
        "newer seed file",
        max_length=1000,
        blank=True,
        editable=False,
        help_text="A newer seed file that was not applied because a person had edited the article.",
    )
    conflict_at = models.DateTimeField("conflict seen at", null=True, blank=True, editable=False)
    edited_at = models.DateTimeField(
        "edited at", null=True, blank=True, editable=False, help_text="When a person last saved it in the admin."
    )
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="edited by",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("created at", auto_now_add=True, help_text="When the row was created.")
    updated_at = models.DateTimeField("updated at", auto_now=True, help_text="When the row was last written.")

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        permissions = [
            ("publish_article", "Can publish, schedule and unpublish articles"),
            ("review_article", "Can send articles in review back to the writer"),
            ("archive_article", "Can archive and restore articles"),
        ]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="article_status_published"),
            models.Index(fields=["-published_at", "-id"], name="article_published_at"),
            models.Index(fields=["-heat"], name="article_heat"),
            models.Index(fields=["-quality"], name="article_quality"),
            models.Index(fields=["status", "go_live_at"], name="article_status_go_live"),
            models.Index(fields=["provider", "status", "-published_at"], name="article_provider_published"),
            models.Index(fields=["item_type"], name="article_type"),
        ]
        constraints = [
            # A constraint rather than unique=True: on PostgreSQL that would add a second
            # index on the URL, for LIKE queries, which nothing makes and every insert pays for.
            models.UniqueConstraint(
                fields=["web_url"],
                name="article_web_url_unique",
                violation_error_message="An article with this web URL already exists.",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, update_fields=None, **kwargs):
        if not self.slug:
            self.slug = article_slug(self.title)
        if self.section_id is None and self.category and (update_fields is None or "category" in update_fields):
            # Text given without a category (a script, a test): the managed category with its key.
            self.section = Category.for_name(self.category)
            if update_fields is not None:
                update_fields = {*update_fields, "section"}
        # The body's HTML is made here, once per write of the body or title (the title drops a repeated headline).
        sources = {"body", "title"}
        written = sources - self.get_deferred_fields() if update_fields is None else sources & set(update_fields)
        if written:
            self.body_html = body_html_or_note(self.body, self.title)
            if update_fields is not None:
                update_fields = {*update_fields, "body_html"}
        super().save(*args, update_fields=update_fields, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:detail", kwargs={"pk": self.pk, "slug": self.slug or "article"})

    @property
    def is_own(self) -> bool:
        """A story of our own: written here, with no source URL; its canonical address is its page on this site."""
        return not self.web_url

    @property
    def byline_names(self) -> list[str]:
        """The authors' names in order (of the prefetched ``authors``), empty when the story has none."""
        return [name for name in (author.display_name for author in self.authors.all()) if name]

    @property
    def lead_image(self):
        """The first image readers may be shown (of the prefetched ones), or None."""
        return next(iter(http_images(self.images.all())), None)

    def is_live(self, at=None) -> bool:
        now = at or timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and (self.go_live_at is None or self.go_live_at <= now)
            and (self.expires_at is None or self.expires_at > now)
        )

    is_live.boolean = True
    is_live.short_description = "live"

    @property
    def edit_token(self) -> str:
        """Changes whenever a person or the import writes the article; a form carries the one it was opened with."""
        return f"{self.version}.{self.imported_at.isoformat() if self.imported_at else '-'}"

    def is_scheduled(self, at=None) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.go_live_at is not None
            and self.go_live_at > (at or timezone.now())
        )

    def is_expired(self, at=None) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.expires_at is not None
            and self.expires_at <= (at or timezone.now())
        )
