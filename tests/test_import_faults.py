"""Faults: an import killed at random points and run again, and two imports at once, both end
exactly where one clean import ends.

Each test runs ``manage.py import_seeds`` as a subprocess over the same 5,000 generated files
(bench/corpus.py: providers and topics that repeat, related links, images, later versions of
earlier articles) against a database of its own: a SQLite file, and a PostgreSQL database of
its own as well when DATABASE_URL is set. NEWSROOM_FAULT_SEED replays one run's kill times.
"""

import json
import os
import random
import signal
import sqlite3
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from bench.corpus import write_corpus
from tests.support.processes import start_manage

FILES = 5000
KILLS = 3
BATCH = 500  # import_seeds' default --batch-size: files per transaction
POSTGRES_URL = os.environ.get("DATABASE_URL", "")
TABLES = [
    *("article", "article_topics", "articleimage", "relatedlink", "relatedlinkimage"),
    *("provider", "providerlogo", "topic", "seedfile"),
]
ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(not POSTGRES_URL, reason="no DATABASE_URL"))]


class Database:
    """One database the import subprocesses write to, and a way to read back what they wrote."""

    def __init__(self, engine: str, directory: Path):
        self.engine, self.name = engine, f"newsroom_faults_{uuid.uuid4().hex[:12]}"
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "newsroom.settings.local", "DJANGO_LOG_LEVEL": "ERROR"}
        if engine == "sqlite":
            self.path = directory / f"{self.name}.sqlite3"
            self.env.pop("DATABASE_URL", None)
            self.env["SQLITE_PATH"] = str(self.path)
        else:
            self.url = f"{POSTGRES_URL.rsplit('/', 1)[0]}/{self.name}"
            self.env["DATABASE_URL"] = self.url

    def create(self, template: "Database | None" = None) -> "Database":
        """An empty, migrated database: a copy of ``template`` if given (faster than migrating)."""
        if self.engine == "postgresql":
            clause = f" TEMPLATE {template.name}" if template else ""
            postgres_admin(f"CREATE DATABASE {self.name}{clause}")
        elif template:
            with sqlite3.connect(template.path) as source, sqlite3.connect(self.path) as target:
                source.backup(target)
        if not template:
            process = start_manage("migrate", "--noinput", "-v", "0", env=self.env)
            assert process.wait(timeout=120) == 0
        return self

    def drop(self) -> None:
        if self.engine == "postgresql":
            postgres_admin(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")

    def connect(self):
        if self.engine == "sqlite":
            return sqlite3.connect(self.path)
        import psycopg

        return psycopg.connect(self.url)

    def query(self, sql: str) -> list[tuple]:
        connection = self.connect()
        try:
            return [tuple(row) for row in connection.execute(sql).fetchall()]
        finally:
            connection.close()

    def files_done(self) -> int:
        """Seed files written so far: each one a created or updated article."""
        return self.query("SELECT COUNT(*) FROM articles_seedfile")[0][0]

    def import_process(self, corpus: Path, log: Path) -> subprocess.Popen:
        with open(log, "ab") as stderr:
            return start_manage(
                "import_seeds", str(corpus), "-v", "0", env=self.env, stdout=subprocess.DEVNULL, stderr=stderr
            )


def postgres_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(sql)


def fingerprint(database: Database) -> dict:
    """Everything an import writes, without ids or times: equal fingerprints, equal imports."""
    q = database.query
    providers = {pk: (name, domain) for pk, name, domain in q("SELECT id, name, domain FROM articles_provider")}
    topics = dict(q("SELECT id, name FROM articles_topic"))
    by_article: dict = {}
    for article_id, topic_id in q("SELECT article_id, topic_id FROM articles_article_topics"):
        by_article.setdefault(("topics", article_id), []).append(topics[topic_id])
    for row in q("SELECT article_id, position, url, width, height, is_cached, extra FROM articles_articleimage"):
        by_article.setdefault(("images", row[0]), []).append(row[1:])
    link_images: dict = {}
    for row in q("SELECT related_link_id, position, url, width, height, is_cached FROM articles_relatedlinkimage"):
        link_images.setdefault(row[0], []).append(row[1:])
    for link_id, article_id, *values, provider_id in q(
        "SELECT id, article_id, position, title, excerpt, published_at, web_url, amp_web_url, cdn_amp_web_url, "
        "item_type, quality, provider_data, extra, provider_id FROM articles_relatedlink"
    ):
        link = (*values, providers.get(provider_id), sorted(link_images.get(link_id, [])))
        by_article.setdefault(("related", article_id), []).append(link)
    articles = []
    for article_id, *values, provider_id in q(
        "SELECT id, web_url, title, slug, excerpt, body, category, item_type, original_url, amp_web_url, "
        "cdn_amp_web_url, published_at, quality, heat, published_flag, status, secured, provider_data, "
        "topic_names, extra, import_notes, source_hash, provider_id FROM articles_article"
    ):
        children = [sorted(by_article.get((kind, article_id), [])) for kind in ("topics", "images", "related")]
        articles.append((*values, providers.get(provider_id), *children))
    rows = {
        table: q(f"SELECT COUNT(*) FROM articles_{table}")[0][0]  # noqa: S608 - table names from this list
        for table in TABLES
    }
    return {
        "rows": rows,
        "articles": json.loads(json.dumps(sorted(articles, key=repr), default=str)),
        "providers": sorted(q("SELECT name, domain, slug FROM articles_provider")),
        "topics": sorted(q("SELECT name, key, slug FROM articles_topic")),
        "seed_files": sorted(q("SELECT content_hash, outcome FROM articles_seedfile")),
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("corpus")
    write_corpus(FILES, directory)
    return directory


@pytest.fixture(scope="module", params=ENGINES)
def engine(request, tmp_path_factory):
    """(a maker of fresh migrated databases, the fingerprint of a clean import), per engine."""
    directory = tmp_path_factory.mktemp(request.param)
    made = []

    def fresh(template=None) -> Database:
        made.append(Database(request.param, directory).create(template))
        return made[-1]

    template = fresh()
    clean = fresh(template)
    process = clean.import_process(request.getfixturevalue("corpus"), directory / "clean.log")
    assert process.wait(timeout=120) == 0, (directory / "clean.log").read_text()
    try:
        yield (lambda: fresh(template)), fingerprint(clean)
    finally:
        for database in made:
            database.drop()


def test_a_clean_import_of_the_corpus_holds_what_the_corpus_holds(engine):
    _, clean = engine

    assert clean["rows"]["seedfile"] == FILES  # every file is an article or a later version of one
    assert 4500 < clean["rows"]["article"] < FILES
    assert clean["rows"]["relatedlink"] > 0
    assert clean["rows"]["relatedlinkimage"] > 0
    assert len({article[0] for article in clean["articles"]}) == clean["rows"]["article"]


def children_of(pid: int) -> list[int]:
    """The processes ``pid`` started (its parser workers), from Linux's /proc."""
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(child) for child in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return children


def wait_for_exit(pids: list[int], seconds: float) -> list[int]:
    """The processes among ``pids`` still running after ``seconds``."""
    deadline = time.monotonic() + seconds
    while pids and time.monotonic() < deadline:
        time.sleep(0.1)
        pids = [pid for pid in pids if Path(f"/proc/{pid}").exists() and "Z" not in process_state(pid)]
    return pids


def process_state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return "Z"


def kill_import(process: subprocess.Popen) -> list[int]:
    """SIGKILL the import process alone, as the OOM killer would; return its parser processes left running."""
    workers = children_of(process.pid)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    left = wait_for_exit(workers, seconds=5)
    for pid in left:  # do not leave them behind when the test fails
        os.kill(pid, signal.SIGKILL)
    return left


def kill_at_a_random_point(database: Database, corpus: Path, log: Path, rng: random.Random, total: int) -> int:
    """Run an import and SIGKILL it at a random point of its writing; return the files it got done.

    The point is a random number of files done, short of the last two
    batches (so that each kill lands while there is writing to interrupt,
    however far earlier runs got), then a random part of the time the last
    batch took, into the next batch's work. The time is measured rather than
    fixed: as the import got faster, a fixed fraction of a second came to
    span several batches, and a kill could miss the whole import.
    """
    done = database.files_done()
    target = rng.randint(done + 1, max(done + 1, total - 2 * BATCH))
    process = database.import_process(corpus, log)
    seen, seen_at, batch_seconds = done, time.monotonic(), 0.05
    while process.poll() is None and (now_done := database.files_done()) < target:
        if now_done != seen:
            now = time.monotonic()
            if seen != done:  # the first commit's wait includes the process starting up
                batch_seconds = now - seen_at
            seen, seen_at = now_done, now
        time.sleep(0.02)
    time.sleep(rng.uniform(0, batch_seconds))
    if process.poll() is None:
        assert not kill_import(process), "parser processes outlived the killed import"
    return database.files_done()


def test_an_import_killed_at_random_points_and_run_again_ends_exactly_like_a_clean_import(engine, corpus, tmp_path):
    fresh, clean = engine
    seed = int(os.environ.get("NEWSROOM_FAULT_SEED", random.randrange(2**32)))
    rng, total = random.Random(seed), clean["rows"]["seedfile"]
    database, log = fresh(), tmp_path / "import.log"

    done = [kill_at_a_random_point(database, corpus, log, rng, total) for _ in range(KILLS)]
    print(f"seed {seed}: files done when each import was killed: {done} of {total}")
    process = database.import_process(corpus, log)

    assert process.wait(timeout=120) == 0, log.read_text()
    assert 0 < done[0] < total, f"the first kill came too late (seed {seed})"
    assert fingerprint(database) == clean, f"files done at each kill: {done} (seed {seed})"
    assert "Traceback" not in log.read_text()


def test_two_imports_of_the_same_files_at_once_both_succeed_and_end_like_a_clean_import(engine, corpus, tmp_path):
    fresh, clean = engine
    stagger = random.uniform(0, 1)
    database = fresh()
    logs = [tmp_path / "first.log", tmp_path / "second.log"]

    first = database.import_process(corpus, logs[0])
    time.sleep(stagger)
    second = database.import_process(corpus, logs[1])
    codes = [first.wait(timeout=180), second.wait(timeout=180)]

    errors = [log.read_text() for log in logs]
    assert codes == [0, 0], errors
    assert not any("database is locked" in text or "Traceback" in text for text in errors), errors
    assert fingerprint(database) == clean, f"second import started {stagger:.2f} s after the first"


def test_fingerprints_tell_a_missing_related_image_apart(engine):
    fresh, _ = engine
    database = fresh()
    with tempfile.TemporaryDirectory() as directory:
        write_corpus(5, Path(directory))
        assert database.import_process(Path(directory), Path(directory) / "log").wait(timeout=60) == 0
        before = fingerprint(database)
        connection = database.connect()
        with connection:
            connection.execute(
                "DELETE FROM articles_articleimage WHERE id = (SELECT MIN(id) FROM articles_articleimage)"
            )
        connection.close()

    assert fingerprint(database) != before
