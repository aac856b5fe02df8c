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
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_SEED

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[int, dict, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - our own local server
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def base_environment(**extra) -> dict:
    dropped = {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL", "SQLITE_PATH"}
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    return env | {"DJANGO_SETTINGS_MODULE": "newsroom.settings.local", "DJANGO_DEBUG": "false",
                  "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "NEWSROOM_REQUEST_LOG_LEVEL": "WARNING", **extra}  # fmt: skip


def manage(env, *args):
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, timeout=300, capture_output=True
    )


def serve(env, tmp_path):
    """gunicorn (one worker, two threads) on a free port; returns (process, base URL) once it answers."""
    manage(env, "migrate", "-v", "0")
    manage(env, "import_seeds", str(SAMPLE_SEED), "-v", "0")
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "newsroom.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--threads", "2"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            fetch(base + "/healthz")
            return process, base
        except OSError:
            time.sleep(0.1)
    process.terminate()
    pytest.fail("gunicorn did not start: " + (tmp_path / "gunicorn.log").read_text())


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
    env = base_environment(SQLITE_PATH=str(database))
    process, base = serve(env, tmp_path)
    aside = tmp_path / "aside"
    aside.mkdir()
    try:
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
    finally:
        process.terminate()
        process.wait(timeout=30)

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
    env = base_environment(DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{name}")
    process = None
    try:
        process, base = serve(env, tmp_path)
        cached_pages(base)
        before = snapshot(base)
        postgres_admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        postgres_admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])
        during = snapshot(base)
        from_cache = cached_pages(base)
        postgres_admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        after = snapshot(base)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        postgres_admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        postgres_admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    assert_up(before)
    assert_down(during)
    assert from_cache <= {200, 503}
    assert_up(after)
