"""Hostile seed content (hw-15, hw-16 and the like) is inert on every page it reaches.

Script tags, event-handler attributes, ``javascript:``/``data:`` links and
iframes from other hosts in titles, excerpts, bodies, provider and topic
names, related links and image URLs: none may become markup or a link.
"""

import io
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from articles.models import Article, Provider, Topic
from tests.support.factories import SECRET, make_draft_article, make_provider, make_published_article, make_user
from tests.support.forms import change_url, read_form

pytestmark = pytest.mark.django_db

ALLOWED_SCHEMES = {"http", "https", "mailto", ""}
ALLOWED_FRAME_HOSTS = {"www.youtube.com", "www.youtube-nocookie.com"}


class Markup(HTMLParser):
    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.script_bodies: list[str] = []
        self._in_script = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_bodies.append(data)


SITE_SCRIPTS = {"/static/js/topic-filter.js"}


def assert_inert_html(text: str, where: str) -> None:
    markup = Markup(text)
    for tag, attrs in markup.tags:
        assert tag not in {"svg", "object", "embed", "base", "form"} or (
            tag == "form" and attrs.get("method") == "get"
        ), (
            where,
            tag,
        )
        if tag == "script":  # JSON-LD data, or one of the site's own files (no content can choose it)
            assert attrs.get("type") == "application/ld+json" or attrs.get("src") in SITE_SCRIPTS, (where, attrs)
        if tag == "iframe":
            assert urlsplit(attrs["src"]).hostname in ALLOWED_FRAME_HOSTS, (where, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (where, tag, name)
            if name in {"href", "src", "action", "formaction", "poster", "data"}:
                assert urlsplit((value or "").strip()).scheme.lower() in ALLOWED_SCHEMES, (where, tag, name, value)
    for body in markup.script_bodies:
        assert "<" not in body, where
    assert "alert(document.cookie)" not in text, where


def assert_no_markup_in_text(text: str | None, where: str) -> None:
    """Text that a feed reader will render as HTML holds no tags."""
    assert not Markup(text or "").tags, (where, text)


@pytest.fixture
def hostile(imported_fixtures):
    script_title = Article.objects.get(source_file__endswith="hw-15-hostile-script-title-body.md")
    iframe_video = Article.objects.get(source_file__endswith="hw-16-hostile-featured-iframe.md")
    assert script_title.is_live()
    assert iframe_video.is_live()
    return script_title, iframe_video


def html_urls(script_title, iframe_video) -> list[str]:
    urls = ["/", "/?ordering=newest", "/?ordering=quality", "/?ordering=heat", "/category/news/"]
    urls += [article.get_absolute_url() for article in (script_title, iframe_video)]
    urls += [topic.get_absolute_url() for article in (script_title, iframe_video) for topic in article.topics.all()]
    urls += [article.provider.get_absolute_url() for article in (script_title, iframe_video)]
    urls += [reverse("articles:search") + "?q=" + word for word in ("researchers", "embed", "script", "alert")]
    urls += ["/?type=video", "/?provider=" + iframe_video.provider.slug]
    return urls


def test_hostile_seed_content_is_inert_on_every_html_page(client, hostile):
    for url in html_urls(*hostile):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert_html(response.content.decode(), url)


def test_hostile_text_is_shown_as_text(client, hostile):
    script_title, iframe_video = hostile
    text = client.get(script_title.get_absolute_url()).content.decode()
    assert "Researchers show how &lt;script&gt;alert(1)&lt;/script&gt; still slips" in text
    assert "Infosec Desk &lt;b&gt;Daily&lt;/b&gt;" in text
    assert "&lt;i&gt;Web Security&lt;/i&gt;" in text
    assert "{{ 7|add:7 }}" in text
    assert '{% now "Y" %}' in text
    assert 'href="https://www.infosec-desk.example/projects/headline-injection"' in text  # the safe link survives
    video = client.get(iframe_video.get_absolute_url()).content.decode()
    assert "&lt;svg onload=alert(1)&gt;" in video
    assert "clipcast-media" not in video  # the foreign player is dropped, not cleaned up
    assert "javascript:" not in video.lower()
    assert "data:text/html" not in video


def test_related_links_and_images_with_unsafe_urls_never_become_links(client, hostile):
    _, iframe_video = hostile
    markup = Markup(client.get(iframe_video.get_absolute_url()).content.decode())
    hrefs = [attrs.get("href", "") for tag, attrs in markup.tags if tag == "a"]
    srcs = [attrs.get("src", "") for tag, attrs in markup.tags if tag == "img"]
    assert "https://img.media-watch.example/2026/11/fake-player-screenshot.jpg" in srcs  # the safe image is the lead
    assert all(urlsplit(url).scheme in {"http", "https", ""} for url in hrefs + srcs)
    related = client.get(iframe_video.get_absolute_url()).content.decode()
    assert "Checklist: vetting third-party embeds &lt;img src=x onerror=alert(1)&gt;" in related


def test_hostile_content_is_inert_in_feeds(client, hostile):
    script_title, iframe_video = hostile
    urls = [reverse("articles:latest_rss"), reverse("articles:latest_atom")]
    for article in (script_title, iframe_video):
        urls += [reverse("articles:topic_rss", args=[t.slug]) for t in article.topics.all()]
        urls += [reverse("articles:provider_atom", args=[article.provider.slug])]
    for url in urls:
        root = ET.fromstring(client.get(url).content)  # noqa: S314 - our own response
        texts = [
            element.text for element in root.iter() if element.tag.split("}")[-1] in {"title", "description", "summary"}
        ]
        assert any("alert(1)" in (text or "") for text in texts), url
        for text in texts:
            assert_no_markup_in_text(text, url)
        links = [element.text or element.get("href") for element in root.iter() if element.tag.split("}")[-1] == "link"]
        assert all(urlsplit(link).scheme == "http" for link in links if link), url


def test_hostile_content_is_inert_in_sitemaps_and_the_api(client, hostile):
    for url in [reverse("sitemap-news"), "/sitemap-topics.xml", "/sitemap-providers.xml", "/sitemap-articles.xml"]:
        root = ET.fromstring(client.get(url).content)  # noqa: S314 - parses: nothing broke out of its element
        for element in root.iter():
            assert urlsplit(element.text or "").scheme in {"http", ""} or element.tag.endswith("publication_date"), url
    for article in hostile:
        response = client.get(reverse("articles:api_detail", args=[article.pk]))
        assert b"<" not in response.content
        data = response.json()
        assert all(urlsplit(image["url"]).scheme == "https" for image in data["images"])
        assert all(item["webUrl"] is None or item["webUrl"].startswith("https://") for item in data["related"])
        assert "featuredContent" not in data


def test_secured_blobs_never_reach_any_public_response(client, imported_fixtures):
    blobs = list(Article.objects.exclude(secured="").values_list("secured", flat=True))
    assert len(blobs) >= 3
    fragments = {part[:24] for blob in blobs for part in blob.split(";") if len(part) >= 24}
    urls = ["/", "/?ordering=newest", "/?ordering=newest&page=2", "/?ordering=newest&page=3", "/search/?q=the"]
    urls += [article.get_absolute_url() for article in Article.objects.published()]
    urls += [reverse("articles:latest_rss"), reverse("articles:latest_atom"), "/sitemap-articles.xml"]
    urls += [reverse("sitemap-news"), reverse("articles:api_list") + "?page_size=100"]
    urls += [
        reverse("articles:api_detail", args=[pk]) for pk in Article.objects.published().values_list("pk", flat=True)
    ]
    for url in urls:
        text = client.get(url).content.decode()
        assert not any(fragment in text for fragment in fragments), url


def test_hostile_names_made_by_hand_are_inert_everywhere(client):
    source = make_provider('"><img src=x onerror=alert(1)>', "evil.example")
    article = make_published_article(
        '<iframe src="https://evil.example/x"></iframe>Headline',
        excerpt="<a href='javascript:alert(1)'>click</a>",
        body='<a href="javascript:alert(1)" onclick="x()">x</a> <iframe src="https://evil.example"></iframe> [y](data:text/html,hi)',
        provider=source,
        topics=['<script>alert("topic")</script>'],
        featured_content='<iframe src="https://www.youtube.com.evil.example/embed/abcdefg"></iframe>',
        web_url="https://evil.example/story",
        original_url="https://evil.example/original",
    )
    article.related_links.create(title="<b onmouseover=alert(1)>x</b>", web_url="https://evil.example/related")
    topic = Topic.objects.get(articles=article)
    assert Provider.objects.filter(pk=source.pk).exists()
    for url in [
        "/",
        article.get_absolute_url(),
        topic.get_absolute_url(),
        source.get_absolute_url(),
        "/search/?q=headline",
    ]:
        text = client.get(url).content.decode()
        assert_inert_html(text, url)
        assert SECRET not in text
    assert "<iframe" not in client.get(article.get_absolute_url()).content.decode()


# Bodies that cost too much to render (issue 10, item 4): refused where a person or a file can be told.

IMAGE_OPENERS = "![" * 500_000  # 1 MB: its page took 19 s
WIDE_TABLE = ("|" + "a|" * 500 + "\n|" + "-|" * 500 + "\n" + "|\n" * 140 + "\n") * 40  # 8.6 MB of HTML


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (IMAGE_OPENERS, "body is 1,000,000 characters long; at most 100,000"),
        (WIDE_TABLE, "body has tables of more than 20,000 cells"),
    ],
    ids=["image-openers", "wide-table"],
)
def test_a_seed_whose_body_would_cost_too_much_is_refused_at_import_with_the_reason(write_seed, body, reason):
    path = write_seed("title: Costly\nwebUrl: https://costly.example/1\npublished: true", body)
    errors = io.StringIO()

    with pytest.raises(CommandError, match="1 of 1 files were not imported"):
        call_command("import_seeds", str(path), verbosity=0, stderr=errors)

    assert reason in errors.getvalue()
    assert not Article.objects.exists()


def test_a_body_that_would_cost_too_much_is_refused_in_the_admin_with_the_reason(client):
    article = make_draft_article(status=Article.Status.DRAFT, body="Short.")
    client.force_login(make_user("editor"))
    data, _ = read_form(client.get(change_url(article)))

    response = client.post(change_url(article), data | {"body": [WIDE_TABLE], "_save": ["Save"]})

    assert response.status_code == 200
    assert "The body has tables of more than 20,000 cells." in response.content.decode()
    article.refresh_from_db()
    assert (article.body, article.body_html) == ("Short.", "<p>Short.</p>\n")
