"""Plain builders for the public-site tests: live and hidden articles with their topics, sources and images."""

from datetime import timedelta
from itertools import count

from django.utils import timezone

from articles.models import Article, ArticleImage, Provider, ProviderLogo, RelatedLink, Topic

_numbers = count(1)
SECRET = "c2VjcmV0LWJsb2ItbmV2ZXItc2hvd24=;aXYtbmV2ZXItc2hvd24="


def make_provider(name: str = "", domain: str = "", *, logo: bool = False) -> Provider:
    number = next(_numbers)
    domain = domain or f"source{number}.example"
    provider = Provider.objects.create(name=name or f"Source {number}", domain=domain, slug=domain.replace(".", "-"))
    if logo:
        ProviderLogo.objects.create(provider=provider, url=f"https://{domain}/logo.png", width=50, height=50)
    return provider


def make_topic(name: str) -> Topic:
    from django.utils.text import slugify

    topic, _ = Topic.objects.get_or_create(
        key=" ".join(name.split()).casefold(),
        defaults={"name": name, "slug": slugify(name) or f"topic-{next(_numbers)}"},
    )
    return topic


def make_article(
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
        "draft": make_article("Hidden draft story", status=Article.Status.DRAFT, **common),
        "review": make_article("Hidden review story", status=Article.Status.REVIEW, **common),
        "archived": make_article("Hidden archived story", status=Article.Status.ARCHIVED, **common),
        "scheduled": make_article("Hidden scheduled story", go_live_at=now + timedelta(days=1), **common),
        "expired": make_article("Hidden expired story", expires_at=now - timedelta(minutes=1), **common),
    }
