"""Rows for tests: users in the migrated groups, providers, topics, and articles.

Plain functions with keyword arguments rather than factory_boy: every test
needs saved rows, the defaults fit in a dict, and the few related rows (topics,
images, related links) are a loop each. factory_boy would bring itself and
Faker as pinned dependencies, and a second way of spelling the same rows,
for no test that these cannot write.

Two article builders, named for what they make:

- ``make_draft_article``: a bare article (title and URL) in the desk's hands,
  a draft unless ``status`` says otherwise: for admin and workflow tests.
- ``make_published_article``: a full story (excerpt, body, image, topics,
  provider) published ``age`` ago, live unless ``status`` or the go-live and
  expiry fields say otherwise: for the public site, the API, feeds and search.
"""

from datetime import timedelta
from itertools import count

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from articles.models import Article, ArticleImage, Provider, ProviderLogo, RelatedLink, Topic, topic_key
from articles.text import provider_slug, topic_slug

_numbers = count(1)
# What a published article holds in `secured`: no page, feed or API answer may show it.
SECRET = "c2VjcmV0LWJsb2ItbmV2ZXItc2hvd24=;aXYtbmV2ZXItc2hvd24="


def make_user(role: str):
    """A user for one of the roles in the permission matrix; groups come from the data migration."""
    if role == "anonymous":
        return None
    user = get_user_model().objects.create_user(
        username=f"{role}-{next(_numbers)}", password="pw", is_staff=True, is_superuser=role == "superuser"
    )
    if role in {"writer", "editor"}:
        user.groups.add(Group.objects.get(name={"writer": "Writers", "editor": "Editors"}[role]))
    return user


def make_draft_article(status=Article.Status.DRAFT, **fields) -> Article:
    """An article with a title and a URL only, a draft unless ``status`` says otherwise."""
    number = next(_numbers)
    defaults = {"title": f"Article {number}", "web_url": f"https://example-news.org/{number}", "status": status}
    return Article.objects.create(**{**defaults, **fields})


def make_provider(name: str = "", domain: str = "", *, logo: bool = False) -> Provider:
    number = next(_numbers)
    domain = domain or f"source{number}.example"
    provider = Provider.objects.create(name=name or f"Source {number}", domain=domain, slug=provider_slug(domain))
    if logo:
        ProviderLogo.objects.create(provider=provider, url=f"https://{domain}/logo.png", width=50, height=50)
    return provider


def make_topic(name: str) -> Topic:
    """The topic of this name, made if new; found by the key the importer uses (``topic_key``)."""
    slug = topic_slug(name)
    if Topic.objects.filter(slug=slug).exclude(key=topic_key(name)).exists():  # two names without ASCII letters
        slug = f"{slug}-{next(_numbers)}"
    topic, _ = Topic.objects.get_or_create(key=topic_key(name), defaults={"name": name, "slug": slug})
    return topic


def make_published_article(
    title: str = "",
    *,
    status: str = Article.Status.PUBLISHED,
    age: timedelta = timedelta(hours=1),
    provider: Provider | None = None,
    topics: tuple = (),
    images: int = 1,
    related: int = 0,
    **fields,
) -> Article:
    """An article published ``age`` ago (live unless ``status`` or the go-live/expiry fields say otherwise)."""
    number = next(_numbers)
    values = {
        "title": title or f"Story number {number}",
        "excerpt": f"Summary of story {number}.",
        "body": f"Body of story {number}.",
        "category": "news",
        "item_type": "article",
        "web_url": f"https://www.origin.example/story-{number}",
        "published_at": timezone.now() - age,
        "quality": 50,
        "heat": 10,
        "secured": SECRET,
        "extra": {"tags": ["unmodelled-tag-value"]},
        "provider_data": {"name": "Provider as given", "country": "unmodelled-country-value"},
        **fields,
    }
    article = Article.objects.create(status=status, provider=provider, **values)
    for topic in topics:
        article.topics.add(topic if isinstance(topic, Topic) else make_topic(topic))
    for position in range(images):
        ArticleImage.objects.create(
            article=article, url=f"https://img.origin.example/{number}-{position}.jpg", width=1200, height=675,
            position=position,
        )  # fmt: skip
    for position in range(related):
        RelatedLink.objects.create(
            article=article,
            position=position,
            title=f"Related {number}.{position}",
            web_url=f"https://other.example/{number}/{position}",
            published_at=timezone.now() - age,
            provider=provider,
        )
    return article


def hidden_articles(**common) -> dict[str, Article]:
    """One article for each way of being invisible to readers."""
    now = timezone.now()
    return {
        "draft": make_published_article("Hidden draft story", status=Article.Status.DRAFT, **common),
        "review": make_published_article("Hidden review story", status=Article.Status.REVIEW, **common),
        "archived": make_published_article("Hidden archived story", status=Article.Status.ARCHIVED, **common),
        "scheduled": make_published_article("Hidden scheduled story", go_live_at=now + timedelta(days=1), **common),
        "expired": make_published_article("Hidden expired story", expires_at=now - timedelta(minutes=1), **common),
        "embargoed": make_published_article(
            "Hidden embargoed story", embargo_until=now + timedelta(days=1), embargo_reason="Journal", **common
        ),
    }
