"""A run of the importer: seed files -> articles, in batches, each batch one transaction.

``import_seed_files`` is what ``manage.py import_seeds`` calls. A file whose
bytes were imported before is recognised by its hash and skipped before it is
parsed, which is what makes a re-import cheap. A batch that fails in the
database is retried one file at a time, so one bad file cannot take its
neighbours down.

Because each batch is one transaction, an import killed at any point leaves
whole articles only, and running it again finishes the job. Two imports of
the same files may run at once: a batch that loses a race with the other
(a unique key taken first, a deadlock) is written again, and bytes imported
before are never applied again, so the later version of an article wins.
"""

import logging
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

from django.db import DatabaseError, IntegrityError, connection, transaction

from ..models import Article, Picture, RelatedLink, RelatedLinkImage, Revision, SeedFile
from ..text import one_line
from .ids import ProviderTopicIds
from .read import ReadFile, Rejected, default_workers, one_ahead, parse_and_validate, parser_pool, read_files
from .report import ImportReport
from .rows import rows_with
from .validate import Limits, SeedRecord
from .write import write_batch

logger = logging.getLogger("newsroom.import")

Outcome = SeedFile.Outcome


def import_seed_files(
    paths: list[Path],
    *,
    overwrite: bool = False,
    dry_run: bool = False,
    max_bytes: int = 1024 * 1024,
    limits: Limits | None = None,
    batch_size: int = 500,
    workers: int | None = None,
    on_error: Callable[[str, str], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import seed files and return the run's report; see the module docstring.

    Files go in chunks of ``batch_size``: while one chunk is written to the
    database, worker processes parse the next.
    """
    run = SeedImport(
        overwrite=overwrite,
        dry_run=dry_run,
        limits=limits,
        on_error=on_error,
        on_progress=on_progress,
    )
    started = time.perf_counter()
    chunks = (paths[start : start + batch_size] for start in range(0, len(paths), batch_size))
    with parser_pool(workers if workers is not None else default_workers(len(paths))) as parse_all:
        previous = None
        for chunk in one_ahead(partial(read_files, max_bytes=max_bytes, limits=run.limits), chunks):
            results = parse_all(parse_and_validate, run.unseen(chunk))
            if previous:
                run.write(*previous)
            previous = (results, len(chunk))
        if previous:
            run.write(*previous)
    run.report.seconds = time.perf_counter() - started
    report = run.report
    logger.info("import finished: %s", report.summary(), extra={"fields": report.log_fields(dry_run=dry_run)})
    return report


class SeedImport:
    """One run of the importer; see ``import_seed_files``."""

    def __init__(self, *, overwrite, dry_run, limits, on_error, on_progress):
        self.overwrite, self.dry_run = overwrite, dry_run
        self.limits = limits or Limits()
        self.on_error, self.on_progress = on_error, on_progress
        self.report = ImportReport()
        self.ids = ProviderTopicIds()
        self.written_at_last_analyze = 0

    def unseen(self, items: list[ReadFile | Rejected]) -> list[ReadFile]:
        """The files ``read_files`` read whose bytes were never imported before; reports those it could not."""
        loaded = []
        for item in items:
            if isinstance(item, Rejected):
                self.fail(item.path, item.reason)
            else:
                loaded.append(item)
        hashes = [digest for _, _, digest, _ in loaded]
        known = {digest for (digest,) in rows_with(SeedFile, "content_hash", hashes, "content_hash")}
        self.report.count(Outcome.UNCHANGED, len([h for h in hashes if h in known]))
        return [item for item in loaded if item[2] not in known]

    def write(self, results: Iterable[SeedRecord | Rejected], chunk_size: int) -> None:
        """Write one chunk's parsed files, in batches of distinct articles."""
        batch, urls = [], set()
        for result in results:
            if isinstance(result, Rejected):
                self.fail(result.path, result.reason)
                continue
            if result.web_url in urls:  # a second version of one article: write the first one first
                self.flush(batch)
                batch, urls = [], set()
            batch.append(result)
            urls.add(result.web_url)
        self.flush(batch)
        self.keep_statistics_fresh()
        if self.on_progress:
            self.on_progress(chunk_size)

    def flush(self, records: list[SeedRecord]) -> None:
        if not records:
            return
        try:
            outcomes = self.write_in_transaction(records)
        except DatabaseError:
            outcomes = [self.write_alone(record) for record in records]
        for record, outcome in zip(records, outcomes, strict=True):
            if outcome is None:
                continue
            self.report.count(outcome)
            if outcome == Outcome.CONFLICT:
                self.report.conflict_paths.append(one_line(record.path, limit=None))
            if record.repairs and outcome in SeedFile.RECORDED:
                self.report.repaired += 1

    def write_in_transaction(self, records: list[SeedRecord], attempts: int = 3) -> list[Outcome]:
        """``write_batch`` in a transaction, written again if it lost a race with another import.

        Another import writing the same files at the same time can take a unique
        key first (the same article, provider or topic) or deadlock with this
        one. The transaction is rolled back, so the batch is simply written
        again, reading what exists now. Other errors are the data's: no retry.
        """
        for attempt in range(attempts):
            try:
                with transaction.atomic():
                    return write_batch(records, self.ids, overwrite=self.overwrite, dry_run=self.dry_run)
            except DatabaseError as error:
                self.ids = ProviderTopicIds()  # ids looked up in the rolled-back batch may not exist
                if attempt == attempts - 1 or not lost_a_race(error):
                    raise

    def write_alone(self, record: SeedRecord) -> Outcome | None:
        """After a batch failed in the database: this record in a transaction of its own."""
        try:
            (outcome,) = self.write_in_transaction([record])
        except DatabaseError as error:
            self.fail(record.path, f"the database refused it: {str(error).strip().splitlines()[0][:200]}")
            return None
        return outcome

    def fail(self, path: str, reason: str) -> None:
        # One line whatever the file is named and holds: reasons quote keys and values from it.
        path, reason = one_line(path, limit=None), one_line(reason)
        self.report.count(Outcome.FAILED)
        self.report.errors.append((path, reason))
        if self.on_error:
            self.on_error(path, reason)

    def keep_statistics_fresh(self) -> None:
        """ANALYZE the tables the import looks rows up in, each time it has doubled what it wrote (PostgreSQL).

        PostgreSQL plans each foreign-key check once per connection, from the
        statistics it has at that moment. A young table looks tiny, the check
        becomes a sequential scan, and an import into a fresh database slowed
        down quadratically (10,000 files: 315 files/s, most of it in COMMIT).
        ANALYZE also invalidates the cached plans, so the checks use the index.
        Only the columns rows are looked up by need statistics (ANALYZE also
        counts the table's rows, whatever columns it is given): keys that
        foreign keys point to or from, URLs and content hashes. Statistics on
        the rest, such as the search vectors, are autovacuum's job.
        """
        written = self.report.created + self.report.updated
        if connection.vendor != "postgresql" or self.dry_run or written < 2 * max(self.written_at_last_analyze, 500):
            return
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE "
                + ", ".join(
                    f"{quote(model._meta.db_table)} ({', '.join(quote(column) for column in columns)})"
                    for model, columns in STATISTICS_COLUMNS
                )
            )
        self.written_at_last_analyze = written


def lost_a_race(error: DatabaseError) -> bool:
    """Whether ``error`` says another transaction got there first, rather than that the data is wrong."""
    if isinstance(error, IntegrityError):
        return True
    # PostgreSQL: serialization failure, deadlock. SQLite: still locked after its busy timeout.
    return getattr(error.__cause__, "sqlstate", None) in ("40001", "40P01") or "database is locked" in str(error)


# The columns the import looks rows up by, as ``SeedImport.keep_statistics_fresh`` needs them.
STATISTICS_COLUMNS = (
    (Article, ("id", "web_url")),
    (RelatedLink, ("id", "article_id")),
    (RelatedLinkImage, ("related_link_id",)),
    (SeedFile, ("content_hash",)),
    (Picture, ("id", "source_key")),
    (Revision, ("article_id",)),
)
