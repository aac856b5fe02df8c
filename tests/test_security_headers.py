"""Security headers on every page type: Content-Security-Policy without
'unsafe-inline' on the public site, nosniff, Referrer-Policy, X-Frame-Options;
HSTS under production settings."""

import re

import pytest
from django.urls import reverse

from articles.models import Article
from newsroom.middleware import ContentSecurityPolicyMiddleware
from tests.support.factories import make_provider, make_published_article, make_user
from tests.support.processes import STRONG_KEY, manage

pytestmark = pytest.mark.django_db

PUBLIC_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' https: data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "frame-src": "https://www.youtube.com https://www.youtube-nocookie.com",
    "frame-ancestors": "'none'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
}
ADMIN_POLICY = PUBLIC_POLICY | {"style-src": "'self' 'unsafe-inline'"}
# Feeds: Chromium's own XSLT deprecation banner, by hash (newsroom/middleware.py), and nothing else inline.
FEED_POLICY = PUBLIC_POLICY | {
    name: " ".join(["'self'", *sources])
    for name, sources in ContentSecurityPolicyMiddleware.CHROMIUM_XSLT_BANNER.items()
}


def policy(response) -> dict[str, str]:
    header = response.get("Content-Security-Policy", "")
    directives = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return dict(directives)


@pytest.fixture
def public_urls():
    provider = make_provider("Header Source", "headers.example")
    article = make_published_article("Header story", provider=provider, topics=["Headers"], category="news")
    draft = make_published_article("Header draft", status=Article.Status.DRAFT)
    return {
        "front page": "/",
        "article": article.get_absolute_url(),
        "topic": reverse("articles:topic", args=["headers"]),
        "provider": reverse("articles:provider", args=[provider.slug]),
        "category": reverse("articles:category", args=["news"]),
        "search": "/search/?q=header",
        "not found": "/no-such-page/",
        "feed": reverse("articles:latest_rss"),
        "topic feed": reverse("articles:topic_atom", args=["headers"]),
        "sitemap index": reverse("sitemap-index"),
        "news sitemap": reverse("sitemap-news"),
        "robots": reverse("robots"),
        "healthz": reverse("healthz"),
        "api list": reverse("articles:api_list"),
        "api detail": reverse("articles:api_detail", args=[article.pk]),
        "preview": reverse("articles:preview", args=[draft.pk]),
    }


def test_every_public_page_type_sends_the_strict_policy_and_the_other_headers(client, public_urls):
    client.force_login(make_user("editor"))  # for the preview

    for name, url in public_urls.items():
        response = client.get(url)
        assert response.status_code in {200, 404}, name
        assert policy(response) == (FEED_POLICY if "feed" in name else PUBLIC_POLICY), name
        assert "unsafe-inline" not in response["Content-Security-Policy"], name
        assert response["X-Content-Type-Options"] == "nosniff", name
        assert response["Referrer-Policy"] == "same-origin", name
        assert response["X-Frame-Options"] == "DENY", name


def test_admin_pages_allow_inline_styles_but_never_inline_scripts(client):
    article = make_published_article("Admin header story")
    client.force_login(make_user("editor"))
    urls = ["/admin/", "/admin/articles/article/", f"/admin/articles/article/{article.pk}/change/", "/admin/login/"]

    for url in urls:
        response = client.get(url)
        assert policy(response) == ADMIN_POLICY, url
        assert response["X-Frame-Options"] == "DENY", url
        assert response["X-Content-Type-Options"] == "nosniff", url


def test_public_templates_render_no_inline_style_script_or_event_handler(client, public_urls):
    client.force_login(make_user("editor"))
    pages = [
        url for name, url in public_urls.items() if name in {"front page", "article", "topic", "search", "preview"}
    ]

    for url in pages:
        html = client.get(url).content.decode()
        assert not re.search(r"\sstyle=", html), url
        assert "<style" not in html, url
        assert not re.search(r"\son[a-z]+=", html), url
        # The only <script> elements are JSON-LD data blocks, which CSP does not execute, and empty
        # elements that load a file of the site's own (script-src 'self').
        scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.DOTALL)
        for attributes, body in scripts:
            assert 'type="application/ld+json"' in attributes or (
                re.search(r'\ssrc="/static/[^"]+\.js"', attributes) and not body
            ), (url, attributes)


def test_the_database_unavailable_page_is_plain_and_carries_the_policy(client, monkeypatch):
    from django.db import OperationalError

    from articles import views

    def fail(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(views, "render_list", fail)
    response = client.get("/")

    assert response.status_code == 503
    assert policy(response) == PUBLIC_POLICY
    assert "style=" not in response.content.decode()


def test_production_settings_send_hsts_on_https():
    code = (
        "from django.test import Client; "
        "r = Client().get('/robots.txt', secure=True); "
        "print(r.status_code, r['Strict-Transport-Security'])"
    )

    result = manage("shell", "--no-imports", "-c", code, "--settings=newsroom.settings.production",
                    DJANGO_SECRET_KEY=STRONG_KEY, DJANGO_ALLOWED_HOSTS="testserver")  # fmt: skip

    assert result.stdout.split(None, 1) == ["200", "max-age=31536000; includeSubDomains; preload\n"], result.stderr


def test_production_settings_redirect_plain_http_to_https():
    code = "from django.test import Client; r = Client().get('/robots.txt'); print(r.status_code, r['Location'])"

    result = manage("shell", "--no-imports", "-c", code, "--settings=newsroom.settings.production",
                    DJANGO_SECRET_KEY=STRONG_KEY, DJANGO_ALLOWED_HOSTS="testserver")  # fmt: skip

    assert result.stdout.split() == ["301", "https://testserver/robots.txt"], result.stderr
