"""Highlighting: the passage of an article's text that best shows why it matched, its words marked."""

import re
import unicodedata

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .query import WORD, SearchQuery

MARKDOWN_NOISE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|<[^>]*>|[#*_>`|~]+")
SNIPPET_WORDS = 40  # about the 280 characters a card shows of an excerpt
SNIPPET_SOURCE_LIMIT = 20_000  # characters of text looked at


def body_text(markdown: str) -> str:
    """A Markdown body as plain words for a snippet: links become their text, markup goes."""
    return " ".join(MARKDOWN_NOISE.sub(lambda m: m.group(1) or " ", markdown[:SNIPPET_SOURCE_LIMIT]).split())


def fold(word: str) -> str:
    """A word as the index compares it: lower case, accents removed."""
    lowered = word.lower()
    if lowered.isascii():
        return lowered
    return "".join(char for char in unicodedata.normalize("NFD", lowered) if not unicodedata.combining(char))


def snippet(text: str, query: SearchQuery) -> SafeString | None:
    """The passage of ``text`` with the most of the query's words, those marked; None when none occurs.

    Every piece of the text is escaped and only ``<mark>`` elements are
    added, so nothing in an article can become markup. A last word that may
    be a prefix marks the longer words it begins only when it does not occur
    whole, as the search itself does.
    """
    length, text = len(text), text[:SNIPPET_SOURCE_LIMIT]
    words = list(WORD.finditer(text))
    folded = [fold(match.group()) for match in words]
    wanted = {fold(word) for phrase in query.wanted for word in phrase.words}
    prefixes = {fold(p.words[-1]) for p in query.wanted if p.prefix} - set(folded)
    hits = [i for i, word in enumerate(folded) if word in wanted or any(word.startswith(p) for p in prefixes)]
    if not hits:
        return None
    # The SNIPPET_WORDS-word window with the most hits (the earliest of equals), opening a few words before its first.
    first, most, end = hits[0], 0, 0
    for position, start in enumerate(hits):
        while end < len(hits) and hits[end] < start + SNIPPET_WORDS:
            end += 1
        if end - position > most:
            first, most = start, end - position
    start = max(0, first - 5)
    end = min(len(words), start + SNIPPET_WORDS)
    begin_at = words[start].start() if start else 0
    end_at = words[end - 1].end() if end < len(words) else len(text)
    pieces, cursor = [], begin_at
    for index in hits:
        if start <= index < end:
            match = words[index]
            pieces += [escape(text[cursor : match.start()]), f"<mark>{escape(match.group())}</mark>"]
            cursor = match.end()
    pieces.append(escape(text[cursor:end_at]))
    return mark_safe(("…" if begin_at else "") + "".join(pieces) + ("…" if end_at < length else ""))  # noqa: S308
