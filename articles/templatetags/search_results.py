"""Template helpers for the search results page: the reader's search, parsed once, and highlighted snippets."""

from django import template

from .. import ranking, search
from ..rendering import plain_text

register = template.Library()


@register.simple_tag
def search_query(text):
    """The reader's words as ``articles.search`` reads them."""
    return search.parse(text or "")


@register.simple_tag
def search_snippet(article, query):
    """The excerpt, or else the passage of the body, with the search's words marked; None when neither has one."""
    if not query:
        return None
    excerpt = search.snippet(plain_text(article.excerpt), query)
    return excerpt or search.snippet(search.body_text(plain_text(article.body)), query)


@register.simple_tag
def search_window():
    """How many of the newest matches the relevance ordering ranks."""
    return ranking.SEARCH_WINDOW
