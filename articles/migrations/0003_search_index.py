"""PostgreSQL-only search column and indexes for the public site; other databases are left as they are.

- ``search_document``: a stored ``tsvector`` column the database generates
  from title (weight A), excerpt (B) and body (C) with the English
  configuration, and ``article_search_document``, a GIN index over it. Stored
  rather than an expression index because ranking reads the vector of every
  candidate, and rebuilding it per row (to_tsvector over the body) cost more
  than everything else on a search page. ``articles.ranking.SearchDocument``
  reads it.
- ``article_live_newest`` / ``_quality`` / ``_heat``: partial indexes over
  published rows in the orderings the lists use. Readers want undated or
  unscored articles last, and PostgreSQL's plain DESC index puts NULLs
  first, so the model's indexes cannot serve ``DESC NULLS LAST``. SQLite
  sorts NULLs last in DESC order anyway, and cannot declare NULLS LAST in an
  index, so the model's indexes serve it.

None of this is in the model state: Django cannot declare a column or an
index that exists on PostgreSQL only, so ``makemigrations`` does not see
them and this file is their home. Adding the column rewrites the table once
(about 20 s for 100,000 articles).
"""

from django.db import migrations

SEARCH_DOCUMENT = (
    "setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A')"
    " || setweight(to_tsvector('english'::regconfig, COALESCE(excerpt, '')), 'B')"
    " || setweight(to_tsvector('english'::regconfig, COALESCE(body, '')), 'C')"
)
NEWEST = "published_at DESC NULLS LAST, id DESC"
LIVE = "WHERE status = 'published'"

FORWARDS = [
    f"ALTER TABLE articles_article ADD COLUMN search_document tsvector GENERATED ALWAYS AS ({SEARCH_DOCUMENT}) STORED",
    "CREATE INDEX article_search_document ON articles_article USING gin (search_document)",
    f"CREATE INDEX article_live_newest ON articles_article ({NEWEST}) {LIVE}",
    f"CREATE INDEX article_live_quality ON articles_article (quality DESC NULLS LAST, {NEWEST}) {LIVE}",
    f"CREATE INDEX article_live_heat ON articles_article (heat DESC NULLS LAST, {NEWEST}) {LIVE}",
]
BACKWARDS = [
    "DROP INDEX IF EXISTS article_live_heat",
    "DROP INDEX IF EXISTS article_live_quality",
    "DROP INDEX IF EXISTS article_live_newest",
    "DROP INDEX IF EXISTS article_search_document",
    "ALTER TABLE articles_article DROP COLUMN IF EXISTS search_document",
]


def run_on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("articles", "0002_workflow")]

    operations = [migrations.RunPython(run_on_postgresql(FORWARDS), run_on_postgresql(BACKWARDS), elidable=False)]
