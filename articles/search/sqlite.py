# ruff: noqa: S608 - SQL here is built from this package's constants; every value is a parameter.
"""SQLite: an FTS5 index over a stored copy of each article's text.

``articles_search`` is an FTS5 table (tokenizer ``unicode61`` with
``remove_diacritics 2``) whose external content is ``articles_search_text``:
the indexed text of each article, copied when it is indexed. The copy is
what lets the index be refreshed *after* the articles changed, as FTS5 only
takes a row out of its index when given the exact text it indexed; and a
view over the four tables the text comes from, the usual external content,
would break every later migration that makes Django rebuild one of them
on SQLite ("error in view ...: no such table"). A row's key is its
article's publication time (seconds) and id, so FTS5, which walks its
matches in key order, hands out the newest first and can stop after a
page's worth however many articles match: keyed by id, a common word cost
a pass over every article holding it.
"""

from collections.abc import Callable

from django.core.exceptions import EmptyResultSet
from django.db import connections, models

from .query import SearchQuery
from .tables import SOURCE, TABLE, TOPIC_NAMES, article_id_column, batched

TEXT = "articles_search_text"  # the indexed text, FTS5's external content

# bm25() weights, in the FTS5 table's column order; the tsvector's weights rank them alike. bm25
# saturates (a heavier weight adds less and less), so the body's weight is small enough for a word
# in the headline to count about three times one in the body.
FTS5_COLUMNS = ("title", "excerpt", "body", "provider", "topics")
FTS5_WEIGHTS = (10.0, 4.0, 0.5, 2.0, 4.0)
COLUMNS = ", ".join(FTS5_COLUMNS)

# Seconds since 1970 (clamped: an absurd date must not overflow the key) x 10^9 + id; undated last.
# ("%%" because Django turns "%s" into a placeholder even inside quotes.)
KEY = (
    "(COALESCE(MIN(MAX(CAST(strftime('%%s', a.published_at) AS INTEGER), -9000000000), 9000000000), -9200000000)"
    " * 1000000000 + a.id)"
)
CREATE = [
    # The indexed text, by article; FTS5 reads it back by key when it needs a row's text.
    f"CREATE TABLE {TEXT} (article_id INTEGER PRIMARY KEY, search_key INTEGER NOT NULL UNIQUE, {COLUMNS})",
    f"CREATE VIRTUAL TABLE {TABLE} USING fts5({COLUMNS}, content = '{TEXT}', content_rowid = 'search_key', "
    "tokenize = 'unicode61 remove_diacritics 2')",
]
COPY = (
    f"INSERT INTO {TEXT} (article_id, search_key, {COLUMNS}) SELECT a.id, {KEY}, a.title, a.excerpt, a.body, "
    f"COALESCE(p.name, ''), COALESCE(({TOPIC_NAMES.format(aggregate='group_concat')}), '') {SOURCE}"
)
# In key order: FTS5 writes out what it holds whenever a key comes out of order.
INDEX = f"INSERT INTO {TABLE} (rowid, {COLUMNS}) SELECT search_key, {COLUMNS} FROM {TEXT}"


# -- Searching -------------------------------------------------------------------------------------


def fts5_match(query: SearchQuery) -> tuple[str, list]:
    """SQL for the right-hand side of an FTS5 MATCH, and its parameters.

    With a last word that may be a prefix: the exact search when any article
    matches it, else the one with the prefix (decided once per statement).
    """
    exact = query.fts5()
    if not query.has_prefix:
        return "%s", [exact]
    sql = f"(CASE WHEN EXISTS (SELECT 1 FROM {TABLE} WHERE {TABLE} MATCH %s) THEN %s ELSE %s END)"
    return sql, [exact, exact, query.fts5(prefixes=True)]


def matches(query: SearchQuery, newest: int | None, compiler, connection) -> tuple[str, list]:
    """A condition on the article id: it matches ``query``, among the ``newest`` matches if given."""
    match, params = fts5_match(query)
    limit = f" ORDER BY {TABLE}.rowid DESC LIMIT {int(newest)}" if newest else ""
    sql = (
        f"{article_id_column(compiler, connection)} IN (SELECT matched.article_id FROM {TABLE} "
        f"JOIN {TEXT} matched ON matched.search_key = {TABLE}.rowid WHERE {TABLE} MATCH {match}{limit})"
    )
    return sql, params


def newest_matches_by_relevance(queryset, query: SearchQuery, size: int) -> list[tuple[int, float]]:
    """(article id, bm25 relevance) of the ``size`` newest articles of ``queryset`` matching ``query``.

    One statement: FTS5 walks the matches newest first (its key order) and
    each is checked against ``queryset``'s conditions until ``size`` pass,
    and ``bm25`` is computed in the same pass (it reads how common each word
    is once per statement, so scoring row by row would pay that per row).
    """
    connection = connections[queryset.db]
    belongs = queryset.order_by().filter(pk=models.expressions.RawSQL("found.article_id", ())).values("pk")
    try:
        belongs_sql, belongs_params = belongs.query.sql_with_params()
    except EmptyResultSet:
        return []
    match, match_params = fts5_match(query)
    weights = ", ".join(str(weight) for weight in FTS5_WEIGHTS)
    sql = (
        f"SELECT found.article_id, -bm25({TABLE}, {weights}) FROM {TABLE} "
        f"JOIN {TEXT} found ON found.search_key = {TABLE}.rowid "
        f"WHERE {TABLE} MATCH {match} AND EXISTS ({belongs_sql}) ORDER BY {TABLE}.rowid DESC LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*match_params, *belongs_params, size])
        return cursor.fetchall()


# -- Keeping the index in step ---------------------------------------------------------------------


def refresh(cursor, article_ids: tuple[int, ...]) -> None:
    """Index these articles afresh: out with the text they were indexed with, in with what they hold now."""
    ids = f"({', '.join(['%s'] * len(article_ids))})"
    for statement in (
        # FTS5 takes a row out of its index given the text it indexed: the stored copy.
        f"INSERT INTO {TABLE} ({TABLE}, rowid, {COLUMNS}) "
        f"SELECT 'delete', search_key, {COLUMNS} FROM {TEXT} WHERE article_id IN {ids}",
        f"DELETE FROM {TEXT} WHERE article_id IN {ids}",
        f"{COPY} WHERE a.id IN {ids}",
        f"{INDEX} WHERE article_id IN {ids} ORDER BY search_key",
    ):
        cursor.execute(statement, article_ids)


def rebuild(cursor, chunk_size: int, progress: Callable[[int, int], None] | None) -> int:
    """Make both tables again and index every article; return how many.

    Made again rather than emptied: quicker, and it repairs a damaged index.
    The text is copied in one statement, then indexed in key order, which
    FTS5 writes fastest.
    """
    for statement in [f"DROP TABLE IF EXISTS {TABLE}", f"DROP TABLE IF EXISTS {TEXT}", *CREATE]:
        cursor.execute(statement)
    cursor.execute(COPY)
    cursor.execute(f"SELECT search_key FROM {TEXT} ORDER BY search_key")
    chunks = [(keys[0], keys[-1], len(keys)) for keys in batched((row[0] for row in cursor.fetchall()), chunk_size)]
    total = sum(count for _, _, count in chunks)
    done = 0
    for first, last, count in chunks:
        cursor.execute(f"{INDEX} WHERE search_key BETWEEN %s AND %s ORDER BY search_key", [first, last])
        done += count
        if progress:
            progress(done, total)
    cursor.execute(f"ANALYZE {TEXT}")
    return total
