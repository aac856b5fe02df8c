"""The search in the ORM: expressions that ``filter()`` and ``annotate()`` take, compiled for each engine."""

from django.db import models

from . import postgres, sqlite
from .query import SearchQuery
from .tables import article_id_column


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
        return sqlite.matches(self.query, self.newest, compiler, connection)

    def as_postgresql(self, compiler, connection, **extra_context):
        return postgres.matches(self.query, compiler, connection)


class Relevance(models.Expression):
    """PostgreSQL: how well each article matches ``query`` (``ts_rank_cd``), 0 when it does not."""

    output_field = models.FloatField()

    def __init__(self, query: SearchQuery):
        super().__init__()
        self.query = query

    def as_postgresql(self, compiler, connection, **extra_context):
        return postgres.relevance(self.query, compiler, connection)


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
        return f"(CASE {article_id_column(compiler, connection)} {cases} ELSE 0.0 END)", params
