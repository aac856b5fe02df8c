from django.urls import path, register_converter

from . import api, feeds, preview_links, views
from .caching import cache_public_page as cached
from .caching import query_names
from .filters import ArticleFilter
from .views import follows_old_topic_slugs as moved_topic

app_name = "articles"


class UnicodeSlugConverter:
    """A slug in any script (articles/text.py): ASCII letters, digits, "-", "_", or any non-ASCII
    character; never "/", a space, NUL or another control character."""

    regex = r"(?:[-\w]|[^\x00-\x7f])+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(UnicodeSlugConverter, "uslug")


def list_query(*fixed: str) -> frozenset[str]:
    """What a list page reads: its filters (less search words, and those the page fixes) and the page number."""
    return query_names(ArticleFilter, exclude={"q", *fixed}) | {"page"}


# cached(): anonymous readers get these from the page cache (articles/caching.py), keyed on the
# query parameters named in query= only. Search, previews and preview links are never cached. Titles and topic
# names in other scripts make Unicode slugs (articles/text.py), hence <uslug:slug> there; moved_topic
# sends a topic's old slug on to its page or feed.
urlpatterns = [
    path("", cached(views.front_page, query=list_query(), lists=True), name="front"),
    path("news/<int:pk>-<uslug:slug>/", cached(views.article_detail, article="pk", with_chrome=True), name="detail"),
    path("preview/<int:pk>/", views.article_preview, name="preview"),
    path("preview-link/<str:token>/", preview_links.preview_link_page, name="preview_link"),
    path(
        "topics/<uslug:slug>/",
        cached(moved_topic("articles:topic")(views.topic_page), query=list_query("topic"), lists=True),
        name="topic",
    ),
    path(
        "providers/<slug:slug>/", cached(views.provider_page, query=list_query("provider"), lists=True), name="provider"
    ),
    path(
        "category/<path:name>/", cached(views.category_page, query=list_query("category"), lists=True), name="category"
    ),
    path("search/", views.search_page, name="search"),
    path("corrections/", cached(views.corrections_page, query={"page"}), name="corrections"),
    path("feeds/corrections.rss", cached(feeds.conditional(feeds.CorrectionsRssFeed())), name="corrections_rss"),
    path("feeds/corrections.atom", cached(feeds.conditional(feeds.CorrectionsAtomFeed())), name="corrections_atom"),
    path("feeds/style.xsl", feeds.feed_style, name="feed_style"),
    path("feeds/latest.rss", cached(feeds.conditional(feeds.LatestRssFeed())), name="latest_rss"),
    path("feeds/latest.atom", cached(feeds.conditional(feeds.LatestAtomFeed())), name="latest_atom"),
    path(
        "feeds/topics/<uslug:slug>.rss",
        cached(moved_topic("articles:topic_rss")(feeds.conditional(feeds.TopicRssFeed()))),
        name="topic_rss",
    ),
    path(
        "feeds/topics/<uslug:slug>.atom",
        cached(moved_topic("articles:topic_atom")(feeds.conditional(feeds.TopicAtomFeed()))),
        name="topic_atom",
    ),
    path("feeds/providers/<slug:slug>.rss", cached(feeds.conditional(feeds.ProviderRssFeed())), name="provider_rss"),
    path("feeds/providers/<slug:slug>.atom", cached(feeds.conditional(feeds.ProviderAtomFeed())), name="provider_atom"),
    path("feeds/categories/<uslug:slug>.rss", cached(feeds.conditional(feeds.CategoryRssFeed())), name="category_rss"),
    path(
        "feeds/categories/<uslug:slug>.atom", cached(feeds.conditional(feeds.CategoryAtomFeed())), name="category_atom"
    ),
    path(
        "api/news/", cached(api.article_list, query=query_names(ArticleFilter) | {"page", "page_size"}), name="api_list"
    ),
    path("api/news/<int:pk>/", cached(api.article_detail, article="pk"), name="api_detail"),
]
