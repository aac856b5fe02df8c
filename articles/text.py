"""Rules for outside text that the importer, the models and the pages apply alike.

The slug made from a title, a topic name or a domain is written once, here:
a change of rule (Unicode slugs, say) is a change of ``short_slug``.
"""

from django.utils.text import slugify


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
