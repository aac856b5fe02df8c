"""The recent window: what the newest live articles hold, for the filter form's choices, the sidebar and the section bar."""

from django.db.models import Count
from django.utils.functional import cached_property

from . import ranking
from .models import Article, Provider, Topic


class Facets:
    """What the recent window (the ``HOT_WINDOW`` newest live articles) holds.

    The filter form offers these choices (every topic of the window), the
    sidebar shows the newest stories and the top topics, the section bar the categories. One query
    reads the window's ids; each facet is then one query by primary key, run
    when first used and kept for the request. Bounding them by the window
    keeps every page's cost the same however large the archive grows.
    """

    TOP_TOPICS = 10

    @cached_property
    def _window(self) -> list[tuple[int, tuple[str, str] | None, str, int | None]]:
        """(id, (category slug, name) or None, type, provider id) of the window's articles, newest first."""
        rows = (
            Article.objects.published()
            .order_by(*ranking.NEWEST)
            .values_list("pk", "section__slug", "section__name", "item_type", "provider_id")
        )
        return [
            (pk, (slug, name) if slug else None, item_type, provider_id)
            for pk, slug, name, item_type, provider_id in rows[: ranking.HOT_WINDOW]
        ]

    @property
    def ids(self) -> list[int]:
        return [row[0] for row in self._window]

    def newest(self, limit: int) -> list[Article]:
        ids = self.ids[:limit]
        articles = Article.objects.filter(pk__in=ids).select_related("provider").in_bulk()
        return [articles[pk] for pk in ids if pk in articles]

    @cached_property
    def topics(self) -> list[Topic]:
        """Topics of the window, most covered first, each with ``story_count`` (live articles in the window)."""
        return list(
            Topic.objects.filter(articles__in=self.ids)
            .annotate(story_count=Count("articles"))
            .order_by("-story_count", "name")
        )

    @property
    def top_topics(self) -> list[Topic]:
        return self.topics[: self.TOP_TOPICS]

    @property
    def topics_by_name(self) -> list[Topic]:
        """Every topic of the window, for the filter form: not only the most covered (a find box narrows them).

        Not every live topic: telling which topics have a live article costs a
        probe per topic, which SQLite plans as a scan of the articles (seconds
        with 2,000 topics). A topic with no story among the window's is reached
        from its page (every article links its topics) or the sitemap.
        """
        return sorted(self.topics, key=lambda topic: topic.name.casefold())

    @cached_property
    def providers(self) -> list[Provider]:
        ids = {provider_id for *_, provider_id in self._window if provider_id}
        return list(Provider.objects.filter(pk__in=ids).order_by("name"))

    @property
    def categories(self) -> list[tuple[str, str]]:
        """(slug, name) of the managed categories in the window, by name: one entry per category."""
        return sorted({category for _, category, _, _ in self._window if category}, key=lambda c: c[1].casefold())

    @property
    def types(self) -> list[str]:
        return sorted({item_type for _, _, item_type, _ in self._window if item_type}, key=str.casefold)
