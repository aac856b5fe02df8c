"""The site keeps answering while an import writes to the same SQLite database.

A real gunicorn (two workers, four threads each) serves a temporary SQLite file
holding fixtures/; ``manage.py import_seeds`` then imports 6,000 generated seed
files into the same file in another process. Throughout the import the front
page, an article, the JSON API and /healthz are requested over and over by
four concurrent readers, with the page cache off so that no cache answers for
the database: every response must be a 200, none a 5xx, none slower than the
server's timeout.
"""

import subprocess
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench.corpus import write_corpus
from tests.support.paths import FIXTURES_DIR
from tests.support.processes import fetch, gunicorn, local_server_environment, manage, start_manage

CORPUS_FILES = 6_000  # about 4 s of import on 2 CPUs: 300 requests or more meanwhile
IMPORT_DEADLINE = 300  # seconds; the import takes well under a minute here
READ_TIMEOUT = 30  # gunicorn's own worker timeout
READERS = 4  # concurrent readers, as many as the server has threads per worker


def timed_status(url: str) -> tuple[int, float]:
    started = time.monotonic()
    status = fetch(url, timeout=READ_TIMEOUT).status
    return status, time.monotonic() - started


@pytest.fixture
def environment(tmp_path):
    return local_server_environment(
        SQLITE_PATH=str(tmp_path / "site.sqlite3"),
        NEWSROOM_PAGE_CACHE_SECONDS="0",  # no cache answers for the database
    )


@pytest.fixture
def server(environment, tmp_path):
    """gunicorn on a free port over the temporary database, which already holds fixtures/."""
    manage("migrate", "-v", "0", env=environment, check=True)
    manage("import_seeds", str(FIXTURES_DIR), "-v", "0", env=environment, check=True)
    options = ("--workers", "2", "--threads", "4", "--timeout", str(READ_TIMEOUT))
    with gunicorn(environment, tmp_path / "gunicorn.log", *options) as base:
        yield base


def an_article_path(environment) -> tuple[str, int]:
    code = (
        "from articles.models import Article; a = Article.objects.published().first(); "
        "print(a.get_absolute_url(), a.pk)"
    )
    result = manage("shell", "--no-imports", "-c", code, env=environment, check=True)
    path, pk = result.stdout.split()
    return path, int(pk)


def test_every_request_answers_200_while_an_import_writes_to_the_same_sqlite_file(server, environment, tmp_path):
    write_corpus(CORPUS_FILES, tmp_path / "corpus")
    article, pk = an_article_path(environment)
    pages = ["/", "/?ordering=newest", article, "/api/news/", f"/api/news/{pk}/", "/healthz"]

    log = (tmp_path / "import.log").open("w")
    started = time.monotonic()
    importer = start_manage(
        "import_seeds", str(tmp_path / "corpus"), "-v", "0", env=environment, stdout=log, stderr=subprocess.STDOUT
    )
    statuses: list[int] = []  # list.append is atomic across the reader threads
    timings: list[float] = []

    def keep_reading(reader: int) -> None:
        while importer.poll() is None and time.monotonic() - started < IMPORT_DEADLINE:
            for page in pages:
                status, seconds = timed_status(server + page)
                statuses.append(status)
                timings.append(seconds)

    try:
        with ThreadPoolExecutor(READERS) as pool:
            for reader in pool.map(keep_reading, range(READERS)):
                assert reader is None
    finally:
        if importer.poll() is None:
            importer.kill()
        log.close()
    import_seconds = time.monotonic() - started

    import_log = (tmp_path / "import.log").read_text()
    assert importer.returncode == 0, import_log[-2000:]
    summary = next(line for line in import_log.splitlines() if "import finished" in line)
    assert " 0 failed" in summary, summary
    assert len(statuses) >= 100, f"only {len(statuses)} requests in {import_seconds:.1f}s"
    assert Counter(statuses) == {200: len(statuses)}
    assert max(timings) < READ_TIMEOUT
    print(f"{len(timings)} requests, all 200, slowest {max(timings):.2f}s, during a {import_seconds:.1f}s import")
