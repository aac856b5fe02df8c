"""Keeping the index in step with the articles, on either engine.

``refresh_search_index(ids)`` makes the index hold what the database holds
for those articles (a deleted one leaves it). The ORM's writes call it
through signals (``search.signals``): an article saved or deleted, its
topics changed, a provider or a topic renamed, a topic deleted. A writer
that bypasses the ORM calls it itself, once per transaction: the seed import
once per batch. (Triggers would need no call, but FTS5 writes out its
pending entries at every statement that fires one, and indexing row by row
from triggers cost fifteen times what one statement per batch does.)
A write that misses its refresh leaves the index stale for that article
(the next refresh or ``manage.py rebuild_search_index`` puts it right), never
damaged: deletions use the stored copy. Every article is indexed whatever its
status: what readers may see is decided when searching, so publishing needs
no refresh.
"""

from collections.abc import Callable, Iterable

from django.db import connections, router, transaction

from . import postgres, sqlite
from .tables import REFRESH_CHUNK, batched

ENGINES = {"sqlite": sqlite, "postgresql": postgres}


def refresh_search_index(article_ids: Iterable[int], *, using: str | None = None) -> None:
    """Make the index hold what the database now holds for these articles; deleted ones leave it.

    Call it in the transaction that wrote them, after the articles and their
    topics are written. Four statements per 500 ids (two on PostgreSQL).
    """
    connection = connections[using or router.db_for_write(_article_model())]
    engine = ENGINES.get(connection.vendor)
    if engine is None:
        return
    for chunk in batched(sorted(set(article_ids)), REFRESH_CHUNK):
        with connection.cursor() as cursor:
            engine.refresh(cursor, chunk)


def rebuild_search_index(
    *, chunk_size: int = 5000, progress: Callable[[int, int], None] | None = None, using: str | None = None
) -> int:
    """Index every article afresh, in one transaction; return how many.

    ``progress(done, total)`` is called after each ``chunk_size`` articles.
    Readers keep searching the old index until it commits.
    """
    connection = connections[using or router.db_for_write(_article_model())]
    engine = sqlite if connection.vendor == "sqlite" else postgres
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        return engine.rebuild(cursor, chunk_size, progress)


def _article_model():
    from ..models import Article

    return Article
