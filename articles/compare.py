"""Comparing two revisions of an article: which fields changed, the text word by word, the parts added and removed.

Works on snapshots (``articles.revisions``), so it compares any two revisions
without touching the article. Names of topics and providers come from one
lookup each (``Names``), whatever the number of parts.
"""

import difflib
import json
import re
from dataclasses import dataclass, field

from django.db import models

from .models import Article, Provider
from .revisions import PARTS, content_fields, value_for

# Words, runs of white space, single other characters: a change of one word marks that word only.
TOKEN = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """(operation, text) pieces: "same", "del" or "ins", in reading order. Text is raw: the template escapes it."""
    a, b = TOKEN.findall(old or ""), TOKEN.findall(new or "")
    pieces = []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(("same", "".join(a[a1:a2])))
            continue
        if a2 > a1:
            pieces.append(("del", "".join(a[a1:a2])))
        if b2 > b1:
            pieces.append(("ins", "".join(b[b1:b2])))
    return pieces


@dataclass
class Names:
    """Names of what two snapshots refer to (each many-to-many relation's rows, the providers): a query each."""

    related: dict[str, dict[int, str]]  # by many-to-many field name
    providers: dict[int, str]

    @classmethod
    def of(cls, *snapshots: dict) -> "Names":
        related = {}
        for m2m in Article._meta.many_to_many:
            ids = {pk for s in snapshots for pk in s.get(m2m.name, [])}
            rows = m2m.related_model._default_manager.filter(pk__in=ids) if ids else []
            related[m2m.name] = {row.pk: str(row) for row in rows}
        provider_ids = {s.get("provider_id") for s in snapshots}
        provider_ids |= {link.get("provider_id") for s in snapshots for link in s.get("related_links", [])}
        provider_ids.discard(None)
        providers = Provider.objects.filter(pk__in=provider_ids).values_list("pk", "name") if provider_ids else []
        return cls(related=related, providers=dict(providers))

    def of_relation(self, name: str, pk) -> str:
        return self.related[name].get(pk, f"(deleted, id {pk})")

    def provider(self, pk) -> str:
        return "—" if pk is None else self.providers.get(pk, f"(deleted provider {pk})")


@dataclass
class FieldChange:
    label: str
    old: str
    new: str
    words: list[tuple[str, str]] | None = None  # for text: the word-level diff


def shown(model_field: models.Field, value, names: Names) -> str:
    if value is None or value == "":
        return "—"
    if model_field.attname == "provider_id":
        return names.provider(value)
    if isinstance(model_field, models.JSONField):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    return str(value)


def field_changes(model, old: dict, new: dict, names: Names) -> list[FieldChange]:
    changes = []
    for model_field in content_fields(model):
        before, after = value_for(model_field, old), value_for(model_field, new)
        if before == after:
            continue
        change = FieldChange(
            str(model_field.verbose_name), shown(model_field, before, names), shown(model_field, after, names)
        )
        if is_prose(model_field):
            change.words = word_diff(before or "", after or "")
        changes.append(change)
    return changes


def is_prose(model_field: models.Field) -> bool:
    """Text read as words (a title, a body), shown as a word diff; an address or a code is shown whole."""
    text = isinstance(model_field, models.CharField | models.TextField) and not model_field.choices
    return text and not isinstance(model_field, models.URLField | models.SlugField | models.JSONField)


@dataclass
class PartChange:
    what: str  # "added", "removed" or "changed"
    label: str
    changes: list[FieldChange] = field(default_factory=list)


def part_key(values: dict) -> str:
    return values.get("web_url") or values.get("url") or values.get("file") or values.get("title") or ""


def keyed(parts: list[dict]) -> dict[tuple[str, int], dict]:
    """Parts by (key, occurrence), so two parts with the same URL are told apart by their order."""
    seen: dict[str, int] = {}
    result = {}
    for values in parts:
        key = part_key(values)
        seen[key] = seen.get(key, 0) + 1
        result[key, seen[key]] = values
    return result


def part_changes(model, old: list[dict], new: list[dict], nested: dict, names: Names) -> list[PartChange]:
    before, after = keyed(old), keyed(new)
    changes = []
    for key in before:
        if key not in after:
            changes.append(PartChange("removed", key[0] or "(no address)"))
    for key, values in after.items():
        if key not in before:
            changes.append(PartChange("added", key[0] or "(no address)"))
            continue
        differences = field_changes(model, before[key], values, names)
        for name, inner in nested.items():
            inner_model = model._meta.get_field(name).related_model
            for inner_change in part_changes(
                inner_model, before[key].get(name, []), values.get(name, []), inner, names
            ):
                verbose = inner_model._meta.verbose_name
                differences.append(FieldChange(f"{verbose} {inner_change.what}", "", inner_change.label))
        if differences:
            changes.append(PartChange("changed", key[0] or "(no address)", differences))
    return changes


@dataclass
class RelationChange:
    label: str
    added: list[str]
    removed: list[str]


@dataclass
class Comparison:
    fields: list[FieldChange]
    relations: list[RelationChange]  # many-to-many: topics
    parts: dict[str, list[PartChange]]  # by the relation's verbose name

    @property
    def is_empty(self) -> bool:
        return not (self.fields or any(r.added or r.removed for r in self.relations) or any(self.parts.values()))


def compare(old: dict, new: dict) -> Comparison:
    names = Names.of(old, new)
    relations = []
    for m2m in Article._meta.many_to_many:
        before, after = set(old.get(m2m.name, [])), set(new.get(m2m.name, []))
        relations.append(
            RelationChange(
                str(m2m.verbose_name),
                added=sorted(names.of_relation(m2m.name, pk) for pk in after - before),
                removed=sorted(names.of_relation(m2m.name, pk) for pk in before - after),
            )
        )
    parts = {}
    for name, nested in PARTS.items():
        model = Article._meta.get_field(name).related_model
        parts[str(model._meta.verbose_name_plural)] = part_changes(
            model, old.get(name, []), new.get(name, []), nested, names
        )
    return Comparison(fields=field_changes(Article, old, new, names), relations=relations, parts=parts)
