"""Notes on an article and their ``@username`` mentions: adding and resolving (issue 15).

Notes are the desk's talk about a story, not its content: they record no
revision and do not change the article's version, so writing one never makes
a colleague's open form stale. Who may write them is decided by the admin
(anyone who may see the article there); these functions write.
"""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import notifications
from .forms import LINE_BREAK
from .models import Article, ArticleNote

# @ then a username (Django's: letters, digits and @.+-_), not inside a word or an e-mail address.
MENTION = re.compile(r"(?<![\w@.+-])@([\w.@+-]+)")
MAX_LENGTH = 5000


def mentioned_names(text: str) -> list[str]:
    """The usernames written as @username, in order, once each; a sentence's full stop is not part of one."""
    names = []
    for match in MENTION.finditer(text):
        name = match[1].rstrip(".-")
        if name and name not in names:
            names.append(name)
    return names


def mentioned_users(text: str) -> list:
    """The people the text mentions who have an account and may see articles; other @words stay text."""
    names = mentioned_names(text)
    if not names:
        return []
    return list(notifications.may_see_articles().filter(username__in=names))


@transaction.atomic
def add_note(*, article: Article, by, text: str, parent: ArticleNote | None = None) -> ArticleNote:
    """Write a note (a reply when ``parent`` is given); the people it mentions are told once it commits."""
    text = LINE_BREAK.sub("\n", text).strip()
    if not text:
        raise ValidationError("Write something: an empty note says nothing.", code="note_empty")
    if len(text) > MAX_LENGTH:
        raise ValidationError(f"A note is at most {MAX_LENGTH:,} characters.", code="note_too_long")
    if parent is not None and parent.article_id != article.pk:
        raise ValidationError("That note belongs to another article.", code="note_parent")
    note = ArticleNote.objects.create(article=article, author=by, text=text, parent=parent, created_at=timezone.now())
    users = mentioned_users(text)
    if users:
        note.mentions.set(users)
        notifications.mentioned(note, users)
    return note


@transaction.atomic
def resolve_note(*, note: ArticleNote, by, resolved: bool = True) -> ArticleNote:
    """Mark a thread resolved (or open again): its first note holds the state for the whole thread."""
    note = ArticleNote.objects.select_for_update().get(pk=note.pk)
    while note.parent_id is not None:
        note = note.parent
    if resolved and note.resolved_at is None:
        note.resolved_at, note.resolved_by = timezone.now(), by
    elif not resolved:
        note.resolved_at, note.resolved_by = None, None
    note.save(update_fields=["resolved_at", "resolved_by"])
    return note


def threads(article: Article) -> list[tuple[ArticleNote, int]]:
    """The article's notes as (note, depth) in reading order: each thread's first note, then its replies."""
    notes = list(article.notes.select_related("author", "resolved_by"))
    children: dict[int | None, list[ArticleNote]] = {}
    for note in notes:
        children.setdefault(note.parent_id, []).append(note)
    ordered = []

    def walk(parent_id, depth):
        for note in children.get(parent_id, []):
            ordered.append((note, depth))
            walk(note.pk, depth + 1)

    walk(None, 0)
    return ordered
