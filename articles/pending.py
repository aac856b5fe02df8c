"""Changes to a live story under review, while readers keep the live version (issue 13).

A writer (or an editor who chooses "Save as pending") editing a published
article does not change it: the edit is stored as a ``PendingChange``, one per
article, and the Article row and its parts stay what readers, feeds,
sitemaps, the API and search show. The change is submitted, sent back and
published like a draft (``TRANSITIONS``, the same permissions as the
article's own), or discarded by an editor or the person who started it.

How an edit becomes a pending change without a second write path: the edit
is saved by ``services.article_save`` (every rule, every form) inside a
*sandbox*, a savepoint that is always rolled back, on top of the pending
content applied to the article's rows (``apply``); the article's snapshot is
read there (``revisions.snapshots``, with each part's row id) and stored
after the rollback. The admin's change form and the preview are drawn in the
same sandbox, so they show the pending version with the inline forms of its
parts. Publishing applies the snapshot through ``services.article_save``, as
a revert does, with the correction readers are told of.
"""

from contextlib import contextmanager
from types import SimpleNamespace

from django.contrib.admin.models import CHANGE
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import caching, notifications, presence, revisions, services, workflow
from .models import Article, Correction, PendingChange, Topic
from .rendering import body_html_or_note

Status = PendingChange.Status

SUBMIT_FOR_REVIEW = workflow.Transition(
    "submit_for_review",
    "Submit changes for review",
    "submitted for review",
    (Status.DRAFT,),
    Status.REVIEW,
    workflow.CHANGE_PERMISSION,
)
SEND_BACK = workflow.Transition(
    "send_back",
    "Send changes back",
    "sent back",
    (Status.REVIEW,),
    Status.DRAFT,
    workflow.REVIEW_PERMISSION,
    comment_required=True,
)
PUBLISH = workflow.Transition(
    "publish", "Publish changes", "published", (Status.DRAFT, Status.REVIEW), "", workflow.PUBLISH_PERMISSION
)
TRANSITIONS = {t.name: t for t in (SUBMIT_FOR_REVIEW, SEND_BACK, PUBLISH)}


# How far each save of a pending change moves the version the sandbox shows (never written: it is rolled back).
SAVES_STAMP = 1_000_000


class PendingRefused(ValidationError):
    """A pending change the rules do not allow this person to make or move; the message says why."""


def pending_of(article: Article | None) -> PendingChange | None:
    """The article's pending change, or None (cached on the instance: one query however often asked)."""
    if article is None or article.pk is None:
        return None
    try:
        return article.pending_change
    except PendingChange.DoesNotExist:
        return None


def goes_pending(article: Article | None) -> bool:
    """Whether an edit of the article is a pending change: it has one, or it is published."""
    return article is not None and (pending_of(article) is not None or article.status == Article.Status.PUBLISHED)


def proposal_refusal(user, article: Article) -> str | None:
    """Why the user may not edit the article's pending change (or start one), or None if they may."""
    if not (user and user.is_active and user.has_perm(workflow.CHANGE_PERMISSION)):
        return "You may not change articles."
    if not goes_pending(article):
        return workflow.edit_refusal(user, article)
    pending = pending_of(article)
    if pending is not None and pending.status == Status.REVIEW and not user.has_perm(workflow.REVIEW_PERMISSION):
        return (
            f"You cannot change “{article}”: its pending change is in review. "
            "It can be changed again once an editor sends it back."
        )
    return None


def form_refusal(user, article: Article | None) -> str | None:
    """Why the user may not edit the article in the admin, live or as a pending change; None if they may.

    Every door of the admin asks this (the form, its inlines, revert); the
    services check again, each its own rule.
    """
    if goes_pending(article) and (pending_of(article) is not None or not workflow.may_edit(user, article)):
        return proposal_refusal(user, article)
    return workflow.edit_refusal(user, article)


def may_edit_form(user, article: Article | None) -> bool:
    return form_refusal(user, article) is None


def edits_pending(request, article: Article | None) -> bool:
    """Whether this request's edit of the article is (or shows) its pending change rather than the live story.

    It is when the article has one, when the person may not change the live
    story (a writer), and when an editor pressed "Save as pending".
    """
    if not goes_pending(article):
        return False
    if pending_of(article) is not None or not workflow.may_edit(request.user, article):
        return True
    return request.method == "POST" and "_save_pending" in request.POST


def may_discard(user, pending: PendingChange | None) -> bool:
    """An editor, or the person who started the change."""
    if pending is None or not (user and user.is_active):
        return False
    return workflow.may_schedule(user) or pending.created_by_id == user.pk


def allowed_transitions(user, pending: PendingChange) -> list[workflow.Transition]:
    return [t for t in TRANSITIONS.values() if workflow.user_may(user, t) and pending.status in t.sources]


def check_transition(user, pending: PendingChange, name: str, comment: str = "") -> workflow.Transition:
    transition = TRANSITIONS.get(name)
    if transition is None:
        known = workflow.TRANSITIONS.get(name)
        reason = known and not workflow.user_may(user, known) and workflow.refusal(user, pending, known)
        raise PendingRefused(
            reason or f"“{name}” is not a move of a pending change: publish or discard the change first.",
            code="unknown_transition",
        )
    reason = workflow.refusal(user, pending, transition, comment)
    if reason:
        raise PendingRefused(reason.replace("articles can be", "changes can be"), code="transition_refused")
    return transition


# The sandbox


class Rollback(Exception):
    """Raised at the end of a sandbox to undo what was written in it."""


@contextmanager
def rolled_back():
    """A savepoint that is always rolled back: what is written in it is read there, then undone."""
    try:
        with transaction.atomic(), caching.writes_undone():
            yield
            raise Rollback
    except Rollback:
        pass


@contextmanager
def sandbox(article: Article):
    """A savepoint that is always rolled back, with the article's pending change (if any) applied in it.

    Yields a namespace: ``pending`` (the stored change, or None) and
    ``content`` (set by ``capture``: the content to store once the sandbox is
    gone). Writes in it send no signal of their own (``apply``), so readers'
    caches are not touched by looking at a pending change.
    """
    box = SimpleNamespace(article=article, pending=None, content=None, live=None)
    with rolled_back():
        box.live = Article.objects.get(pk=article.pk)
        box.pending = PendingChange.objects.filter(article=box.live).first()
        if box.pending is not None:
            apply(article.pk, box.pending.snapshot)
            # The form's version stamp (Article.edit_token) counts the pending change's saves too: a save of a form
            # opened before someone else saved the change is refused, as for the live story.
            Article.objects.filter(pk=article.pk).update(version=F("version") + SAVES_STAMP * box.pending.saves)
        yield box


def capture(box) -> None:
    """Inside a sandbox: the article as it now stands there is the pending change's content."""
    box.content = revisions.snapshots([box.article.pk], with_ids=True)[box.article.pk][1]
    # A topic typed into the form is made in the sandbox and undone with it: ``store`` makes it again by name.
    box.topic_names = dict(Topic.objects.filter(pk__in=box.content.get("topics", [])).values_list("pk", "name"))


def kept_topics(topic_names: dict[int, str]) -> list[int]:
    """After the sandbox: the ids of the captured topics, each made again (by its name) if it was made there."""
    existing = set(Topic.objects.filter(pk__in=list(topic_names)).values_list("pk", flat=True))
    return [pk if pk in existing else Topic.for_name(name).pk for pk, name in topic_names.items()]


def apply(article_id: int, content: dict) -> None:
    """Write a snapshot's content to the article's rows, keeping the ids of its parts; no signals are sent."""
    fields = {f.attname: revisions.value_for(f, content) for f in revisions.content_fields(Article)}
    fields["body_html"] = body_html_or_note(fields["body"], fields["title"])
    Article.objects.filter(pk=article_id).update(**fields)
    through = Article.topics.through
    through.objects.filter(article_id=article_id).delete()
    through.objects.bulk_create([through(article_id=article_id, topic_id=pk) for pk in content.get("topics", [])])
    for name, nested in revisions.PARTS.items():
        relation = Article._meta.get_field(name)
        put_parts(relation.related_model, relation.field.attname, article_id, content.get(name, []), nested)


def put_parts(model, parent_attname: str, parent_id: int, parts: list[dict], nested: dict) -> None:
    manager = model._default_manager
    existing = set(manager.filter(**{parent_attname: parent_id}).values_list("pk", flat=True))
    drop_parts(model, existing - {values.get("id") for values in parts}, nested)
    for values in parts:
        fields = {f.attname: revisions.value_for(f, values) for f in revisions.content_fields(model)}
        fields[parent_attname] = parent_id
        pk = values.get("id")
        if pk in existing:
            manager.filter(pk=pk).update(**fields)
        else:
            # A new part keeps the id it had when the change was saved, unless another row took it since.
            free = pk is not None and not manager.filter(pk=pk).exists()
            part = model(pk=pk if free else None, **fields)
            manager.bulk_create([part])
            if part.pk is None:
                part = manager.filter(**{parent_attname: parent_id}).order_by("-pk").first()
            pk = part.pk
        for name, inner in nested.items():
            relation = model._meta.get_field(name)
            put_parts(relation.related_model, relation.field.attname, pk, values.get(name, []), inner)


def drop_parts(model, ids, nested: dict) -> None:
    if not ids:
        return
    for name, inner in nested.items():
        relation = model._meta.get_field(name)
        children = relation.related_model._default_manager.filter(**{f"{relation.field.attname}__in": ids})
        drop_parts(relation.related_model, list(children.values_list("pk", flat=True)), inner)
    rows = model._default_manager.filter(pk__in=list(ids))
    rows._raw_delete(rows.db)


# Storing and moving


def without_ids(content: dict) -> dict:
    """A pending snapshot as a revision's: the parts' row ids left out."""
    if isinstance(content, dict):
        return {key: without_ids(value) for key, value in content.items() if key != "id"}
    if isinstance(content, list):
        return [without_ids(value) for value in content]
    return content


def store(box, *, by, at=None) -> PendingChange | None:
    """After a sandbox in which ``capture`` was called: save its content as the article's pending change.

    A first save that changes nothing of the live story stores nothing.
    """
    if box.content is None:
        return None
    at = at or timezone.now()
    pending = box.pending
    box.content["topics"] = sorted(kept_topics(box.topic_names))
    _, data = revisions.pack(box.content)
    if pending is None:
        base = live_digest(box.article.pk)
        if revisions.pack(without_ids(box.content))[0] == base:
            return None
        pending = PendingChange.objects.create(
            article_id=box.article.pk,
            created_by=by,
            created_at=at,
            updated_by=by,
            updated_at=at,
            data=data,
            base_digest=base,
        )
        message = "Started a pending change."
    else:
        PendingChange.objects.filter(pk=pending.pk).update(
            data=data, updated_by=by, updated_at=at, saves=pending.saves + 1
        )
        pending.refresh_from_db()
        message = "Saved the pending change."
    services.log(box.live, by=by, flag=CHANGE, message=message, at=at)
    box.article.pending_change = pending
    return pending


def text_changes(live: Article, content: dict) -> bool:
    """Whether the content changes the live story's headline, standfirst or body (so needs a correction)."""
    return live.is_live() and any(content.get(name, "") != getattr(live, name) for name in Correction.TEXT_FIELDS)


def check_correction(by, live: Article, content: dict, correction: tuple[str, str] | None) -> None:
    if text_changes(live, content):
        refused = services.correction_refusal(by, *(correction or ("", "")))
        if refused is not None:
            raise refused


@transaction.atomic
def move(*, article: Article, name: str, by, comment: str = "", correction=None, at=None):
    """Move the article's pending change along one transition; publishing it applies it (``publish``)."""
    locked = Article.objects.select_for_update().get(pk=article.pk)
    presence.check_lock(locked.pk, by)  # submit and send back write no content: the services would not ask
    pending = PendingChange.objects.select_for_update().filter(article=locked).first()
    if pending is None:
        raise PendingRefused(f"“{locked}” has no pending change.", code="no_pending_change")
    transition = check_transition(by, pending, name, comment)
    at = at or timezone.now()
    comment = comment.strip()
    if transition is PUBLISH:  # a pending change is published once: its id names the event
        saved = publish(article=locked, pending=pending, by=by, correction=correction, comment=comment, at=at)
        event = notifications.event_key("pending-published", pending.pk)
    else:
        PendingChange.objects.filter(pk=pending.pk).update(status=transition.target, comment=comment)
        message = f"{transition.label}." + (f" Comment: {comment}" if comment else "")
        saved, entry = locked, services.log(locked, by=by, flag=CHANGE, message=message, at=at)
        event = notifications.event_key("pending", entry.pk)
    notifications.moved(
        saved,
        name=transition.name,
        by=by,
        comment=comment,
        event=event,
        at=at,
        submitters=[pending.created_by, pending.updated_by],  # the change's people (the actor is never told)
        pending=True,
    )
    return saved


def save_content(article: Article, content: dict, *, by, message: str, at, correction, revision_kind="") -> Article:
    """Give the article a snapshot's content through ``services.article_save``, as a revert does: every rule of an
    edit, the correction asked when it changes a live story's text."""
    corrects = text_changes(article, content)  # before restore() gives the article the new text
    restored, topics, parts, removed = revisions.restore(article, SimpleNamespace(snapshot=content, number="—"))
    return services.article_save(
        article=restored,
        by=by,
        seen_token=None,
        is_edit=True,
        topics=topics,
        parts=parts,
        removed_parts=removed,
        message=message,
        at=at,
        revision_kind=revision_kind,
        correction=correction if corrects else None,
        require_correction=True,
    )


def live_digest(article_id: int) -> str:
    """The digest of the live story's content as it is stored now (what a pending change is based on)."""
    return revisions.pack(revisions.snapshot(article_id))[0]


def publish(*, article: Article, pending: PendingChange, by, correction, comment: str, at) -> Article:
    """Apply the pending change to the live story; the change is then gone.

    Refused when the live story changed since the change was started (a newer seed file, a conflict settled with
    the feed's version, a revert): the change's snapshot would undo it. The change stays, to be discarded or
    redone on the live story as it now is.
    """
    if pending.base_digest and pending.base_digest != live_digest(article.pk):
        raise PendingRefused(
            f"The live story “{article}” changed since this pending change was started, and publishing the change "
            "would undo that. The pending change is kept: discard it and make the change again on the live story, "
            "or compare it with the live version and redo what is still needed.",
            code="live_changed",
        )
    content = pending.snapshot
    check_correction(by, article, content, correction)
    message = "Published the pending change." + (f" Comment: {comment.strip()}" if comment.strip() else "")
    saved = save_content(article, content, by=by, message=message, at=at, correction=correction)
    pending.delete()
    return saved


@transaction.atomic
def discard(*, article: Article, by) -> None:
    locked = Article.objects.select_for_update().get(pk=article.pk)
    presence.check_lock(locked.pk, by)
    pending = PendingChange.objects.filter(article=locked).first()
    if pending is None:
        raise PendingRefused(f"“{locked}” has no pending change.", code="no_pending_change")
    if not may_discard(by, pending):
        raise PendingRefused(
            "Only an editor or the person who started a pending change may discard it.", code="discard_refused"
        )
    pending.delete()
    # A form opened on the discarded change must not be taken for one on the next (its stamp counts saves).
    Article.objects.filter(pk=locked.pk).update(version=F("version") + 1)
    services.log(locked, by=by, flag=CHANGE, message="Discarded the pending change.", at=timezone.now())


@transaction.atomic
def propose_revert(*, article: Article, revision, by) -> PendingChange | None:
    """A revert made as a pending change (a writer's revert of a live story): the revision's content, proposed."""
    locked = Article.objects.select_for_update().get(pk=article.pk)
    reason = proposal_refusal(by, locked)
    if reason:
        raise PendingRefused(reason, code="proposal_refused")
    others = PendingChange.objects.filter(article=locked).exclude(updated_by=by).select_related("updated_by").first()
    if others is not None:  # a pending change keeps no history: replacing someone's would lose their work
        raise PendingRefused(
            f"{services.person(others.updated_by)} has a pending change open on this story; a revert would replace "
            "it. Publish or discard it first.",
            code="pending_open",
        )
    with sandbox(locked) as box:
        services.article_revert(article=locked, revision=revision, by=by, seen_token=None, proposal=True)
        capture(box)
    return store(box, by=by)
