"""Working on the same story at once (issue 15): who else has it open, who holds its lock, and what a refused
stale save offers instead of a bare "reload".

- Presence: each open change form sends a heartbeat every ``HEARTBEAT_SECONDS``
  (``presence_beat``); others are shown while their last one is younger than
  ``PRESENCE_SECONDS``. Rows in the database (``ArticlePresence``), so every
  process sees every heartbeat, with or without Redis.
- Locks: anyone who may edit the article may take a free lock; while it is
  held, ``services`` refuses everyone else's saves and transitions
  (``lock_refusal``). Its holder releases it; an editor may take it over, with
  a reason recorded in the article's History.
- The stale-save refusal (``services.EditConflict``) stays the last line of
  defence; ``three_way`` lays out what was posted, what is saved now and the
  revision the form was opened on.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.admin.models import CHANGE
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from . import revisions, workflow
from .compare import word_diff
from .models import Article, ArticleLock, ArticlePresence, Revision

HEARTBEAT_SECONDS = 20
PRESENCE_SECONDS = 60


class LockRefused(ValidationError):
    """A save, a transition or a lock the article's lock does not allow; the message says who holds it."""


def person(user) -> str:
    return user.get_full_name() or user.get_username()


def when(value) -> str:
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


def presence_beat(*, article: Article, user, at=None) -> None:
    """The person has the article's form open now. Entries older than ``PRESENCE_SECONDS``, of any article, go:
    the table holds only the forms open now, a few rows."""
    at = at or timezone.now()
    ArticlePresence.objects.update_or_create(article=article, user=user, defaults={"seen_at": at})
    ArticlePresence.objects.filter(seen_at__lte=at - timedelta(seconds=PRESENCE_SECONDS)).delete()


def others_here(article: Article, user, at=None) -> list[ArticlePresence]:
    """Who else has the article open now (a heartbeat within ``PRESENCE_SECONDS``), longest there first."""
    since = (at or timezone.now()) - timedelta(seconds=PRESENCE_SECONDS)
    rows = ArticlePresence.objects.filter(article=article, seen_at__gt=since).exclude(user=user)
    return list(rows.select_related("user").order_by("seen_at", "id"))


def lock_of(article_id) -> ArticleLock | None:
    return ArticleLock.objects.filter(article_id=article_id).select_related("by").first()


def lock_refusal(article_id, user, lock: ArticleLock | None = None) -> str | None:
    """Why the user may not save the article while its lock is held by someone else, or None."""
    lock = lock or lock_of(article_id)
    if lock is None or (user is not None and lock.by_id == user.pk):
        return None
    ask = "Ask them to release it" + (", or take it over." if may_take_over(user) else ".")
    return f"Not saved: {person(lock.by)} holds the lock on this article (since {when(lock.taken_at)}). {ask}"


def check_lock(article_id, user) -> None:
    reason = lock_refusal(article_id, user)
    if reason:
        raise LockRefused(reason, code="locked")


def may_take_over(user) -> bool:
    """Taking a lock from its holder is an editor's decision."""
    return workflow.may_schedule(user)


@transaction.atomic
def lock_take(*, article: Article, by, reason: str = "", at=None) -> ArticleLock:
    """Take the article's lock: free, or already ours; another's only by an editor with a reason (History)."""
    from .services import log  # services checks locks: imported here, not at the top

    refused = workflow.edit_refusal(by, article)
    if refused:
        raise LockRefused(refused, code="lock_refused")
    at = at or timezone.now()
    held = ArticleLock.objects.select_for_update().filter(article=article).select_related("by").first()
    if held is not None and held.by_id == by.pk:
        return held
    if held is not None:
        if not may_take_over(by):
            raise LockRefused(lock_refusal(article.pk, by, held), code="locked")
        if not reason.strip():
            raise LockRefused(
                f"{person(held.by)} holds the lock: say why you take it over.", code="takeover_reason_required"
            )
        message = f"Took over the lock from {person(held.by)}. Reason: {reason.strip()}"
        log(article, by=by, flag=CHANGE, message=message, at=at)
        held.delete()
    return ArticleLock.objects.create(article=article, by=by, taken_at=at)


def lock_release(*, article: Article, by) -> bool:
    """Release the lock if ``by`` holds it; whether there was one to release."""
    return ArticleLock.objects.filter(article=article, by=by).delete()[0] > 0


# The three-way view of a refused stale save


@dataclass
class ThreeWay:
    label: str
    started: str
    theirs: list[tuple[str, str]]  # word diff from the version started from
    yours: list[tuple[str, str]]


def three_way(form, current: Article, started_from: Revision | None) -> list[ThreeWay]:
    """Each field of the form that differs between what was posted (yours), what is saved now (theirs) and the
    revision the form was opened on; unchanged ones are left out. Values as text, diffs word by word."""
    started = revisions.content_of(started_from) if started_from else {}
    rows = []
    for field in revisions.content_fields(Article):
        name = field.name
        if name not in form.fields or field.is_relation:
            continue
        mine = "" if form.cleaned_data.get(name) is None else str(form.cleaned_data.get(name))
        theirs = "" if getattr(current, name) is None else str(getattr(current, name))
        base_value = revisions.value_for(field, started) if started else None
        base = "" if base_value is None else str(base_value)
        if mine == theirs == base or (mine == theirs and not started):
            continue
        label = str(form.fields[name].label or field.verbose_name)
        rows.append(ThreeWay(label, base, word_diff(base, theirs), word_diff(base, mine)))
    return rows


def started_from(article: Article, number) -> Revision | None:
    """The revision the form was opened on (its hidden ``seen_revision``), if it is still kept."""
    try:
        return Revision.objects.filter(article=article, number=int(number)).first()
    except (TypeError, ValueError):
        return None


def latest_revision_number(article: Article) -> int | None:
    return Revision.objects.filter(article=article).order_by("-number").values_list("number", flat=True).first()
