"""Editorial writes: saving an edit and moving an article through the workflow.

Each function is atomic, locks the article's row, checks the rules in
``articles.workflow`` again (whoever called it), and records what it did in
Django's admin log (the article's History), a transition in the article's
workflow history too. Readers' cached pages go stale once it commits
(``articles.caching``).
"""

import json
from collections.abc import Iterable
from datetime import datetime

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format

from . import notifications, presence, revisions, workflow
from .caching import articles_changed, embargo_changed
from .forms import LINE_BREAK
from .models import (
    Article,
    ArticleAuthor,
    ArticleImage,
    ArticleTransition,
    Correction,
    RelatedLink,
    Revision,
    Topic,
)
from .search import refresh_search_index


class EditConflict(ValidationError):
    """Someone saved the article after the form was opened; the message says who and when."""


def person(user) -> str:
    if user is None:
        return "someone whose account has since been deleted"
    return user.get_full_name() or user.get_username()


def last_change(article: Article) -> tuple[str, datetime | None]:
    """Who last wrote the article, and when: a person's save, a transition or the seed import.

    Every save and every transition is in the admin log, at the time of its
    write; a transition is named as such rather than as its own log entry.
    """
    candidates = []  # (when, rank on a tie, who)
    if article.imported_at:
        candidates.append((article.imported_at, 0, "the seed import updated it"))
    entry = (
        LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Article), object_id=str(article.pk))
        .select_related("user")
        .order_by("-action_time", "-id")
        .first()
    )
    if entry:
        candidates.append((entry.action_time, 1, f"{person(entry.user)} saved it"))
    latest = article.transitions.select_related("by").first()
    if latest:
        candidates.append((latest.at, 2, f"{person(latest.by)} {workflow.TRANSITIONS[latest.name].done} it"))
    if not candidates:
        return "someone changed it", None
    when, _, who = max(candidates, key=lambda candidate: candidate[:2])
    return who, when


def correction_refusal(by, kind: str, note: str) -> ValidationError | None:
    """Why a correction of this kind and note may not go with a save (errors by form field), or None.

    Every kind but a silent fix needs a note readers will see; a silent fix
    (typos) is for editors only, who answer for what readers are not told.
    """
    if kind not in Correction.Kind.values:
        return ValidationError(
            {
                "correction_kind": ValidationError(
                    "This changes the text of a live story: say what kind of change it is.",
                    code="correction_kind_required",
                )
            }
        )
    if kind == Correction.Kind.SILENT:
        if not workflow.may_fix_silently(by):
            return ValidationError(
                {"correction_kind": ValidationError("Only editors may make a silent fix.", code="silent_fix_refused")}
            )
    elif not note.strip():
        label = Correction.Kind(kind).label
        return ValidationError(
            {
                "correction_note": ValidationError(
                    f"A {label.lower()} needs a note: readers see it under the story, with its date.",
                    code="correction_note_required",
                )
            }
        )
    return None


def changes_live_text(article: Article, current: Article, at=None) -> bool:
    """Whether saving ``article`` changes the headline, standfirst or body of the live story ``current``."""
    if current.pk is None or not current.is_live(at):
        return False
    return any(getattr(article, name) != getattr(current, name) for name in Correction.TEXT_FIELDS)


def edit_conflict(current: Article) -> EditConflict:
    who, when = last_change(current)
    at = f" at {date_format(timezone.localtime(when), 'DATETIME_FORMAT')}" if when else ""
    return EditConflict(
        f"Not saved: {who}{at}, after you opened this page. Nothing was overwritten. "
        "Reload the page to see the current version, then make your changes again.",
        code="edit_conflict",
    )


@transaction.atomic
def article_save(
    *,
    article: Article,
    by,
    seen_token: str | None,
    is_edit: bool,
    topics: Iterable[Topic] | None = None,
    new_topic_names: Iterable[str] = (),
    parts: Iterable[ArticleImage | RelatedLink | ArticleAuthor] = (),
    removed_parts: Iterable[ArticleImage | RelatedLink | ArticleAuthor] = (),
    message: str | list = "",
    at: datetime | None = None,
    revision_kind: str = "",
    reverted_from: Revision | None = None,
    correction: tuple[str, str] | None = None,
    require_correction: bool = False,
    proposal: bool = False,
) -> Article:
    """Save a person's change of an article: its fields, its topics and its parts (images, related links).

    The one write path for an article's content, whatever the door: the row
    is locked, the token (``seen_token``, from the page the person opened)
    and the rules are checked, then everything is written together. The
    status never changes here: it moves by transitions only. ``is_edit``: the
    save changes the content (not only the schedule), so it is stamped with
    edited_at/edited_by, which the importer respects. A save that changes
    nothing writes nothing. Each save adds one to the version and one entry
    to the admin's log (the article's History); a change of content, one
    revision (``articles.revisions``).

    A new article gets its creator (``by``) as its byline unless the parts
    name authors. ``new_topic_names`` are topics the writer typed: each is
    the existing topic with the same key (case and spacing folded) or a new
    one, spelled as typed, and is added to ``topics``. The category text
    follows the managed category (``section``) when a person changes it.

    ``correction``: (kind, note) for a change to a live story's headline,
    standfirst or body, stored as a ``Correction`` with the save's revision;
    ``require_correction``: refuse such a change without one (the admin form
    asks for it). A correction given with a save that changes no live text
    is not stored: there is nothing to correct.

    ``proposal``: the save is a pending change's, made in the sandbox of
    ``articles.pending`` (rolled back there): the rule is who may propose a
    change to the live story, and no correction is asked (it is asked when the
    change is published).
    """
    adding = article.pk is None
    if adding:
        current = Article(status=Article.Status.DRAFT)
    else:
        current = Article.objects.select_for_update(of=("self",)).select_related("edited_by").get(pk=article.pk)
        presence.check_lock(current.pk, by)  # another's lock first: the stale-save refusal is the last line
        if seen_token is not None and current.edit_token != seen_token:
            raise edit_conflict(current)
    if proposal:
        from .pending import proposal_refusal  # pending builds on this module

        reason = proposal_refusal(by, current)
    else:
        reason = workflow.edit_refusal(by, current)
    if reason:
        raise ValidationError(reason, code="edit_refused")
    schedule = (article.go_live_at, article.expires_at)
    rescheduled = schedule != (current.go_live_at, current.expires_at)
    if rescheduled:
        workflow.check_schedule(by, *schedule)
    reassigned = assignment_of(article) != assignment_of(current)
    if reassigned and not workflow.may_assign(by):
        raise ValidationError("Only editors may assign stories and set due times.", code="assign_refused")
    if (article.embargo_until, article.embargo_reason) != (current.embargo_until, current.embargo_reason):
        workflow.check_embargo(by, current, article.embargo_until)
        embargo_changed(current.embargo_until, article.embargo_until)
        rescheduled = True
    if not (adding or is_edit or rescheduled or reassigned):
        return article
    at = at or timezone.now()
    corrects = is_edit and not proposal and changes_live_text(article, current, at)
    if corrects and (correction is not None or require_correction):
        refused = correction_refusal(by, *(correction or ("", "")))
        if refused is not None:
            raise refused
    if is_edit and not adding:
        revisions.before_change([current.pk], at=at)
    article.status = current.status
    article.version = 0 if adding else current.version + 1
    if is_edit:
        article.edited_at = at
        article.edited_by = by
    if article.section_id != current.section_id:
        article.category = article.section.name if article.section_id else ""
    parts = list(parts)
    if adding and not any(isinstance(part, ArticleAuthor) for part in parts):
        parts.append(ArticleAuthor(user=by, position=0))
    article.save()
    new_topics = [Topic.for_name(name) for name in new_topic_names if name.strip()]
    if new_topics:
        topics = [*(article.topics.all() if topics is None else topics), *new_topics]
    if topics is not None:
        article.topics.set(topics)
    for part in removed_parts:
        own_part(article, part).delete()
    for part in parts:
        own_part(article, part).save()
        revisions.save_nested(part)
    if not message:
        message = [{"added": {}}] if adding else "Changed the content." if is_edit else "Changed the schedule."
    if adding or is_edit or rescheduled:
        log(article, by=by, flag=ADDITION if adding else CHANGE, message=message, at=at)
    if reassigned:
        record_assignment(article, current, by=by, at=at)
    if adding or is_edit:
        kind = revision_kind or (Revision.Kind.ADDED if adding else Revision.Kind.EDITED)
        revision = revisions.record(article, kind=kind, by=by, at=at, reverted_from=reverted_from)
        if corrects and correction is not None:
            kind, note = correction
            note = LINE_BREAK.sub("\n", note).strip()
            Correction.objects.create(article=article, kind=kind, note=note, at=at, by=by, revision=revision)
    return article


def assignment_of(article: Article) -> tuple:
    return (article.assignee_id, article.due_at)


def record_assignment(article: Article, current: Article, *, by, at: datetime) -> None:
    """A change of assignee or due time: its own entry in the History, and the new assignee is told."""
    parts = []
    if article.assignee_id != current.assignee_id:
        was = f" (was {person(current.assignee)})" if current.assignee_id else ""
        parts.append(f"Assigned to {person(article.assignee)}{was}." if article.assignee_id else "Unassigned.")
    if article.due_at != current.due_at:
        due = date_format(timezone.localtime(article.due_at), "DATETIME_FORMAT") if article.due_at else None
        parts.append(f"Due {due}." if due else "No due time.")
    entry = log(article, by=by, flag=CHANGE, message=" ".join(parts), at=at)
    if article.assignee_id != current.assignee_id:
        notifications.assigned(article, by=by, log_entry_id=entry.pk, at=at)


def own_part(article: Article, part: ArticleImage | RelatedLink) -> ArticleImage | RelatedLink:
    """The part, attached to ``article``; a part of another article is refused (a crafted form)."""
    if part.pk is not None and part.article_id != article.pk:
        raise ValueError(f"{part._meta.verbose_name} {part.pk} belongs to another article")
    part.article = article
    return part


def log(article: Article, *, by, flag: int, message: str | list, at: datetime) -> LogEntry:
    """An entry in Django's admin log (the article's History page), at the time of the write it records."""
    return LogEntry.objects.create(
        action_time=at,
        user_id=by.pk,
        content_type=ContentType.objects.get_for_model(article),
        object_id=str(article.pk),
        object_repr=str(article)[:200],
        action_flag=flag,
        change_message=json.dumps(message) if isinstance(message, list) else message,
    )


@transaction.atomic
def article_transition(
    *,
    article: Article,
    name: str,
    by,
    comment: str = "",
    at: datetime | None = None,
    go_live_at=None,
    embargo_override: str = "",
) -> ArticleTransition:
    """Move the article along one transition, if the rules allow it; record it in history and the admin log.

    Publishing an article with no publication date dates it with the moment it
    goes live: its go-live time when that is still to come (``go_live_at``, or
    the one stored), else now.

    Publishing a story under embargo is refused unless it goes live at or
    after the lift, or an editor overrides the embargo with a reason
    (``embargo_override``): the embargo is then lifted, and the transition
    records the time it had and the reason.
    """
    locked = Article.objects.select_for_update().get(pk=article.pk)
    presence.check_lock(locked.pk, by)
    transition = workflow.check_transition(user=by, article=locked, name=name, comment=comment)
    at = at or timezone.now()
    dated = {}
    overridden = {}
    if transition.target == Article.Status.PUBLISHED:
        refused = workflow.embargo_refusal(by, locked, at=at, go_live_at=go_live_at, override=embargo_override)
        if refused:
            raise workflow.TransitionRefused(refused, code="embargo_refused")
        if workflow.breaks_embargo(locked, at=at, go_live_at=go_live_at):
            overridden = {"embargo_overridden": locked.embargo_until, "override_reason": embargo_override.strip()}
    if transition.target == Article.Status.PUBLISHED and locked.published_at is None:
        # An undated story would sink below every dated one: it is dated the moment it goes live.
        goes_live = go_live_at or locked.go_live_at
        dated["published_at"] = goes_live if goes_live and goes_live > at else at
    revisions.before_change([locked.pk], at=at)
    record = ArticleTransition.objects.create(
        article=locked,
        name=transition.name,
        from_status=locked.status,
        to_status=transition.target,
        by=by,
        at=at,
        comment=comment.strip(),
        **overridden,
    )
    lifted = {"embargo_until": None} if overridden else {}
    Article.objects.filter(pk=locked.pk).update(
        status=transition.target, version=F("version") + 1, updated_at=at, **dated, **lifted
    )
    articles_changed([locked.pk], scheduled=locked.reader_moments)  # update() sends no signal
    if overridden:
        embargo_changed()  # lifted: related coverage on other stories' pages shows it now
    if dated:
        refresh_search_index([locked.pk])  # the index is keyed by the publication time
    article.status = transition.target
    article.version = locked.version + 1
    if dated:
        article.published_at = dated["published_at"]
    message = f"{transition.label}: {record}."
    if record.comment:
        message += f" Comment: {record.comment}"
    if overridden:
        article.embargo_until = None
        message += f" Embargo until {record.embargo_overridden.isoformat()} overridden: {record.override_reason}"
    log(locked, by=by, flag=CHANGE, message=message, at=at)
    revisions.record(locked, kind=Revision.Kind.TRANSITION, by=by, at=at, skip_unchanged=False, transition=record)
    notifications.transition_made(record, locked)
    return record


def article_submit_for_review(*, article: Article, by, comment: str = "") -> ArticleTransition:
    return article_transition(article=article, name=workflow.SUBMIT_FOR_REVIEW.name, by=by, comment=comment)


@transaction.atomic
def article_publish(
    *,
    article: Article,
    by,
    go_live_at: datetime | None = None,
    expires_at: datetime | None = None,
    comment: str = "",
    embargo_override: str = "",
) -> ArticleTransition:
    """Publish now, or at ``go_live_at``; hide again from ``expires_at``. Readers' pages check both at read time.

    Under embargo: see ``article_transition`` (``embargo_override``)."""
    if go_live_at or expires_at:
        workflow.check_schedule(by, go_live_at, expires_at)
    record = article_transition(
        article=article,
        name=workflow.PUBLISH.name,
        by=by,
        comment=comment,
        go_live_at=go_live_at,
        embargo_override=embargo_override,
    )
    if go_live_at or expires_at:
        article.go_live_at, article.expires_at = go_live_at, expires_at
        Article.objects.filter(pk=article.pk).update(go_live_at=go_live_at, expires_at=expires_at)
        articles_changed([article.pk], scheduled=(go_live_at, expires_at))
    return record


def article_send_back(*, article: Article, by, comment: str) -> ArticleTransition:
    return article_transition(article=article, name=workflow.SEND_BACK.name, by=by, comment=comment)


def article_unpublish(*, article: Article, by, comment: str = "") -> ArticleTransition:
    return article_transition(article=article, name=workflow.UNPUBLISH.name, by=by, comment=comment)


def article_archive(*, article: Article, by, comment: str = "") -> ArticleTransition:
    return article_transition(article=article, name=workflow.ARCHIVE.name, by=by, comment=comment)


def article_restore(*, article: Article, by, comment: str = "") -> ArticleTransition:
    return article_transition(article=article, name=workflow.RESTORE.name, by=by, comment=comment)


@transaction.atomic
def article_revert(
    *, article: Article, revision: Revision, by, seen_token: str | None, correction=None, proposal: bool = False
) -> Article:
    """Give the article a revision's content again: a new revision, saved by the same rules as an edit.

    ``correction``: (kind, note) when it changes a live story's text, as for an edit; ``proposal``: see
    ``article_save`` (a revert made as a pending change, ``articles.pending.propose_revert``).
    """
    if revision.article_id != article.pk:
        raise ValueError(f"revision {revision.pk} belongs to another article")
    latest_digest = revisions.latest([article.pk]).get(article.pk, (0, None, None))[1]
    if not revision.digest or revision.digest == latest_digest:
        raise ValidationError(
            f"Revision {revision.number} is what the article holds now: there is nothing to revert.",
            code="revert_unchanged",
        )
    restored, topics, parts, removed = revisions.restore(Article.objects.get(pk=article.pk), revision)
    return article_save(
        article=restored,
        by=by,
        seen_token=seen_token,
        is_edit=True,
        topics=topics,
        parts=parts,
        removed_parts=removed,
        message=f"Reverted to revision {revision.number}.",
        revision_kind=Revision.Kind.REVERTED,
        reverted_from=revision,
        correction=correction,
        require_correction=not proposal,
        proposal=proposal,
    )
