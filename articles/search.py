# ruff: noqa: S608 - SQL here is built from this module's constants; every value is a parameter.
"""Full-text search of articles: the index, the reader's query language, and highlighted snippets.

The index
---------

One document per article: its title, excerpt and body, its provider's name
and its topics' names. Words are compared folded to lower case and without
accents (``cafe`` finds "Café"), and whole (``AI`` does not find "said").

- SQLite: ``articles_search``, an FTS5 table (tokenizer ``unicode61`` with
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
- PostgreSQL: ``articles_search`` (``article_id``, ``document``), a
  ``tsvector`` per article under a GIN index, in the ``newsroom_search`` text
  search configuration: ``simple`` (no stemming, no stop words, as FTS5)
  behind the ``unaccent`` dictionary. Punctuation becomes space first, as in
  FTS5's tokenizer, so "microsoft.com" holds the word "microsoft" on both.

Both weigh where a word is found: title (A), excerpt and topics (B),
provider (C), body (D); ``bm25`` on SQLite and ``ts_rank_cd`` on PostgreSQL
make that a relevance, which ``articles.ranking`` blends with recency.

Keeping it in step
------------------

``refresh_search_index(ids)`` makes the index hold what the database holds
for those articles (a deleted one leaves it). The ORM's writes call it
through signals (``connect_signals``): an article saved or deleted, its
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

The reader's query
------------------

As PostgreSQL's ``websearch_to_tsquery`` reads it: words (all must occur),
"quoted phrases", ``-word`` or ``-"a phrase"`` to leave out, ``OR`` between
alternatives. The last word, unless quoted or excluded, finds longer words
it begins when it is not a whole word of any article, as while the reader
types (``regul`` finds "regulation"). Anything else is text: the search is
rebuilt from the words found in it, each quoted, and never passed through,
so no input is a syntax error on either engine. Alternatives with only
excluded words are dropped: there is nothing to find them by.
"""

import re
import string
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice

from django.core.exceptions import EmptyResultSet
from django.db import connections, models, router, transaction
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

TABLE = "articles_search"
TEXT = "articles_search_text"  # SQLite: the indexed text, FTS5's external content
PG_CONFIG = "newsroom_search"
PREFIX_MIN_LENGTH = 3  # a shorter last word only ever matches whole words
MAX_PHRASES = 16  # words and phrases kept from one search
MAX_WORDS = 16  # words kept from one phrase
REFRESH_CHUNK = 500

# bm25() weights, in the FTS5 table's column order; the tsvector's weights rank them alike. bm25
# saturates (a heavier weight adds less and less), so the body's weight is small enough for a word
# in the headline to count about three times one in the body.
FTS5_COLUMNS = ("title", "excerpt", "body", "provider", "topics")
FTS5_WEIGHTS = (10.0, 4.0, 0.5, 2.0, 4.0)

WORD = re.compile(r"[^\W_]+")
# One item of the reader's text: an optional minus, then a "quoted phrase" (closed or not) or a bare word.
ITEM = re.compile(r'(-)?(?:"([^"]*)"?|([^\s"]+))')


# -- The reader's query --------------------------------------------------------------------------


@dataclass(frozen=True)
class Phrase:
    """Words that must follow one another; ``prefix``: the last may also begin a longer word."""

    words: tuple[str, ...]
    prefix: bool = False

    def fts5(self, prefixes: bool) -> str:
        # Words are letters and digits only: nothing in them needs escaping, in FTS5 or in to_tsquery.
        return '"' + " ".join(self.words) + '"' + (" *" if prefixes and self.prefix else "")

    def tsquery(self, prefixes: bool) -> str:
        star = ":*" if prefixes and self.prefix else ""
        return "(" + " <-> ".join(f"'{word}'" for word in self.words) + star + ")"


@dataclass(frozen=True)
class Group:
    """Phrases that must all occur, and phrases that must not."""

    include: tuple[Phrase, ...]
    exclude: tuple[Phrase, ...] = ()

    def fts5(self, prefixes: bool) -> str:
        found = " AND ".join(phrase.fts5(prefixes) for phrase in self.include)
        if not self.exclude:
            return f"({found})"
        return f"(({found}) NOT ({' OR '.join(phrase.fts5(prefixes) for phrase in self.exclude)}))"

    def tsquery(self, prefixes: bool) -> str:
        parts = [phrase.tsquery(prefixes) for phrase in self.include]
        parts += [f"!{phrase.tsquery(prefixes)}" for phrase in self.exclude]
        return "(" + " & ".join(parts) + ")"


@dataclass(frozen=True)
class SearchQuery:
    """A search, ready for either engine: alternatives (OR) of groups."""

    groups: tuple[Group, ...] = ()
    excluded_only: bool = False  # the reader left words out but gave none to look for

    def __bool__(self) -> bool:
        return bool(self.groups)

    @property
    def has_prefix(self) -> bool:
        return any(phrase.prefix for group in self.groups for phrase in group.include)

    def fts5(self, prefixes: bool = False) -> str:
        """An FTS5 MATCH expression: every word quoted, every operator FTS5's own."""
        return " OR ".join(group.fts5(prefixes) for group in self.groups)

    def tsquery(self, prefixes: bool = False) -> str:
        """Text for PostgreSQL's ``to_tsquery``."""
        return " | ".join(group.tsquery(prefixes) for group in self.groups)

    @property
    def wanted(self) -> list[Phrase]:
        """The phrases results are found by (for highlighting)."""
        return [phrase for group in self.groups for phrase in group.include]


def parse(text: str) -> SearchQuery:
    """The reader's text as a ``SearchQuery`` (see the module docstring for the language)."""
    groups, include, exclude = [], [], []
    excluded = False
    items = list(ITEM.finditer(text))
    kept = 0

    def close_group():
        if include:
            groups.append(Group(tuple(include), tuple(exclude)))
        include.clear()
        exclude.clear()

    for position, item in enumerate(items):
        minus, quoted, bare = item.groups()
        if bare is not None and not minus and bare.casefold() == "or":
            close_group()
            continue
        words = tuple(WORD.findall(quoted if quoted is not None else bare))[:MAX_WORDS]
        if not words or kept >= MAX_PHRASES:
            continue
        kept += 1
        if minus:
            exclude.append(Phrase(words))
            excluded = True
        else:
            last = position == len(items) - 1
            include.append(Phrase(words, prefix=bare is not None and last and len(words[-1]) >= PREFIX_MIN_LENGTH))
    close_group()
    return SearchQuery(tuple(groups), excluded_only=excluded and not groups)


# -- In queries ------------------------------------------------------------------------------------


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


def _pg_exact_matches_nothing() -> str:
    # The condition twice: PostgreSQL then expects few rows and asks the GIN index. Once, it bets on
    # finding a row early in the table, and reads all of it for a word no article has, which is
    # exactly when the question is asked.
    found = "document @@ to_tsquery(%s::regconfig, %s)"
    return f"NOT EXISTS (SELECT 1 FROM {TABLE} WHERE {found} AND {found})"


def pg_matches(query: SearchQuery) -> tuple[str, list]:
    """A condition on ``document`` for the search (prefixes as in ``fts5_match``), and its parameters.

    The exact search stays a constant, so that the planner can tell a common
    word (walk the newest articles and check each) from a rare one (the GIN index).
    """
    exact = query.tsquery()
    found = "document @@ to_tsquery(%s::regconfig, %s)"
    if not query.has_prefix:
        return found, [PG_CONFIG, exact]
    sql = f"({found} OR ({_pg_exact_matches_nothing()} AND {found}))"
    return sql, [PG_CONFIG, exact, PG_CONFIG, exact, PG_CONFIG, exact, PG_CONFIG, query.tsquery(prefixes=True)]


def pg_tsquery(query: SearchQuery) -> tuple[str, list]:
    """The search as a PostgreSQL ``tsquery`` expression (for ranking), and its parameters."""
    exact = query.tsquery()
    if not query.has_prefix:
        return "to_tsquery(%s::regconfig, %s)", [PG_CONFIG, exact]
    sql = f"to_tsquery(%s::regconfig, CASE WHEN {_pg_exact_matches_nothing()} THEN %s ELSE %s END)"
    return sql, [PG_CONFIG, PG_CONFIG, exact, PG_CONFIG, exact, query.tsquery(prefixes=True), exact]


def _article_id(compiler, connection) -> str:
    """The article id column, on the alias the article table has in the query being compiled."""
    return f"{compiler.quote_name_unless_alias(compiler.query.base_table)}.{connection.ops.quote_name('id')}"


class Matches(models.Expression):
    """True for the articles that match ``query``, for ``filter()``.

    ``newest``: on SQLite, only the newest this many matches (of any status)
    count, so that a word in half the archive costs what a rare one does;
    None for all of them. PostgreSQL's planner knows how common a word is and
    needs no such limit.
    """

    output_field = models.BooleanField()
    conditional = True

    def __init__(self, query: SearchQuery, newest: int | None = None):
        super().__init__()
        self.query, self.newest = query, newest

    def as_sqlite(self, compiler, connection, **extra_context):
        match, params = fts5_match(self.query)
        limit = f" ORDER BY {TABLE}.rowid DESC LIMIT {int(self.newest)}" if self.newest else ""
        sql = (
            f"{_article_id(compiler, connection)} IN (SELECT matched.article_id FROM {TABLE} "
            f"JOIN {TEXT} matched ON matched.search_key = {TABLE}.rowid WHERE {TABLE} MATCH {match}{limit})"
        )
        return sql, params

    def as_postgresql(self, compiler, connection, **extra_context):
        condition, params = pg_matches(self.query)
        sql = f"{_article_id(compiler, connection)} IN (SELECT article_id FROM {TABLE} WHERE {condition})"
        return sql, params


class Relevance(models.Expression):
    """PostgreSQL: how well each article matches ``query`` (``ts_rank_cd``), 0 when it does not."""

    output_field = models.FloatField()

    def __init__(self, query: SearchQuery):
        super().__init__()
        self.query = query

    def as_postgresql(self, compiler, connection, **extra_context):
        tsquery, params = pg_tsquery(self.query)
        sql = (
            f"COALESCE((SELECT ts_rank_cd(document, {tsquery}) FROM {TABLE} "
            f"WHERE article_id = {_article_id(compiler, connection)}), 0.0)"
        )
        return sql, params


class Scores(models.Expression):
    """Each article's score from ``scores`` (article id -> number, computed beforehand), 0 for the others."""

    output_field = models.FloatField()

    def __init__(self, scores: dict[int, float]):
        super().__init__()
        self.scores = scores

    def as_sql(self, compiler, connection, **extra_context):
        if not self.scores:
            return "0.0", []
        cases = " ".join("WHEN %s THEN %s" for _ in self.scores)
        params = [value for pair in self.scores.items() for value in pair]
        return f"(CASE {_article_id(compiler, connection)} {cases} ELSE 0.0 END)", params


def newest_matches_by_relevance(queryset, query: SearchQuery, size: int) -> list[tuple[int, float]]:
    """SQLite: (article id, bm25 relevance) of the ``size`` newest articles of ``queryset`` matching ``query``.

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

COLUMNS = ", ".join(FTS5_COLUMNS)
# Seconds since 1970 (clamped: an absurd date must not overflow the key) x 10^9 + id; undated last.
# ("%%" because Django turns "%s" into a placeholder even inside quotes.)
SQLITE_KEY = (
    "(COALESCE(MIN(MAX(CAST(strftime('%%s', a.published_at) AS INTEGER), -9000000000), 9000000000), -9200000000)"
    " * 1000000000 + a.id)"
)
SQLITE_CREATE = [
    # The indexed text, by article; FTS5 reads it back by key when it needs a row's text.
    f"CREATE TABLE {TEXT} (article_id INTEGER PRIMARY KEY, search_key INTEGER NOT NULL UNIQUE, {COLUMNS})",
    f"CREATE VIRTUAL TABLE {TABLE} USING fts5({COLUMNS}, content = '{TEXT}', content_rowid = 'search_key', "
    "tokenize = 'unicode61 remove_diacritics 2')",
]
SOURCE = "FROM articles_article a LEFT JOIN articles_provider p ON p.id = a.provider_id"
TOPIC_NAMES = (
    "SELECT {aggregate}(t.name, ' ') FROM articles_article_topics x "
    "JOIN articles_topic t ON t.id = x.topic_id WHERE x.article_id = a.id"
)
SQLITE_COPY = (
    f"INSERT INTO {TEXT} (article_id, search_key, {COLUMNS}) SELECT a.id, {SQLITE_KEY}, a.title, a.excerpt, a.body, "
    f"COALESCE(p.name, ''), COALESCE(({TOPIC_NAMES.format(aggregate='group_concat')}), '') {SOURCE}"
)
# In key order: FTS5 writes out what it holds whenever a key comes out of order.
SQLITE_INDEX = f"INSERT INTO {TABLE} (rowid, {COLUMNS}) SELECT search_key, {COLUMNS} FROM {TEXT}"
# PostgreSQL's parser would keep "microsoft.com" or "e-mail" whole; FTS5 splits them into words.
PG_PUNCTUATION = string.punctuation


def _pg_vector(expression: str, weight: str) -> str:
    return (
        f"setweight(to_tsvector('{PG_CONFIG}'::regconfig, "
        f"translate(COALESCE({expression}, ''), %(punctuation)s, %(blanks)s)), '{weight}')"
    )


PG_DOCUMENT = " || ".join(
    [
        _pg_vector("a.title", "A"),
        _pg_vector("a.excerpt", "B"),
        _pg_vector(f"({TOPIC_NAMES.format(aggregate='string_agg')})", "B"),
        _pg_vector("p.name", "C"),
        _pg_vector("a.body", "D"),
    ]
)


def batched(items: Iterable, size: int):
    """``items`` in tuples of at most ``size`` (``itertools.batched`` is Python 3.12)."""
    iterator = iter(items)
    while chunk := tuple(islice(iterator, size)):
        yield chunk


def refresh_search_index(article_ids: Iterable[int], *, using: str | None = None) -> None:
    """Make the index hold what the database now holds for these articles; deleted ones leave it.

    Call it in the transaction that wrote them, after the articles and their
    topics are written. Four statements per 500 ids (two on PostgreSQL).
    """
    connection = connections[using or router.db_for_write(_article_model())]
    for chunk in batched(sorted(set(article_ids)), REFRESH_CHUNK):
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                ids = f"({', '.join(['%s'] * len(chunk))})"
                for statement in (
                    # FTS5 takes a row out of its index given the text it indexed: the stored copy.
                    f"INSERT INTO {TABLE} ({TABLE}, rowid, {COLUMNS}) "
                    f"SELECT 'delete', search_key, {COLUMNS} FROM {TEXT} WHERE article_id IN {ids}",
                    f"DELETE FROM {TEXT} WHERE article_id IN {ids}",
                    f"{SQLITE_COPY} WHERE a.id IN {ids}",
                    f"{SQLITE_INDEX} WHERE article_id IN {ids} ORDER BY search_key",
                ):
                    cursor.execute(statement, chunk)
            elif connection.vendor == "postgresql":
                params = {"ids": list(chunk), "punctuation": PG_PUNCTUATION, "blanks": " " * len(PG_PUNCTUATION)}
                cursor.execute(f"DELETE FROM {TABLE} WHERE article_id = ANY(%(ids)s)", params)
                cursor.execute(
                    f"INSERT INTO {TABLE} (article_id, document) SELECT a.id, {PG_DOCUMENT} {SOURCE} "
                    "WHERE a.id = ANY(%(ids)s)",
                    params,
                )


def rebuild_search_index(
    *, chunk_size: int = 5000, progress: Callable[[int, int], None] | None = None, using: str | None = None
) -> int:
    """Index every article afresh, in one transaction; return how many.

    ``progress(done, total)`` is called after each ``chunk_size`` articles.
    Readers keep searching the old index until it commits.
    """
    connection = connections[using or router.db_for_write(_article_model())]
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # Made again rather than emptied: quicker, and it repairs a damaged index. The text is
            # copied in one statement, then indexed in key order, which FTS5 writes fastest.
            for statement in [f"DROP TABLE IF EXISTS {TABLE}", f"DROP TABLE IF EXISTS {TEXT}", *SQLITE_CREATE]:
                cursor.execute(statement)
            cursor.execute(SQLITE_COPY)
            cursor.execute(f"SELECT search_key FROM {TEXT} ORDER BY search_key")
            chunks = [
                (keys[0], keys[-1], len(keys)) for keys in batched((row[0] for row in cursor.fetchall()), chunk_size)
            ]
            total = sum(count for _, _, count in chunks)
            done = 0
            for first, last, count in chunks:
                cursor.execute(f"{SQLITE_INDEX} WHERE search_key BETWEEN %s AND %s ORDER BY search_key", [first, last])
                done += count
                if progress:
                    progress(done, total)
            cursor.execute(f"ANALYZE {TEXT}")
            return total
        cursor.execute(f"TRUNCATE {TABLE}")
        cursor.execute("SELECT id FROM articles_article ORDER BY id")
        ids = [row[0] for row in cursor.fetchall()]
        for done, chunk in enumerate(batched(ids, chunk_size), start=1):
            refresh_search_index(chunk, using=connection.alias)
            if progress:
                progress(min(done * chunk_size, len(ids)), len(ids))
        # The planner tells a common word from a rare one by these statistics.
        cursor.execute(f"ANALYZE {TABLE}")
        return len(ids)


def _article_model():
    from .models import Article

    return Article


# -- Signals: the ORM's writes -----------------------------------------------------------------------


def _refresh_article(sender, instance, using, **kwargs):
    refresh_search_index([instance.pk], using=using)


def _refresh_topics(sender, instance, action, reverse, pk_set, using, **kwargs):
    """An article's topics changed (``article.topics``), or a topic's articles (``topic.articles``)."""
    if action == "pre_clear" and reverse:
        instance._search_cleared = list(instance.articles.values_list("pk", flat=True))
    elif action in ("post_add", "post_remove", "post_clear"):
        if not reverse:
            refresh_search_index([instance.pk], using=using)
        else:
            refresh_search_index(pk_set if action != "post_clear" else instance._search_cleared, using=using)


def _remember_name(sender, instance, raw=False, **kwargs):
    """Before a provider or topic is saved: the name it has in the database, to see whether it changes."""
    if instance.pk and not raw:
        stored = type(instance)._default_manager.filter(pk=instance.pk).values_list("name", flat=True)
        instance._search_stored_name = stored.first()


def _refresh_renamed(sender, instance, created, using, **kwargs):
    if not created and getattr(instance, "_search_stored_name", instance.name) != instance.name:
        refresh_search_index(instance.articles.values_list("pk", flat=True), using=using)


def _remember_articles(sender, instance, **kwargs):
    instance._search_articles = list(instance.articles.values_list("pk", flat=True))


def _refresh_remembered(sender, instance, using, **kwargs):
    refresh_search_index(getattr(instance, "_search_articles", ()), using=using)


def connect_signals() -> None:
    """Called from ``ArticlesConfig.ready``: every ORM write keeps the index in step."""
    from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

    from .models import Article, Provider, Topic

    uid = "articles.search"
    post_save.connect(_refresh_article, sender=Article, dispatch_uid=f"{uid}:article-saved")
    post_delete.connect(_refresh_article, sender=Article, dispatch_uid=f"{uid}:article-deleted")
    m2m_changed.connect(_refresh_topics, sender=Article.topics.through, dispatch_uid=f"{uid}:topics")
    for model in (Provider, Topic):
        pre_save.connect(_remember_name, sender=model, dispatch_uid=f"{uid}:{model.__name__}-saving")
        post_save.connect(_refresh_renamed, sender=model, dispatch_uid=f"{uid}:{model.__name__}-saved")
    pre_delete.connect(_remember_articles, sender=Topic, dispatch_uid=f"{uid}:topic-deleting")
    post_delete.connect(_refresh_remembered, sender=Topic, dispatch_uid=f"{uid}:topic-deleted")


# -- Highlighting ---------------------------------------------------------------------------------

MARKDOWN_NOISE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|<[^>]*>|[#*_>`|~]+")
SNIPPET_WORDS = 40  # about the 280 characters a card shows of an excerpt
SNIPPET_SOURCE_LIMIT = 20_000  # characters of text looked at


def body_text(markdown: str) -> str:
    """A Markdown body as plain words for a snippet: links become their text, markup goes."""
    return " ".join(MARKDOWN_NOISE.sub(lambda m: m.group(1) or " ", markdown[:SNIPPET_SOURCE_LIMIT]).split())


def fold(word: str) -> str:
    """A word as the index compares it: lower case, accents removed."""
    lowered = word.lower()
    if lowered.isascii():
        return lowered
    return "".join(char for char in unicodedata.normalize("NFD", lowered) if not unicodedata.combining(char))


def snippet(text: str, query: SearchQuery) -> SafeString | None:
    """The passage of ``text`` with the most of the query's words, those marked; None when none occurs.

    Every piece of the text is escaped and only ``<mark>`` elements are
    added, so nothing in an article can become markup. A last word that may
    be a prefix marks the longer words it begins only when it does not occur
    whole, as the search itself does.
    """
    length, text = len(text), text[:SNIPPET_SOURCE_LIMIT]
    words = list(WORD.finditer(text))
    folded = [fold(match.group()) for match in words]
    wanted = {fold(word) for phrase in query.wanted for word in phrase.words}
    prefixes = {fold(p.words[-1]) for p in query.wanted if p.prefix} - set(folded)
    hits = [i for i, word in enumerate(folded) if word in wanted or any(word.startswith(p) for p in prefixes)]
    if not hits:
        return None
    # The SNIPPET_WORDS-word window with the most hits (the earliest of equals), opening a few words before its first.
    first, most, end = hits[0], 0, 0
    for position, start in enumerate(hits):
        while end < len(hits) and hits[end] < start + SNIPPET_WORDS:
            end += 1
        if end - position > most:
            first, most = start, end - position
    start = max(0, first - 5)
    end = min(len(words), start + SNIPPET_WORDS)
    begin_at = words[start].start() if start else 0
    end_at = words[end - 1].end() if end < len(words) else len(text)
    pieces, cursor = [], begin_at
    for index in hits:
        if start <= index < end:
            match = words[index]
            pieces += [escape(text[cursor : match.start()]), f"<mark>{escape(match.group())}</mark>"]
            cursor = match.end()
    pieces.append(escape(text[cursor:end_at]))
    return mark_safe(("…" if begin_at else "") + "".join(pieces) + ("…" if end_at < length else ""))  # noqa: S308
