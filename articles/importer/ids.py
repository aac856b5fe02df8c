"""The ids of providers, topics and categories for one run: looked up once each, created when missing.

Many articles share a provider, a topic or a category. A batch first makes
sure each one it names exists (``create_missing_providers``,
``create_missing_topics``, ``create_missing_categories``), then asks for ids
by domain or name. A new row gets a slug no other row has. A category is
found by its key (case and spacing folded), so "News" in one file and "news"
in another are one category, named as first seen.
"""

from collections.abc import Callable, Iterable

from django.db import IntegrityError

from ..models import Category, Provider, ProviderLogo, Topic, category_key, provider_key, topic_key
from ..text import category_slug, provider_slug, topic_slug
from .validate import ProviderRecord


class ProviderTopicIds:
    """Provider ids by domain and topic ids by name, for one run (one transaction's worth when retried)."""

    def __init__(self):
        self.providers: dict[str, int] = {}  # provider_key -> id
        self.topics: dict[str, int] = {}  # topic_key -> id
        self.categories: dict[str, int] = {}  # category_key -> id

    def create_missing_providers(self, records: Iterable[ProviderRecord]) -> None:
        """Look up the providers of ``records``; create those that do not exist yet, with their logos."""
        missing = self._missing(
            records, lambda record: provider_key(record.domain), self.providers, self._load_providers
        )
        if not missing:
            return
        insert_with_free_slugs(
            Provider,
            {
                key: Provider(name=r.name, domain=r.domain, key=key, slug=provider_slug(r.domain))
                for key, r in missing.items()
            },
            present=lambda: self._load_providers(missing),
        )
        created_ids = [self.providers[key] for key, r in missing.items() if r.logos]
        with_logos = set(ProviderLogo.objects.filter(provider_id__in=created_ids).values_list("provider_id", flat=True))
        ProviderLogo.objects.bulk_create(
            ProviderLogo(provider_id=self.providers[key], extra=logo.extra, **logo.values)
            for key, r in missing.items()
            if r.logos and self.providers[key] not in with_logos
            for logo in r.logos
        )

    def _load_providers(self, wanted: dict) -> set[str]:
        rows = dict(Provider.objects.filter(key__in=list(wanted)).order_by().values_list("key", "id"))
        self.providers.update(rows)
        return set(rows)

    def create_missing_topics(self, names: Iterable[str]) -> None:
        """Look up the topics ``names``; create those that do not exist yet, spelled as given."""
        missing = self._missing(names, topic_key, self.topics, self._load_topics)
        if missing:
            insert_with_free_slugs(
                Topic,
                {key: Topic(name=name, key=key, slug=topic_slug(name)) for key, name in missing.items()},
                present=lambda: self._load_topics(missing),
            )

    def _load_topics(self, wanted: dict) -> set[str]:
        rows = dict(Topic.objects.filter(key__in=list(wanted)).values_list("key", "id"))
        self.topics.update(rows)
        return set(rows)

    def create_missing_categories(self, names: Iterable[str]) -> None:
        """Look up the categories ``names`` (non-empty texts); create those that do not exist yet."""
        missing = self._missing(
            (name for name in names if category_key(name)), category_key, self.categories, self._load_categories
        )
        if missing:
            insert_with_free_slugs(
                Category,
                {
                    key: Category(name=" ".join(name.split()), key=key, slug=category_slug(name))
                    for key, name in missing.items()
                },
                present=lambda: self._load_categories(missing),
            )

    def _load_categories(self, wanted: dict) -> set[str]:
        rows = dict(Category.objects.filter(key__in=list(wanted)).order_by().values_list("key", "id"))
        self.categories.update(rows)
        return set(rows)

    def category_id(self, name: str) -> int | None:
        key = category_key(name or "")
        return self.categories[key] if key else None

    @staticmethod
    def _missing(items: Iterable, key_of: Callable, known: dict, load: Callable[[dict], object]) -> dict:
        """key -> item of the ``items`` whose key neither ``known`` (this run's ids) nor the table holds, by key.

        ``load`` looks keys up in the table and adds the ids it finds to ``known``.
        """
        wanted = {}
        for item in items:
            key = key_of(item)
            if key not in known:
                wanted.setdefault(key, item)
        if wanted:
            load(wanted)
        return {key: item for key, item in sorted(wanted.items()) if key not in known}

    def provider_id(self, record: ProviderRecord | None) -> int | None:
        return self.providers[provider_key(record.domain)] if record else None

    def topic_id(self, name: str) -> int:
        return self.topics[topic_key(name)]


def insert_with_free_slugs(model, rows: dict, present: Callable[[], Iterable[str]], attempts: int = 5) -> None:
    """INSERT new ``rows`` (key -> unsaved instance with the slug it wants), each with a slug no row has.

    Conflicts are ignored: another import may insert the same row meanwhile. A row
    can also be left out because the slug it was given was taken after all, by a
    row this transaction could not see or by a numbered variant ("a-b-2" for
    "a.b" when "a-b" and "a--b" came first); it is tried again with the taken
    slugs read afresh. ``present()`` reloads the keys now in the table. Rows
    come sorted by key, so that two imports take their locks in one order.
    """
    wanted = {key: row.slug for key, row in rows.items()}
    taken = set(model.objects.filter(slug__in=set(wanted.values())).values_list("slug", flat=True))
    for _ in range(attempts):
        for key, row in rows.items():
            row.slug = unique_slug(wanted[key], taken)
        model.objects.bulk_create(list(rows.values()), ignore_conflicts=True)
        found = set(present())
        rows = {key: row for key, row in rows.items() if key not in found}
        if not rows:
            return
        for slug in {wanted[key] for key in rows}:
            taken.update(model.objects.filter(slug__startswith=slug).values_list("slug", flat=True))
    raise IntegrityError(f"cannot add {model._meta.verbose_name} {next(iter(rows))!r:.60}: it conflicts with another")


def unique_slug(slug: str, taken: set) -> str:
    candidate, number = slug, 2
    while candidate in taken:
        candidate = f"{slug}-{number}"
        number += 1
    taken.add(candidate)
    return candidate
