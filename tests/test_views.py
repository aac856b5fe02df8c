"""The public pages: ranking, filters, pagination, the article page, SEO, errors, caching, query counts."""

import json
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission, User
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from articles import ranking
from articles.facets import Facets
from articles.filters import ORDERING_CHOICES, ArticleFilter
from articles.models import Article, ArticleImage, ProviderLogo
from articles.site import COUNT_CAP
from articles.views import PAGE_SIZE, server_error
from tests.support.factories import SECRET, make_provider, make_published_article

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return titles_of(response.context["articles"])


def titles_of(articles) -> list[str]:
    return [article.title for article in articles]


class Tags(HTMLParser):
    """Every start tag of a page with its attributes, to check markup without regular expressions."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def find(self, tag: str, **attrs) -> list[dict]:
        return [a for t, a in self.tags if t == tag and all(a.get(k.replace("_", "-")) == v for k, v in attrs.items())]

    def meta(self, key: str) -> str | None:
        found = self.find("meta", name=key) or self.find("meta", property=key)
        return found[0]["content"] if found else None


def tags(response) -> Tags:
    return Tags(response.content.decode())


# The hot rank


def expected_hot(article, now) -> float:
    heat = max(article.heat or 0, 0)
    quality = max(article.quality or 0, 0)
    age = max((now - article.published_at).total_seconds() / 3600, 0)
    return (1 + 2 * heat + quality) / (age + 2) ** 1.5


def test_front_page_ranks_articles_by_the_documented_hot_formula(client):
    articles = [
        make_published_article("Hot and fresh", heat=120, quality=60, age=timedelta(hours=1)),
        make_published_article("Hot but two days old", heat=150, quality=90, age=timedelta(hours=48)),
        make_published_article("Cold and fresh", heat=0, quality=5, age=timedelta(minutes=10)),
        make_published_article("Heat not measured", heat=-1, quality=80, age=timedelta(hours=3)),
        make_published_article("No scores at all", heat=None, quality=None, age=timedelta(hours=2)),
        make_published_article("Fresh good piece", heat=30, quality=95, age=timedelta(hours=6)),
    ]
    now = timezone.now()
    expected = [a.title for a in sorted(articles, key=lambda a: expected_hot(a, now), reverse=True)]
    response = client.get("/")
    assert titles(response) == expected
    assert titles(response)[0] == "Hot and fresh"


def test_unmeasured_heat_counts_as_zero_heat_not_as_a_penalty(client):
    make_published_article("Heat minus one", heat=-1, quality=40, age=timedelta(hours=5))
    make_published_article("Heat zero", heat=0, quality=39, age=timedelta(hours=5))
    assert titles(client.get("/")) == ["Heat minus one", "Heat zero"]


def test_undated_articles_rank_after_dated_ones(client):
    make_published_article("Undated", heat=500, published_at=None)
    make_published_article("Dated", heat=1, age=timedelta(days=30))
    assert titles(client.get("/")) == ["Dated", "Undated"]
    assert titles(client.get("/?ordering=newest")) == ["Dated", "Undated"]


def test_hot_ordering_ranks_only_the_newest_window_and_newest_reaches_the_rest(client, monkeypatch):
    monkeypatch.setattr(ranking, "HOT_WINDOW", 3)
    for number in range(5):
        make_published_article(f"Story {number}", heat=number * 10, age=timedelta(hours=number + 1))
    assert sorted(titles(client.get("/"))) == ["Story 0", "Story 1", "Story 2"]
    assert len(titles(client.get("/?ordering=newest"))) == 5


# Orderings and filters


def test_orderings_sort_by_newest_quality_and_heat_with_missing_scores_last(client):
    make_published_article("Old, high quality", quality=99, heat=5, age=timedelta(days=3))
    make_published_article("New, unscored", quality=None, heat=None, age=timedelta(hours=1))
    make_published_article("Middle, hot", quality=10, heat=200, age=timedelta(days=1))
    assert titles(client.get("/?ordering=newest")) == ["New, unscored", "Middle, hot", "Old, high quality"]
    assert titles(client.get("/?ordering=quality")) == ["Old, high quality", "Middle, hot", "New, unscored"]
    assert titles(client.get("/?ordering=heat")) == ["Middle, hot", "Old, high quality", "New, unscored"]


def test_topic_filter_keeps_articles_with_any_of_the_chosen_topics(client):
    make_published_article("About AI", topics=["AI"])
    make_published_article("About energy", topics=["Energy"])
    make_published_article("About both", topics=["AI", "Energy"])
    make_published_article("About health", topics=["Health"])
    response = client.get("/?ordering=newest", {"topic": ["ai", "energy"]})
    assert sorted(titles(response)) == ["About AI", "About both", "About energy"]


def test_provider_category_and_type_filters_narrow_the_list(client):
    source = make_provider("Wire Service", "wire.example")
    make_published_article("Wire news video", provider=source, category="news", item_type="video")
    make_published_article("Wire analysis", provider=source, category="analysis")
    make_published_article("Other news video", category="news", item_type="video")
    assert sorted(titles(client.get("/", {"provider": "wire-example"}))) == ["Wire analysis", "Wire news video"]
    assert titles(client.get("/", {"category": "analysis"})) == ["Wire analysis"]
    assert sorted(titles(client.get("/", {"type": "video"}))) == ["Other news video", "Wire news video"]
    assert titles(client.get("/", {"type": "video", "provider": "wire-example"})) == ["Wire news video"]


def test_date_range_filter_includes_both_whole_days(client):
    day = datetime(2026, 5, 10, tzinfo=UTC)
    make_published_article("Before", published_at=day - timedelta(minutes=1))
    make_published_article("Start of range", published_at=day)
    make_published_article("End of range", published_at=day + timedelta(days=1, hours=23, minutes=59))
    make_published_article("After", published_at=day + timedelta(days=2))
    response = client.get("/?ordering=newest", {"date_after": "2026-05-10", "date_before": "2026-05-11"})
    assert titles(response) == ["End of range", "Start of range"]
    assert titles(client.get("/?ordering=newest", {"date_after": "2026-05-12"})) == ["After"]


def test_minimum_quality_filter_keeps_scores_at_or_above_it(client):
    make_published_article("Seventy", quality=70)
    make_published_article("Sixty-nine", quality=69)
    make_published_article("Unscored", quality=None)
    assert titles(client.get("/", {"min_quality": "70"})) == ["Seventy"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"topic": "no-such-topic"}, "topic", "Select a valid choice"),
        ({"provider": "no-such-source"}, "provider", "Select a valid choice"),
        ({"date_after": "yesterday"}, "date", "Enter a valid date"),
        ({"date_after": "2026-02-30"}, "date", "Enter a valid date"),
        ({"date_after": "2026-05-02", "date_before": "2026-05-01"}, "date", "The start date is after the end date"),
        ({"min_quality": "lots"}, "min_quality", "Enter a whole number"),
        ({"min_quality": "9" * 40}, "min_quality", "less than or equal to"),
        ({"min_quality": "2.5"}, "min_quality", "Enter a whole number"),
        ({"ordering": "random"}, "ordering", "Select a valid choice"),
        ({"category": "x" * 300}, "category", "at most 100 characters"),
    ],
)
def test_a_bad_filter_value_gives_the_page_with_a_readable_error(client, params, field, message):
    make_published_article("Still listed")
    response = client.get("/", params)
    assert response.status_code == 200
    assert field in response.context["filterset"].form.errors
    text = response.content.decode()
    assert message in text
    assert 'role="alert"' in text
    assert titles(response) == ["Still listed"]


def test_reading_the_filtered_list_leaves_the_form_alone_until_the_page_offers_its_choices():
    make_published_article("Analysis story", category="analysis")
    filterset = ArticleFilter({"ordering": "relevance"}, queryset=Article.objects.published())
    assert titles_of(filterset.qs) == ["Analysis story"]
    assert filterset.form.fields["ordering"].choices == ORDERING_CHOICES
    assert filterset.form.fields["category"].widget.choices == []
    filterset.offer_choices(Facets())
    assert not filterset.form.errors
    assert [value for value, _ in filterset.form.fields["ordering"].choices] == ["hot", "newest", "quality", "heat"]
    assert filterset.form.fields["category"].widget.choices == [("", "Any category"), ("analysis", "Analysis")]


@pytest.mark.parametrize("page", ["abc", "0", "-1", "99999", "1.5", "9" * 30])
def test_a_bad_page_number_is_a_page_not_found_in_the_site_design(client, page):
    make_published_article("Only story")
    response = client.get("/", {"page": page})
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_filters_apply_on_topic_provider_category_and_search_pages(client):
    source = make_provider("Filtered Source", "filtered.example")
    make_published_article("Good video", provider=source, topics=["Space"], quality=90, item_type="video")
    make_published_article("Weak video", provider=source, topics=["Space"], quality=10, item_type="video")
    for url in [
        reverse("articles:topic", args=["space"]),
        reverse("articles:provider", args=["filtered-example"]),
        reverse("articles:category", args=["news"]),
        reverse("articles:search") + "?q=video",
    ]:
        assert titles(client.get(url, {"min_quality": "50"})) == ["Good video"], url


# Pagination


def test_pagination_splits_the_list_and_keeps_the_filters(client):
    for number in range(PAGE_SIZE + 5):
        make_published_article(f"Energy story {number:02d}", topics=["Energy"], age=timedelta(minutes=number + 1))
    make_published_article("Off-topic story")
    first = client.get("/", {"topic": "energy", "ordering": "newest"})
    assert len(first.context["articles"]) == PAGE_SIZE
    next_links = tags(first).find("a", rel="next")
    assert len(next_links) == 1
    href = next_links[0]["href"]
    assert "topic=energy" in href
    assert "ordering=newest" in href
    assert "page=2" in href
    second = client.get("/" + href)
    assert titles(second) == [f"Energy story {number:02d}" for number in range(PAGE_SIZE, PAGE_SIZE + 5)]
    assert "Page 2 of 2" in second.content.decode()
    assert tags(second).find("a", rel="prev")


def test_sort_links_and_the_filter_form_drop_the_page_number(client):
    for number in range(PAGE_SIZE + 1):
        make_published_article(f"Story {number}")
    response = client.get("/", {"page": "2", "min_quality": "1"})
    sort_links = [
        a["href"]
        for a in tags(response).find("a")
        if a.get("href", "").startswith("?ordering=") or "&ordering=" in a.get("href", "")
    ]
    assert sort_links
    assert all("page=" not in href and "min_quality=1" in href for href in sort_links)


def test_counting_stops_at_the_cap(client, monkeypatch):
    monkeypatch.setattr("articles.site.COUNT_CAP", 3)
    for number in range(5):
        make_published_article(f"Story {number}")
    response = client.get("/?ordering=newest")
    assert response.context["paginator"].capped
    assert "More than 3 stories" in response.content.decode()
    assert COUNT_CAP >= 1000


# Pages


def test_front_page_shows_the_newest_and_the_top_topics_beside_the_list(client):
    make_published_article("Older AI story", topics=["AI"], age=timedelta(days=2))
    make_published_article("Newest AI story", topics=["AI", "Robotics"], age=timedelta(minutes=5))
    response = client.get("/")
    assert [a.title for a in response.context["newest"]] == ["Newest AI story", "Older AI story"]
    assert [(t.name, t.story_count) for t in response.context["facets"].top_topics] == [("AI", 2), ("Robotics", 1)]
    text = response.content.decode()
    assert 'aria-labelledby="latest-heading"' in text
    assert 'aria-labelledby="topics-heading"' in text


def test_topic_and_provider_pages_list_their_live_articles(client):
    source = make_provider("Science Wire", "science.example", logo=True)
    make_published_article("Rocket story", provider=source, topics=["Space"])
    make_published_article("Garden story", topics=["Gardening"])
    topic_page = client.get(reverse("articles:topic", args=["space"]))
    assert titles(topic_page) == ["Rocket story"]
    provider_page = client.get(source.get_absolute_url())
    assert titles(provider_page) == ["Rocket story"]
    assert tags(provider_page).find("img", src="https://science.example/logo.png")


def test_unknown_topic_provider_category_and_article_answer_404_in_the_site_design(client):
    make_published_article("Some story")
    for url in ["/topics/nothing/", "/providers/nothing/", "/category/nothing/", "/news/999999-nothing/"]:
        response = client.get(url)
        assert response.status_code == 404, url
        text = response.content.decode()
        assert "We can’t find that page" in text
        assert "css/site.css" in text
        assert 'name="robots" content="noindex"' in text


def test_server_error_page_renders_in_the_site_design_without_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    text = response.content.decode()
    assert "Something went wrong" in text
    assert "css/site.css" in text


def test_article_url_with_a_stale_slug_redirects_to_the_canonical_one(client):
    article = make_published_article("The real headline")
    response = client.get(f"/news/{article.pk}-an-old-headline/")
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()
    assert article.get_absolute_url() == f"/news/{article.pk}-the-real-headline/"


def test_two_articles_with_one_title_get_different_urls(client):
    first, second = make_published_article("Same title"), make_published_article("Same title")
    assert first.get_absolute_url() != second.get_absolute_url()
    assert client.get(second.get_absolute_url()).context["article"] == second


@pytest.fixture
def full_article():
    source = make_provider("Harbour Times", "harbour.example", logo=True)
    article = make_published_article(
        "Port deploys forecasting model",
        excerpt="Containers leave the quay a day sooner &amp; faster.",
        body="## What changed\n\nPlanners use **the estimate** to stack boxes. See [the report](https://harbour.example/report).",
        provider=source,
        topics=["Machine Learning", "Supply Chain"],
        related=2,
        published_at=datetime(2026, 11, 25, 7, 40, tzinfo=UTC),
        amp_web_url="https://harbour.example/amp/story",
    )
    return article


def test_article_page_shows_everything_a_reader_needs(client, full_article):
    response = client.get(full_article.get_absolute_url())
    assert response.status_code == 200
    text = response.content.decode()
    page = tags(response)
    assert "<h1" in text
    assert "Port deploys forecasting model" in text
    assert "Containers leave the quay a day sooner &amp; faster." in text  # the entity decoded, then escaped once
    assert page.find("a", href="/providers/harbour-example/")
    assert page.find("img", src="https://harbour.example/logo.png")
    assert page.find("time", datetime="2026-11-25T07:40:00+00:00")
    assert page.find("a", href="/topics/machine-learning/")
    assert page.find("a", href="/topics/supply-chain/")
    lead = page.find("img", src=full_article.images.first().url)[0]
    assert lead == {
        "src": full_article.images.first().url,
        "width": "1200",
        "height": "675",
        "alt": "Port deploys forecasting model",
        "loading": "eager",  # above the fold: not lazy (issue 14)
        "decoding": "async",
    }
    assert "<h2>What changed</h2>" in text
    assert "<strong>the estimate</strong>" in text
    assert page.find("a", href="https://harbour.example/report", rel="noopener nofollow")
    original = page.find("a", href=full_article.web_url)
    assert original
    assert original[0]["rel"] == "noopener"
    related = [a for a in page.find("a", rel="noopener") if a["href"].startswith("https://other.example/")]
    assert len(related) == 2
    assert "Related coverage" in text


def test_article_page_never_shows_the_secured_blob_or_unmodelled_seed_data(client, full_article):
    text = client.get(full_article.get_absolute_url()).content.decode()
    assert SECRET not in text
    assert SECRET.split(";")[0] not in text
    assert "unmodelled-tag-value" not in text
    assert "unmodelled-country-value" not in text
    assert "Provider as given" not in text


def test_cards_the_article_page_and_the_api_show_only_images_with_an_http_source(client):
    source = make_provider("Image Source", "images.example")
    article = make_published_article("Pictured story", provider=source, images=0)
    for position, url in enumerate(
        ["javascript:alert(1)", "/relative.jpg", "https://img.example/a.jpg", "http://img.example/b.jpg"]
    ):
        ArticleImage.objects.create(article=article, url=url, position=position)
    for position, url in enumerate(["data:image/png;base64,AAAA", "https://images.example/logo.png"]):
        ProviderLogo.objects.create(provider=source, url=url, position=position)
    card_images = [img["src"] for img in tags(client.get("/")).find("img")]
    assert card_images == ["https://img.example/a.jpg"]
    page = tags(client.get(article.get_absolute_url()))
    assert page.meta("og:image") == "https://img.example/a.jpg"
    assert [img["src"] for img in page.find("img")] == [
        "https://images.example/logo.png",
        "https://img.example/a.jpg",
        "http://img.example/b.jpg",
    ]
    assert [img["src"] for img in tags(client.get(source.get_absolute_url())).find("img")] == [
        "https://images.example/logo.png",
        "https://img.example/a.jpg",
    ]
    api = client.get(reverse("articles:api_detail", args=[article.pk])).json()
    assert [image["url"] for image in api["images"]] == ["https://img.example/a.jpg", "http://img.example/b.jpg"]


def test_article_page_plays_only_youtube_embeds(client):
    youtube = make_published_article(
        "Video from YouTube",
        featured_content='<iframe width="800" height="500" src="https://www.youtube.com/embed/jcKoqC9Vfmo" allowfullscreen></iframe>',
    )
    foreign = make_published_article(
        "Video from elsewhere",
        featured_content='<iframe src="https://player.clipcast.example/embed/8fj3k2" onload="alert(1)"></iframe>',
    )
    frames = tags(client.get(youtube.get_absolute_url())).find("iframe")
    assert [frame["src"] for frame in frames] == ["https://www.youtube.com/embed/jcKoqC9Vfmo"]
    assert frames[0]["title"] == "Video: Video from YouTube"
    text = client.get(foreign.get_absolute_url()).content.decode()
    assert "<iframe" not in text
    assert "clipcast" not in text


def test_article_page_carries_seo_tags_and_escaped_news_article_json_ld(client, full_article):
    response = client.get(full_article.get_absolute_url())
    page = tags(response)
    canonical = "http://testserver" + full_article.get_absolute_url()
    assert page.find("link", rel="canonical")[0]["href"] == canonical
    assert page.meta("description") == "Containers leave the quay a day sooner & faster."
    assert page.meta("og:type") == "article"
    assert page.meta("og:url") == canonical
    assert page.meta("og:image") == full_article.images.first().url
    assert page.meta("twitter:card") == "summary_large_image"
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S)
    assert len(scripts) == 1
    data = json.loads(scripts[0])
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Port deploys forecasting model"
    assert data["datePublished"] == "2026-11-25T07:40:00+00:00"
    assert data["author"] == {"@type": "Organization", "name": "Harbour Times"}


def test_json_ld_cannot_be_closed_by_the_headline(client):
    article = make_published_article("Breaking </script><script>alert(1)</script> news")
    text = client.get(article.get_absolute_url()).content.decode()
    script = text.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in script
    assert json.loads(script)["headline"] == "Breaking </script><script>alert(1)</script> news"


@pytest.mark.parametrize("name", ["front", "topic", "provider", "category", "search", "article"])
def test_every_page_has_title_description_canonical_open_graph_twitter_and_landmarks(client, name):
    article = make_published_article(
        "Tagged story", topics=["Climate"], provider=make_provider("Tag Source", "tag.example")
    )
    url = {
        "front": "/",
        "topic": "/topics/climate/",
        "provider": "/providers/tag-example/",
        "category": "/category/news/",
        "search": "/search/?q=tagged",
        "article": article.get_absolute_url(),
    }[name]
    response = client.get(url)
    page = tags(response)
    text = response.content.decode()
    assert re.search(r"<title>[^<]+ · Newsroom</title>", text)
    assert page.meta("description")
    assert page.find("link", rel="canonical")[0]["href"].startswith("http://testserver/")
    assert page.meta("og:title")
    assert page.meta("og:site_name") == "Newsroom"
    assert page.meta("twitter:card")
    for landmark in ["<header", "<nav", '<main id="main"', "<footer"]:
        assert landmark in text
    assert page.find("a", href="#main")[0]["class"] == "skip-link"
    search_boxes = page.find("form", role="search", action="/search/")
    assert search_boxes, "a search box on every page"


def test_the_site_name_comes_from_the_setting_on_pages_feeds_sitemaps_and_json_ld(client, settings, time_machine):
    settings.NEWSROOM_SITE_NAME = "Harbour <Daily> & Co"
    time_machine.move_to(timezone.now(), tick=False)
    article = make_published_article("Named story", topics=["Climate"])
    page = client.get(article.get_absolute_url())
    text = page.content.decode()
    assert "<title>Named story · Harbour &lt;Daily&gt; &amp; Co</title>" in text
    assert tags(page).meta("og:site_name") == "Harbour <Daily> & Co"
    assert '<a class="brand" href="/">Harbour &lt;Daily&gt; &amp; Co</a>' in text
    assert "Newsroom" not in text
    script = text.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert json.loads(script)["publisher"]["name"] == "Harbour <Daily> & Co"
    assert "Harbour &lt;Daily&gt; &amp; Co" in server_error(RequestFactory().get("/")).content.decode()
    for url in [
        reverse("articles:latest_rss"),
        reverse("articles:topic_atom", args=["climate"]),
        reverse("sitemap-news"),
    ]:
        body = client.get(url).content.decode()
        assert "Harbour" in body, url
        assert "Newsroom" not in body, url


def test_filtered_and_search_pages_ask_search_engines_not_to_index_them(client):
    make_published_article("Story", topics=["AI"])
    assert tags(client.get("/")).meta("robots") is None
    assert tags(client.get("/", {"topic": "ai"})).meta("robots") == "noindex"
    assert tags(client.get("/search/", {"q": "story"})).meta("robots") == "noindex"


def test_search_page_without_words_shows_a_search_form(client):
    response = client.get("/search/")
    assert response.status_code == 200
    assert tags(response).find("input", type="search", name="q", id="search-page-q")


# Preview


@pytest.fixture
def draft():
    return make_published_article("Unreleased draft", status=Article.Status.DRAFT)


def staff_user(*, is_staff=True, can_view=True) -> User:
    user = User.objects.create_user(f"user{User.objects.count()}", password="pw", is_staff=is_staff)
    if can_view:
        user.user_permissions.add(Permission.objects.get(codename="view_article", content_type__app_label="articles"))
    return user


def test_staff_who_may_view_articles_can_preview_a_draft_with_a_banner_and_noindex(client, draft):
    client.force_login(staff_user())
    response = client.get(reverse("articles:preview", args=[draft.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Preview — not published" in text
    assert '<meta name="robots" content="noindex' in text
    assert "Unreleased draft" in text
    assert "no-store" in response["Cache-Control"]
    assert 'type="application/ld+json"' not in text


@pytest.mark.parametrize(("is_staff", "can_view"), [(True, False), (False, True), (False, False)])
def test_preview_answers_404_to_users_who_are_not_staff_with_view_permission(client, draft, is_staff, can_view):
    client.force_login(staff_user(is_staff=is_staff, can_view=can_view))
    assert client.get(reverse("articles:preview", args=[draft.pk])).status_code == 404


def test_preview_of_a_missing_article_answers_404(client):
    client.force_login(staff_user())
    assert client.get(reverse("articles:preview", args=[999999])).status_code == 404


# Conditional GET


@pytest.mark.parametrize(
    "url_name", ["front", "detail", "topic", "latest_rss", "latest_atom", "api_list", "sitemap-index", "sitemap-news"]
)
def test_pages_feeds_and_sitemaps_answer_304_when_the_readers_copy_is_current(client, url_name):
    article = make_published_article("Cached story", topics=["Cache"])
    url = {
        "front": "/",
        "detail": article.get_absolute_url(),
        "topic": "/topics/cache/",
        "latest_rss": reverse("articles:latest_rss"),
        "latest_atom": reverse("articles:latest_atom"),
        "api_list": reverse("articles:api_list"),
        "sitemap-index": reverse("sitemap-index"),
        "sitemap-news": reverse("sitemap-news"),
    }[url_name]
    first = client.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    again = client.get(url, headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    article.title = "Cached story, edited"
    article.save()
    assert client.get(url, headers={"if-none-match": etag}).status_code == 200


# Query counts: the same number of queries whatever the list's length


def build_site(size: int):
    source = make_provider("Counted Source", "counted.example", logo=True)
    for number in range(size):
        make_published_article(
            f"Counted {number}", provider=source, topics=["Counting", f"Extra {number % 4}"], images=2, related=1
        )


@pytest.mark.parametrize("size", [21, 40])  # page 2 exists at both sizes (a page past the end is a 404)
@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/", 9),
        ("/?ordering=newest&page=2", 8),
        ("/?topic=counting&min_quality=1&type=article&date_after=2020-01-01", 10),
        ("/topics/counting/", 10),
        ("/providers/counted-example/", 10),
        ("/category/news/", 10),
        ("/search/?q=counted", 9),
    ],
)
def test_list_pages_run_a_fixed_number_of_queries(
    client, django_assert_num_queries, page_cache_queries, size, url, queries
):
    build_site(size)
    # A cached list page's miss reads the versions twice: before rendering, and its articles' own after.
    with django_assert_num_queries(queries + (2 * page_cache_queries if "/search/" not in url else 0)):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["articles"]) == min(size, PAGE_SIZE) or "page=2" in url


@pytest.mark.parametrize("size", [1, 12])
def test_article_page_runs_a_fixed_number_of_queries(client, django_assert_num_queries, page_cache_queries, size):
    build_site(size)
    article = Article.objects.first()
    for number in range(size):
        article.related_links.create(
            position=10 + number, title=f"More {number}", web_url=f"https://x.example/{number}"
        )
    # 8, and the byline (authors with their accounts) since issue 12, and the corrections readers see (issue 13)
    with django_assert_num_queries(10 + page_cache_queries):
        assert client.get(article.get_absolute_url()).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/category/%00/",
        "/category/a%00b/",
        "/search/?q=%00",
        "/?category=%00",
        "/?type=a%00",
        "/?topic=%00",
        "/?provider=%00",
        "/?date_after=%00",
        "/?min_quality=%00",
        "/api/news/?category=%00",
        "/news/1-%00/",
        "/topics/a%00b/",
        "/feeds/topics/a%00b.rss",
        "/topics/" + "\u0630" * 3000 + "/",
        "/category/" + "x" * 3000 + "/",
    ],
)
def test_nul_characters_and_overlong_values_never_cause_a_server_error(client, url):
    make_published_article("Story")
    assert client.get(url).status_code in (200, 400, 404)
