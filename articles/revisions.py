"""Revisions: what an article's content is, as one snapshot; recording one, and restoring it.

A snapshot is the article's own fields (every concrete field of the model
but the bookkeeping in ``NOT_CONTENT``, so a field added to the model is
picked up without a change here), its many-to-many relations (topics, as
ids) and its parts (``PARTS``: images, related links with their images, the byline), as
compact JSON. ``Revision.data`` holds it zlib-compressed; ``Revision.digest``
tells two snapshots apart without unpacking them.

Every write of content records one, in the same transaction: a person's save
and a revert (``services.article_save``), a transition
(``services.article_transition``), the import's creates and updates
(``importer.write``, a batch at a time, a fixed number of queries whatever
its size; these take their snapshot lazily, see ``record_imported``). A
person's write whose snapshot equals the article's latest revision records
nothing. An article that had no revision yet first gets one of how it was
(kind "existing"), so that its first change can be compared and undone.
"""

import hashlib
import json
import zlib
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import CASCADE, F, OuterRef, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from .models import Article, Provider, Revision, Topic

Kind = Revision.Kind

# Article fields that are not content: identity, workflow state, schedule, derived or import bookkeeping.
NOT_CONTENT = {
    "id",
    "status",
    "version",
    "body_html",
    "go_live_at",
    "expires_at",
    "assignee",
    "due_at",
    "embargo_until",
    "embargo_reason",
    "source_file",
    "source_hash",
    "imported_at",
    "conflict_file",
    "conflict_at",
    "edited_at",
    "edited_by",
    "created_at",
    "updated_at",
}

# Kinds of revision an article's first: there is no latest one to look up.
FIRST_KINDS = {Kind.ADDED, Kind.IMPORT_CREATED}

# An article's parts, by related name, each with its own parts: content that lives in rows of its own.
PARTS = {"images": {}, "related_links": {"images": {}}, "authors": {}}

# Columns of a part that are not content: its id, and an image's local copy (``picture``), which a job links after
# the image is saved (articles/pictures/jobs.py) and links again for a restored one.
PART_NOT_CONTENT = {"id", "picture"}


def content_fields(model) -> list[models.Field]:
    # A part's cascading foreign key is the link to its parent (a related link's provider is PROTECTed content).
    parent_links = {
        f.name for f in model._meta.concrete_fields if f.many_to_one and f.remote_field.on_delete is CASCADE
    }
    excluded = NOT_CONTENT if model is Article else PART_NOT_CONTENT | parent_links
    return [f for f in model._meta.concrete_fields if f.name not in excluded]


def plain(value):
    """A stored value as JSON holds it (file fields come from ``values_list`` as their names already)."""
    return value.isoformat() if isinstance(value, datetime | date) else value


def columns(model) -> list[tuple[str, bool]]:
    """(attribute name, whether an empty value is the field's default and so left out) of each content field."""
    return [(f.attname, f.get_default() in ("", None)) for f in content_fields(model)]


def as_dict(cols: list[tuple[str, bool]], row) -> dict:
    return {
        attname: plain(value)
        for (attname, empty_is_default), value in zip(cols, row, strict=True)
        if not (empty_is_default and value in ("", None))
    }


def load_parts(model, parent_attname: str, parent_ids: list, nested: dict, with_ids=False) -> dict[int, list[dict]]:
    """Parts of ``model`` by their parent's id, in the model's order, each with its own parts (and ids if asked)."""
    cols = columns(model)
    rows = (
        model._default_manager.filter(**{f"{parent_attname}__in": parent_ids})
        .order_by(*model._meta.ordering)
        .values_list("pk", parent_attname, *(attname for attname, _ in cols))
    )
    by_parent, by_pk = {}, {}
    for pk, parent_id, *values in rows:
        part = by_pk[pk] = as_dict(cols, values)
        if with_ids:
            part["id"] = pk
        by_parent.setdefault(parent_id, []).append(part)
    for name, inner in nested.items():
        relation = model._meta.get_field(name)
        children = load_parts(relation.related_model, relation.field.attname, list(by_pk), inner, with_ids)
        for pk, part in by_pk.items():
            part[name] = children.get(pk, [])
    return by_parent


def snapshots(article_ids, *, with_ids=False) -> dict[int, tuple[str, dict]]:
    """(status, snapshot) of each article as stored: a fixed number of queries (one per table), however many.

    ``with_ids``: each part also gives its row's id (a pending change keeps them, see ``articles.pending``).

    Read as plain values, not model instances: the import records a
    revision for every article it writes, and building instances of every
    article, image and link doubled the time of its writes.
    """
    ids = list(article_ids)
    cols = columns(Article)
    rows = Article.objects.filter(pk__in=ids).order_by().values_list("pk", "status", *(a for a, _ in cols))
    result = {pk: (status, as_dict(cols, values)) for pk, status, *values in rows}
    for m2m in Article._meta.many_to_many:
        through = m2m.remote_field.through
        source, target = m2m.m2m_column_name(), m2m.m2m_reverse_name()
        related = {pk: [] for pk in result}
        pairs = through.objects.filter(**{f"{source}__in": ids}).order_by(target).values_list(source, target)
        for article_id, related_id in pairs:
            related[article_id].append(related_id)
        for pk, (_, snapshot) in result.items():
            snapshot[m2m.name] = related[pk]
    for name, nested in PARTS.items():
        relation = Article._meta.get_field(name)
        parts = load_parts(relation.related_model, relation.field.attname, ids, nested, with_ids)
        for pk, (_, snapshot) in result.items():
            snapshot[name] = parts.get(pk, [])
    return result


def snapshot(article_id: int) -> dict:
    """One article's content as stored now."""
    return snapshots([article_id])[article_id][1]


def pack(snapshot: dict) -> tuple[str, bytes]:
    """(digest, compressed bytes) of a snapshot: compact JSON, keys sorted so equal content packs equal."""
    text = json.dumps(snapshot, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
    return hashlib.blake2b(text, digest_size=16).hexdigest(), zlib.compress(text, 6)


def latest(article_ids) -> dict[int, tuple[int, str, int]]:
    """Each article's latest revision, as (number, digest, pk); articles without one are left out."""
    newest = Revision.objects.filter(article_id=OuterRef("article_id")).order_by("-number").values("number")[:1]
    rows = Revision.objects.filter(article_id__in=list(article_ids), number=Subquery(newest)).order_by()
    return {
        article_id: (number, digest, pk)
        for article_id, number, digest, pk in rows.values_list("article_id", "number", "digest", "pk")
    }


def rows_for(article_ids, *, kind: str, at, by=None, skip_unchanged=True, **values) -> list[dict]:
    """Revision rows for the articles as stored, numbered after their latest; unchanged ones skipped."""
    article_ids = list(article_ids)
    newest = {} if kind in FIRST_KINDS else latest(article_ids)
    rows = []
    for article_id, (status, content) in snapshots(article_ids).items():
        number, last_digest, _ = newest.get(article_id, (0, None, None))
        digest, data = pack(content)
        if skip_unchanged and digest == last_digest:
            continue
        rows.append(
            {
                "article_id": article_id,
                "number": number + 1,
                "kind": kind,
                "created_at": at,
                "by_id": by.pk if by is not None else None,
                "status": status,
                "digest": digest,
                "data": data,
                **values,
            }
        )
    return rows


def record(article: Article, *, kind: str, by=None, at=None, skip_unchanged=True, **values) -> Revision | None:
    """One revision of the article as it is now stored, unless its content is that of the latest one.

    Call ``before_change`` before writing: the latest revision must hold its content when this one is compared to it.
    """
    rows = rows_for([article.pk], kind=kind, at=at or timezone.now(), by=by, skip_unchanged=skip_unchanged, **values)
    return Revision.objects.create(**rows[0]) if rows else None


def before_change(article_ids, *, at=None) -> dict[int, int]:
    """Before the articles' content changes: each one's latest revision gets its snapshot, if it has none yet.

    That is, a revision the import wrote (it takes no snapshot, see
    ``record_imported``) is filled in with the content it stands for, which
    is still the article's. An article with no revision at all (from before
    revisions were kept) gets one of how it is (kind "existing"). Returns the
    number of each article's latest revision, for the one to follow it.
    """
    from .importer.rows import insert_rows, update_rows  # the importer's bulk writes, also for one row

    article_ids = list(article_ids)
    if not article_ids:
        return {}
    newest = latest(article_ids)
    missing = [pk for pk in article_ids if pk not in newest]
    unfilled = {pk: revision_pk for pk, (_, digest, revision_pk) in newest.items() if not digest}
    at = at or timezone.now()
    rows = []
    if unfilled:
        packed = {pk: pack(content) for pk, (_, content) in snapshots(unfilled).items()}
        update_rows(
            Revision,
            {unfilled[pk]: {"digest": digest, "data": data} for pk, (digest, data) in packed.items()},
            at,
        )
    if missing:
        rows = rows_for(missing, kind=Kind.EXISTING, at=at, skip_unchanged=False)
        updated_at = dict(Article.objects.filter(pk__in=missing).values_list("pk", "updated_at"))
        for row in rows:
            row["created_at"] = updated_at[row["article_id"]] or at
        insert_rows(Revision, rows, at)
    return {pk: number for pk, (number, _, _) in newest.items()} | {row["article_id"]: row["number"] for row in rows}


def record_imported(revisions: list[tuple[int, str, str, str]], *, at, latest_numbers: dict[int, int]) -> None:
    """The import's revisions, one per article it wrote: (article id, kind, its status, the seed file) each,
    numbered after ``latest_numbers`` (``before_change``'s) but for an article's first.

    They take no snapshot: the content is the article's own until its next
    change, and ``before_change`` fills it in then. The import so pays one
    small row per article, not a read, a JSON document and its compression
    (which doubled the time of its writes), and one statement per batch.
    """
    from .importer.rows import insert_rows

    rows = [
        {
            "article_id": pk,
            "number": 1 if kind in FIRST_KINDS else latest_numbers[pk] + 1,
            "kind": kind,
            "created_at": at,
            "status": status,
            "source_file": source_file,
            "digest": "",
            "data": b"",
        }
        for pk, kind, status, source_file in revisions
    ]
    insert_rows(Revision, rows, at)


def content_of(revision: Revision) -> dict:
    """A revision's snapshot; for one the import wrote that has none yet, the article's content (it is the latest)."""
    return revision.snapshot if revision.digest else snapshot(revision.article_id)


# Restoring


def value_for(field: models.Field, values: dict):
    if field.attname not in values:
        return field.get_default()
    value = values[field.attname]
    return value if isinstance(field, models.JSONField) or value is None else field.to_python(value)


def restored_part(model, values: dict, nested: dict):
    part = model(**{f.attname: value_for(f, values) for f in content_fields(model)})
    part.nested_parts = []
    for name, inner in nested.items():
        relation = model._meta.get_field(name)
        for child in values.get(name, []):
            part.nested_parts.append((relation.field.name, restored_part(relation.related_model, child, inner)))
    return part


def save_nested(part) -> None:
    """After ``part`` is saved: the parts restored with it (a related link's images)."""
    for parent_name, child in getattr(part, "nested_parts", ()):
        setattr(child, parent_name, part)
        child.save()
        save_nested(child)


def restore(article: Article, revision: Revision) -> tuple[Article, list, list, list]:
    """The article with the revision's content, ready for ``services.article_save``.

    Returns (article, topics, new parts, current parts to remove). A topic
    deleted since is left out; a provider deleted since cannot be restored.
    """
    snapshot = revision.snapshot
    for field in content_fields(Article):
        setattr(article, field.attname, value_for(field, snapshot))
    if article.provider_id is not None and not Provider.objects.filter(pk=article.provider_id).exists():
        raise ValidationError(
            f"Revision {revision.number} names a provider that has since been deleted; it cannot be restored.",
            code="provider_gone",
        )
    topics = list(Topic.objects.filter(pk__in=snapshot.get("topics", [])))
    parts, removed = [], []
    for name, nested in PARTS.items():
        model = Article._meta.get_field(name).related_model
        parts += [restored_part(model, values, nested) for values in snapshot.get(name, [])]
        removed += list(getattr(article, name).all())
    return article, topics, parts, removed


# Retention


def prunable(keep: int):
    """Revisions beyond each article's newest ``keep``, except those of a published article (what readers saw)
    and those a correction points to (the change readers were told of)."""
    from .models import Correction

    rank = Window(expression=RowNumber(), partition_by=[F("article_id")], order_by=F("number").desc())
    # The status is checked after ranking: a condition in the same query would be applied before the window.
    ranked = Revision.objects.annotate(rank=rank).filter(rank__gt=keep).values_list("pk", "status")
    corrected = set(Correction.objects.filter(revision__isnull=False).values_list("revision_id", flat=True))
    return [pk for pk, status in ranked if status != Article.Status.PUBLISHED and pk not in corrected]


def prune(keep: int, *, chunk: int = 5000) -> int:
    """Delete the revisions ``prunable`` finds; how many."""
    if keep < 1:
        return 0
    ids = prunable(keep)
    for start in range(0, len(ids), chunk):
        Revision.objects.filter(pk__in=ids[start : start + chunk]).delete()
    return len(ids)
