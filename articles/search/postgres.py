# ruff: noqa: S608 - SQL here is built from this package's constants; every value is a parameter.
"""PostgreSQL: a ``tsvector`` per article under a GIN index.

``articles_search`` (``article_id``, ``document``), in the ``newsroom_search``
text search configuration: ``simple`` (no stemming, no stop words, as FTS5)
behind the ``unaccent`` dictionary. Punctuation becomes space first, as in
FTS5's tokenizer, so "microsoft.com" holds the word "microsoft" on both.
"""

import string
from collections.abc import Callable

from .query import SearchQuery
from .tables import REFRESH_CHUNK, SOURCE, TABLE, TOPIC_NAMES, article_id_column, batched

PG_CONFIG = "newsroom_search"
# PostgreSQL's parser would keep "microsoft.com" or "e-mail" whole; FTS5 splits them into words.
PG_PUNCTUATION = string.punctuation


def _vector(expression: str, weight: str) -> str:
    return (
        f"setweight(to_tsvector('{PG_CONFIG}'::regconfig, "
        f"translate(COALESCE({expression}, ''), %(punctuation)s, %(blanks)s)), '{weight}')"
    )


DOCUMENT = " || ".join(
    [
        _vector("a.title", "A"),
        _vector("a.excerpt", "B"),
        _vector(f"({TOPIC_NAMES.format(aggregate='string_agg')})", "B"),
        _vector("p.name", "C"),
        _vector("a.body", "D"),
    ]
)


# -- Searching -------------------------------------------------------------------------------------


def _exact_matches_nothing() -> str:
    # The condition twice: PostgreSQL then expects few rows and asks the GIN index. Once, it bets on
    # finding a row early in the table, and reads all of it for a word no article has, which is
    # exactly when the question is asked.
    found = "document @@ to_tsquery(%s::regconfig, %s)"
    return f"NOT EXISTS (SELECT 1 FROM {TABLE} WHERE {found} AND {found})"


def pg_matches(query: SearchQuery) -> tuple[str, list]:
    """A condition on ``document`` for the search (prefixes as in ``sqlite.fts5_match``), and its parameters.

    The exact search stays a constant, so that the planner can tell a common
    word (walk the newest articles and check each) from a rare one (the GIN index).
    """
    exact = query.tsquery()
    found = "document @@ to_tsquery(%s::regconfig, %s)"
    if not query.has_prefix:
        return found, [PG_CONFIG, exact]
    sql = f"({found} OR ({_exact_matches_nothing()} AND {found}))"
    return sql, [PG_CONFIG, exact, PG_CONFIG, exact, PG_CONFIG, exact, PG_CONFIG, query.tsquery(prefixes=True)]


def pg_tsquery(query: SearchQuery) -> tuple[str, list]:
    """The search as a PostgreSQL ``tsquery`` expression (for ranking), and its parameters."""
    exact = query.tsquery()
    if not query.has_prefix:
        return "to_tsquery(%s::regconfig, %s)", [PG_CONFIG, exact]
    sql = f"to_tsquery(%s::regconfig, CASE WHEN {_exact_matches_nothing()} THEN %s ELSE %s END)"
    return sql, [PG_CONFIG, PG_CONFIG, exact, PG_CONFIG, exact, query.tsquery(prefixes=True), exact]


def matches(query: SearchQuery, compiler, connection) -> tuple[str, list]:
    """A condition on the article id: it matches ``query``."""
    condition, params = pg_matches(query)
    sql = f"{article_id_column(compiler, connection)} IN (SELECT article_id FROM {TABLE} WHERE {condition})"
    return sql, params


def relevance(query: SearchQuery, compiler, connection) -> tuple[str, list]:
    """How well the article matches ``query`` (``ts_rank_cd``), 0 when it does not."""
    tsquery, params = pg_tsquery(query)
    sql = (
        f"COALESCE((SELECT ts_rank_cd(document, {tsquery}) FROM {TABLE} "
        f"WHERE article_id = {article_id_column(compiler, connection)}), 0.0)"
    )
    return sql, params


# -- Keeping the index in step ---------------------------------------------------------------------


def refresh(cursor, article_ids: tuple[int, ...]) -> None:
    """Index these articles afresh: each one's document computed again from its rows."""
    params = {"ids": list(article_ids), "punctuation": PG_PUNCTUATION, "blanks": " " * len(PG_PUNCTUATION)}
    cursor.execute(f"DELETE FROM {TABLE} WHERE article_id = ANY(%(ids)s)", params)
    cursor.execute(
        f"INSERT INTO {TABLE} (article_id, document) SELECT a.id, {DOCUMENT} {SOURCE} WHERE a.id = ANY(%(ids)s)",
        params,
    )


def rebuild(cursor, chunk_size: int, progress: Callable[[int, int], None] | None) -> int:
    """Empty the index and index every article; return how many."""
    cursor.execute(f"TRUNCATE {TABLE}")
    cursor.execute("SELECT id FROM articles_article ORDER BY id")
    ids = [row[0] for row in cursor.fetchall()]
    for done, chunk in enumerate(batched(ids, chunk_size), start=1):
        for part in batched(chunk, REFRESH_CHUNK):
            refresh(cursor, part)
        if progress:
            progress(min(done * chunk_size, len(ids)), len(ids))
    # The planner tells a common word from a rare one by these statistics.
    cursor.execute(f"ANALYZE {TABLE}")
    return len(ids)
