"""The Wagtail comparison (bench/peer.py) renders the pages it names: the peer's own articles, every URL answering."""

import pytest

from articles.models import Article
from bench.peer import PAGE_TYPES, newsroom_targets
from tests.support.factories import make_provider, make_published_article

pytestmark = pytest.mark.django_db


def test_peer_articles_are_found_by_web_url_in_the_peers_order_and_hidden_ones_reported():
    live = [make_published_article(topics=("AI",)) for _ in range(4)]
    draft = make_published_article(status=Article.Status.DRAFT, topics=("AI",))
    web_urls = [live[2].web_url, draft.web_url, live[0].web_url]

    targets, info = newsroom_targets({"topic_name": "AI", "articles": 20, "web_urls": web_urls})

    assert [url for kind, url in targets if kind == "article"] == [
        live[2].get_absolute_url(),
        live[0].get_absolute_url(),
    ]
    assert info["articles_missing"] == [draft.web_url]


def test_without_the_peer_articles_are_spread_over_the_live_ones_sorted_by_web_url():
    live = [make_published_article(topics=("AI",), web_url=f"https://site.example/{letter}") for letter in "fbdeac"]
    make_published_article(status=Article.Status.DRAFT, web_url="https://site.example/aa")

    targets, _ = newsroom_targets({"topic_name": "AI", "articles": 3})

    by_web_url = sorted(live, key=lambda article: article.web_url)
    assert [url for kind, url in targets if kind == "article"] == [
        article.get_absolute_url() for article in by_web_url[::2]
    ]


def test_every_page_the_comparison_times_answers_200(client):
    provider = make_provider()
    for number in range(85):  # page 5 of 20 needs more than 80 live articles
        make_published_article(topics=("AI", "Climate") if number % 2 else ("AI",), provider=provider, images=0)

    targets, _ = newsroom_targets({"topic_name": "AI", "articles": 2})

    assert {kind for kind, _ in targets} == set(PAGE_TYPES)
    for kind, url in targets:
        assert client.get(url).status_code == 200, (kind, url)
