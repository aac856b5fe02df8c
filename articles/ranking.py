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

from django.db import connections
from django.db.models import Case, DateTimeField, F, FloatField, Value, When
from django.db.models.expressions import Func
from django.db.models.functions import Coalesce, Greatest, Power
from django.utils import timezone

from . import search as search_index

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

SEARCH_WINDOW = 200  # relevance ranks the newest this many matches
SEARCH_NEWEST_MATCHES = 2000  # see search()
SEARCH_HALF_LIFE_DAYS = 14  # see recency()


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


def search(queryset, text: str, *, filtered: bool = True):
    """Articles of ``queryset`` matching the reader's ``text`` in the full-text index.

    ``articles.search`` holds the index and the query language: any text is
    a valid search, and one with no word to look for finds nothing. Unless
    other filters narrow the list (``filtered``), SQLite looks at the
    ``SEARCH_NEWEST_MATCHES`` newest matches only: more than a list shows
    (``COUNT_CAP``), and a word found in half the archive then costs what a
    rare one does. With filters it looks at all of them, as a date range may
    reach back past those.
    """
    query = search_index.parse(text)
    if not query:
        return queryset.none()
    return queryset.filter(search_index.Matches(query, newest=None if filtered else SEARCH_NEWEST_MATCHES))


def recency(now):
    """2 for an article published now, halving its distance to 1 every ``SEARCH_HALF_LIFE_DAYS``; 1 undated."""
    age = Case(When(published_at__gt=now, then=Value(0.0)), default=HoursSince(F("published_at"), now))
    return Value(1.0) + Coalesce(Power(Value(0.5), age / Value(24.0 * SEARCH_HALF_LIFE_DAYS)), Value(0.0))


def order_by_relevance(queryset, text: str, now=None):
    """The ``SEARCH_WINDOW`` newest matches in ``queryset``, best first: relevance times ``recency``.

    Ranking means scoring every candidate, so, as with the hot rank, only a
    bounded window of the newest matches is scored; older matches are
    reachable with "newest". Relevance is ``bm25`` on SQLite and
    ``ts_rank_cd`` on PostgreSQL, both counting a word in the title most (see
    ``articles.search``); recency at most doubles it, so that a word in the
    headline a year ago still comes before a mention in a body today.
    """
    now = now or timezone.now()
    query = search_index.parse(text)
    if not query:
        return queryset
    if connections[queryset.db].vendor == "sqlite":
        scores = dict(search_index.newest_matches_by_relevance(queryset, query, SEARCH_WINDOW))
        window, relevance = list(scores), search_index.Scores(scores)
    else:
        window = list(queryset.order_by(*NEWEST).values_list("pk", flat=True)[:SEARCH_WINDOW])
        relevance = search_index.Relevance(query)
    ranked = queryset.model.objects.filter(pk__in=window).annotate(relevance=relevance * recency(now))
    return ranked.order_by(F("relevance").desc(), *NEWEST)
