"""Stage 3: validated records -> rows, in batches, each batch one transaction.

``import_seed_files`` is the whole pipeline (read, hash, parse, validate,
write) and what ``manage.py import_seeds`` calls. A file whose bytes were
imported before is recognised by its hash and skipped before it is parsed,
which is what makes a re-import cheap. A batch that fails in the database is
retried one file at a time, so one bad file cannot take its neighbours down.
"""

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify

from ..models import (
    Article,
    ArticleImage,
    Provider,
    ProviderLogo,
    RelatedLink,
    RelatedLinkImage,
    SeedFile,
    Topic,
    topic_key,
)
from .parse import SeedError, content_hash, parse_seed, read_bytes
from .validate import ARTICLE_FIELDS, Limits, ProviderRecord, SeedRecord, validate_seed

logger = logging.getLogger("newsroom.import")

CREATED, UPDATED, UNCHANGED, CONFLICT, FAILED = "created", "updated", "unchanged", "conflict", "failed"


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
            key = record.domain.lower()
            if key not in self.providers:
                wanted.setdefault(key, record)
        if not wanted:
            return
        self._load_providers(wanted)
        missing = [record for key, record in wanted.items() if key not in self.providers]
        if missing:
            taken = set(
                Provider.objects.filter(slug__in=[provider_slug(r.domain) for r in missing]).values_list(
                    "slug", flat=True
                )
            )
            Provider.objects.bulk_create(
                [
                    Provider(name=r.name, domain=r.domain, slug=unique_slug(provider_slug(r.domain), taken))
                    for r in missing
                ],
                ignore_conflicts=True,  # another import may have created it meanwhile
            )
            self._load_providers(wanted)
            created_ids = [self.providers[r.domain.lower()] for r in missing if r.logos]
            with_logos = set(
                ProviderLogo.objects.filter(provider_id__in=created_ids).values_list("provider_id", flat=True)
            )
            ProviderLogo.objects.bulk_create(
                ProviderLogo(provider_id=self.providers[r.domain.lower()], extra=logo.extra, **logo.values)
                for r in missing
                if r.logos and self.providers[r.domain.lower()] not in with_logos
                for logo in r.logos
            )

    def _load_providers(self, wanted: dict) -> None:
        rows = Provider.objects.annotate(key=Lower("domain")).filter(key__in=list(wanted)).values_list("key", "id")
        self.providers.update(rows)

    def topic_ids(self, names: Iterable[str]) -> None:
        wanted = {}
        for name in names:
            key = topic_key(name)
            if key not in self.topics:
                wanted.setdefault(key, name)
        if not wanted:
            return
        self.topics.update(Topic.objects.filter(key__in=list(wanted)).values_list("key", "id"))
        missing = {key: name for key, name in wanted.items() if key not in self.topics}
        if missing:
            taken = set(
                Topic.objects.filter(slug__in=[topic_slug(n) for n in missing.values()]).values_list("slug", flat=True)
            )
            Topic.objects.bulk_create(
                [Topic(name=name, key=key, slug=unique_slug(topic_slug(name), taken)) for key, name in missing.items()],
                ignore_conflicts=True,
            )
            self.topics.update(Topic.objects.filter(key__in=list(missing)).values_list("key", "id"))


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


# Every Article column an import writes; an update saves exactly these.
IMPORTED_FIELDS = [spec.attr for spec in ARTICLE_FIELDS] + [
    "web_url", "body", "slug", "provider", "provider_data", "topic_names", "extra", "import_notes",
    "source_file", "source_hash", "imported_at", "conflict_file", "conflict_at",
]  # fmt: skip


def status_for(record: SeedRecord) -> str:
    return Article.Status.PUBLISHED if record.values.get("published_flag") else Article.Status.DRAFT


def write_children(pairs: list[tuple[Article, SeedRecord]], caches: Caches) -> None:
    """Images, related links (with their images) and topics of freshly written articles."""
    images, links, link_records, topic_rows = [], [], [], []
    through = Article.topics.through
    for article, record in pairs:
        images += [ArticleImage(article_id=article.pk, extra=i.extra, **i.values) for i in record.images]
        for related in record.related:
            provider_id = caches.providers[related.provider.domain.lower()] if related.provider else None
            links.append(
                RelatedLink(
                    article_id=article.pk,
                    provider_id=provider_id,
                    provider_data=related.provider_data,
                    extra=related.extra,
                    **related.values,
                )
            )
            link_records.append(related)
        topic_rows += [through(article_id=article.pk, topic_id=caches.topics[topic_key(n)]) for n in record.topics]
    ArticleImage.objects.bulk_create(images)
    RelatedLink.objects.bulk_create(links)
    RelatedLinkImage.objects.bulk_create(
        RelatedLinkImage(related_link_id=link.pk, extra=i.extra, **i.values)
        for link, related in zip(links, link_records, strict=True)
        for i in related.images
    )
    through.objects.bulk_create(topic_rows)


def write_batch(records: list[SeedRecord], caches: Caches, *, overwrite: bool, dry_run: bool) -> list[str]:
    """Write one batch (distinct web URLs) and return each record's outcome, in order."""
    existing = {
        row.web_url: row
        for row in Article.objects.filter(web_url__in=[r.web_url for r in records]).only(
            "id", "web_url", "edited_at", "imported_at", "source_hash"
        )
    }
    outcomes = []
    for record in records:
        article = existing.get(record.web_url)
        if article is None:
            outcomes.append(CREATED)
        elif article.source_hash == record.content_hash:
            outcomes.append(UNCHANGED)
        elif (
            not overwrite and article.edited_at and (not article.imported_at or article.edited_at > article.imported_at)
        ):
            outcomes.append(CONFLICT)
        else:
            outcomes.append(UPDATED)
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

    def provider_id(record):
        return caches.providers[record.provider.domain.lower()] if record.provider else None

    new = [
        Article(status=status_for(record), **article_fields(record, provider_id(record), now))
        for record, outcome in zip(records, outcomes, strict=True)
        if outcome == CREATED
    ]
    Article.objects.bulk_create(new)
    written = list(zip(new, [r for r, o in zip(records, outcomes, strict=True) if o == CREATED], strict=True))

    updated = []
    for record, outcome in zip(records, outcomes, strict=True):
        article = existing.get(record.web_url)
        if outcome == UPDATED:
            for name, value in article_fields(record, provider_id(record), now).items():
                setattr(article, name, value)
            article.edited_at = None
            updated.append((article, record))
        elif outcome == CONFLICT:
            Article.objects.filter(pk=article.pk).update(conflict_file=record.path[-1000:], conflict_at=now)
    if updated:
        ids = [article.pk for article, _ in updated]
        ArticleImage.objects.filter(article_id__in=ids).delete()
        RelatedLink.objects.filter(article_id__in=ids).delete()
        Article.topics.through.objects.filter(article_id__in=ids).delete()
        Article.objects.bulk_update([a for a, _ in updated], [*IMPORTED_FIELDS, "edited_at", "updated_at"])
        written += updated
    write_children(written, caches)
    SeedFile.objects.bulk_create(
        [
            SeedFile(content_hash=record.content_hash, path=record.path[-1000:], article_id=article.pk, outcome=outcome)
            for (article, record), outcome in zip(written, [CREATED] * len(new) + [UPDATED] * len(updated), strict=True)
        ],
        ignore_conflicts=True,
    )
    return outcomes


@dataclass
class Pending:
    records: list[SeedRecord] = field(default_factory=list)
    urls: set = field(default_factory=set)


def import_seed_files(
    paths: list[Path],
    *,
    overwrite: bool = False,
    dry_run: bool = False,
    max_bytes: int = 1024 * 1024,
    limits: Limits | None = None,
    batch_size: int = 500,
    on_error: Callable[[str, str], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import seed files; see the module docstring. Returns the run's report."""
    limits = limits or Limits()
    report = ImportReport()
    started = time.perf_counter()
    caches = Caches()

    def fail(path: str, reason: str) -> None:
        report.failed += 1
        report.errors.append((path, reason))
        if on_error:
            on_error(path, reason)

    def flush(records: list[SeedRecord]) -> None:
        if not records:
            return
        try:
            with transaction.atomic():
                outcomes = write_batch(records, caches, overwrite=overwrite, dry_run=dry_run)
        except DatabaseError:
            # One file broke the batch: write them one by one to find it.
            caches.__init__()
            outcomes = []
            for record in records:
                try:
                    with transaction.atomic():
                        outcomes += write_batch([record], caches, overwrite=overwrite, dry_run=dry_run)
                except (DatabaseError, IntegrityError) as error:
                    caches.__init__()
                    outcomes.append(None)
                    fail(record.path, f"the database refused it: {str(error).strip().splitlines()[0][:200]}")
        for record, outcome in zip(records, outcomes, strict=True):
            if outcome is None:
                continue
            report.count(outcome)
            if outcome == CONFLICT:
                report.conflict_paths.append(record.path)
            if record.repairs and outcome in (CREATED, UPDATED):
                report.repaired += 1

    for start in range(0, len(paths), batch_size):
        chunk = paths[start : start + batch_size]
        loaded = []
        for path in chunk:
            try:
                raw = read_bytes(path, max_bytes)
            except SeedError as error:
                fail(str(path), str(error))
                continue
            except OSError as error:
                fail(str(path), f"cannot read it: {error.strerror or error}")
                continue
            loaded.append((str(path), raw, content_hash(raw)))
        known = set(
            SeedFile.objects.filter(content_hash__in=[h for _, _, h in loaded]).values_list("content_hash", flat=True)
        )
        pending = Pending()
        for name, raw, digest in loaded:
            if digest in known:
                report.unchanged += 1
                continue
            try:
                record = validate_seed(parse_seed(raw, name, digest), limits)
            except SeedError as error:
                fail(name, str(error))
                continue
            if record.web_url in pending.urls:  # a second version of one article: write the first one first
                flush(pending.records)
                pending = Pending()
            pending.records.append(record)
            pending.urls.add(record.web_url)
        flush(pending.records)
        if on_progress:
            on_progress(len(chunk))
    report.seconds = time.perf_counter() - started
    logger.info("import finished: %s", report.summary(), extra={"report": report.__dict__})
    return report
