"""Reader-side rough edges seen in Chromium (issue 16, section 3), each as the reader meets it."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from articles.models import Provider
from articles.text import provider_slug
from tests.support.factories import make_provider, make_published_article

pytestmark = pytest.mark.django_db


class Elements(HTMLParser):
    """Start tags with their attributes, and each element's text (its descendants' included, spaces folded)."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.open: list[tuple[str, dict, list]] = []
        self.texts: list[tuple[str, dict, str]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in {"img", "input", "meta", "link", "br", "source"}:
            self.open.append((tag, dict(attrs), []))

    def handle_endtag(self, tag):
        while self.open:
            name, attrs, text = self.open.pop()
            self.texts.append((name, attrs, " ".join("".join(text).split())))
            if self.open:
                self.open[-1][2].append("".join(text))
            if name == tag:
                break

    def handle_data(self, data):
        if self.open:
            self.open[-1][2].append(data)

    def ids(self) -> list[str]:
        return [attrs["id"] for _, attrs in self.tags if "id" in attrs]

    def text_of(self, tag: str) -> list[str]:
        return [text for name, _, text in self.texts if name == tag]


# An excerpt that repeats the title


def test_an_excerpt_that_repeats_the_title_is_not_printed_under_it(client):
    article = make_published_article("Solar farms double output", excerpt="Solar farms double output.")
    make_published_article("Wind farms stall", excerpt="Wind farms stall after storms.")
    excerpts = [
        text
        for name, attrs, text in Elements(client.get("/").content.decode()).texts
        if attrs.get("class") == "card__excerpt"
    ]
    assert excerpts == ["Wind farms stall after storms."]
    page = client.get(article.get_absolute_url()).content.decode()
    assert 'class="story__standfirst"' not in page


# Pagination


@pytest.mark.parametrize("page", ["99", "2", "0", "-1", "abc", "1.5", "9" * 30])
def test_a_page_past_the_end_or_not_a_page_number_is_not_found(client, page):
    make_published_article("Only story")
    assert client.get("/", {"page": page}).status_code == 404
    assert client.get(reverse("articles:category", args=["news"]), {"page": page}).status_code == 404


def test_the_first_page_answers_with_or_without_a_page_number(client):
    make_published_article("Only story")
    for query in ({}, {"page": ""}, {"page": "1"}):
        assert client.get("/", query).status_code == 200


# One id per page


def test_the_article_page_has_no_duplicate_ids(client):
    article = make_published_article("Tagged story", topics=["Energy", "Climate"])
    ids = Elements(client.get(article.get_absolute_url()).content.decode()).ids()
    assert "topics-heading" in ids
    assert len(ids) == len(set(ids)), sorted(ids)


# Right-to-left names


def test_each_part_of_a_date_line_is_isolated_from_its_neighbours(client):
    source = make_provider("مرصد التقنية", "tech-observatory.example")
    article = make_published_article("A story", provider=source, category="news")
    html = client.get("/").content.decode()
    assert "<bdi>مرصد التقنية</bdi>" in html
    assert "<bdi>News</bdi>" in html
    assert f"<bdi>{article.published_at:%-d %b %Y}</bdi>" in html
    assert "<bdi>مرصد التقنية</bdi>" in client.get(article.get_absolute_url()).content.decode()


def test_a_topic_heading_takes_its_direction_from_its_text(client):
    article = make_published_article("A story", topics=["الذكاء الاصطناعي"])
    topic = article.topics.get()
    tags = Elements(client.get(topic.get_absolute_url()).content.decode()).tags
    assert [attrs.get("dir") for name, attrs in tags if name == "h1"] == ["auto"]


# Orders named for readers


@pytest.mark.parametrize(
    ("ordering", "heading"),
    [("", "Top stories"), ("hot", "Top stories"), ("newest", "Latest news"), ("quality", "Most trusted"),
     ("heat", "Trending"), ("relevance", "Top stories"), ("nonsense", "Top stories")],
)  # fmt: skip
def test_the_front_page_heading_names_the_order_in_force(client, ordering, heading):
    make_published_article("Recent story")
    response = client.get("/", {"ordering": ordering} if ordering else {})
    assert Elements(response.content.decode()).text_of("h1") == [heading]


def test_a_sort_by_quality_never_shows_an_old_story_under_top_stories(client):
    from datetime import timedelta

    make_published_article("Old excellent story", quality=99, age=timedelta(days=6 * 365))
    make_published_article("Fresh story", quality=10)
    response = client.get("/", {"ordering": "quality"})
    assert next(article.title for article in response.context["articles"]) == "Old excellent story"
    assert "Top stories" not in Elements(response.content.decode()).text_of("h1")


def test_the_sort_links_use_reader_words_not_feed_jargon(client):
    make_published_article("Recent story")
    elements = Elements(client.get("/").content.decode())
    sort_labels = [text for name, attrs, text in elements.texts if name == "a" and "ordering=" in attrs.get("href", "")]
    assert {"Top stories", "Latest", "Most trusted", "Trending"} <= set(sort_labels)
    assert not {"Hot", "Quality", "Heat"} & set(sort_labels)
    search = Elements(client.get("/search/", {"q": "recent"}).content.decode())
    options = [text for name, _, text in search.texts if name == "option"]
    assert "Best match" in options
    assert "Relevance" not in options


# Images


def test_an_ordinary_article_shows_every_image_not_only_the_first(client):
    article = make_published_article("Three pictures", images=3)
    html = client.get(article.get_absolute_url()).content.decode()
    for image in article.images.all():
        assert f'src="{image.url}"' in html


def test_slideshow_thumbnails_link_to_captioned_slides(client):
    article = make_published_article("In pictures", item_type="slideshow", images=4)
    elements = Elements(client.get(article.get_absolute_url()).content.decode())
    slide_ids = [attrs["id"] for name, attrs in elements.tags if name == "figure" and attrs.get("id")]
    thumb_links = [
        attrs["href"] for name, attrs in elements.tags if name == "a" and attrs.get("href", "").startswith("#slide-")
    ]
    assert slide_ids == ["slide-1", "slide-2", "slide-3", "slide-4"]
    assert thumb_links == ["#slide-1", "#slide-2", "#slide-3", "#slide-4"]
    captions = [text for name, attrs, text in elements.texts if attrs.get("class") == "slideshow__caption"]
    assert captions == ["1 / 4", "2 / 4", "3 / 4", "4 / 4"]
    assert not any(
        name == "script" and "src" not in attrs
        for name, attrs in elements.tags
        if attrs.get("type") != "application/ld+json"
    )


# Homoglyph domains


@pytest.mark.parametrize(
    ("domain", "shown"),
    [
        ("reuters.com", "reuters.com"),
        ("r\u0435uters.com", "xn--ruters-3of.com"),  # a Cyrillic "e" among Latin letters
        ("paypa\u04cf.com", "xn--paypa-iof.com"),  # a Cyrillic palochka for the "l"
        ("bücher.de", "bücher.de"),  # one script, accents and all
        ("مرصد-التقنية.com", "مرصد-التقنية.com"),
        ("日本語カタカナjp.example", "日本語カタカナjp.example"),  # Japanese is written with Han, Kana and Latin
    ],
)
def test_a_source_domain_mixing_scripts_is_shown_in_punycode_as_browsers_do(client, domain, shown):
    source = Provider.objects.create(name="Reuters", domain=domain, slug=provider_slug(domain))
    make_published_article("A story", provider=source)
    html = client.get(source.get_absolute_url()).content.decode()
    assert f"from <bdi>{shown}</bdi>" in html
    assert f'content="The latest stories from Reuters ({shown}) on' in html


# Category feeds


def test_a_category_page_links_to_its_own_feeds_which_list_only_its_stories(client):
    make_published_article("A sports story", category="sport")
    make_published_article("A news story", category="news")
    elements = Elements(client.get(reverse("articles:category", args=["sport"])).content.decode())
    links = [attrs["href"] for name, attrs in elements.tags if name == "a"]
    alternates = [attrs["href"] for name, attrs in elements.tags if name == "link" and attrs.get("rel") == "alternate"]
    rss, atom = "/feeds/categories/sport.rss", "/feeds/categories/sport.atom"
    assert rss in links
    assert atom in links
    assert alternates[:2] == [rss, atom]  # before the site's own, so that feed readers find them first
    for url in (rss, atom):
        feed = client.get(url).content.decode()
        assert "A sports story" in feed
        assert "A news story" not in feed
        assert "Sport" in feed


def test_category_feeds_answer_only_for_a_category_with_a_live_story(client):
    from articles.models import Article, Category

    make_published_article("Hidden story", category="secret", status=Article.Status.DRAFT)
    make_published_article("Dotted story", category="u.s. news")
    assert client.get("/feeds/categories/secret.rss").status_code == 404
    assert client.get("/feeds/categories/nothing.atom").status_code == 404
    assert client.get("/feeds/categories/a%00b.rss").status_code == 404
    dotted = client.get(f"/feeds/categories/{Category.objects.get(key='u.s. news').slug}.rss")
    assert dotted.status_code == 200
    assert dotted["Content-Type"].startswith("application/xml")
    assert "Dotted story" in dotted.content.decode()


# Every topic reachable from the filter


def test_the_topic_filter_offers_every_recent_topic_not_only_the_24_most_covered(client):
    from datetime import timedelta

    names = [f"Subject {number:02d}" for number in range(30)] + [
        "Travel",
        "Supply Chain",
        "الذكاء الاصطناعي",
        "Экономика",
    ]
    for age, name in enumerate(names):
        make_published_article(f"About {name}", topics=[name], age=timedelta(hours=age + 1))
    make_published_article("Hidden", topics=["Secret topic"], status="draft")

    form = Elements(client.get("/").content.decode())
    offered = [text for name, attrs, text in form.texts if attrs.get("class") == "check"]
    assert sorted(offered) == sorted(names)
    values = {attrs["value"]: attrs for name, attrs in form.tags if name == "input" and attrs.get("name") == "topic"}
    from articles.models import Topic

    for name in ("Travel", "الذكاء الاصطناعي"):
        slug = Topic.objects.get(name=name).slug
        assert slug in values
        response = client.get("/", {"topic": slug})
        assert [article.title for article in response.context["articles"]] == [f"About {name}"]


def test_the_sidebar_still_lists_only_topics_of_recent_stories(client, monkeypatch):
    from datetime import timedelta

    from articles import ranking

    monkeypatch.setattr(ranking, "HOT_WINDOW", 2)
    make_published_article("Recent", topics=["Fresh"])
    make_published_article("Recent too", topics=["Fresh", "Second"])
    make_published_article("Older", topics=["Stale"], age=timedelta(days=3))
    sidebar = client.get("/").context["facets"].top_topics
    assert [(topic.name, topic.story_count) for topic in sidebar] == [("Fresh", 2), ("Second", 1)]


# Meaningful URLs in every script


def test_non_latin_titles_and_topics_get_readable_unicode_urls(client):
    article = make_published_article("تحلية المياه بالطاقة الشمسية: 40 ألف منزل", topics=[])
    from articles.importer.ids import insert_with_free_slugs  # noqa: F401 - the importer's slugs come from text.py
    from articles.text import article_slug, topic_slug

    assert article_slug(article.title) == "تحلية-المياه-بالطاقة-الشمسية-40-ألف-منزل"
    assert topic_slug("हिन्दी समाचार") == "हिन्दी-समाचार"  # the vowel signs are marks, and kept
    assert topic_slug("Café culture") == "cafe-culture"  # Latin slugs are what they were
    url = article.get_absolute_url()
    assert (
        url
        == f"/news/{article.pk}-%D8%AA%D8%AD%D9%84%D9%8A%D8%A9-%D8%A7%D9%84%D9%85%D9%8A%D8%A7%D9%87-%D8%A8%D8%A7%D9%84%D8%B7%D8%A7%D9%82%D8%A9-%D8%A7%D9%84%D8%B4%D9%85%D8%B3%D9%8A%D8%A9-40-%D8%A3%D9%84%D9%81-%D9%85%D9%86%D8%B2%D9%84/"
    )
    assert client.get(url).status_code == 200
    old = client.get(f"/news/{article.pk}-40/")
    assert old.status_code == 301
    assert old["Location"] == url


def test_a_topic_old_slug_redirects_its_page_and_feeds_to_the_new_ones(client):
    from articles.models import Article, Topic, TopicOldSlug

    topic = Topic.objects.create(name="الذكاء الاصطناعي", key="الذكاء الاصطناعي", slug="الذكاء-الاصطناعي")
    TopicOldSlug.objects.create(topic=topic, slug="topic-3")
    make_published_article("A story", topics=[topic])
    page = client.get("/topics/topic-3/", {"ordering": "newest"})
    assert page.status_code == 301
    assert page["Location"] == topic.get_absolute_url() + "?ordering=newest"
    assert client.get(page["Location"]).status_code == 200
    for kind in ("rss", "atom"):
        feed = client.get(f"/feeds/topics/topic-3.{kind}")
        assert feed.status_code == 301
        assert feed["Location"] == reverse(f"articles:topic_{kind}", args=[topic.slug])
        assert client.get(feed["Location"]).status_code == 200
    # A topic readers cannot see is not revealed through its old slug.
    Article.objects.update(status=Article.Status.DRAFT)
    assert client.get("/topics/topic-3/").status_code == 404
    assert client.get("/topics/nothing-here/").status_code == 404


def test_a_unicode_topic_slug_can_be_saved_in_the_admin_form_rules():
    from django.core.exceptions import ValidationError

    from articles.models import Topic

    Topic(name="हिन्दी", key="हिन्दी", slug="हिन्दी").full_clean()
    with pytest.raises(ValidationError):
        Topic(name="Bad", key="bad", slug="has space").full_clean()


# Feeds in a browser


@pytest.mark.parametrize("url", ["/feeds/latest.rss", "/feeds/latest.atom", "/feeds/categories/news.rss"])
def test_every_feed_names_the_site_own_xslt_stylesheet_and_is_served_as_xml(client, url):
    from xml.dom.minidom import parseString

    make_published_article("A story")
    response = client.get(url)
    document = parseString(response.content)  # noqa: S318
    instructions = [node for node in document.childNodes if node.nodeType == node.PROCESSING_INSTRUCTION_NODE]
    assert [(node.target, node.data) for node in instructions] == [
        ("xml-stylesheet", 'href="/feeds/style.xsl" media="screen" type="text/xsl"')
    ]
    assert instructions[0] is document.childNodes[0]  # before the root element, where browsers look
    # Chromium shows application/rss+xml and application/atom+xml as plain text, stylesheet unapplied.
    assert response["Content-Type"] == "application/xml; charset=utf-8"


def test_the_feed_stylesheet_is_same_origin_xslt_with_a_subscribe_hint(client):
    from xml.dom.minidom import parseString

    response = client.get("/feeds/style.xsl")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xsl; charset=utf-8"
    stylesheet = parseString(response.content).documentElement  # noqa: S318
    assert stylesheet.tagName == "xsl:stylesheet"
    text = response.content.decode()
    assert "subscribe" in text
    assert 'href="/static/feeds/feed.css"' in text  # a stylesheet of the site's own: the CSP allows no other
    assert "<script" not in text
    assert "style=" not in text


def test_feeds_allow_only_chromium_xslt_banner_inline_and_pages_nothing_inline(client):
    make_published_article("A story")
    feed_policy = client.get("/feeds/latest.rss")["Content-Security-Policy"]
    page_policy = client.get("/")["Content-Security-Policy"]
    assert "'unsafe-inline'" not in feed_policy
    assert "'unsafe-hashes'" in feed_policy
    assert "'unsafe-hashes'" not in page_policy
    assert "'unsafe-inline'" not in page_policy
