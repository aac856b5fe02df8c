"""Rules for outside text that the importer, the models and the pages apply alike.

The slug made from a title, a topic name or a domain; whether a string may
become a link or an image source; how it is shown on one line of a terminal
or a log. Each is written once, here: a change of rule (Unicode slugs, say)
is a change of one function.
"""

import re
import unicodedata
from urllib.parse import urlsplit

from django.utils.text import slugify

# A space or an ASCII control character: never part of a URL that becomes a link.
CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")
# An http(s) URL with a host and no brackets (urlsplit refuses unbalanced IPv6 brackets).
PLAIN_HTTP_URL = re.compile(r"(?i)https?://[^/?#\[\]][^\[\]]*\Z")


def short_slug(text: str, fallback: str, max_length: int) -> str:
    """The readable URL part made from ``text``: ASCII letters, digits, "-" and "_", at most
    ``max_length`` characters, and ``fallback`` when nothing of ``text`` is left."""
    return slugify(text)[:max_length].strip("-") or fallback


# Cut shorter than their columns, so that a numbered variant ("-2") still fits.
def article_slug(title: str) -> str:
    return short_slug(title, "article", 80)


def provider_slug(domain: str) -> str:
    return short_slug(domain.replace(".", "-"), "provider", 200)


def topic_slug(name: str) -> str:
    return short_slug(name, "topic", 200)


# Scripts that may share a label with Latin letters, as in Chromium's IDN display policy: Japanese
# (Han, Hiragana, Katakana), Korean (Han, Hangul) and Chinese (Han, Bopomofo) names often do.
CJK_SCRIPTS = {"CJK", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO"}


def letter_script(char: str) -> str:
    """The script of a letter, from its Unicode name's first word ("LATIN", "CYRILLIC", "CJK"...)."""
    return unicodedata.name(char, "UNKNOWN").split(" ", 1)[0]


def mixes_scripts(label: str) -> bool:
    """Whether one label of a domain mixes letters of scripts that no language writes together,
    such as Latin and Cyrillic in "reuters" spelt with a Cyrillic "e" (U+0435): what browsers show in punycode."""
    scripts = {letter_script(char) for char in label if char.isalpha()}
    if len(scripts) < 2:
        return False
    return not scripts - {"LATIN"} <= CJK_SCRIPTS


def punycode(domain: str) -> str:
    """``domain`` with each non-ASCII label in its ASCII form ("xn--..."), as browsers and DNS see it."""
    labels = []
    for label in domain.split("."):
        if label.isascii():
            labels.append(label)
            continue
        try:
            labels.append(label.encode("idna").decode("ascii"))
        except UnicodeError:  # IDNA 2003 refuses some labels that browsers accept: encode them directly
            labels.append("xn--" + label.lower().encode("punycode").decode("ascii"))
    return ".".join(labels)


def display_domain(domain: str) -> str:
    """The domain as readers are shown it: in Unicode, unless a label mixes scripts (a homoglyph
    such as reuters.com spelt with a Cyrillic "e"); then the whole domain in punycode, as browsers do."""
    normalized = unicodedata.normalize("NFKC", domain)
    if any(mixes_scripts(label) for label in normalized.split(".")):
        return punycode(normalized)
    return domain


def is_http_url(value) -> bool:
    """Whether ``value`` may become a link or an image source: an absolute http(s) URL with a host,
    with no space or control character in it and nothing to trim around it.

    How long a URL may be is its column's business, not this rule's.
    """
    if not isinstance(value, str) or not value or value != value.strip() or CONTROL_OR_SPACE.search(value):
        return False
    if value.isascii() and PLAIN_HTTP_URL.match(value):
        return True  # what urlsplit would say, at a fifth of the cost: most URLs look like this
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in {"http", "https"} and bool(parts.netloc)


def one_line(text: str, limit: int | None = 300) -> str:
    """``text`` with line breaks, escape sequences and other unprintable characters escaped
    ("\\n", "\\x1b"), and cut to ``limit`` characters: a file's name or content cannot add lines
    or colours to what a person reads."""
    if not text.isprintable():
        text = "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)
    return text if limit is None or len(text) <= limit else text[: limit - 3] + "..."
