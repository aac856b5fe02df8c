"""The editorial workflow: the states an article moves through, the transitions
between them, and who may make them and who may edit what.

This module is the one place these rules live. The admin's change form, its
bulk actions and the services in ``articles/services.py`` all ask it, so a
crafted request meets the same rules as a button. It only decides; writes
happen in ``articles.services``. docs/WORKFLOW.md has the permission matrix.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format

from .models import Article

Status = Article.Status

PUBLISH_PERMISSION = "articles.publish_article"
REVIEW_PERMISSION = "articles.review_article"
ARCHIVE_PERMISSION = "articles.archive_article"
CHANGE_PERMISSION = "articles.change_article"


@dataclass(frozen=True)
class Transition:
    name: str
    label: str  # what the button says
    done: str  # what happened, for messages: "“Title” was {done}."
    sources: tuple[str, ...]
    target: str
    permission: str
    comment_required: bool = False

    def __str__(self):
        return self.label


SUBMIT_FOR_REVIEW = Transition(
    "submit_for_review", "Submit for review", "submitted for review", (Status.DRAFT,), Status.REVIEW, CHANGE_PERMISSION
)
PUBLISH = Transition(
    "publish", "Publish", "published", (Status.DRAFT, Status.REVIEW), Status.PUBLISHED, PUBLISH_PERMISSION
)
SEND_BACK = Transition(
    "send_back", "Send back", "sent back", (Status.REVIEW,), Status.DRAFT, REVIEW_PERMISSION, comment_required=True
)
UNPUBLISH = Transition("unpublish", "Unpublish", "unpublished", (Status.PUBLISHED,), Status.DRAFT, PUBLISH_PERMISSION)
ARCHIVE = Transition(
    "archive",
    "Archive",
    "archived",
    (Status.DRAFT, Status.REVIEW, Status.PUBLISHED),
    Status.ARCHIVED,
    ARCHIVE_PERMISSION,
)
RESTORE = Transition("restore", "Restore", "restored", (Status.ARCHIVED,), Status.DRAFT, ARCHIVE_PERMISSION)

TRANSITIONS: dict[str, Transition] = {
    t.name: t for t in (SUBMIT_FOR_REVIEW, PUBLISH, SEND_BACK, UNPUBLISH, ARCHIVE, RESTORE)
}

# Who may do each transition, in words, for refusal messages.
WHO_MAY = {
    CHANGE_PERMISSION: "writers and editors",
    PUBLISH_PERMISSION: "editors",
    REVIEW_PERMISSION: "editors",
    ARCHIVE_PERMISSION: "editors",
}


class TransitionRefused(ValidationError):
    """A transition the rules do not allow; the message says why, for the person who tried."""


class ScheduleRefused(ValidationError):
    """A go-live or expiry time the person may not set, or one that cannot be; the message says which."""


def user_may(user, transition: Transition) -> bool:
    """Whether the user holds the permission for a transition, whatever the article's state."""
    return bool(user and user.is_active and user.has_perm(transition.permission))


def may_schedule(user) -> bool:
    """Go-live and expiry times decide what readers see, so they belong to those who may publish."""
    return bool(user and user.is_active and user.has_perm(PUBLISH_PERMISSION))


def may_fix_silently(user) -> bool:
    """A silent fix changes what readers saw without telling them: only those who may publish may make one."""
    return may_schedule(user)


def may_assign(user) -> bool:
    """Who has a story and by when is the desk's call: editors (who may send back) assign and set due times.

    Writers see both, read-only, and ask an editor; a writer taking stories
    on their own would make "assigned to me" mean nothing to the desk.
    """
    return bool(user and user.is_active and user.has_perm(REVIEW_PERMISSION))


def check_schedule(user, go_live_at, expires_at) -> None:
    """Raise ScheduleRefused unless the user may set these times (either may be empty) and they can be."""
    if not may_schedule(user):
        raise ScheduleRefused("You may not schedule articles: only editors may.", code="schedule_refused")
    if go_live_at and expires_at and expires_at <= go_live_at:
        raise ScheduleRefused(
            {
                "expires_at": ValidationError(
                    "The expiry time must be after the go-live time.", code="expiry_before_go_live"
                )
            }
        )


def may_override_embargo(user) -> bool:
    """Breaking an embargo is an editor's decision, never a writer's."""
    return may_schedule(user)


def check_embargo(user, current: Article, until) -> None:
    """Raise ScheduleRefused unless the user may set the embargo time ``until`` on ``current`` (as stored).

    Anyone who may edit may put a story under embargo, or make its embargo
    later; only editors may lift one or bring it forward.
    """
    if current.embargo_until is None or may_override_embargo(user):
        return
    if until is None or until < current.embargo_until:
        raise ScheduleRefused(
            {"embargo_until": ValidationError("Only editors may lift or shorten an embargo.", code="embargo_refused")}
        )


def breaks_embargo(article: Article, *, at, go_live_at=None) -> bool:
    """Whether publishing ``article`` at ``at`` (going live at ``go_live_at`` or its own) would precede its embargo."""
    goes_live = go_live_at or article.go_live_at or at
    return article.is_embargoed(at) and goes_live < article.embargo_until


def embargo_refusal(user, article: Article, *, at, go_live_at=None, override: str = "") -> str | None:
    """Why publishing ``article`` now would break its embargo, or None: not embargoed, going live at or
    after the lift, or an editor's override with a reason (``override``)."""
    if not breaks_embargo(article, at=at, go_live_at=go_live_at):
        return None
    lifts = date_format(timezone.localtime(article.embargo_until), "DATETIME_FORMAT")
    if not may_override_embargo(user):
        return f"“{article}” is under embargo until {lifts}: only editors may publish it before then."
    if not override.strip():
        return (
            f"“{article}” is under embargo until {lifts}. Publish it with a go-live time at or after then, "
            "or give a reason to override the embargo (it is lifted, and your reason recorded)."
        )
    return None


def edit_refusal(user, article: Article | None) -> str | None:
    """Why the user may not change the article's content, or None if they may.

    The content is the article's own fields and its parts (images, related
    links): one rule for all of them. ``None`` is an article not yet saved.
    Writers change drafts only. A published article is refused rather than
    edited in place: readers would otherwise see a change no editor approved.
    """
    if not (user and user.is_active and user.has_perm(CHANGE_PERMISSION)):
        return "You may not change articles."
    if article is None or article.pk is None or article.status == Status.DRAFT or user.has_perm(PUBLISH_PERMISSION):
        return None
    reasons = {
        Status.REVIEW: "it is in review. It can be changed again once an editor sends it back.",
        Status.PUBLISHED: (
            "it is published, and writers cannot change what readers see. "
            "Ask an editor to make the change, or to unpublish it back to draft."
        ),
        Status.ARCHIVED: "it is archived. Ask an editor to restore it to draft.",
    }
    return f"You cannot change “{article}”: {reasons[article.status]}"


def may_edit(user, article: Article | None) -> bool:
    return edit_refusal(user, article) is None


def refusal(user, article: Article, transition: Transition, comment: str = "") -> str | None:
    """Why the user may not make this transition now, or None if they may."""
    if not user_may(user, transition):
        return f"You may not {transition.label.lower()} articles: only {WHO_MAY[transition.permission]} may."
    if article.status not in transition.sources:
        allowed = " or ".join(Status(s).label.lower() for s in transition.sources)
        return (
            f"“{article}” cannot be {transition.done}: it is {article.get_status_display().lower()}, "
            f"and only {allowed} articles can be."
        )
    if transition.comment_required and not comment.strip():
        return f"Say why: a comment is required when an article is {transition.done}."
    return None


def get_transition(name: str) -> Transition:
    try:
        return TRANSITIONS[name]
    except KeyError:
        raise TransitionRefused(f"There is no transition called “{name}”.", code="unknown_transition") from None


def check_transition(*, user, article: Article, name: str, comment: str = "") -> Transition:
    """The transition, if the user may make it on this article now; else raise TransitionRefused."""
    transition = get_transition(name)
    reason = refusal(user, article, transition, comment)
    if reason:
        raise TransitionRefused(reason, code="transition_refused")
    return transition


def allowed_transitions(user, article: Article) -> list[Transition]:
    """The transitions this user may make on this article now, comment permitting."""
    return [t for t in TRANSITIONS.values() if user_may(user, t) and article.status in t.sources]
