"""Stage 3: a batch of validated records -> rows, in the caller's transaction.

``write_batch`` decides each file's outcome from what the database holds
(``outcome_for``), then writes the new articles, the updated ones, the
conflicts' markers, every article's images, related links and topics, and a
``SeedFile`` row for each file that wrote its article.
"""

from django.utils import timezone

from .. import notifications, revisions
from ..caching import articles_changed
from ..models import Article, ArticleImage, PendingChange, RelatedLink, RelatedLinkImage, Revision, SeedFile
from ..pictures.jobs import pictures_for, queue_on_commit
from ..rendering import http_url
from ..search import refresh_search_index
from .convert import column_length
from .ids import ProviderTopicIds
from .rows import insert_rows, rows_with, update_rows
from .validate import SeedRecord

Outcome = SeedFile.Outcome


def write_batch(records: list[SeedRecord], ids: ProviderTopicIds, *, overwrite: bool, dry_run: bool) -> list[Outcome]:
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
        .only("id", "web_url", "status", "edited_at", "imported_at", "source_hash")
    }
    recorded = {
        digest for (digest,) in rows_with(SeedFile, "content_hash", [r.content_hash for r in records], "content_hash")
    }
    # A live story with a pending change counts as edited: the change's snapshot, once published, would undo an update.
    with_pending = set(
        PendingChange.objects.filter(article_id__in=[row.pk for row in existing.values()]).values_list(
            "article_id", flat=True
        )
    )
    outcomes = [
        outcome_for(record, existing.get(record.web_url), recorded, overwrite, with_pending) for record in records
    ]
    if dry_run:
        return outcomes

    ids.create_missing_providers(
        provider
        for record in records
        for provider in [record.provider, *(related.provider for related in record.related)]
        if provider
    )
    ids.create_missing_topics(name for record in records for name in record.topics)
    ids.create_missing_categories(record.values.get("category") or "" for record in records)
    now = timezone.now()
    by_outcome = {outcome: [] for outcome in Outcome}
    for record, outcome in zip(records, outcomes, strict=True):
        by_outcome[outcome].append(record)

    created = by_outcome[Outcome.CREATED]
    insert_rows(Article, [{"status": status_for(r), **article_fields(r, ids, now)} for r in created], now)
    article_ids = dict(rows_with(Article, "web_url", [r.web_url for r in created], "web_url", "id"))
    written = [(article_ids[record.web_url], record) for record in created]

    updated = [(existing[record.web_url].pk, record) for record in by_outcome[Outcome.UPDATED]]
    latest_revisions = revisions.before_change([article_id for article_id, _ in updated], at=now)
    update_rows(
        Article, {pk: {**article_fields(r, ids, now), "edited_at": None, "updated_at": now} for pk, r in updated}, now
    )
    update_rows(
        Article,
        {
            existing[record.web_url].pk: {
                "conflict_file": kept_path(record, Article, "conflict_file"),
                "conflict_at": now,
            }
            for record in by_outcome[Outcome.CONFLICT]
        },
        now,
    )
    notifications.feed_conflicts(  # the people who edited them are told (issue 15)
        {existing[r.web_url].pk: kept_path(r, Article, "conflict_file") for r in by_outcome[Outcome.CONFLICT]}, at=now
    )
    # The conflicting files' versions, for the admin's conflict screen (articles.conflicts).
    conflicts = [(existing[record.web_url].pk, record) for record in by_outcome[Outcome.CONFLICT]]
    if conflicts or updated:
        from ..conflicts import keep_feed_versions  # it builds on this module

        keep_feed_versions(conflicts, [article_id for article_id, _ in updated], ids, now)
    if updated:
        delete_children([article_id for article_id, _ in updated])
    # Images are linked to their pictures as they are written, from the sources in hand.
    picture_ids, new_pictures = pictures_for(image_sources(created + by_outcome[Outcome.UPDATED]))
    write_children(written + updated, ids, picture_ids, now)
    # Raw writes send no signals: the pages showing these articles are made fresh, once their topics are written
    # (their listing fingerprints include them).
    articles_changed([pk for pk, _ in written + updated])
    queue_on_commit(new_pictures)
    statuses = {record.web_url: status_for(record) for record in created} | {
        record.web_url: existing[record.web_url].status for record in by_outcome[Outcome.UPDATED]
    }
    revisions.record_imported(
        [
            (article_id, kind, statuses[r.web_url], kept_path(r, Revision, "source_file"))
            for kind, pairs in ((Revision.Kind.IMPORT_CREATED, written), (Revision.Kind.IMPORT_UPDATED, updated))
            for article_id, r in pairs
        ],
        at=now,
        latest_numbers=latest_revisions,
    )
    refresh_search_index([article_id for article_id, _ in written + updated])
    # Bytes another import recorded since ``recorded`` was read break the unique key:
    # the batch is then written again (``lost_a_race``) and finds them recorded.
    insert_rows(
        SeedFile,
        [
            {
                "content_hash": record.content_hash,
                "path": kept_path(record, SeedFile, "path"),
                "article_id": article_id,
                "outcome": outcome,
                "imported_at": now,
            }
            for outcome, pairs in ((Outcome.CREATED, written), (Outcome.UPDATED, updated))
            for article_id, record in pairs
        ],
        now,
    )
    return outcomes


def outcome_for(
    record: SeedRecord, article: Article | None, recorded: set[str], overwrite: bool, with_pending: set[int]
) -> Outcome:
    if record.content_hash in recorded:
        # These bytes were imported before, perhaps by another import at this moment, and
        # the article may have a later version since: applying them again would undo it.
        return Outcome.UNCHANGED
    if article is None:
        return Outcome.CREATED
    if article.source_hash == record.content_hash:
        return Outcome.UNCHANGED
    if not overwrite and article.pk in with_pending:
        return Outcome.CONFLICT
    if not overwrite and article.edited_at and (not article.imported_at or article.edited_at > article.imported_at):
        return Outcome.CONFLICT
    return Outcome.UPDATED


def status_for(record: SeedRecord) -> str:
    return Article.Status.PUBLISHED if record.values.get("published_flag") else Article.Status.DRAFT


def article_fields(record: SeedRecord, ids: ProviderTopicIds, now) -> dict:
    return {
        **record.values,
        "provider_id": ids.provider_id(record.provider),
        "section_id": ids.category_id(record.values.get("category")),
        "provider_data": record.provider_data,
        "topic_names": record.topic_names,
        "extra": record.extra,
        "import_notes": record.notes,
        "source_file": kept_path(record, Article, "source_file"),
        "source_hash": record.content_hash,
        "imported_at": now,
        "conflict_file": "",
        "conflict_at": None,
    }


def kept_path(record: SeedRecord, model, attr: str) -> str:
    """The file's path as its column can hold it: a longer one keeps its end, where the file's name is."""
    return record.path[-column_length(model, attr) :]


def delete_children(article_ids: list[int]) -> None:
    """The parts newer files replace, deleted as rows (children first), not object by object: the ORM's delete()
    sends a signal per row when receivers listen, and each made the page cache's version change (180 changes, 1 s
    of a 2,000-file import); the run changes it once at its end (run.py)."""
    for parts in (
        RelatedLinkImage.objects.filter(related_link__article_id__in=article_ids),
        RelatedLink.objects.filter(article_id__in=article_ids),
        ArticleImage.objects.filter(article_id__in=article_ids),
        Article.topics.through.objects.filter(article_id__in=article_ids),
    ):
        parts._raw_delete(parts.db)


def image_sources(records: list[SeedRecord]) -> set[str]:
    """The pictures' sources of the records' images and their related links' images (``jobs.source_of``)."""
    return {
        http_url(image.values["url"])
        for record in records
        for image in [*record.images, *(image for related in record.related for image in related.images)]
    } - {""}


def write_children(pairs: list[tuple[int, SeedRecord]], ids: ProviderTopicIds, picture_ids: dict, now) -> None:
    """Images (linked to ``picture_ids``, by source), related links (with their images) and topics of freshly
    written articles."""
    images, links, topic_rows = [], [], []
    for article_id, record in pairs:
        images += [
            {"article_id": article_id, "extra": i.extra, "picture_id": picture_ids.get(i.values["url"]), **i.values}
            for i in record.images
        ]
        links += [
            {
                "article_id": article_id,
                "provider_id": ids.provider_id(related.provider),
                "provider_data": related.provider_data,
                "extra": related.extra,
                **related.values,
            }
            for related in record.related
        ]
        topic_rows += [{"article_id": article_id, "topic_id": ids.topic_id(name)} for name in record.topics]
    insert_rows(ArticleImage, images, now)
    insert_rows(Article.topics.through, topic_rows, now)
    if not links:
        return
    insert_rows(RelatedLink, links, now)
    link_ids = {
        (article_id, position): pk
        for article_id, position, pk in rows_with(
            RelatedLink, "article_id", [article_id for article_id, _ in pairs], "article_id", "position", "id"
        )
    }
    insert_rows(
        RelatedLinkImage,
        [
            {
                "related_link_id": link_ids[article_id, related.values["position"]],
                "extra": i.extra,
                "picture_id": picture_ids.get(i.values["url"]),
                **i.values,
            }
            for article_id, record in pairs
            for related in record.related
            for i in related.images
        ],
        now,
    )
