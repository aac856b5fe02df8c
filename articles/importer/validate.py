"""Stage 2: a parsed seed document -> a validated record, ready to become rows.

Each YAML mapping (the article, a related link, an image) is described by a
tuple of ``Field``s. A modelled key becomes a column value; everything the
columns cannot give back (unknown keys, explicit nulls and empty values, URLs
that are not http(s)) goes to the row's ``extra``, so export is exact. Text
is held to its column's length, read from the model: a longer value is
refused, never cut.
"""

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time

from django.utils.dateparse import parse_datetime

from ..models import Article, Image, Provider, RelatedLink, Topic, topic_key
from ..rendering import BodyTooLarge, stored_body_html
from ..text import article_slug, is_http_url
from .parse import SeedDocument, SeedError
from .values import check_plain, to_json

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
# PostgreSQL's unique index on Article.web_url takes entries of at most 2,704 bytes:
# 2,000 characters of non-ASCII text can be three times that.
WEB_URL_MAX_BYTES = 2000
WHITESPACE = re.compile(r"\s")


def column_length(model, attr: str) -> int | None:
    return model._meta.get_field(attr).max_length


WEB_URL_MAX_LENGTH = column_length(Article, "web_url")
PROVIDER_NAME_MAX_LENGTH = column_length(Provider, "name")
PROVIDER_DOMAIN_MAX_LENGTH = column_length(Provider, "domain")
TOPIC_NAME_MAX_LENGTH = column_length(Topic, "name")
TOPIC_KEY_MAX_LENGTH = column_length(Topic, "key")


@dataclass(frozen=True)
class Limits:
    """Bounds on one file's content; each has a command-line flag."""

    max_depth: int = 20
    max_values: int = 20_000
    max_related: int = 100
    max_images: int = 50
    max_topics: int = 50


@dataclass(frozen=True)
class Field:
    """How the value of one YAML key becomes the value of one column."""

    key: str
    attr: str
    kind: str  # text, url, int, count, bool, datetime
    repair: bool = False
    max_length: int | None = None  # the column's, filled in by ``columns_of``


def columns_of(model, *fields: Field) -> tuple[Field, ...]:
    """``fields``, each with the ``max_length`` of its column on ``model``."""
    return tuple(replace(field, max_length=column_length(model, field.attr)) for field in fields)


ARTICLE_FIELDS = columns_of(
    Article,
    Field("title", "title", "text", repair=True),
    Field("excerpt", "excerpt", "text", repair=True),
    Field("category", "category", "text"),
    Field("type", "item_type", "text"),
    Field("publishedDateTime", "published_at", "datetime"),
    Field("originalUrl", "original_url", "url"),
    Field("ampWebUrl", "amp_web_url", "url"),
    Field("cdnAmpWebUrl", "cdn_amp_web_url", "url"),
    Field("quality", "quality", "int"),
    Field("heat", "heat", "int"),
    Field("published", "published_flag", "bool"),
    Field("featuredContent", "featured_content", "text"),
    Field("secured", "secured", "text"),
)
RELATED_FIELDS = columns_of(
    RelatedLink,
    Field("title", "title", "text", repair=True),
    Field("excerpt", "excerpt", "text", repair=True),
    Field("publishedDateTime", "published_at", "datetime"),
    Field("webUrl", "web_url", "url"),
    Field("ampWebUrl", "amp_web_url", "url"),
    Field("cdnAmpWebUrl", "cdn_amp_web_url", "url"),
    Field("type", "item_type", "text"),
    Field("quality", "quality", "int"),
)
IMAGE_FIELDS = columns_of(
    Image,
    Field("url", "url", "url"),
    Field("width", "width", "count"),
    Field("height", "height", "count"),
    Field("isCached", "is_cached", "bool"),
)

# Keys handled by hand rather than by a Field.
ARTICLE_SPECIAL_KEYS = {"webUrl", "provider", "topics", "images", "related"}
RELATED_SPECIAL_KEYS = {"provider", "images"}

EMPTY_DEFAULTS = {"text": "", "url": ""}


@dataclass
class ImageRecord:
    values: dict
    extra: dict


@dataclass
class ProviderRecord:
    name: str
    domain: str
    logos: list[ImageRecord]


@dataclass
class RelatedRecord:
    values: dict
    extra: dict
    provider: ProviderRecord | None
    provider_data: dict | None
    images: list[ImageRecord]


@dataclass
class SeedRecord:
    path: str
    content_hash: str
    values: dict
    extra: dict
    notes: dict
    provider: ProviderRecord | None
    provider_data: dict | None
    topic_names: list | None
    topics: list[str]
    images: list[ImageRecord]
    related: list[RelatedRecord]

    @property
    def web_url(self) -> str:
        return self.values["web_url"]

    @property
    def repairs(self) -> dict:
        """Original text of each field whose mojibake was repaired, by field path."""
        return self.notes.get("repaired", {})


def validate_seed(document: SeedDocument, limits: Limits | None = None) -> SeedRecord:
    limits = limits or Limits()
    data = document.data
    check_plain(data, max_depth=limits.max_depth, max_values=limits.max_values)
    if "\x00" in document.body:
        raise SeedError("body contains a NUL character")
    repairs: dict = {}
    values, extra = convert_mapping(data, ARTICLE_FIELDS, "", repairs, ARTICLE_SPECIAL_KEYS)
    if not values["title"] or not values["title"].strip():
        raise SeedError("title is missing or empty")

    notes: dict = {}
    web_url = data.get("webUrl")
    if is_http_url(web_url) and len(web_url) <= WEB_URL_MAX_LENGTH:
        values["web_url"] = web_url
    elif values["original_url"]:
        values["web_url"] = values["original_url"]
        notes["web_url_from"] = "originalUrl"
        if "webUrl" in data:
            extra["webUrl"] = to_json(web_url)
    else:
        shown = web_url if web_url is not None else data.get("originalUrl")
        detail = f" (got {shown!r:.80})" if shown is not None else ""
        if isinstance(web_url, str) and len(web_url) > WEB_URL_MAX_LENGTH:
            detail = f" (webUrl is longer than {WEB_URL_MAX_LENGTH:,} characters)"
        raise SeedError(f"no usable http(s) URL in webUrl or originalUrl{detail}")

    check_web_url_size(values["web_url"], notes.get("web_url_from", "webUrl"))

    body = repair_mojibake(document.body)
    if body != document.body:
        repairs["body"] = document.body
    values["body"] = body
    values["slug"] = article_slug(values["title"])

    provider, provider_data = convert_provider(data, "", limits, extra, repairs)
    topic_names, topics = convert_topics(data, limits, extra)
    images = convert_images(data, "", limits, extra, repairs)
    related = convert_related(data, limits, extra, repairs)
    try:  # last: the dearest check, paid only by files that passed the others
        values["body_html"] = stored_body_html(body, values["title"])
    except BodyTooLarge as error:
        raise SeedError(str(error)) from None
    if repairs:
        notes["repaired"] = repairs
    return SeedRecord(
        path=document.path,
        content_hash=document.content_hash,
        values=values,
        extra=extra,
        notes=notes,
        provider=provider,
        provider_data=provider_data,
        topic_names=topic_names,
        topics=topics,
        images=images,
        related=related,
    )


def convert_mapping(mapping: dict, specs, where: str, repairs: dict, special=frozenset()) -> tuple[dict, dict]:
    """A YAML mapping -> (column values, extra). See the module docstring."""
    values, extra = {}, {}
    for spec in specs:
        value = mapping.get(spec.key)
        if value is None or value == "":
            values[spec.attr] = EMPTY_DEFAULTS.get(spec.kind)
            if spec.key in mapping:
                extra[spec.key] = value
            continue
        values[spec.attr], represented = convert_value(spec, value, f"{where}{spec.key}", repairs)
        if not represented:
            extra[spec.key] = value
    known = {spec.key for spec in specs} | special
    for key, value in mapping.items():
        if key not in known:
            extra[key] = to_json(value)
    return values, extra


def convert_value(spec: Field, value, where: str, repairs: dict):
    """One modelled value -> (column value, whether the column represents it)."""
    if spec.kind in ("text", "url"):
        if not isinstance(value, str):
            raise SeedError(f"{where} must be text, got {type(value).__name__}")
        if spec.kind == "url":
            if len(value) > spec.max_length:
                raise SeedError(f"{where} is longer than {spec.max_length:,} characters")
            # Anything but an http(s) URL is kept for export but never stored as a link.
            return (value, True) if is_http_url(value) else ("", False)
        if "\x00" in value:
            raise SeedError(f"{where} contains a NUL character")
        if spec.repair:
            fixed = repair_mojibake(value)
            if fixed != value:
                repairs[where] = value
                value = fixed
        if spec.max_length and len(value) > spec.max_length:
            raise SeedError(f"{where} is longer than {spec.max_length} characters ({len(value)})")
        return value, True
    if spec.kind == "int":
        return to_int(value, where), True
    if spec.kind == "count":
        return to_int(value, where, minimum=0), True
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise SeedError(f"{where} must be true or false, got {value!r:.60}")
        return value, True
    return to_datetime(value, where), True


def to_int(value, where: str, *, minimum: int = INT_MIN) -> int:
    if isinstance(value, bool):
        raise SeedError(f"{where} must be a whole number, not true/false")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d{1,12}\s*", value):
        value = int(value)
    if not isinstance(value, int):
        raise SeedError(f"{where} must be a whole number, got {value!r:.60}")
    if not minimum <= value <= INT_MAX:
        raise SeedError(f"{where} is out of range ({value})")
    return value


def to_datetime(value, where: str) -> datetime:
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
        if parsed is None:
            raise SeedError(f"{where} is not a date-time: {value!r:.60}")
        value = parsed
    elif isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time(0), UTC)
    if not isinstance(value, datetime):
        raise SeedError(f"{where} must be a date-time, got {type(value).__name__}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+05:00 is in the year 0 in UTC
        raise SeedError(f"{where} is out of range in UTC: {value.isoformat()}") from None


# Characters that double-encoded UTF-8 leaves behind (a lead byte read as
# Latin-1/cp1252 followed by a continuation byte). Only text that matches is
# handed to ftfy, which is slow and would otherwise run on every field.
MOJIBAKE_HINT = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    "\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)


def repair_mojibake(text: str) -> str:
    if not MOJIBAKE_HINT.search(text):
        return text
    import ftfy

    return ftfy.fix_encoding(text)


def check_web_url_size(web_url: str, key: str) -> None:
    if len(web_url) * 4 > WEB_URL_MAX_BYTES and len(web_url.encode()) > WEB_URL_MAX_BYTES:
        raise SeedError(
            f"{key} takes {len(web_url.encode()):,} bytes in UTF-8; "
            f"an article's URL may take at most {WEB_URL_MAX_BYTES:,} (percent-encode it)"
        )


def convert_provider(data: dict, where: str, limits: Limits, extra: dict, repairs: dict):
    value = data.get("provider")
    if value is None:
        if "provider" in data:
            extra["provider"] = None
        return None, None
    if not isinstance(value, dict):
        raise SeedError(f"{where}provider must be a mapping with name and domain")
    name, domain = value.get("name"), value.get("domain")
    for key, item in (("name", name), ("domain", domain)):
        if item is not None and not isinstance(item, str):
            raise SeedError(f"{where}provider.{key} must be text, got {type(item).__name__}")
    domain = (domain or "").strip()
    if len(domain) > PROVIDER_DOMAIN_MAX_LENGTH:
        raise SeedError(f"{where}provider.domain is longer than {PROVIDER_DOMAIN_MAX_LENGTH} characters")
    if WHITESPACE.search(domain):
        raise SeedError(f"{where}provider.domain is not a domain name: {domain!r:.60}")
    logos = convert_images(value, f"{where}provider.", limits, {}, repairs)
    if not domain:
        return None, to_json(value)
    name = repair_mojibake((name or "").strip())
    if len(name) > PROVIDER_NAME_MAX_LENGTH:
        raise SeedError(f"{where}provider.name is longer than {PROVIDER_NAME_MAX_LENGTH} characters")
    # A provider without a name is shown by its domain, which may be longer than a
    # name can be; the mapping as given is kept in provider_data, so nothing is lost.
    name = name or domain[:PROVIDER_NAME_MAX_LENGTH]
    return ProviderRecord(name=name, domain=domain, logos=logos), to_json(value)


def convert_images(data: dict, where: str, limits: Limits, extra: dict, repairs: dict) -> list[ImageRecord]:
    images = []
    for index, item in enumerate(expect_list(data, "images", where, limits.max_images, extra)):
        if not isinstance(item, dict):
            raise SeedError(f"{where}images[{index}] must be a mapping with url, width and height")
        values, image_extra = convert_mapping(item, IMAGE_FIELDS, f"{where}images[{index}].", repairs)
        values["position"] = index
        images.append(ImageRecord(values=values, extra=image_extra))
    return images


def expect_list(data: dict, key: str, where: str, limit: int, extra: dict) -> list:
    value = data.get(key)
    if value is None or value == []:
        if key in data:
            extra[key] = value
        return []
    if not isinstance(value, list):
        raise SeedError(f"{where}{key} must be a list, got {type(value).__name__}")
    if len(value) > limit:
        raise SeedError(f"{where}{key} has {len(value)} entries; the limit is {limit}")
    return value


def convert_topics(data: dict, limits: Limits, extra: dict) -> tuple[list | None, list[str]]:
    names = expect_list(data, "topics", "", limits.max_topics, extra)
    if "topics" not in data or data["topics"] is None:
        return None, []
    clean, seen = [], set()
    for index, name in enumerate(names):
        if not isinstance(name, str):
            raise SeedError(f"topics[{index}] must be text, got {type(name).__name__}")
        name = repair_mojibake(" ".join(name.split()))
        if len(name) > TOPIC_NAME_MAX_LENGTH:
            raise SeedError(f"topics[{index}] is longer than {TOPIC_NAME_MAX_LENGTH} characters")
        if len(topic_key(name)) > TOPIC_KEY_MAX_LENGTH:  # case folding can lengthen a name: "ß" -> "ss"
            raise SeedError(f"topics[{index}] is longer than {TOPIC_KEY_MAX_LENGTH} characters once case-folded")
        if name and topic_key(name) not in seen:
            seen.add(topic_key(name))
            clean.append(name)
    return list(names), clean


def convert_related(data: dict, limits: Limits, extra: dict, repairs: dict) -> list[RelatedRecord]:
    related = []
    for index, item in enumerate(expect_list(data, "related", "", limits.max_related, extra)):
        where = f"related[{index}]."
        if not isinstance(item, dict):
            raise SeedError(f"related[{index}] must be a mapping")
        values, item_extra = convert_mapping(item, RELATED_FIELDS, where, repairs, RELATED_SPECIAL_KEYS)
        values["position"] = index
        provider, provider_data = convert_provider(item, where, limits, item_extra, repairs)
        images = convert_images(item, where, limits, item_extra, repairs)
        related.append(RelatedRecord(values, item_extra, provider, provider_data, images))
    return related
