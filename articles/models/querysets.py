"""The rules for reading articles, each written once: what readers see (``published``), what each page
loads with its articles (a fixed number of queries), and what the desk sees (review queue, conflicts, counts)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Status(models.TextChoices):
    """An article's place in the workflow (``Article.Status``)."""

    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


# What the desk sees, each written once: the filters below and status_counts() share them.
def scheduled_at(at) -> Q:
    return Q(status=Status.PUBLISHED, go_live_at__gt=at)


def expired_at(at) -> Q:
    return Q(status=Status.PUBLISHED, expires_at__lte=at)


def embargoed_at(at) -> Q:
    return Q(embargo_until__gt=at)


IN_CONFLICT = ~Q(conflict_file="")


def overdue_at(at) -> Q:
    """Past its due time and still on the desk (a draft or in review)."""
    return Q(due_at__lt=at, status__in=[Status.DRAFT, Status.REVIEW])


class ArticleQuerySet(models.QuerySet):
    def published(self, at=None):
        """What readers may see: published, past its go-live time, not yet expired, not under embargo."""
        now = at or timezone.now()
        return self.filter(
            Q(go_live_at__isnull=True) | Q(go_live_at__lte=now),
            Q(expires_at__isnull=True) | Q(expires_at__gt=now),
            Q(embargo_until__isnull=True) | Q(embargo_until__lte=now),
            status=Status.PUBLISHED,
        )

    def embargoed(self, at=None):
        """Under embargo now: readers may see nothing about these, whatever their status."""
        return self.filter(embargoed_at(at or timezone.now()))

    def in_topics(self, *topics):
        """Articles filed under any of ``topics``.

        An EXISTS probe rather than a join: the database then walks the
        articles newest first (an index) and checks each against the topic
        index, stopping at the page's limit, so a topic page costs the same
        with 1,000 or 100,000 articles. A join starts from the topic's rows
        and sorts all of them: the cost grows with the topic (see
        docs/PERFORMANCE.md).
        """
        through = self.model.topics.through.objects.filter(article_id=models.OuterRef("pk"), topic__in=topics)
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

    @staticmethod
    def corrections():
        """The prefetch of what readers are told of changes (not silent fixes), oldest first: one query."""
        from .corrections import Correction

        return models.Prefetch("corrections", queryset=Correction.objects.shown().order_by("at", "id"))

    def for_article_page(self):
        """With what the article page shows besides: the source's logos, the related coverage and its sources."""
        from .related import RelatedLink

        related = RelatedLink.objects.for_readers().select_related("provider")
        return self.for_cards().prefetch_related(
            "provider__logos", models.Prefetch("related_links", queryset=related), self.byline(), self.corrections()
        )

    def for_api(self):
        """With what the JSON API gives besides a card's: the related coverage, its sources and images."""
        from .images import RelatedLinkImage
        from .related import RelatedLink

        images = RelatedLinkImage.objects.select_related("picture")  # renditions ready to use: no query of their own
        related = RelatedLink.objects.for_readers().select_related("provider")
        related = related.prefetch_related(models.Prefetch("images", images))
        return self.for_cards().prefetch_related(
            models.Prefetch("related_links", queryset=related), self.byline(), self.corrections()
        )

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

        latest = ArticleTransition.objects.filter(article=models.OuterRef("pk"), to_status=Status.REVIEW).order_by(
            "-at", "-id"
        )
        return self.annotate(
            submitted_at=models.Subquery(latest.values("at")[:1]),
            submitted_by=models.Subquery(latest.values("by__username")[:1]),
        )

    def review_queue(self):
        """Articles waiting for an editor, the longest-waiting first."""
        return (
            self.filter(status=Status.REVIEW)
            .with_submission()
            .order_by(models.F("submitted_at").asc(nulls_first=True), "id")
        )

    def recently_imported(self):
        return self.filter(imported_at__isnull=False).order_by("-imported_at", "-id")

    def in_conflict(self):
        """Articles a person edited, for which the import has seen a newer seed file."""
        return self.filter(IN_CONFLICT).order_by("-conflict_at", "-id")

    def assigned_to(self, user):
        """The stories someone has on the desk (assignment, issue 15)."""
        return self.filter(assignee=user)

    def overdue(self, at=None):
        """Stories past their due time still on the desk, the most overdue first."""
        return self.filter(overdue_at(at or timezone.now())).order_by("due_at", "id")

    def status_counts(self, at=None) -> dict[str, int]:
        """How many articles each status has, and how many are scheduled, expired or in conflict: one query."""
        now = at or timezone.now()
        return self.aggregate(
            **{status: models.Count("pk", filter=Q(status=status)) for status in Status.values},
            scheduled=models.Count("pk", filter=scheduled_at(now)),
            expired=models.Count("pk", filter=expired_at(now)),
            in_conflict=models.Count("pk", filter=IN_CONFLICT),
        )
