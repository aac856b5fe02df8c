"""What both engines' indexes share: the index table's name, and where an article's indexed text comes from."""

from collections.abc import Iterable
from itertools import islice

TABLE = "articles_search"  # SQLite: the FTS5 table; PostgreSQL: (article_id, document tsvector)
REFRESH_CHUNK = 500  # articles indexed afresh per round of statements

# An article with its provider; the topics' names come from TOPIC_NAMES, a subquery per article.
SOURCE = "FROM articles_article a LEFT JOIN articles_provider p ON p.id = a.provider_id"
TOPIC_NAMES = (
    "SELECT {aggregate}(t.name, ' ') FROM articles_article_topics x "
    "JOIN articles_topic t ON t.id = x.topic_id WHERE x.article_id = a.id"
)


def article_id_column(compiler, connection) -> str:
    """The article id column, on the alias the article table has in the query being compiled."""
    return f"{compiler.quote_name_unless_alias(compiler.query.base_table)}.{connection.ops.quote_name('id')}"


def batched(items: Iterable, size: int):
    """``items`` in tuples of at most ``size`` (``itertools.batched`` is Python 3.12)."""
    iterator = iter(items)
    while chunk := tuple(islice(iterator, size)):
        yield chunk
