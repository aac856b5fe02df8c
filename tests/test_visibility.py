"""Readers see only live articles: published, past go-live, not expired, not under embargo. On every public URL."""

import xml.etree.ElementTree as ET
from datetime import UTC

import pytest
from django.urls import reverse

from articles.models import Article, ArticleNote
from tests.support.factories import hidden_articles, make_provider, make_published_article, make_topic

pytestmark = pytest.mark.django_db

HIDDEN_WORDS = ["Hidden draft", "Hidden review", "Hidden archived", "Hidden scheduled", "Hidden expired"]
HIDDEN_WORDS += ["Hidden embargoed", "Pointer to embargoed", "Correction of embargoed"]
SECRET_NAMES = ["Secret Topic Name", "Secret Source Name", "secretcategory", "secrettype", "Secret desk note"]


@pytest.fixture
def site():
    live_source = make_provider("Open Source Daily", "open.example")
    hidden_source = make_provider("Secret Source Name", "secret.example")
    shared = make_topic("Shared Topic")
    secret = make_topic("Secret Topic Name")
    live = make_published_article("Visible live story", provider=live_source, topics=[shared], related=1)
    hidden = hidden_articles(
        provider=hidden_source, topics=[shared, secret], category="secretcategory", item_type="secrettype"
    )
    for article in [live, *hidden.values()]:  # notes are the desk's, on live stories too (issue 15)
        ArticleNote.objects.create(article=article, text=f"Secret desk note on {article.pk}, @nobody")
    embargoed = hidden["embargoed"]
    # Related coverage on a live story pointing to the embargoed one, by its source address and by its page here.
    live.related_links.create(title="Pointer to embargoed source", web_url=embargoed.web_url, position=5)
    page = "https://testserver" + embargoed.get_absolute_url()
    live.related_links.create(title="Pointer to embargoed page", web_url=page, position=6)
    embargoed.corrections.create(kind="correction", note="Correction of embargoed story")
    return {"live": live, "hidden": hidden, "shared": shared, "secret": secret, "hidden_source": hidden_source}


def public_urls(site) -> list[str]:
    shared, live = site["shared"], site["live"]
    return [
        "/",
        "/?ordering=newest",
        "/?ordering=quality",
        "/?ordering=heat",
        "/?page=1",
        shared.get_absolute_url(),
        live.provider.get_absolute_url(),
        reverse("articles:category", args=["news"]),
        live.get_absolute_url(),
        reverse("articles:search") + "?q=story",
        reverse("articles:search") + "?q=hidden",
        reverse("articles:search") + "?q=story&ordering=newest",
        reverse("articles:latest_rss"),
        reverse("articles:latest_atom"),
        reverse("articles:topic_rss", args=[shared.slug]),
        reverse("articles:topic_atom", args=[shared.slug]),
        reverse("articles:provider_rss", args=[live.provider.slug]),
        reverse("articles:category_rss", args=["news"]),
        reverse("articles:category_atom", args=["news"]),
        reverse("sitemap-index"),
        reverse("sitemap-section", args=["articles"]),
        reverse("sitemap-section", args=["topics"]),
        reverse("sitemap-section", args=["providers"]),
        reverse("sitemap-section", args=["pages"]),
        reverse("sitemap-news"),
        reverse("robots"),
        reverse("articles:api_list"),
        reverse("articles:api_list") + "?ordering=heat",
        reverse("articles:api_detail", args=[live.pk]),
        reverse("articles:corrections"),
        reverse("articles:corrections_rss"),
        reverse("articles:corrections_atom"),
        reverse("articles:search") + "?q=embargoed",
    ]


def test_no_public_url_shows_a_hidden_article_or_its_topic_source_or_category(client, site):
    assert client.get("/?page=2").status_code == 404  # hidden articles make no second page
    for url in public_urls(site):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        for word in HIDDEN_WORDS + SECRET_NAMES:
            assert word not in text, (url, word)
        for article in site["hidden"].values():
            assert article.get_absolute_url() not in text, url


@pytest.mark.parametrize("kind", ["draft", "review", "archived", "scheduled", "expired", "embargoed"])
def test_hidden_article_page_answers_404(client, site, kind):
    article = site["hidden"][kind]
    assert client.get(article.get_absolute_url()).status_code == 404
    assert client.get(reverse("articles:api_detail", args=[article.pk])).status_code == 404


@pytest.mark.parametrize("kind", ["draft", "review", "archived", "scheduled", "expired", "embargoed"])
def test_hidden_article_preview_answers_404_to_anonymous_readers(client, site, kind):
    assert client.get(reverse("articles:preview", args=[site["hidden"][kind].pk])).status_code == 404


def test_topic_source_and_category_with_only_hidden_articles_answer_404(client, site):
    secret, source = site["secret"], site["hidden_source"]
    for url in [
        secret.get_absolute_url(),
        source.get_absolute_url(),
        reverse("articles:category", args=["secretcategory"]),
        reverse("articles:topic_rss", args=[secret.slug]),
        reverse("articles:topic_atom", args=[secret.slug]),
        reverse("articles:provider_rss", args=[source.slug]),
        reverse("articles:provider_atom", args=[source.slug]),
        reverse("articles:category_rss", args=["secretcategory"]),
        reverse("articles:category_atom", args=["secretcategory"]),
    ]:
        assert client.get(url).status_code == 404, url


def test_lists_count_only_live_articles(client, site):
    for url in ["/", site["shared"].get_absolute_url(), reverse("articles:search") + "?q=story"]:
        response = client.get(url)
        assert response.context["paginator"].count == 1, url
        assert [article.pk for article in response.context["articles"]] == [site["live"].pk]
    assert client.get(reverse("articles:api_list")).json()["count"] == 1


def test_topic_counts_in_the_sidebar_count_only_live_articles(client, site):
    top_topics = client.get("/").context["facets"].top_topics
    assert [(topic.name, topic.story_count) for topic in top_topics] == [("Shared Topic", 1)]


def test_filtering_by_a_topic_or_source_that_has_only_hidden_articles_is_refused(client, site):
    response = client.get("/", {"topic": site["secret"].slug, "provider": site["hidden_source"].slug})
    errors = response.context["filterset"].form.errors
    assert set(errors) == {"topic", "provider"}
    assert "Secret" not in response.content.decode()


def test_sitemaps_list_only_live_pages(client, site):
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locations = set()
    for section in ["articles", "topics", "providers", "pages"]:
        root = ET.fromstring(client.get(reverse("sitemap-section", args=[section])).content)  # noqa: S314
        locations |= {element.text for element in root.iter(f"{namespace}loc")}
    paths = {location.removeprefix("http://testserver") for location in locations}
    assert paths == {
        "/",
        site["live"].get_absolute_url(),
        site["shared"].get_absolute_url(),
        site["live"].provider.get_absolute_url(),
    }


def test_an_article_appears_when_it_goes_live_and_disappears_when_it_expires(client, time_machine):
    from datetime import datetime, timedelta

    start = datetime(2026, 3, 1, 12, tzinfo=UTC)
    time_machine.move_to(start, tick=False)
    article = make_published_article(
        "Timed story",
        go_live_at=start + timedelta(hours=1),
        expires_at=start + timedelta(hours=2),
        published_at=start,
    )
    assert client.get(article.get_absolute_url()).status_code == 404
    time_machine.move_to(start + timedelta(hours=1), tick=False)
    assert client.get(article.get_absolute_url()).status_code == 200
    assert "Timed story" in client.get("/").content.decode()
    time_machine.move_to(start + timedelta(hours=2), tick=False)
    assert client.get(article.get_absolute_url()).status_code == 404
    assert "Timed story" not in client.get(reverse("articles:latest_rss")).content.decode()


def test_seed_fixtures_that_are_not_published_stay_off_the_site(client, imported_fixtures):
    hidden = Article.objects.exclude(pk__in=Article.objects.published())
    assert hidden.exists()
    pages = [client.get(url).content.decode() for url in ["/?ordering=newest", "/?ordering=newest&page=2"]]
    pages.append(client.get(reverse("articles:latest_rss")).content.decode())
    pages.append(client.get(reverse("sitemap-section", args=["articles"])).content.decode())
    for article in hidden:
        assert client.get(article.get_absolute_url()).status_code == 404
        for text in pages:
            assert article.get_absolute_url() not in text
