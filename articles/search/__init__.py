"""Full-text search of articles: the index, the reader's query language, and highlighted snippets.

One document per article: its title, excerpt and body, its provider's name
and its topics' names. Words are compared folded to lower case and without
accents (``cafe`` finds "Café"), and whole (``AI`` does not find "said").
Both engines weigh where a word is found: title (A), excerpt and topics (B),
provider (C), body (D); ``bm25`` on SQLite and ``ts_rank_cd`` on PostgreSQL
make that a relevance, which ``articles.ranking`` blends with recency.

In the order a search flows through them:

``query``        the reader's text -> a ``SearchQuery`` (the language is described there);
``expressions``  ``Matches``, ``Relevance`` and ``Scores``, for ``filter()`` and ``annotate()``;
``sqlite``       the FTS5 index: its tables, its MATCH, bm25 over the newest matches;
``postgres``     the ``tsvector`` index: its text search configuration, its conditions, ``ts_rank_cd``;
``snippets``     the passage of a result that shows the search's words, marked;
``index``        keeping the index in step: ``refresh_search_index``, ``rebuild_search_index``;
``signals``      the ORM's writes call ``refresh_search_index``;
``tables``       what both engines share: the table's name, where an article's text comes from.

What other modules use is imported here, so that ``from articles import search``
is the way in. Migration 0010 uses ``TABLE``, ``TEXT``, ``PG_CONFIG`` and
``rebuild_search_index`` through this path: keep them here.
"""

from .expressions import Matches, Relevance, Scores
from .index import rebuild_search_index, refresh_search_index
from .postgres import PG_CONFIG
from .query import WORD, Group, Phrase, SearchQuery, parse
from .signals import connect_signals
from .snippets import body_text, fold, snippet
from .sqlite import TEXT, newest_matches_by_relevance
from .tables import TABLE

__all__ = [
    "PG_CONFIG",
    "TABLE",
    "TEXT",
    "WORD",
    "Group",
    "Matches",
    "Phrase",
    "Relevance",
    "Scores",
    "SearchQuery",
    "body_text",
    "connect_signals",
    "fold",
    "newest_matches_by_relevance",
    "parse",
    "rebuild_search_index",
    "refresh_search_index",
    "snippet",
]
