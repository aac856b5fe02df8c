"""Stage 2: a parsed seed document -> a validated record, ready to become rows.

Each YAML mapping (the article, a related link, an image) is described by a
tuple of ``Field``s (``convert`` turns one mapping into column values and
``extra``); the provider, the topics and the lists are checked here by hand.
"""

import re
from dataclasses import dataclass, fields

from ..models import Article, Image, Provider, RelatedLink, Topic, topic_key
from ..rendering import BodyTooLarge, stored_body_html
from ..text import article_slug, is_http_url
from .convert import Field, column_length, columns_of, convert_mapping, repair_mojibake
from .parse import SeedDocument, SeedError
from .values import check_plain, to_json

# PostgreSQL's unique index on Article.web_url takes entries of at most 2,704 bytes:
# 2,000 characters of non-ASCII text can be three times that.
WEB_URL_MAX_BYTES = 2000
WHITESPACE = re.compile(r"\s")

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


class Record:
    """A record is pickled as its constructor's arguments: the parser processes send every one to the import's
    process, and unpickling dataclasses attribute by attribute cost it 0.6 s of CPU per 10,000 files (0.13 s so)."""

    def __reduce__(self):
        return type(self), tuple(getattr(self, field.name) for field in fields(self))


@dataclass
class ImageRecord(Record):
    values: dict
    extra: dict


@dataclass
class ProviderRecord(Record):
    name: str
    domain: str
    logos: list[ImageRecord]


@dataclass
class RelatedRecord(Record):
    values: dict
    extra: dict
    provider: ProviderRecord | None
    provider_data: dict | None
    images: list[ImageRecord]


@dataclass
class SeedRecord(Record):
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
