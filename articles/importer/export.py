"""Articles -> seed files: the inverse of validate + load.

For an article nobody has edited, the exported front matter equals the
imported file's (key order and quoting aside; repaired mojibake stays
repaired, and the original text is in ``import_notes``). Edited columns win
over what was kept from the file.
"""

from datetime import UTC, datetime
from pathlib import Path

import yaml

from ..models import Article, provider_key, topic_key
from .validate import ARTICLE_FIELDS, IMAGE_FIELDS, RELATED_FIELDS
from .values import from_json

SafeDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class SeedDumper(SafeDumper):
    """Writes date-times as the feeds do (``2021-10-06T16:00:00Z``) and keeps long lines whole."""


def represent_datetime(dumper, value: datetime):
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
        text = value.isoformat() + "Z"
    else:
        text = value.isoformat()
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", text)


SeedDumper.add_representer(datetime, represent_datetime)


def mapping_from_row(row, specs, extra: dict) -> dict:
    """Columns first; what ``extra`` kept fills only keys the columns leave empty."""
    out = {}
    for spec in specs:
        value = getattr(row, spec.attr)
        if value is not None and value != "":
            out[spec.key] = value
        elif spec.key in extra:
            out[spec.key] = from_json(extra[spec.key])
    known = {spec.key for spec in specs}
    out.update((key, from_json(value)) for key, value in extra.items() if key not in known and key not in out)
    return out


def list_from_rows(rows, key: str, extra: dict, convert) -> dict:
    if rows:
        return {key: [convert(row) for row in rows]}
    return {key: from_json(extra[key])} if key in extra else {}


def image_mapping(image) -> dict:
    return mapping_from_row(image, IMAGE_FIELDS, image.extra)


def provider_mapping(provider, provider_data) -> dict | None:
    """The provider as the file gave it, unless someone has since pointed the row at another provider."""
    if provider_data is not None:
        given = from_json(provider_data)
        if provider is None or provider_key(str(given.get("domain") or "")) == provider.key:
            return given
    if provider is None:
        return None
    data = {"name": provider.name, "domain": provider.domain}
    data.update(list_from_rows(list(provider.logos.all()), "images", {}, image_mapping))
    return data


def with_provider(data: dict, provider, provider_data, extra: dict) -> dict:
    mapping = provider_mapping(provider, provider_data)
    if mapping is not None:
        data["provider"] = mapping
    elif "provider" in extra:
        data["provider"] = from_json(extra["provider"])
    return data


def related_mapping(link) -> dict:
    data = mapping_from_row(link, RELATED_FIELDS, link.extra)
    with_provider(data, link.provider, link.provider_data, link.extra)
    data.update(list_from_rows(list(link.images.all()), "images", link.extra, image_mapping))
    return data


def topics_value(article: Article, extra: dict) -> dict:
    current = list(article.topics.all())
    given = article.topic_names
    if given is not None and {topic_key(n) for n in given if n.strip()} == {t.key for t in current}:
        return {"topics": list(given)}
    if current:
        return {"topics": sorted(t.name for t in current)}
    return {"topics": from_json(extra["topics"])} if "topics" in extra else {}


def article_document(article: Article) -> tuple[dict, str]:
    """(front matter, body) for one article, for export."""
    extra = article.extra or {}
    data = {}
    came_from_original = article.import_notes.get("web_url_from") == "originalUrl"
    if not (came_from_original and article.web_url == article.original_url):
        data["webUrl"] = article.web_url
    elif "webUrl" in extra:
        data["webUrl"] = from_json(extra["webUrl"])
    data.update(mapping_from_row(article, ARTICLE_FIELDS, {k: v for k, v in extra.items() if k != "webUrl"}))
    with_provider(data, article.provider, article.provider_data, extra)
    data.update(topics_value(article, extra))
    data.update(list_from_rows(list(article.images.all()), "images", extra, image_mapping))
    data.update(list_from_rows(list(article.related_links.all()), "related", extra, related_mapping))
    return data, article.body


def render_seed(data: dict, body: str) -> str:
    front = yaml.dump(data, Dumper=SeedDumper, allow_unicode=True, sort_keys=False, width=1_000_000)
    return f"---\n{front}---\n{body}"


def export_articles(articles, directory: Path) -> int:
    """Write one ``<id>-<slug>.md`` per article into ``directory``; return how many."""
    directory.mkdir(parents=True, exist_ok=True)
    count = 0
    for article in articles.iterator(chunk_size=500):
        data, body = article_document(article)
        path = directory / f"{article.pk:06d}-{article.slug or 'article'}.md"
        path.write_text(render_seed(data, body), encoding="utf-8")
        count += 1
    return count
