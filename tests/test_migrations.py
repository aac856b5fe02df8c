"""Data migrations, run for real: back to the state before them, rows in, forward again."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from articles.rendering import BODY_TOO_LARGE_HTML

BEFORE_PROVIDER_KEY = [("articles", "0005_fewer_article_indexes")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def before_provider_key(transactional_db):
    apps = migrate(BEFORE_PROVIDER_KEY)
    yield apps
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="only SQLite's LOWER() let such providers in: it folds ASCII letters only"
)
def test_providers_that_differ_only_in_non_ascii_case_are_merged_into_the_oldest(before_provider_key):
    apps = before_provider_key
    Provider = apps.get_model("articles", "Provider")
    Article = apps.get_model("articles", "Article")
    RelatedLink = apps.get_model("articles", "RelatedLink")
    ProviderLogo = apps.get_model("articles", "ProviderLogo")
    first = Provider.objects.create(name="Été", domain="ÉTÉ.example", slug="ete")
    second = Provider.objects.create(name="été", domain="été.example", slug="ete-2")
    other = Provider.objects.create(name="Other", domain="other.example", slug="other")
    article = Article.objects.create(title="A", slug="a", web_url="https://e.org/1", provider=second)
    RelatedLink.objects.create(article=article, provider=second, position=0)
    ProviderLogo.objects.create(provider=second, url="https://e.org/logo.png", position=0)

    apps = migrate([("articles", "0006_provider_key")])

    Provider = apps.get_model("articles", "Provider")
    assert sorted(Provider.objects.values_list("id", "key")) == [(first.id, "été.example"), (other.id, "other.example")]
    assert apps.get_model("articles", "Article").objects.get().provider_id == first.id
    assert apps.get_model("articles", "RelatedLink").objects.get().provider_id == first.id
    assert apps.get_model("articles", "ProviderLogo").objects.get().provider_id == first.id


def test_provider_keys_are_filled_for_existing_providers(before_provider_key):
    Provider = before_provider_key.get_model("articles", "Provider")
    Provider.objects.create(name="AWS", domain=" AWS.Amazon.com", slug="aws")

    apps = migrate([("articles", "0006_provider_key")])

    assert list(apps.get_model("articles", "Provider").objects.values_list("key", flat=True)) == ["aws.amazon.com"]


def test_bodies_already_stored_are_rendered_by_the_migration_that_adds_their_html(transactional_db):
    apps = migrate([("articles", "0008_content_version")])
    Article = apps.get_model("articles", "Article")
    Article.objects.create(title="Kept", slug="kept", web_url="https://e.org/kept", body="# Kept\n\nSome *text*.")
    Article.objects.create(title="Empty", slug="empty", web_url="https://e.org/empty")
    Article.objects.create(title="Huge", slug="huge", web_url="https://e.org/huge", body="x" * 100_001)
    try:
        apps = migrate([("articles", "0009_body_html")])

        stored = dict(apps.get_model("articles", "Article").objects.values_list("title", "body_html"))
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert stored == {"Kept": "<p>Some <em>text</em>.</p>\n", "Empty": "", "Huge": BODY_TOO_LARGE_HTML}


def test_category_texts_already_stored_become_one_managed_category_per_name(transactional_db):
    apps = migrate([("articles", "0010_search_index")])
    Article = apps.get_model("articles", "Article")
    for number, category in enumerate(["news", "News", "news", "Analysis", " analysis ", "Analysis", ""]):
        Article.objects.create(title=f"A{number}", slug="a", web_url=f"https://e.org/{number}", category=category)
    try:
        apps = migrate([("articles", "0011_authoring_content")])

        Category = apps.get_model("articles", "Category")
        categories = list(Category.objects.order_by("key").values_list("name", "key", "slug"))
        filed = dict(apps.get_model("articles", "Article").objects.values_list("title", "section__key"))
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert categories == [("Analysis", "analysis", "analysis"), ("news", "news", "news")]  # the most used spelling
    assert filed == {
        "A0": "news",
        "A1": "news",
        "A2": "news",
        "A3": "analysis",
        "A4": "analysis",
        "A5": "analysis",
        "A6": None,
    }


def test_non_latin_titles_and_topics_get_unicode_slugs_and_topics_keep_their_old_ones(transactional_db):
    apps = migrate([("articles", "0011_authoring_content")])
    try:
        Topic = apps.get_model("articles", "Topic")
        Article = apps.get_model("articles", "Article")
        arabic = Topic.objects.create(name="الذكاء الاصطناعي", key="الذكاء الاصطناعي", slug="topic-3")
        latin = Topic.objects.create(name="Café culture", key="café culture", slug="cafe-culture")
        taken = Topic.objects.create(name="Экономика", key="экономика-x", slug="экономика")  # already what it wants
        clash = Topic.objects.create(name="экономика!", key="экономика!", slug="topic-9")
        story = Article.objects.create(title="62 مليار 40", slug="62-40", web_url="https://e.org/1")
        english = Article.objects.create(title="Plain story", slug="edited-by-hand", web_url="https://e.org/2")

        apps = migrate([("articles", "0012_unicode_slugs")])

        Topic = apps.get_model("articles", "Topic")
        slugs = dict(Topic.objects.values_list("pk", "slug"))
        assert slugs == {
            arabic.pk: "الذكاء-الاصطناعي",
            latin.pk: "cafe-culture",
            taken.pk: "экономика",
            clash.pk: "экономика-2",
        }
        old = apps.get_model("articles", "TopicOldSlug").objects.values_list("slug", "topic_id")
        assert sorted(old) == [("topic-3", arabic.pk), ("topic-9", clash.pk)]
        Article = apps.get_model("articles", "Article")
        assert Article.objects.get(pk=story.pk).slug == "62-مليار-40"
        assert Article.objects.get(pk=english.pk).slug == "edited-by-hand"
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
