"""How article lists are ordered: the front page's "hot" rank, the plain orderings, search relevance.

The hot rank
------------

    hot = (1 + 2 * heat' + quality') / (age_hours + 2) ** 1.5

    heat'     = heat, or 0 when heat is NULL or -1 ("not measured"): no
                evidence of trending, but never a penalty
    quality'  = quality, or 0 when NULL (negative values count as 0)
    age_hours = hours between publication and now (0 for a date in the
                future); an undated article has no age and ranks last

Heat counts twice because it is the trending signal; quality keeps a good
piece afloat when nothing is trending; the denominator is the Hacker News
"gravity" decay: against a story published now, one from 6 hours ago needs
8 times the points to rank level, one from a day ago 47 times.

The score depends on the current time, so it cannot be stored or indexed.
Instead it is computed in SQL over a bounded window: the ``HOT_WINDOW``
newest live articles that match the filters (an index scan on the
publication date, stopping after ``HOT_WINDOW`` rows), then ranked. The
work per page is therefore the same with 1,000 or 100,000 articles.
Anything older than the window is reachable with the "newest" ordering.
Search relevance is bounded the same way (``SEARCH_WINDOW``).
"""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connections
from django.db.models import Case, DateTimeField, F, FloatField, Q, Value, When
from django.db.models.expressions import Expression, Func
from django.db.models.functions import Coalesce, Greatest, Power

HOT_WINDOW = 200
HOT_GRAVITY = 1.5
HOT_AGE_OFFSET_HOURS = 2

# Every ordering ends with the publication date and the id, so pages never overlap.
NEWEST = (F("published_at").desc(nulls_last=True), F("id").desc())
ORDERINGS = {
    "newest": NEWEST,
    "quality": (F("quality").desc(nulls_last=True), *NEWEST),
    "heat": (F("heat").desc(nulls_last=True), *NEWEST),
}

SEARCH_CONFIG = "english"
SEARCH_COLUMN = "search_document"  # PostgreSQL only; see SearchDocument and migration 0003
SEARCH_WINDOW = 200  # relevance ranks the newest this many matches
SEARCH_MAX_TERMS = 8  # the SQLite fallback's limit on words


class HoursSince(Func):
    """Hours from ``expression`` (a date-time column) to ``now`` (a Python datetime), as a float."""

    output_field = FloatField()

    def __init__(self, expression, now):
        super().__init__(expression, Value(now, output_field=DateTimeField()))

    def _parts(self, compiler):
        start_sql, start_params = compiler.compile(self.source_expressions[0])
        now_sql, now_params = compiler.compile(self.source_expressions[1])
        return start_sql, start_params, now_sql, now_params

    def as_sql(self, compiler, connection, **extra_context):
        start_sql, start_params, now_sql, now_params = self._parts(compiler)
        sql = f"(EXTRACT(EPOCH FROM ({now_sql} - {start_sql})) / 3600.0)::double precision"
        return sql, (*now_params, *start_params)

    def as_sqlite(self, compiler, connection, **extra_context):
        start_sql, start_params, now_sql, now_params = self._parts(compiler)
        sql = f"((julianday({now_sql}) - julianday({start_sql})) * 24.0)"
        return sql, (*now_params, *start_params)


def hot_score(now):
    """The hot rank as a query expression (see the module docstring)."""
    heat = Greatest(Coalesce(F("heat"), 0), 0)
    quality = Greatest(Coalesce(F("quality"), 0), 0)
    points = Value(1.0) + Value(2.0) * heat + quality
    # Not Greatest(): PostgreSQL's GREATEST skips a NULL where SQLite's MAX returns it.
    age = Case(When(published_at__gt=now, then=Value(0.0)), default=HoursSince(F("published_at"), now))
    return points / Power(age + Value(float(HOT_AGE_OFFSET_HOURS)), Value(HOT_GRAVITY))


def order_hot(queryset, now):
    """The newest ``HOT_WINDOW`` articles of ``queryset``, hottest first.

    The window's ids are read first (one index scan), so that counting and
    paging the ranked list then touch those rows only.
    """
    window = list(queryset.order_by(*NEWEST).values_list("pk", flat=True)[:HOT_WINDOW])
    ranked = queryset.model.objects.filter(pk__in=window).annotate(hot=hot_score(now))
    return ranked.order_by(F("hot").desc(nulls_last=True), *NEWEST)


def order_by_choice(queryset, ordering: str, now):
    """``queryset`` in the reader's chosen ordering: "hot", "newest", "quality" or "heat" (anything else: newest)."""
    if ordering == "hot":
        return order_hot(queryset, now)
    return queryset.order_by(*ORDERINGS.get(ordering, NEWEST))


def uses_full_text_search(queryset) -> bool:
    return connections[queryset.db].vendor == "postgresql"


class SearchDocument(Expression):
    """An article's stored search vector: title (weight A), excerpt (B) and body (C), in English.

    On PostgreSQL, migration 0003 adds it as a column the database generates
    from those three fields and indexes with GIN, so neither matching nor
    ranking has to rebuild a vector per row. The model does not declare it
    (a PostgreSQL-only column cannot be), so it is named here, on the alias
    the article table has in the query being compiled (a subquery renames it).
    """

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.base_table)
        return f"{table}.{connection.ops.quote_name(SEARCH_COLUMN)}", []


def search_words(text: str) -> list[str]:
    """The SQLite fallback's words: quotes and brackets stripped, at most ``SEARCH_MAX_TERMS``."""
    words = [word.strip("\"'()") for word in text.split()][:SEARCH_MAX_TERMS]
    return [word for word in words if word]


def search(queryset, text: str):
    """Articles of ``queryset`` matching ``text``.

    PostgreSQL: full-text search with web-search syntax ("quoted phrases",
    -excluded words, or) and English stemming, on the indexed
    ``SearchDocument``. Elsewhere: every word must occur in the title, excerpt
    or body, in any case.
    """
    if uses_full_text_search(queryset):
        query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
        return queryset.alias(search_match=SearchDocument()).filter(search_match=query)
    words = search_words(text)
    if not words:
        return queryset.none()
    for word in words:
        queryset = queryset.filter(Q(title__icontains=word) | Q(excerpt__icontains=word) | Q(body__icontains=word))
    return queryset


def relevance(queryset, text: str):
    """How well each article matches ``text``, higher is better.

    PostgreSQL: ``ts_rank`` over the weighted vector (title A, excerpt B,
    body C). Elsewhere: a word in the title counts 3, in the excerpt 2, in
    the body 1.
    """
    if uses_full_text_search(queryset):
        return SearchRank(SearchDocument(), SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG))
    score = Value(0.0)
    for word in search_words(text):
        score = (
            score
            + Case(When(title__icontains=word, then=Value(3.0)), default=Value(0.0))
            + Case(When(excerpt__icontains=word, then=Value(2.0)), default=Value(0.0))
            + Case(When(body__icontains=word, then=Value(1.0)), default=Value(0.0))
        )
    return score


def order_by_relevance(queryset, text: str):
    """The ``SEARCH_WINDOW`` newest matches in ``queryset``, best match first.

    Ranking means scoring every candidate, so, as with the hot rank, only a
    bounded window of the newest matches is scored; older matches are
    reachable with "newest".
    """
    window = list(queryset.order_by(*NEWEST).values_list("pk", flat=True)[:SEARCH_WINDOW])
    ranked = queryset.model.objects.filter(pk__in=window).annotate(relevance=relevance(queryset, text))
    return ranked.order_by(F("relevance").desc(), *NEWEST)
