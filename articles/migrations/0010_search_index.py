"""The full-text index of articles (see ``articles.search``), built from the rows already there.

- SQLite: the FTS5 table ``articles_search`` and the text it indexes, ``articles_search_text``.
- PostgreSQL: the ``unaccent`` extension when the server has it, the text
  search configuration ``newsroom_search`` (``simple`` behind ``unaccent``),
  the table ``articles_search`` with a GIN index; migration 0003's generated
  ``search_document`` column and its index go, as the new table replaces them
  (it also holds provider and topic names, which a generated column cannot).

None of it is in the model state (Django cannot declare an FTS5 table, nor
a table on one engine only), so ``makemigrations`` does not see it.
"""

from django.db import DatabaseError, migrations, transaction

PG_MAPPED_TOKENS = "asciiword, asciihword, hword_asciipart, word, hword, hword_part, numword, numhword, hword_numpart"
PG_OLD_DOCUMENT = (
    "setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A')"
    " || setweight(to_tsvector('english'::regconfig, COALESCE(excerpt, '')), 'B')"
    " || setweight(to_tsvector('english'::regconfig, COALESCE(body, '')), 'C')"
)


def unaccent_available(schema_editor) -> bool:
    """Whether the unaccent extension is (or could be) installed: a contrib module most servers ship."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'unaccent'")
        if cursor.fetchone() is None:
            return False
    try:
        with transaction.atomic(using=schema_editor.connection.alias), schema_editor.connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    except DatabaseError:  # no privilege to create it: accents then count on PostgreSQL
        return False
    return True


def forwards(apps, schema_editor):
    from articles import search

    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        dictionaries = "unaccent, simple" if unaccent_available(schema_editor) else "simple"
        for statement in [
            f"CREATE TEXT SEARCH CONFIGURATION {search.PG_CONFIG} (COPY = pg_catalog.simple)",
            f"ALTER TEXT SEARCH CONFIGURATION {search.PG_CONFIG} ALTER MAPPING FOR {PG_MAPPED_TOKENS} "
            f"WITH {dictionaries}",
            f"CREATE TABLE {search.TABLE} (article_id bigint PRIMARY KEY, document tsvector NOT NULL)",
            f"CREATE INDEX {search.TABLE}_document ON {search.TABLE} USING gin (document)",
            "DROP INDEX IF EXISTS article_search_document",
            "ALTER TABLE articles_article DROP COLUMN IF EXISTS search_document",
        ]:
            schema_editor.execute(statement)
    if vendor in ("sqlite", "postgresql"):
        search.rebuild_search_index(using=schema_editor.connection.alias)


def backwards(apps, schema_editor):
    from articles import search

    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {search.TABLE}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {search.TEXT}")
    elif vendor == "postgresql":
        for statement in [
            f"DROP TABLE IF EXISTS {search.TABLE}",
            f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {search.PG_CONFIG}",
            "ALTER TABLE articles_article ADD COLUMN search_document tsvector "
            f"GENERATED ALWAYS AS ({PG_OLD_DOCUMENT}) STORED",
            "CREATE INDEX article_search_document ON articles_article USING gin (search_document)",
        ]:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("articles", "0009_body_html")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
