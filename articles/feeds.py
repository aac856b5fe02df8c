"""RSS 2.0 and Atom feeds: the latest live articles, per topic and per source.

Titles and descriptions (the feed's and each item's) are HTML-escaped here,
because feed readers render both as HTML; Django double-escapes item titles
by default for the same reason.
"""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from . import ranking
from .models import Article, Provider, Topic
from .rendering import plain_text
from .site import conditional_page, site_description, site_name

FEED_SIZE = 30


def conditional(feed):
    """A feed view that answers 304 when the reader's copy (ETag or Last-Modified) is current."""
    return conditional_page(feed)


class LatestRssFeed(Feed):
    link = "/"
    language = "en"

    def title(self):
        return f"{site_name()}: latest news"

    def description(self):
        return site_description()

    def items(self, obj=None):
        return (self.articles(obj).select_related("provider").prefetch_related("topics").order_by(*ranking.NEWEST))[
            :FEED_SIZE
        ]

    def articles(self, obj):
        return Article.objects.published()

    def item_title(self, item):
        return escape(plain_text(item.title))

    def item_description(self, item):
        return escape(plain_text(item.excerpt))

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return item.provider.name if item.provider else None

    def item_categories(self, item):
        return [topic.name for topic in item.topics.all()]


class LatestAtomFeed(LatestRssFeed):
    feed_type = Atom1Feed
    subtitle = LatestRssFeed.description


class TopicRssFeed(LatestRssFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Topic.objects.live(), slug=slug)

    def articles(self, obj):
        return Article.objects.published().in_topics(obj)

    def title(self, obj):
        return escape(f"{site_name()}: {obj.name}")

    def link(self, obj):
        return obj.get_absolute_url()

    def description(self, obj):
        return escape(f"The latest news about {obj.name} on {site_name()}.")


class TopicAtomFeed(TopicRssFeed):
    feed_type = Atom1Feed

    def subtitle(self, obj):
        return self.description(obj)


class ProviderRssFeed(LatestRssFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Provider.objects.live(), slug=slug)

    def articles(self, obj):
        return Article.objects.published().filter(provider=obj)

    def title(self, obj):
        return escape(f"{site_name()}: {obj.name}")

    def link(self, obj):
        return obj.get_absolute_url()

    def description(self, obj):
        return escape(f"The latest stories from {obj.name} on {site_name()}.")


class ProviderAtomFeed(ProviderRssFeed):
    feed_type = Atom1Feed

    def subtitle(self, obj):
        return self.description(obj)
