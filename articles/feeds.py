"""RSS 2.0 and Atom feeds: the latest live articles, per topic, per source and per category.

Every name and text a reader shows is HTML-escaped here: titles and
descriptions (the feed's and each item's), because feed readers render both
as HTML (Django double-escapes item titles by default for the same reason),
and topic and source names (RSS ``<category>`` and ``<dc:creator>``, Atom
``category`` and ``author``), because some readers do the same with those:
Miniflux strips tags from ``<dc:creator>`` and decodes its entities, and
feedparser hands categories and authors on unsanitised to programs that may
show them as HTML. Readers that show these as plain text then show a name
with "<", ">" or "&" in it as escaped text, which is harmless.
"""

import contextlib
import mimetypes
from copy import copy

from django.contrib.syndication.views import Feed
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed, Stylesheet
from django.utils.html import escape
from django.utils.xmlutils import SimplerXMLGenerator
from django.views.decorators.http import require_safe

from . import ranking
from .models import Article, ArticleImage, ArticleQuerySet, Category, Provider, Topic, http_images
from .pictures.html import feed_rendition
from .pictures.html import url as picture_url
from .pictures.render import storage as picture_storage
from .rendering import plain_text
from .site import conditional_page, site_description, site_name

FEED_SIZE = 30


@require_safe
def feed_style(request):
    """The XSLT stylesheet every feed names, so that a browser shows a person a readable page with a
    subscribe hint instead of raw XML. Served from the site itself: the Content-Security-Policy allows
    nothing else, and browsers apply only a same-origin stylesheet."""
    response = render(request, "feeds/style.xsl", content_type="text/xsl; charset=utf-8")
    patch_cache_control(response, public=True, max_age=3600)
    return response


# Served as application/xml, not application/rss+xml or application/atom+xml: Chromium shows those
# two as plain text and never applies the stylesheet. Feed readers read the document, whatever the
# type; the pages' <link rel="alternate"> still announce each feed with its own type.
FEED_CONTENT_TYPE = "application/xml; charset=utf-8"


class StyledRssFeed(Rss201rev2Feed):
    """RSS 2.0 with the stylesheet (Django writes ``stylesheets`` for RSS)."""

    content_type = FEED_CONTENT_TYPE


class StyledAtomFeed(Atom1Feed):
    """Atom with the ``<?xml-stylesheet?>`` instruction, which Django 5.2 writes for RSS only."""

    content_type = FEED_CONTENT_TYPE

    def write(self, outfile, encoding):
        handler = SimplerXMLGenerator(outfile, encoding, short_empty_elements=True)
        handler.startDocument()
        for stylesheet in self.feed["stylesheets"] or []:
            handler.processingInstruction("xml-stylesheet", stylesheet)
        handler.startElement("feed", self.root_attributes())
        self.add_root_elements(handler)
        self.write_items(handler)
        handler.endElement("feed")


def conditional(feed):
    """A feed view that answers 304 when the reader's copy (ETag or Last-Modified) is current."""
    return conditional_page(feed)


class LatestRssFeed(Feed):
    """The newest live articles; every other feed narrows them."""

    link = "/"
    language = "en"
    feed_type = StyledRssFeed
    request = None  # set on the copy that writes one response (get_feed)

    def get_feed(self, obj, request):
        # One instance serves every request: the request goes on a copy, for the absolute image URLs.
        feed = copy(self)
        feed.request = request
        return Feed.get_feed(feed, obj, request)

    def stylesheets(self, obj=None):
        return [Stylesheet(reverse("articles:feed_style"), mimetype="text/xsl", media="screen")]

    def title(self, obj=None):
        return f"{site_name()}: latest news"

    def description(self, obj=None):
        return site_description()

    def items(self, obj=None):
        images = Prefetch("images", queryset=ArticleImage.objects.select_related("picture"))  # renditions: no query
        articles = (
            self.articles(obj).select_related("provider").prefetch_related("topics", images, ArticleQuerySet.byline())
        )
        return articles.order_by(*ranking.NEWEST)[:FEED_SIZE]

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
        """The byline (RSS ``dc:creator``, Atom ``author``); an imported story without one names its source."""
        names = item.byline_names
        if names:
            return escape(", ".join(names))
        return escape(item.provider.name) if item.provider else None

    def item_enclosures(self, item):
        """The lead picture, as an enclosure with its size and type, when it is a copy of ours: its JPEG/PNG
        rendition up to 1280 px wide once the picture is ready (issue 14), or an upload served here. A feed
        image not yet cached is left out: a feed of ours links only to this site, so that a reader's feed
        reader is not sent to a third party's server (the pages show the original until then)."""
        image = next(iter(http_images(item.images.all())), None)
        if image is None:
            return []
        rendition = feed_rendition(image)
        if rendition is not None:
            name, mime_type = rendition
            try:
                length = picture_storage().size(name)
            except (OSError, NotImplementedError):  # gone, or a storage that cannot tell
                length = 0
            return [Enclosure(self.absolute(picture_url(name)), str(length), mime_type)]
        if not image.file:
            return []
        length = 0
        with contextlib.suppress(OSError):  # the file is gone from the media folder
            length = image.file.size
        mime_type = mimetypes.guess_type(image.file.name)[0] or "image/jpeg"
        return [Enclosure(self.absolute(image.src), str(length), mime_type)]

    def absolute(self, url: str) -> str:
        return self.request.build_absolute_uri(url) if self.request else url

    def item_categories(self, item):
        return [escape(topic.name) for topic in item.topics.all()]


class GroupRssFeed(LatestRssFeed):
    """The newest live articles of a topic or a source, found by its slug among the live ones."""

    model = None  # Topic or Provider
    summary = ""  # the description, from the group's {name} and the {site}'s

    def get_object(self, request, slug):
        return get_object_or_404(self.model.objects.live(), slug=slug)

    def title(self, obj):
        return escape(f"{site_name()}: {obj.name}")

    def link(self, obj):
        return obj.get_absolute_url()

    def description(self, obj):
        return escape(self.summary.format(name=obj.name, site=site_name()))


class TopicRssFeed(GroupRssFeed):
    model = Topic
    summary = "The latest news about {name} on {site}."

    def articles(self, obj):
        return Article.objects.published().in_topics(obj)


class ProviderRssFeed(GroupRssFeed):
    model = Provider
    summary = "The latest stories from {name} on {site}."

    def articles(self, obj):
        return Article.objects.published().filter(provider=obj)


class CategoryRssFeed(GroupRssFeed):
    model = Category
    summary = "{name}: the latest stories on {site}."

    def title(self, obj):
        return escape(f"{site_name()}: {obj.heading}")

    def description(self, obj):
        return escape(self.summary.format(name=obj.heading, site=site_name()))

    def articles(self, obj):
        return Article.objects.published().in_category(obj)


class AtomFeed:
    """A feed above in Atom, where the description is the subtitle."""

    feed_type = StyledAtomFeed

    def subtitle(self, obj=None):
        return self.description(obj)


class LatestAtomFeed(AtomFeed, LatestRssFeed):
    pass


class TopicAtomFeed(AtomFeed, TopicRssFeed):
    pass


class ProviderAtomFeed(AtomFeed, ProviderRssFeed):
    pass


class CategoryAtomFeed(AtomFeed, CategoryRssFeed):
    pass


class CorrectionsRssFeed(LatestRssFeed):
    """Corrections, clarifications and updates of live stories, newest first: one item per note."""

    def title(self, obj=None):
        return f"{site_name()}: corrections"

    def link(self, obj=None):
        return reverse("articles:corrections")

    def description(self, obj=None):
        return escape(f"Corrections, clarifications and updates to stories on {site_name()}.")

    def items(self, obj=None):
        from .views import public_corrections

        return public_corrections()[:FEED_SIZE]

    def item_title(self, item):
        return escape(f"{item.label}: {plain_text(item.article.title)}")

    def item_description(self, item):
        return escape(item.note)

    def item_link(self, item):
        return item.article.get_absolute_url()

    def item_guid(self, item):
        return self.absolute(f"{reverse('articles:corrections')}#correction-{item.pk}")

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.at

    def item_updateddate(self, item):
        return item.at

    def item_author_name(self, item):
        return None

    def item_enclosures(self, item):
        return []

    def item_categories(self, item):
        return [item.label]


class CorrectionsAtomFeed(AtomFeed, CorrectionsRssFeed):
    pass
