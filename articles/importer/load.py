"""Stage 3: validated records -> rows, in batches, each batch one transaction.

``import_seed_files`` is the whole pipeline (read, hash, parse, validate,
write) and what ``manage.py import_seeds`` calls. A file whose bytes were
imported before is recognised by its hash and skipped before it is parsed,
which is what makes a re-import cheap. A batch that fails in the database is
retried one file at a time, so one bad file cannot take its neighbours down.

Because each batch is one transaction, an import killed at any point leaves
whole articles only, and running it again finishes the job. Two imports of
the same files may run at once: a batch that loses a race with the other
(a unique key taken first, a deadlock) is written again, and bytes imported
before are never applied again, so the later version of an article wins.
"""

import gc
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import django
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from ..caching import content_changed
from ..models import (
    Article,
    ArticleImage,
    Provider,
    ProviderLogo,
    RelatedLink,
    RelatedLinkImage,
    SeedFile,
    Topic,
    provider_key,
    topic_key,
)
from .parse import SeedError, content_hash, one_line, parse_seed, read_bytes
from .rows import insert_rows, update_rows
from .validate import Limits, ProviderRecord, SeedRecord, validate_seed

logger = logging.getLogger("newsroom.import")

CREATED, UPDATED, UNCHANGED, CONFLICT, FAILED = "created", "updated", "unchanged", "conflict", "failed"


REPORT_COUNTS = ("created", "updated", "unchanged", "conflicts", "repaired", "failed", "files")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0
    repaired: int = 0
    failed: int = 0
    seconds: float = 0.0
    errors: list[tuple[str, str]] = field(default_factory=list)
    conflict_paths: list[str] = field(default_factory=list)

    @property
    def files(self) -> int:
        return self.created + self.updated + self.unchanged + self.conflicts + self.failed

    @property
    def rate(self) -> float:
        return self.files / self.seconds if self.seconds else 0.0

    def count(self, outcome: str) -> None:
        attribute = {CONFLICT: "conflicts"}.get(outcome, outcome)
        setattr(self, attribute, getattr(self, attribute) + 1)

    def summary(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.conflicts} conflicts, {self.repaired} repaired, {self.failed} failed "
            f"in {self.seconds:.1f}s ({self.rate:,.0f} files/s)"
        )


class Caches:
    """Provider and topic ids for one run, so each is looked up once."""

    def __init__(self):
        self.providers: dict[str, int] = {}
        self.topics: dict[str, int] = {}

    def provider_ids(self, records: Iterable[ProviderRecord]) -> None:
        wanted = {}
        for record in records:
            key = provider_key(record.domain)
            if key not in self.providers:
                wanted.setdefault(key, record)
        if not wanted:
            return
        self._load_providers(wanted)
        missing = {key: record for key, record in sorted(wanted.items()) if key not in self.providers}
        if not missing:
            return
        insert_with_free_slugs(
            Provider,
            {
                key: Provider(name=r.name, domain=r.domain, key=key, slug=provider_slug(r.domain))
                for key, r in missing.items()
            },
            present=lambda: self._load_providers(missing),
        )
        created_ids = [self.providers[key] for key, r in missing.items() if r.logos]
        with_logos = set(ProviderLogo.objects.filter(provider_id__in=created_ids).values_list("provider_id", flat=True))
        ProviderLogo.objects.bulk_create(
            ProviderLogo(provider_id=self.providers[key], extra=logo.extra, **logo.values)
            for key, r in missing.items()
            if r.logos and self.providers[key] not in with_logos
            for logo in r.logos
        )

    def _load_providers(self, wanted: dict) -> set[str]:
        rows = dict(Provider.objects.filter(key__in=list(wanted)).order_by().values_list("key", "id"))
        self.providers.update(rows)
        return set(rows)

    def topic_ids(self, names: Iterable[str]) -> None:
        wanted = {}
        for name in names:
            key = topic_key(name)
            if key not in self.topics:
                wanted.setdefault(key, name)
        if not wanted:
            return
        self._load_topics(wanted)
        missing = {key: name for key, name in sorted(wanted.items()) if key not in self.topics}
        if missing:
            insert_with_free_slugs(
                Topic,
                {key: Topic(name=name, key=key, slug=topic_slug(name)) for key, name in missing.items()},
                present=lambda: self._load_topics(missing),
            )

    def _load_topics(self, wanted: dict) -> set[str]:
        rows = dict(Topic.objects.filter(key__in=list(wanted)).values_list("key", "id"))
        self.topics.update(rows)
        return set(rows)


def insert_with_free_slugs(model, rows: dict, present: Callable[[], Iterable[str]], attempts: int = 5) -> None:
    """INSERT new ``rows`` (key -> unsaved instance with the slug it wants), each with a slug no row has.

    Conflicts are ignored: another import may insert the same row meanwhile. A row
    can also be left out because the slug it was given was taken after all, by a
    row this transaction could not see or by a numbered variant ("a-b-2" for
    "a.b" when "a-b" and "a--b" came first); it is tried again with the taken
    slugs read afresh. ``present()`` reloads the keys now in the table. Rows
    come sorted by key, so that two imports take their locks in one order.
    """
    wanted = {key: row.slug for key, row in rows.items()}
    taken = set(model.objects.filter(slug__in=set(wanted.values())).values_list("slug", flat=True))
    for _ in range(attempts):
        for key, row in rows.items():
            row.slug = unique_slug(wanted[key], taken)
        model.objects.bulk_create(list(rows.values()), ignore_conflicts=True)
        found = set(present())
        rows = {key: row for key, row in rows.items() if key not in found}
        if not rows:
            return
        for slug in {wanted[key] for key in rows}:
            taken.update(model.objects.filter(slug__startswith=slug).values_list("slug", flat=True))
    raise IntegrityError(f"cannot add {model._meta.verbose_name} {next(iter(rows))!r:.60}: it conflicts with another")


def provider_slug(domain: str) -> str:
    return slugify(domain.lower().replace(".", "-"))[:200] or "provider"


def topic_slug(name: str) -> str:
    return slugify(name)[:200] or "topic"


def unique_slug(slug: str, taken: set) -> str:
    candidate, number = slug, 2
    while candidate in taken:
        candidate = f"{slug}-{number}"
        number += 1
    taken.add(candidate)
    return candidate


def article_fields(record: SeedRecord, provider_id: int | None, now) -> dict:
    return {
        **record.values,
        "provider_id": provider_id,
        "provider_data": record.provider_data,
        "topic_names": record.topic_names,
        "extra": record.extra,
        "import_notes": record.notes,
        "source_file": record.path[-1000:],
        "source_hash": record.content_hash,
        "imported_at": now,
        "conflict_file": "",
        "conflict_at": None,
    }


def status_for(record: SeedRecord) -> str:
    return Article.Status.PUBLISHED if record.values.get("published_flag") else Article.Status.DRAFT


def write_children(pairs: list[tuple[int, SeedRecord]], caches: Caches, now) -> None:
    """Images, related links (with their images) and topics of freshly written articles."""
    images, links, topic_rows = [], [], []
    for article_id, record in pairs:
        images += [{"article_id": article_id, "extra": i.extra, **i.values} for i in record.images]
        links += [
            {
                "article_id": article_id,
                "provider_id": caches.providers[provider_key(related.provider.domain)] if related.provider else None,
                "provider_data": related.provider_data,
                "extra": related.extra,
                **related.values,
            }
            for related in record.related
        ]
        topic_rows += [{"article_id": article_id, "topic_id": caches.topics[topic_key(n)]} for n in record.topics]
    insert_rows(ArticleImage, images, now)
    insert_rows(Article.topics.through, topic_rows, now)
    if not links:
        return
    insert_rows(RelatedLink, links, now)
    link_ids = {
        (article_id, position): pk
        for article_id, position, pk in RelatedLink.objects.filter(
            article_id__in=[article_id for article_id, _ in pairs]
        )
        .order_by()
        .values_list("article_id", "position", "id")
    }
    insert_rows(
        RelatedLinkImage,
        [
            {"related_link_id": link_ids[article_id, related.values["position"]], "extra": i.extra, **i.values}
            for article_id, record in pairs
            for related in record.related
            for i in related.images
        ],
        now,
    )


def outcome_for(record: SeedRecord, article: Article | None, recorded: set[str], overwrite: bool) -> str:
    if record.content_hash in recorded:
        # These bytes were imported before, perhaps by another import at this moment, and
        # the article may have a later version since: applying them again would undo it.
        return UNCHANGED
    if article is None:
        return CREATED
    if article.source_hash == record.content_hash:
        return UNCHANGED
    if not overwrite and article.edited_at and (not article.imported_at or article.edited_at > article.imported_at):
        return CONFLICT
    return UPDATED


def write_batch(records: list[SeedRecord], caches: Caches, *, overwrite: bool, dry_run: bool) -> list[str]:
    """Write one batch (distinct web URLs) and return each record's outcome, in order.

    Runs in a transaction. The batch's existing articles are locked first
    (PostgreSQL; SQLite's write transactions lock the whole database), and only
    then is it read which files were imported before, so that a second import
    running at the same time cannot write an older version over a newer one.
    """
    existing = {
        row.web_url: row
        for row in Article.objects.select_for_update()
        .filter(web_url__in=[r.web_url for r in records])
        .order_by("web_url")  # two imports lock the same rows in the same order
        .only("id", "web_url", "edited_at", "imported_at", "source_hash")
    }
    recorded = set(
        SeedFile.objects.filter(content_hash__in=[r.content_hash for r in records])
        .order_by()
        .values_list("content_hash", flat=True)
    )
    outcomes = [outcome_for(record, existing.get(record.web_url), recorded, overwrite) for record in records]
    if dry_run:
        return outcomes

    caches.provider_ids(
        provider
        for record in records
        for provider in [record.provider, *(related.provider for related in record.related)]
        if provider
    )
    caches.topic_ids(name for record in records for name in record.topics)
    now = timezone.now()

    def fields(record):
        provider_id = caches.providers[provider_key(record.provider.domain)] if record.provider else None
        return article_fields(record, provider_id, now)

    created = [record for record, outcome in zip(records, outcomes, strict=True) if outcome == CREATED]
    insert_rows(Article, [{"status": status_for(record), **fields(record)} for record in created], now)
    ids = dict(Article.objects.filter(web_url__in=[r.web_url for r in created]).order_by().values_list("web_url", "id"))
    written = [(ids[record.web_url], record) for record in created]

    updated = [
        (existing[record.web_url].pk, record)
        for record, outcome in zip(records, outcomes, strict=True)
        if outcome == UPDATED
    ]
    update_rows(Article, {pk: {**fields(record), "edited_at": None, "updated_at": now} for pk, record in updated}, now)
    update_rows(
        Article,
        {
            existing[record.web_url].pk: {"conflict_file": record.path[-1000:], "conflict_at": now}
            for record, outcome in zip(records, outcomes, strict=True)
            if outcome == CONFLICT
        },
        now,
    )
    if updated:
        ids = [article_id for article_id, _ in updated]
        ArticleImage.objects.filter(article_id__in=ids).delete()
        RelatedLink.objects.filter(article_id__in=ids).delete()
        Article.topics.through.objects.filter(article_id__in=ids).delete()
    write_children(written + updated, caches, now)
    # Bytes another import recorded since ``recorded`` was read break the unique key:
    # the batch is then written again (``lost_a_race``) and finds them recorded.
    insert_rows(
        SeedFile,
        [
            {
                "content_hash": record.content_hash,
                "path": record.path[-1000:],
                "article_id": article_id,
                "outcome": outcome,
                "imported_at": now,
            }
            for (article_id, record), outcome in zip(
                written + updated, [CREATED] * len(written) + [UPDATED] * len(updated), strict=True
            )
        ],
        now,
    )
    return outcomes


def lost_a_race(error: DatabaseError) -> bool:
    """Whether ``error`` says another transaction got there first, rather than that the data is wrong."""
    if isinstance(error, IntegrityError):
        return True
    # PostgreSQL: serialization failure, deadlock. SQLite: still locked after its busy timeout.
    return getattr(error.__cause__, "sqlstate", None) in ("40001", "40P01") or "database is locked" in str(error)


@dataclass(frozen=True)
class Rejected:
    path: str
    reason: str


def parse_and_validate(item: tuple[str, bytes, str, Limits]) -> SeedRecord | Rejected:
    """Bytes -> record, or the reason they cannot be one. Runs in worker processes."""
    path, raw, digest, limits = item
    try:
        return validate_seed(parse_seed(raw, path, digest, limits.max_nodes), limits)
    except SeedError as error:
        return Rejected(path, str(error))
    except Exception as error:  # a bug must cost one file, not the run
        logger.exception("unexpected error reading %s", path)
        return Rejected(path, f"unexpected error ({type(error).__name__}: {error}); please report it")


def read_files(chunk: list[Path], max_bytes: int, limits: Limits) -> list[tuple[str, bytes, str, Limits] | Rejected]:
    """(path, bytes, hash, limits) of each file of ``chunk``, or why it cannot be read."""
    items = []
    for path in chunk:
        try:
            raw = read_bytes(path, max_bytes)
        except SeedError as error:
            items.append(Rejected(str(path), str(error)))
        except OSError as error:
            items.append(Rejected(str(path), f"cannot read it: {error.strerror or error}"))
        else:
            items.append((str(path), raw, content_hash(raw), limits))
    return items


def one_ahead(function: Callable, items: Iterable) -> Iterator:
    """``function(item)`` for each of ``items``, in order, the next one computed in a thread meanwhile.

    The importer reads and hashes the next chunk of files while it writes
    this one: the writer spends much of its time waiting for the database,
    with the GIL released, and reading files mostly waits for the kernel.
    """
    with ThreadPoolExecutor(1, thread_name_prefix="seed-reader") as executor:
        pending = None
        for item in items:
            future = executor.submit(function, item)
            if pending:
                yield pending.result()
            pending = future
        if pending:
            yield pending.result()


def start_parser(import_pid: int) -> None:
    """Set up a parser process, and have it exit when the import process is gone.

    An import killed outright (SIGKILL, the OOM killer) cannot stop its parser
    processes, and they would wait for work forever: each holds a copy of the
    pipe it reads from, so it never sees the pipe close.
    """
    django.setup()
    threading.Thread(target=exit_with, args=(import_pid,), daemon=True).start()


def exit_with(import_pid: int) -> None:
    while os.getppid() == import_pid:
        time.sleep(0.5)
    os._exit(1)


@contextmanager
def parser_pool(workers: int):
    """``map`` over worker processes (parsing YAML is CPU-bound), or in this process for one worker."""
    if workers <= 1:
        yield map
        return
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    # Forked workers share the parent's memory copy-on-write until their garbage
    # collector walks it (writing each object's header); frozen objects are skipped.
    gc.freeze()
    try:
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=start_parser, initargs=(os.getpid(),)
        ) as executor:
            # Fork every worker now, while this process has no threads of its own: a thread
            # forked mid-way could leave a lock taken in the copy for good.
            executor.submit(int).result()
            yield lambda function, items: executor.map(function, items, chunksize=32)
    finally:
        gc.unfreeze()


def default_workers(file_count: int) -> int:
    # Below a few hundred files, starting processes costs more than it saves.
    return min(os.cpu_count() or 1, 4) if file_count >= 400 else 1


# The columns the import looks rows up by, as ``SeedImport.keep_statistics_fresh`` needs them.
STATISTICS_COLUMNS = (
    (Article, ("id", "web_url")),
    (RelatedLink, ("id", "article_id")),
    (RelatedLinkImage, ("related_link_id",)),
    (SeedFile, ("content_hash",)),
)


class SeedImport:
    """One run of the importer; see ``import_seed_files``."""

    def __init__(self, *, overwrite, dry_run, limits, on_error, on_progress):
        self.overwrite, self.dry_run = overwrite, dry_run
        self.limits = limits or Limits()
        self.on_error, self.on_progress = on_error, on_progress
        self.report = ImportReport()
        self.caches = Caches()
        self.written_at_last_analyze = 0

    def fail(self, path: str, reason: str) -> None:
        # One line whatever the file holds: reasons quote keys and values from it.
        reason = one_line(reason)
        self.report.failed += 1
        self.report.errors.append((path, reason))
        if self.on_error:
            self.on_error(path, reason)

    def unseen(self, items: list[tuple[str, bytes, str, Limits] | Rejected]) -> list[tuple[str, bytes, str, Limits]]:
        """The files ``read_files`` read whose bytes were never imported before; reports those it could not."""
        loaded = []
        for item in items:
            if isinstance(item, Rejected):
                self.fail(item.path, item.reason)
            else:
                loaded.append(item)
        hashes = [digest for _, _, digest, _ in loaded]
        known = set(SeedFile.objects.filter(content_hash__in=hashes).order_by().values_list("content_hash", flat=True))
        self.report.unchanged += len([h for h in hashes if h in known])
        return [item for item in loaded if item[2] not in known]

    def write(self, results: Iterable[SeedRecord | Rejected], chunk_size: int) -> None:
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
            if outcome == CONFLICT:
                self.report.conflict_paths.append(record.path)
            if record.repairs and outcome in (CREATED, UPDATED):
                self.report.repaired += 1

    def write_in_transaction(self, records: list[SeedRecord], attempts: int = 3) -> list[str]:
        """``write_batch`` in a transaction, written again if it lost a race with another import.

        Another import writing the same files at the same time can take a unique
        key first (the same article, provider or topic) or deadlock with this
        one. The transaction is rolled back, so the batch is simply written
        again, reading what exists now. Other errors are the data's: no retry.
        """
        for attempt in range(attempts):
            try:
                with transaction.atomic():
                    return write_batch(records, self.caches, overwrite=self.overwrite, dry_run=self.dry_run)
            except DatabaseError as error:
                self.caches = Caches()  # ids cached during the rolled-back batch may not exist
                if attempt == attempts - 1 or not lost_a_race(error):
                    raise

    def write_alone(self, record: SeedRecord) -> str | None:
        """After a batch failed in the database: this record in a transaction of its own."""
        try:
            (outcome,) = self.write_in_transaction([record])
        except DatabaseError as error:
            self.fail(record.path, f"the database refused it: {str(error).strip().splitlines()[0][:200]}")
            return None
        return outcome


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
    if not dry_run and (report.created or report.updated):
        content_changed()  # raw INSERTs send no signals: make readers' cached pages fresh
    logger.info(
        "import finished: %s",
        report.summary(),
        extra={
            "fields": {
                "event": "import",
                "dry_run": dry_run,
                **{name: getattr(report, name) for name in REPORT_COUNTS},
                "seconds": round(report.seconds, 3),
            }
        },
    )
    return report
