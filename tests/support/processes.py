"""``manage.py`` and gunicorn in processes of their own, with the environment a deployment would give them."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import pytest

from .paths import ROOT

# A secret key production settings accept (long, varied, not Django's insecure default).
STRONG_KEY = "x7#Kq!2vR9zLw@4pT6mN8bJ$3cH5fG1dS0aY-uE_iO+rW=tZ^yX&"
# What the test run sets and a deployment would not: pytest-django's settings, the test database,
# the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE.
TEST_RUN_VARIABLES = frozenset({"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"})


def deployment_environment(*, without: Iterable[str] = (), **variables: str) -> dict[str, str]:
    """This process's environment less the test run's variables and ``without``, with ``variables`` set."""
    dropped = TEST_RUN_VARIABLES | set(without)
    return {key: value for key, value in os.environ.items() if key not in dropped} | variables


def local_server_environment(**variables: str) -> dict[str, str]:
    """Local settings as a server runs them, on a database and cache of the caller's choosing only
    (``SQLITE_PATH``, ``DATABASE_URL`` or ``REDIS_URL`` in ``variables``; none is inherited)."""
    return deployment_environment(without={"REDIS_URL", "SQLITE_PATH"}) | {
        "DJANGO_SETTINGS_MODULE": "newsroom.settings.local",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "NEWSROOM_REQUEST_LOG_LEVEL": "WARNING",
        **variables,
    }


def manage(
    *args: str,
    env: dict[str, str] | None = None,
    check: bool = False,
    timeout: float = 300,
    cwd: Path = ROOT,
    **variables: str,
) -> subprocess.CompletedProcess:
    """``python manage.py *args`` run to its end, its output captured as text.

    ``env``: the whole environment (by default ``deployment_environment()``),
    with ``variables`` set on top. ``check``: fail the test, with the end of
    stderr, unless the command exits 0.
    """
    environment = (deployment_environment() if env is None else env) | variables
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout
    )
    if check:
        assert result.returncode == 0, f"manage.py {' '.join(args)}: {result.stderr[-2000:]}"
    return result


def start_manage(*args: str, env: dict[str, str], **options) -> subprocess.Popen:
    """``python manage.py *args`` started and not waited for: for a command a test kills, or runs beside others."""
    return subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=env, **options)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Answer(NamedTuple):
    status: int
    headers: dict[str, str]
    text: str


def fetch(url: str, timeout: float = 30) -> Answer:
    """A GET of ``url``: its status, headers and body, whatever the status."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - our own local server
            return Answer(response.status, dict(response.headers), response.read().decode())
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers), error.read().decode())


@contextmanager
def gunicorn(env: dict[str, str], log: Path, *options: str) -> Iterator[str]:
    """gunicorn serving ``newsroom.wsgi`` with ``options`` on a free port of 127.0.0.1, its output in ``log``.

    Yields the base URL once /healthz answers 200; the server is stopped afterwards.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with log.open("w") as output:
        command = [sys.executable, "-m", "gunicorn", *options, "--bind", f"127.0.0.1:{port}", "newsroom.wsgi"]
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            for _ in range(300):
                try:
                    if fetch(base + "/healthz").status == 200:
                        break
                except OSError:
                    pass
                time.sleep(0.1)
            else:
                pytest.fail("gunicorn did not start: " + log.read_text())
            yield base
        finally:
            server.terminate()
            server.wait(timeout=30)


POSTGRES_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"


@contextmanager
def scratch_postgres(prefix: str):
    """The URL of a PostgreSQL database of its own for a test's processes, dropped afterwards; the test is
    skipped when no server answers on 127.0.0.1:5432 (the SQLite run still runs)."""
    try:
        import psycopg

        admin = psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=3)
    except Exception as error:  # no server, no driver, no access
        pytest.skip(f"no PostgreSQL on 127.0.0.1:5432 ({type(error).__name__})")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
