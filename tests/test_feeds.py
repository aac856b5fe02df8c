"""RSS and Atom feeds, sitemaps, the Google News sitemap and robots.txt: valid XML, live items only."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from articles.feeds import FEED_SIZE
from articles.models import Article
from tests.support.factories import make_provider, make_published_article

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


def parse(response) -> ET.Element:
    assert response.status_code == 200
    return ET.fromstring(response.content)  # noqa: S314 - our own response


@pytest.fixture
def stories():
    source = make_provider("Feed Source", "feed.example")
    live = [
        make_published_article(f"Live {number}", provider=source, topics=["Transport"], age=timedelta(hours=number + 1))
        for number in range(3)
    ]
    make_published_article(
        "Draft on the same topic", provider=source, topics=["Transport"], status=Article.Status.DRAFT
    )
    make_published_article(
        "Not yet live", provider=source, topics=["Transport"], go_live_at=datetime(2999, 1, 1, tzinfo=UTC)
    )
    return live


def test_latest_rss_feed_parses_and_holds_the_live_articles_newest_first(client, stories):
    root = parse(client.get(reverse("articles:latest_rss")))
    items = root.findall("./channel/item")
    assert [item.findtext("title") for item in items] == ["Live 0", "Live 1", "Live 2"]
    first = items[0]
    assert first.findtext("link") == "http://testserver" + stories[0].get_absolute_url()
    assert first.findtext("description") == stories[0].excerpt
    assert [category.text for category in first.findall("category")] == ["Transport"]
    assert first.findtext("pubDate")


def test_latest_atom_feed_parses_and_holds_the_live_articles(client, stories):
    root = parse(client.get(reverse("articles:latest_atom")))
    entries = root.findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == ["Live 0", "Live 1", "Live 2"]
    assert entries[0].find(f"{ATOM}link").get("href") == "http://testserver" + stories[0].get_absolute_url()
    assert entries[0].findtext(f"{ATOM}updated")


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_topic_and_provider_feeds_hold_only_their_live_articles(client, stories, kind):
    make_published_article("Live elsewhere", topics=["Gardening"])
    for url in [
        reverse(f"articles:topic_{kind}", args=["transport"]),
        reverse(f"articles:provider_{kind}", args=["feed-example"]),
    ]:
        root = parse(client.get(url))
        if kind == "rss":
            found = [item.findtext("title") for item in root.findall("./channel/item")]
        else:
            found = [entry.findtext(f"{ATOM}title") for entry in root.findall(f"{ATOM}entry")]
        assert found == ["Live 0", "Live 1", "Live 2"], url


def test_feeds_are_limited_in_length(client):
    for number in range(FEED_SIZE + 2):
        make_published_article(f"Story {number}")
    root = parse(client.get(reverse("articles:latest_rss")))
    assert len(root.findall("./channel/item")) == FEED_SIZE


def test_feed_titles_and_descriptions_are_escaped_so_readers_show_markup_as_text(client):
    make_published_article("A <b>bold</b> claim", excerpt="<script>alert(1)</script> & more")
    root = parse(client.get(reverse("articles:latest_rss")))
    item = root.find("./channel/item")
    assert item.findtext("title") == "A &lt;b&gt;bold&lt;/b&gt; claim"
    assert item.findtext("description") == "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"


class AsHtml(HTMLParser):
    """What a feed reader that renders an element's text as HTML makes of it: its tags and the text it shows."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags, self.shown = [], ""
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.shown += data


@pytest.mark.parametrize("name", ["<b>x</b>&amp;", "<script>"])
@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_topic_and_source_names_in_feeds_are_escaped_so_readers_show_markup_as_text(client, kind, name):
    source = make_provider(name, "named.example")
    make_published_article("Named story", provider=source, topics=[name, "Plain topic"])
    for url in [reverse(f"articles:latest_{kind}"), reverse(f"articles:provider_{kind}", args=["named-example"])]:
        root = parse(client.get(url))
        if kind == "rss":
            item = root.find("./channel/item")
            categories = [category.text for category in item.findall("category")]
            authors = [item.findtext(f"{DC}creator")]
        else:
            item = root.find(f"{ATOM}entry")
            categories = [category.get("term") for category in item.findall(f"{ATOM}category")]
            authors = [item.findtext(f"{ATOM}author/{ATOM}name")]
        for text, expected in [
            *zip(categories, [name, "Plain topic"], strict=True),
            *zip(authors, [name], strict=True),
        ]:
            rendered = AsHtml(text)
            assert rendered.tags == [], (url, text)
            assert rendered.shown == expected, (url, text)


def test_sitemap_index_lists_every_section_and_each_section_has_lastmod(client, stories):
    root = parse(client.get(reverse("sitemap-index")))
    sections = [element.text.removeprefix("http://testserver") for element in root.iter(f"{SITEMAP}loc")]
    assert sections == [
        "/sitemap-pages.xml",
        "/sitemap-articles.xml",
        "/sitemap-topics.xml",
        "/sitemap-providers.xml",
    ]
    articles = parse(client.get("/sitemap-articles.xml"))
    urls = articles.findall(f"{SITEMAP}url")
    assert [url.findtext(f"{SITEMAP}loc").removeprefix("http://testserver") for url in urls] == [
        article.get_absolute_url() for article in stories
    ]
    assert all(url.findtext(f"{SITEMAP}lastmod") for url in urls)
    for section in ["pages", "topics", "providers"]:
        urls = parse(client.get(f"/sitemap-{section}.xml")).findall(f"{SITEMAP}url")
        assert urls, section
        assert all(url.findtext(f"{SITEMAP}lastmod") for url in urls), section


def test_news_sitemap_holds_live_articles_of_the_last_two_days(client, time_machine):
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)
    time_machine.move_to(now, tick=False)
    recent = make_published_article("Recent <live> & fresh", published_at=now - timedelta(hours=47))
    make_published_article("Three days old", published_at=now - timedelta(days=3))
    make_published_article("Recent draft", published_at=now - timedelta(hours=1), status=Article.Status.DRAFT)
    make_published_article(
        "Recent but expired", published_at=now - timedelta(hours=1), expires_at=now - timedelta(minutes=5)
    )
    root = parse(client.get(reverse("sitemap-news")))
    urls = root.findall(f"{SITEMAP}url")
    assert len(urls) == 1
    url = urls[0]
    assert url.findtext(f"{SITEMAP}loc") == "http://testserver" + recent.get_absolute_url()
    news = url.find(f"{NEWS}news")
    assert news.findtext(f"{NEWS}title") == "Recent <live> & fresh"
    assert news.findtext(f"{NEWS}publication/{NEWS}name") == "Newsroom"
    assert news.findtext(f"{NEWS}publication/{NEWS}language") == "en"
    assert news.findtext(f"{NEWS}publication_date") == "2026-11-24T13:00:00+00:00"


def test_news_sitemap_of_the_seed_fixtures_holds_the_recent_published_ones(client, imported_fixtures, time_machine):
    time_machine.move_to(datetime(2026, 11, 26, 12, tzinfo=UTC), tick=False)
    root = parse(client.get(reverse("sitemap-news")))
    found = {url.find(f"{NEWS}news").findtext(f"{NEWS}title") for url in root.findall(f"{SITEMAP}url")}
    draft = Article.objects.get(source_file__endswith="hw-12-draft-unpublished.md")
    assert draft.published_at > datetime(2026, 11, 24, tzinfo=UTC)
    assert draft.title not in found
    assert found == {
        "Port authority deploys machine learning to cut container dwell times",  # hw-01
        Article.objects.get(source_file__endswith="hw-08-scores-offset-sitemap.md").title,
    } | set(
        Article.objects.published()
        .filter(published_at__gte=datetime(2026, 11, 24, 12, tzinfo=UTC))
        .values_list("title", flat=True)
    )


def test_robots_txt_points_at_the_sitemaps_and_keeps_crawlers_out_of_admin_and_preview(client):
    response = client.get(reverse("robots"))
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert "Disallow: /preview/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Sitemap: http://testserver/sitemap-news.xml" in lines
