"""Model constraints and the one definition of "published"."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from articles.models import Article, Provider, Topic, topic_key

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_provider_domain_is_unique_regardless_of_case():
    Provider.objects.create(name="AWS", domain="aws.amazon.com", slug="aws")

    with pytest.raises(IntegrityError), transaction.atomic():
        Provider.objects.create(name="Amazon", domain="AWS.Amazon.COM", slug="amazon")


def test_provider_domains_differing_only_in_the_case_of_non_ascii_letters_are_one_provider():
    Provider.objects.create(name="Été", domain="ÉTÉ.example", slug="ete")

    with pytest.raises(IntegrityError), transaction.atomic():
        Provider.objects.create(name="été", domain="été.example", slug="ete-2")


@pytest.mark.parametrize(
    ("model", "existing", "duplicate", "field"),
    [
        (Provider, {"name": "AWS", "domain": "aws.amazon.com", "slug": "aws"}, {"domain": "AWS.Amazon.COM"}, "domain"),
        (Provider, {"name": "Été", "domain": "été.example", "slug": "ete"}, {"domain": "ÉTÉ.example"}, "domain"),
        (Topic, {"name": "Machine Learning", "slug": "ml"}, {"name": " machine  LEARNING"}, "name"),
    ],
)
def test_a_duplicate_key_is_a_validation_error_on_the_field_it_comes_from(model, existing, duplicate, field):
    model.objects.create(**existing)
    candidate = model(**{**existing, "slug": "other", **duplicate})

    with pytest.raises(ValidationError) as error:
        candidate.full_clean()

    assert "already exists" in error.value.message_dict[field][0]


def test_a_provider_keeps_its_key_when_checked_against_itself():
    provider = Provider.objects.create(name="AWS", domain="aws.amazon.com", slug="aws")

    provider.full_clean()


def test_topic_names_differing_only_in_case_and_spaces_are_one_topic():
    Topic.objects.create(name="Machine Learning", slug="ml")

    with pytest.raises(IntegrityError), transaction.atomic():
        Topic.objects.create(name="  machine   LEARNING ", slug="ml-2")
    assert topic_key("  machine   LEARNING ") == "machine learning"


def test_web_url_is_the_article_identity():
    Article.objects.create(title="A", web_url="https://e.org/1")

    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.create(title="B", web_url="https://e.org/1")


def test_slug_is_made_from_the_title():
    article = Article.objects.create(title="Ça va? Yes — it's fine!", web_url="https://e.org/1")

    assert article.slug == "ca-va-yes-its-fine"
    assert article.get_absolute_url().endswith(f"/{article.pk}-ca-va-yes-its-fine/")


@pytest.mark.parametrize(
    ("status", "go_live", "expires", "visible"),
    [
        (Article.Status.PUBLISHED, None, None, True),
        (Article.Status.PUBLISHED, NOW, None, True),
        (Article.Status.PUBLISHED, NOW + timedelta(seconds=1), None, False),
        (Article.Status.PUBLISHED, None, NOW, False),
        (Article.Status.PUBLISHED, None, NOW + timedelta(seconds=1), True),
        (Article.Status.DRAFT, None, None, False),
        (Article.Status.REVIEW, None, None, False),
        (Article.Status.ARCHIVED, None, None, False),
    ],
)
def test_published_means_published_status_past_go_live_and_before_expiry(status, go_live, expires, visible):
    article = Article.objects.create(
        title="A", web_url="https://e.org/1", status=status, go_live_at=go_live, expires_at=expires
    )

    assert Article.objects.published(at=NOW).filter(pk=article.pk).exists() is visible
    assert article.is_live(at=NOW) is visible
