"""Shared fixtures: seed files on disk, an import helper, and an empty cache for every test."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command

from tests.support.paths import FIXTURES_DIR


@pytest.fixture(autouse=True, scope="session")
def close_the_version_connection(django_db_setup):
    """The page cache's own connection (articles.caching), opened by tests outside a transaction, is closed
    before the test database is dropped, which PostgreSQL refuses while a connection is open."""
    yield
    from articles.caching import close_own_connection

    close_own_connection()


@pytest.fixture(autouse=True)
def clear_cache():
    """Every test starts with an empty cache: no page, session or version left by another test.

    With REDIS_URL set this flushes that Redis database, so tests use one of their own (CI: /15).
    """
    cache.clear()


@pytest.fixture
def page_cache_queries() -> int:
    """Queries the page cache adds to an anonymous request for a cached page: reading the content version,
    when it lives in the database (no Redis; articles/caching.py)."""
    return int(settings.NEWSROOM_CONTENT_VERSION_STORE == "database")


@pytest.fixture
def session_queries() -> int:
    """Queries reading a signed-in request's session: none when it comes from a shared cache (Redis), else one."""
    return int(not settings.SESSION_ENGINE.endswith("cached_db"))


@pytest.fixture
def write_seed(tmp_path):
    """Write a seed file from front-matter text (and an optional body); return its path."""
    counter = iter(range(1_000_000))

    def write(front_matter: str, body: str = "", name: str | None = None) -> Path:
        path = tmp_path / (name or f"seed-{next(counter):04d}.md")
        path.write_text(f"---\n{front_matter.strip()}\n---\n{body}", encoding="utf-8")
        return path

    return write


@pytest.fixture
def imported_fixtures(db):
    """Every seed file in fixtures/, imported."""
    call_command("import_seeds", str(FIXTURES_DIR), verbosity=0)
