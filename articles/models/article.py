"""The article: its content and its place in the workflow (the rules for reading it: ``querysets``).

Every value of an imported seed file is kept: the fields below hold what the
site and the admin use, and each row's ``extra`` holds the rest of its YAML
mapping (unknown keys, explicit nulls), so that export gives the file back.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from ..rendering import body_html_or_note, check_body
from ..text import article_slug
from .fields import UnicodeSlugField
from .images import http_images
from .keys import URL_MAX_LENGTH
from .querysets import ArticleQuerySet, Status
from .sources import Category, Provider, Topic


class Article(models.Model):
    Status = Status

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
    # Assignment (issue 15): who has the story on the desk, and by when. Not content: no revision records it,
    # the admin log does (services.article_save); editors set it (docs/WORKFLOW.md).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="assigned to",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_articles",
        help_text="The person who has the story now; they are told when it is given to them. Set by editors.",
    )
    due_at = models.DateTimeField(
        "due",
        null=True,
        blank=True,
        help_text="When the story should be ready; a draft or story in review past it is overdue. Set by editors.",
    )
    # Embargo (issue 15): distinct from go-live, which an editor may move; an embargo is a promise to a source.
    embargo_until = models.DateTimeField(
        "embargo until",
        null=True,
        blank=True,
        help_text=(
            "Nothing about the story reaches readers (pages, search, feeds, sitemaps, API, preview links) before "
            "this time, whatever its status and go-live time. Publishing before it needs an editor's override."
        ),
    )
    embargo_reason = models.CharField(
        "embargo reason",
        max_length=500,
        blank=True,
        help_text="Who set the embargo and on what terms, e.g. “Journal embargo: lifts Thursday 16:00 London time”.",
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
            models.Index(fields=["due_at"], name="article_due_at", condition=models.Q(due_at__isnull=False)),
            models.Index(fields=["embargo_until"], name="article_embargo_until"),  # the few under embargo now
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
            and not self.is_embargoed(now)
        )

    is_live.boolean = True
    is_live.short_description = "live"

    @property
    def edit_token(self) -> str:
        """Changes whenever a person or the import writes the article; a form carries the one it was opened with."""
        return f"{self.version}.{self.imported_at.isoformat() if self.imported_at else '-'}"

    def is_embargoed(self, at=None) -> bool:
        """Under embargo: nothing about it reaches readers yet, whatever its status."""
        return self.embargo_until is not None and self.embargo_until > (at or timezone.now())

    @property
    def reader_moments(self) -> tuple:
        """The times at which what readers see of it changes by itself (for the page cache's expiry)."""
        return (self.go_live_at, self.expires_at, self.embargo_until)

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
