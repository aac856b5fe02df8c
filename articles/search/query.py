"""The reader's query language, parsed once into a ``SearchQuery`` that either engine can run.

As PostgreSQL's ``websearch_to_tsquery`` reads it: words (all must occur),
"quoted phrases", ``-word`` or ``-"a phrase"`` to leave out, ``OR`` between
alternatives. The last word, unless quoted or excluded, finds longer words
it begins when it is not a whole word of any article, as while the reader
types (``regul`` finds "regulation"). Anything else is text: the search is
rebuilt from the words found in it, each quoted, and never passed through,
so no input is a syntax error on either engine. Alternatives with only
excluded words are dropped: there is nothing to find them by.
"""

import re
from dataclasses import dataclass

PREFIX_MIN_LENGTH = 3  # a shorter last word only ever matches whole words
MAX_PHRASES = 16  # words and phrases kept from one search
MAX_WORDS = 16  # words kept from one phrase

WORD = re.compile(r"[^\W_]+")
# One item of the reader's text: an optional minus, then a "quoted phrase" (closed or not) or a bare word.
ITEM = re.compile(r'(-)?(?:"([^"]*)"?|([^\s"]+))')


@dataclass(frozen=True)
class Phrase:
    """Words that must follow one another; ``prefix``: the last may also begin a longer word."""

    words: tuple[str, ...]
    prefix: bool = False

    def fts5(self, prefixes: bool) -> str:
        # Words are letters and digits only: nothing in them needs escaping, in FTS5 or in to_tsquery.
        return '"' + " ".join(self.words) + '"' + (" *" if prefixes and self.prefix else "")

    def tsquery(self, prefixes: bool) -> str:
        star = ":*" if prefixes and self.prefix else ""
        return "(" + " <-> ".join(f"'{word}'" for word in self.words) + star + ")"


@dataclass(frozen=True)
class Group:
    """Phrases that must all occur, and phrases that must not."""

    include: tuple[Phrase, ...]
    exclude: tuple[Phrase, ...] = ()

    def fts5(self, prefixes: bool) -> str:
        found = " AND ".join(phrase.fts5(prefixes) for phrase in self.include)
        if not self.exclude:
            return f"({found})"
        return f"(({found}) NOT ({' OR '.join(phrase.fts5(prefixes) for phrase in self.exclude)}))"

    def tsquery(self, prefixes: bool) -> str:
        parts = [phrase.tsquery(prefixes) for phrase in self.include]
        parts += [f"!{phrase.tsquery(prefixes)}" for phrase in self.exclude]
        return "(" + " & ".join(parts) + ")"


@dataclass(frozen=True)
class SearchQuery:
    """A search, ready for either engine: alternatives (OR) of groups."""

    groups: tuple[Group, ...] = ()
    excluded_only: bool = False  # the reader left words out but gave none to look for

    def __bool__(self) -> bool:
        return bool(self.groups)

    @property
    def has_prefix(self) -> bool:
        return any(phrase.prefix for group in self.groups for phrase in group.include)

    def fts5(self, prefixes: bool = False) -> str:
        """An FTS5 MATCH expression: every word quoted, every operator FTS5's own."""
        return " OR ".join(group.fts5(prefixes) for group in self.groups)

    def tsquery(self, prefixes: bool = False) -> str:
        """Text for PostgreSQL's ``to_tsquery``."""
        return " | ".join(group.tsquery(prefixes) for group in self.groups)

    @property
    def wanted(self) -> list[Phrase]:
        """The phrases results are found by (for highlighting)."""
        return [phrase for group in self.groups for phrase in group.include]


def parse(text: str) -> SearchQuery:
    """The reader's text as a ``SearchQuery`` (see the module docstring for the language)."""
    groups, include, exclude = [], [], []
    excluded = False
    items = list(ITEM.finditer(text))
    kept = 0

    def close_group():
        if include:
            groups.append(Group(tuple(include), tuple(exclude)))
        include.clear()
        exclude.clear()

    for position, item in enumerate(items):
        minus, quoted, bare = item.groups()
        if bare is not None and not minus and bare.casefold() == "or":
            close_group()
            continue
        words = tuple(WORD.findall(quoted if quoted is not None else bare))[:MAX_WORDS]
        if not words or kept >= MAX_PHRASES:
            continue
        kept += 1
        if minus:
            exclude.append(Phrase(words))
            excluded = True
        else:
            last = position == len(items) - 1
            include.append(Phrase(words, prefix=bare is not None and last and len(words[-1]) >= PREFIX_MIN_LENGTH))
    close_group()
    return SearchQuery(tuple(groups), excluded_only=excluded and not groups)
