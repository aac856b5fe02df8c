"""Conflicts with a newer seed file, settled in the admin (issue 13).

The import (``importer.write``) does not apply a newer seed file to an
article a person edited since its last import: it marks the conflict and,
here, keeps the file's version (``keep_feed_versions``) as a snapshot in
``FeedConflict``. It is made by writing the file's rows as an update would,
in a savepoint that is rolled back, and reading the article's snapshot
there: the same code as an update, so the version is exactly what
``--overwrite`` would have written.

The conflict screen compares it with the article as edited and settles it
(``resolve``): take the feed's version, whole or some of its fields (a
revision of kind "took the feed's version", written by
``services.article_save`` under the same rules as an edit, correction
included), or keep ours (a revision of kind "kept ours"). Either way the file
counts as read: its hash becomes the article's ``source_hash``, so importing
it again changes nothing, and the conflict marker is cleared.
"""

from django.contrib.admin.models import CHANGE
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import pending, presence, revisions, services, workflow
from .models import Article, FeedConflict, Revision

Kind = Revision.Kind


def keep_feed_versions(conflicts: list, updated_ids: list[int], ids, now) -> None:
    """For the import: keep each conflicting file's version of its article (``conflicts``: (article id, record)).

    The articles it updated (``updated_ids``, ``--overwrite`` included) have no conflict any more.
    """
    from .importer.rows import update_rows
    from .importer.write import article_fields, delete_children, kept_path, write_children

    done = [pk for pk, _ in conflicts] + list(updated_ids)
    if done:
        FeedConflict.objects.filter(article_id__in=done).delete()
    if not conflicts:
        return
    article_ids = [pk for pk, _ in conflicts]
    with pending.rolled_back():
        update_rows(Article, {pk: article_fields(record, ids, now) for pk, record in conflicts}, now)
        delete_children(article_ids)
        write_children(conflicts, ids, {}, now)  # the feed's version: its images are not linked to pictures
        versions = revisions.snapshots(article_ids)
    FeedConflict.objects.bulk_create(
        [
            FeedConflict(
                article_id=pk,
                source_file=kept_path(record, FeedConflict, "source_file"),
                content_hash=record.content_hash,
                at=now,
                data=revisions.pack(versions[pk][1])[1],
            )
            for pk, record in conflicts
        ]
    )


def differing(ours: dict, theirs: dict) -> list[tuple[str, str]]:
    """(key, label) of each field, relation and group of parts the two snapshots differ in, in the form's order."""
    keys = [(f.attname, str(f.verbose_name)) for f in revisions.content_fields(Article)]
    keys += [(m2m.name, str(m2m.verbose_name)) for m2m in Article._meta.many_to_many]
    keys += [
        (name, str(Article._meta.get_field(name).related_model._meta.verbose_name_plural)) for name in revisions.PARTS
    ]
    return [(key, label) for key, label in keys if ours.get(key) != theirs.get(key)]


def merged(ours: dict, theirs: dict, take: set[str]) -> dict:
    """Our snapshot with the feed's value of each key in ``take`` (a value the feed leaves out is its default)."""
    result = {key: value for key, value in ours.items() if key not in take}
    result |= {key: value for key, value in theirs.items() if key in take}
    return result


@transaction.atomic
def resolve(*, article: Article, by, take: set[str] | None, correction=None, at=None) -> Article:
    """Settle the article's conflict: ``take`` the feed's value of these keys (see ``differing``), or keep ours
    (``take`` None or empty). Each is recorded as a revision; the file's hash becomes the article's."""
    locked = Article.objects.select_for_update().get(pk=article.pk)
    conflict = FeedConflict.objects.filter(article=locked).first()
    if conflict is None:
        raise ValidationError(f"“{locked}” has no conflict with a seed file.", code="no_conflict")
    reason = workflow.edit_refusal(by, locked)  # whoever may change the article itself (not a pending change)
    if reason:
        raise ValidationError(reason, code="edit_refused")
    presence.check_lock(locked.pk, by)  # "keep ours" writes no content: the services would not ask
    at = at or timezone.now()
    revisions.before_change([locked.pk], at=at)
    ours = revisions.snapshot(locked.pk)
    theirs = conflict.snapshot
    take = {key for key, _ in differing(ours, theirs)} & set(take or ())
    whole = bool(take) and take == {key for key, _ in differing(ours, theirs)}
    if take:
        labels = ", ".join(label for key, label in differing(ours, theirs) if key in take)
        article = pending.save_content(
            locked,
            merged(ours, theirs, take),
            by=by,
            message=f"Took the feed's version ({conflict.source_file}) of: {labels}.",
            at=at,
            correction=correction,
            revision_kind=Kind.CONFLICT_TAKEN,
        )
    else:
        article = locked
        services.log(locked, by=by, flag=CHANGE, message=f"Kept ours over {conflict.source_file}.", at=at)
        revisions.record(locked, kind=Kind.CONFLICT_KEPT, by=by, at=at, skip_unchanged=False)
    # The file is read: importing it again changes nothing. Taken whole, the article is the feed's again and a
    # newer file updates it; else ours stays edited after the import, and a newer file is a conflict again.
    stamps = {"imported_at": at} if whole else {}
    Article.objects.filter(pk=locked.pk).update(
        source_hash=conflict.content_hash, conflict_file="", conflict_at=None, **stamps
    )
    conflict.delete()
    return article
