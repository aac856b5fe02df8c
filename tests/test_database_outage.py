"""The database really goes away and comes back, under a real gunicorn.

While it is away every page that needs it answers a plain 503 (with Retry-After, never a 500
or a traceback) and /healthz says the database is the problem; once it is back,
the same server answers 200 again with nobody restarting anything. Pages the
cache already holds may go on being served from it (200) during the outage;
they are checked for never answering anything but 200 or 503.

- SQLite: the database file is moved aside and a directory put in its place,
  so that opening it fails; then the file is put back.
- PostgreSQL (when a server answers on 127.0.0.1:5432, as in CI): a dedicated
  database stops accepting connections and the server's open connections to it
  are terminated; then connections are allowed again. This exercises the
  persistent connections (CONN_MAX_AGE with health checks) of production.
"""

import json
import shutil
import uuid

import pytest

from tests.support.paths import SAMPLE_SEED
from tests.support.processes import fetch, gunicorn, local_server_environment, manage

POSTGRES_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"


def serve(env, tmp_path):
    """gunicorn (one worker, two threads) over a database holding one article; yields its base URL."""
    manage("migrate", "-v", "0", env=env, check=True)
    manage("import_seeds", str(SAMPLE_SEED), "-v", "0", env=env, check=True)
    return gunicorn(env, tmp_path / "gunicorn.log", "--workers", "1", "--threads", "2")


PAGES = ["/", "/api/news/", "/search/?q=power", "/healthz"]


def snapshot(base) -> dict[str, tuple[int, dict, str]]:
    """Each page with a filter value never asked before, so that no cached copy can answer for the database.

    A filter the pages read: the cache ignores parameters a page does not read (articles/caching.py).
    """
    fresh = uuid.uuid4().int % 10**9
    return {page: fetch(base + page + ("&" if "?" in page else "?") + f"min_quality=-{fresh}") for page in PAGES}


def cached_pages(base) -> set[int]:
    """The same plain URLs every time: a page cached before the outage may still be served from the cache."""
    return {fetch(base + page)[0] for page in PAGES[:-1]}


def assert_up(pages):
    assert {page: status for page, (status, _, _) in pages.items()} == dict.fromkeys(PAGES, 200)
    assert json.loads(pages["/healthz"][2]) == {"status": "ok", "database": "ok", "cache": "ok"}


def assert_down(pages):
    assert {page: status for page, (status, _, _) in pages.items()} == dict.fromkeys(PAGES, 503)
    for page in ["/", "/api/news/", "/search/?q=power"]:
        _, headers, body = pages[page]
        assert headers["Retry-After"] == "30"
        assert "We'll be right back" in body
        assert "Traceback" not in body
    health = json.loads(pages["/healthz"][2])
    assert health["status"] == "unavailable"
    assert health["database"].startswith("error: ")
    assert health["cache"] == "ok"


def test_sqlite_file_gone_answers_503_then_recovers_when_it_is_back(tmp_path):
    database = tmp_path / "outage.sqlite3"
    env = local_server_environment(SQLITE_PATH=str(database))
    aside = tmp_path / "aside"
    aside.mkdir()
    with serve(env, tmp_path) as base:
        cached_pages(base)
        before = snapshot(base)
        companions = [path for path in tmp_path.glob("outage.sqlite3*") if path.is_file()]
        for path in companions:
            shutil.move(path, aside / path.name)
        database.mkdir()  # opening a directory as a database fails
        during = snapshot(base)
        from_cache = cached_pages(base)
        database.rmdir()
        for path in companions:
            shutil.move(aside / path.name, path)
        after = snapshot(base)

    assert_up(before)
    assert_down(during)
    assert from_cache <= {200, 503}
    assert_up(after)


@pytest.fixture
def postgres_admin():
    try:
        import psycopg

        connection = psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=3)
    except Exception as error:  # no server, no driver, no access: the SQLite test still runs
        pytest.skip(f"no PostgreSQL on 127.0.0.1:5432 ({type(error).__name__})")
    yield connection
    connection.close()


def test_postgres_refusing_connections_answers_503_then_recovers_when_it_accepts_again(postgres_admin, tmp_path):
    name = f"newsroom_outage_{uuid.uuid4().hex[:10]}"
    postgres_admin.execute(f'CREATE DATABASE "{name}"')
    env = local_server_environment(DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{name}")
    try:
        with serve(env, tmp_path) as base:
            cached_pages(base)
            before = snapshot(base)
            postgres_admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            postgres_admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])
            during = snapshot(base)
            from_cache = cached_pages(base)
            postgres_admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            after = snapshot(base)
    finally:
        postgres_admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        postgres_admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    assert_up(before)
    assert_down(during)
    assert from_cache <= {200, 503}
    assert_up(after)
