"""Search: full-text on PostgreSQL (with its GIN index), a word match on SQLite; ranked, paginated, filterable."""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from articles import ranking
from articles.models import Article

from .site_factories import make_article

pytestmark = pytest.mark.django_db

SEARCH = reverse("articles:search")


def titles(response) -> list[str]:
    return [article.title for article in response.context["articles"]]


def test_search_ranks_a_match_in_the_title_above_one_in_the_body(client):
    make_article("Council budget approved", body="Nothing about trains here.")
    make_article("Weather update", body="Later the council discussed railway timetables.")
    make_article("Railway timetables change in spring", body="Trains run later.")
    response = client.get(SEARCH, {"q": "railway timetables"})
    assert titles(response) == ["Railway timetables change in spring", "Weather update"]
    assert response.context["filterset"].current_ordering == "relevance"


def test_search_matches_excerpts_and_needs_every_word(client):
    make_article("Story one", excerpt="Solar panels on school roofs")
    make_article("Story two", excerpt="Solar farms in the desert")
    assert titles(client.get(SEARCH, {"q": "solar school"})) == ["Story one"]
    assert sorted(titles(client.get(SEARCH, {"q": "solar"}))) == ["Story one", "Story two"]


def test_relevance_ranks_only_the_newest_window_of_matches(client, monkeypatch):
    monkeypatch.setattr(ranking, "SEARCH_WINDOW", 2)
    make_article("Old perfect tide tide tide match", age=timedelta(days=9))
    make_article("New tide story", age=timedelta(hours=1))
    make_article("Newer story", excerpt="tide", age=timedelta(minutes=5))
    assert titles(client.get(SEARCH, {"q": "tide"})) == ["New tide story", "Newer story"]
    assert len(titles(client.get(SEARCH, {"q": "tide", "ordering": "newest"}))) == 3


def test_search_results_can_be_filtered_and_reordered(client):
    make_article("Battery story low", quality=10, topics=["Energy"])
    make_article("Battery story high", quality=90, topics=["Energy"])
    make_article("Battery story elsewhere", quality=95, topics=["Cars"])
    response = client.get(SEARCH, {"q": "battery", "topic": "energy", "ordering": "quality"})
    assert titles(response) == ["Battery story high", "Battery story low"]


def test_search_results_are_paginated_and_the_query_survives_paging(client):
    for number in range(25):
        make_article(f"Harbour report {number}")
    first = client.get(SEARCH, {"q": "harbour"})
    assert first.context["paginator"].count == 25
    assert len(titles(first)) == 20
    assert 'href="?q=harbour&amp;page=2"' in first.content.decode()
    second = client.get(SEARCH, {"q": "harbour", "page": "2"})
    assert len(titles(second)) == 5
    assert 'href="?q=harbour&amp;page=1"' in second.content.decode()


def test_search_finds_nothing_that_is_not_live(client):
    make_article("Glacier melt visible", status=Article.Status.DRAFT)
    make_article("Glacier melt expired", expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(SEARCH, {"q": "glacier"})
    assert titles(response) == []
    assert "No stories match" in response.content.decode()


@pytest.mark.parametrize(
    "query", ['"unclosed', "-", "or", "'; DROP TABLE articles_article; --", "%_\\", "ünïcödé ✓", "a" * 200]
)
def test_odd_search_words_never_break_the_page(client, query):
    make_article("Ordinary story")
    assert client.get(SEARCH, {"q": query}).status_code == 200


def test_an_overlong_search_gets_a_readable_error(client):
    response = client.get(SEARCH, {"q": "word " * 60})
    assert response.status_code == 200
    assert "Ensure this value has at most 200 characters" in response.content.decode()


def test_search_of_the_seed_fixtures_finds_real_articles(client, imported_fixtures):
    response = client.get(SEARCH, {"q": "dataverse"})
    found = titles(response)
    assert found
    assert all("dataverse" in (a.title + a.excerpt + a.body).lower() for a in response.context["articles"])
    assert all(Article.objects.published().filter(pk=a.pk).exists() for a in response.context["articles"])


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the search column and its GIN index exist on PostgreSQL only"
)
def test_full_text_search_uses_the_gin_index_on_postgresql():
    Article.objects.bulk_create(
        Article(
            title=f"Filler story {number}",
            slug="filler",
            excerpt="Routine council business and weather.",
            body="Nothing of note. " * 20,
            web_url=f"https://filler.example/{number}",
            status=Article.Status.PUBLISHED,
            published_at=timezone.now() - timedelta(minutes=number),
        )
        for number in range(3000)
    )
    make_article("Needle in the haystack")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_article")
    # The GIN index serves the match. Sequential scans are switched off so
    # that the plan does not depend on this small table's statistics.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = ranking.search(Article.objects.all(), "needle").order_by().values("pk").explain()
    assert "article_search_document" in plan, plan
    matches = ranking.search(Article.objects.published(), "needle")
    ranked = ranking.order_by_relevance(matches, "needle")
    assert [article.title for article in ranked] == ["Needle in the haystack"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="stemming is PostgreSQL full-text search")
def test_full_text_search_matches_other_forms_of_a_word_on_postgresql(client):
    make_article("Regulators are regulating regulation")
    assert titles(client.get(SEARCH, {"q": "regulate"})) == ["Regulators are regulating regulation"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the search column exists on PostgreSQL only")
def test_search_works_inside_a_subquery_where_the_article_table_is_renamed():
    wanted = make_article("Lighthouse keepers return")
    make_article("Harbour news")
    matches = ranking.search(Article.objects.published(), "lighthouse").values("pk")
    assert list(Article.objects.filter(pk__in=matches)) == [wanted]
    assert list(Article.objects.exclude(pk__in=matches).values_list("title", flat=True)) == ["Harbour news"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the search column exists on PostgreSQL only")
def test_the_search_column_follows_edits_to_the_article():
    article = make_article("Original headline")
    article.title = "Rewritten about volcanoes"
    article.save()
    assert list(ranking.search(Article.objects.all(), "volcano")) == [article]
    assert not ranking.search(Article.objects.all(), "original").exists()
