"""The read-only JSON API: the source feed's item shape, pagination, filters, errors."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from articles.api import MAX_PAGE_SIZE, PAGE_SIZE
from articles.models import Article, RelatedLinkImage
from tests.support.factories import SECRET, make_provider, make_published_article

pytestmark = pytest.mark.django_db

LIST = reverse("articles:api_list")


def test_api_item_has_the_source_feeds_shape(client):
    source = make_provider("Example News", "example-news.org")
    article = make_published_article(
        "Port deploys forecasting model",
        excerpt="Containers leave sooner.",
        provider=source,
        topics=["Machine Learning", "Supply Chain"],
        related=1,
        heat=-1,
        quality=None,
        published_at=datetime(2026, 11, 25, 7, 40, tzinfo=UTC),
        amp_web_url="https://www.origin.example/amp/story",
        cdn_amp_web_url="https://www-origin-example.cdn.ampproject.org/c/s/story",
        category="news",
        item_type="article",
    )
    link = article.related_links.get()
    RelatedLinkImage.objects.create(related_link=link, url="https://other.example/r.jpg", width=800, height=450)
    response = client.get(reverse("articles:api_detail", args=[article.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "id": article.pk,
        "url": "http://testserver" + article.get_absolute_url(),
        "title": "Port deploys forecasting model",
        "excerpt": "Containers leave sooner.",
        "category": "news",
        "type": "article",
        "webUrl": article.web_url,
        "originalUrl": None,
        "ampWebUrl": "https://www.origin.example/amp/story",
        "cdnAmpWebUrl": "https://www-origin-example.cdn.ampproject.org/c/s/story",
        "publishedDateTime": "2026-11-25T07:40:00Z",
        "provider": {"name": "Example News", "domain": "example-news.org"},
        "authors": [],
        "images": [
            {
                "url": article.images.get().url,
                "width": 1200,
                "height": 675,
                "isCached": None,
                "renditions": None,  # until its picture is ready
                "altText": None,
                "caption": None,
                "credit": None,
            }
        ],
        "topics": ["Machine Learning", "Supply Chain"],
        "heat": -1,
        "quality": None,
        "related": [
            {
                "title": link.title,
                "excerpt": "",
                "publishedDateTime": link.published_at.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z",
                "webUrl": link.web_url,
                "ampWebUrl": None,
                "cdnAmpWebUrl": None,
                "type": None,
                "provider": {"name": "Example News", "domain": "example-news.org"},
                "quality": None,
                "images": [
                    {
                        "url": "https://other.example/r.jpg",
                        "width": 800,
                        "height": 450,
                        "isCached": None,
                        "renditions": None,
                    }
                ],
            }
        ],
        "updatedDateTime": article.updated_at.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z",
        "corrections": [],  # notes of changes to the live story (issue 13): tests/test_corrections.py
    }


def test_api_never_exposes_the_secured_blob_or_unmodelled_seed_data(client):
    article = make_published_article("Story")
    for url in [LIST, reverse("articles:api_detail", args=[article.pk])]:
        text = client.get(url).content.decode()
        assert SECRET not in text
        assert "secured" not in text
        assert "unmodelled" not in text
        assert "Provider as given" not in text


def test_api_list_is_paginated_newest_first_with_links_that_keep_the_filters(client):
    for number in range(PAGE_SIZE + 3):
        make_published_article(f"Story {number:02d}", topics=["Energy"], age=timedelta(minutes=number + 1))
    make_published_article("Off topic")
    first = client.get(LIST, {"topic": "energy"}).json()
    assert first["count"] == PAGE_SIZE + 3
    assert [item["title"] for item in first["results"]] == [f"Story {n:02d}" for n in range(PAGE_SIZE)]
    assert first["previous"] is None
    assert "topic=energy" in first["next"]
    assert "page=2" in first["next"]
    second = client.get(first["next"]).json()
    assert [item["title"] for item in second["results"]] == [f"Story {n:02d}" for n in range(PAGE_SIZE, PAGE_SIZE + 3)]
    assert second["next"] is None
    assert second["previous"]


def test_api_page_size_is_bounded(client):
    for number in range(3):
        make_published_article(f"Story {number}")
    assert len(client.get(LIST, {"page_size": "2"}).json()["results"]) == 2
    assert len(client.get(LIST, {"page_size": "100000"}).json()["results"]) == 3
    assert MAX_PAGE_SIZE == 100


def test_api_orders_and_filters_like_the_site(client):
    make_published_article("Low", quality=10)
    make_published_article("High", quality=90)
    assert [item["title"] for item in client.get(LIST, {"ordering": "quality"}).json()["results"]] == ["High", "Low"]
    assert [item["title"] for item in client.get(LIST, {"min_quality": "50"}).json()["results"]] == ["High"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"min_quality": "lots"}, "min_quality"), ({"topic": "nope"}, "topic"), ({"date_after": "x"}, "date")],
)
def test_api_answers_400_with_the_errors_for_bad_filter_values(client, params, field):
    response = client.get(LIST, params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_api_answers_400_for_a_bad_page_and_404_for_a_page_past_the_end(client):
    make_published_article("Story")
    assert client.get(LIST, {"page": "abc"}).status_code == 400
    assert client.get(LIST, {"page": "2"}).status_code == 404


def test_api_detail_answers_404_as_json_for_hidden_and_missing_articles(client):
    draft = make_published_article("Draft", status=Article.Status.DRAFT)
    for pk in [draft.pk, 999999]:
        response = client.get(reverse("articles:api_detail", args=[pk]))
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}


def test_api_keeps_only_http_urls_and_escapes_markup_characters(client):
    article = make_published_article("<script>alert(1)</script>", original_url="")
    article.related_links.create(title="Bad link", web_url="ftp://files.example/x")
    article.images.create(url="", width=1, height=1, position=5)
    response = client.get(reverse("articles:api_detail", args=[article.pk]))
    assert b"<script>" not in response.content
    assert b"\\u003Cscript\\u003E" in response.content
    data = response.json()
    assert data["title"] == "<script>alert(1)</script>"
    assert data["related"][0]["webUrl"] is None
    assert len(data["images"]) == 1


@pytest.mark.parametrize("size", [2, 25])
def test_api_list_runs_a_fixed_number_of_queries(client, django_assert_num_queries, page_cache_queries, size):
    source = make_provider("Counted", "counted.example")
    for number in range(size):
        make_published_article(f"Story {number}", provider=source, topics=["A", "B"], related=2, images=2)
    # 6, and the byline (authors with their accounts) since issue 12, and the corrections (issue 13)
    with django_assert_num_queries(8 + page_cache_queries):
        assert client.get(LIST).status_code == 200
