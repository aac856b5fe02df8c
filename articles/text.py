"""Rules for outside text that the importer, the models and the pages apply alike.

The slug made from a title, a topic name or a domain (Unicode for non-Latin text); whether a string may
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


# What a Unicode slug keeps: letters, marks (Hindi's vowel signs are marks) and digits of any script.
SLUG_KEPT = ("L", "M", "N")
SLUG_SEPARATORS = re.compile(r"[-\s]+")


def is_slug_text(value: str) -> bool:
    """Whether ``value`` may be a slug: letters, marks and digits of any script, "-" and "_"."""
    return bool(value) and all(char in "-_" or unicodedata.category(char)[0] in SLUG_KEPT for char in value)


def has_non_latin_letters(text: str) -> bool:
    return any(char.isalpha() and not char.isascii() and letter_script(char) != "LATIN" for char in text)


def unicode_slug(text: str) -> str:
    """``text`` as a Unicode slug: NFKC, lower case, letters, marks and digits kept, the rest a "-"."""
    text = unicodedata.normalize("NFKC", text).lower()
    kept = "".join(char if char in "-_" or unicodedata.category(char)[0] in SLUG_KEPT else " " for char in text)
    return SLUG_SEPARATORS.sub("-", kept.strip()).strip("-_")


def short_slug(text: str, fallback: str, max_length: int) -> str:
    """The readable URL part made from ``text``, at most ``max_length`` characters, and ``fallback``
    when nothing of ``text`` is left.

    Latin text keeps the ASCII slug it always had ("Café culture" -> "cafe-culture"); text with
    letters of another script gets a Unicode slug ("الذكاء الاصطناعي" -> "الذكاء-الاصطناعي"),
    which browsers show as written: a slug of nothing but digits ("/news/62-40/") tells a reader nothing.
    """
    slug = unicode_slug(text) if has_non_latin_letters(text) else slugify(text)
    return slug[:max_length].strip("-_") or fallback


# Cut shorter than their columns, so that a numbered variant ("-2") still fits.
def article_slug(title: str) -> str:
    return short_slug(title, "article", 80)


def provider_slug(domain: str) -> str:
    """ASCII always: a domain with letters of another script than Latin becomes its punycode
    (a Unicode slug would carry a homoglyph such as a Cyrillic "e" into the URL)."""
    if has_non_latin_letters(domain):
        domain = punycode(unicodedata.normalize("NFKC", domain))
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


def category_slug(name: str) -> str:
    return short_slug(name, "category", 90)
