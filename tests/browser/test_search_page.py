"""The search page in real Chromium: highlighted results, a search with none, the help text."""

import pytest

from tests.support.factories import make_provider, make_published_article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server):
    wire = make_provider("Microsoft", "microsoft.com")
    make_published_article(
        "Battery breakthrough announced", excerpt="Researchers report denser battery cells.", provider=wire, images=0
    )
    make_published_article(
        "Weekend reading",
        excerpt="Stories from the week.",
        body="One of them: **battery** recycling at scale.",
        images=0,
    )
    make_published_article("Café culture returns", excerpt="Coffee houses reopen <script>alert(1)</script>.", images=0)
    return live_server.url


def test_a_reader_searches_and_sees_the_words_marked(page, screenshot, site):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(site + "/search/")
    assert page.locator(".page-head__meta q", has_text="cafe").count() == 1
    page.fill("#search-page-q", "battery")
    page.press("#search-page-q", "Enter")
    page.wait_for_url("**/search/?q=battery")
    marks = page.locator(".stories mark")
    assert marks.count() == 2
    assert marks.first.evaluate("mark => getComputedStyle(mark).backgroundColor") != "rgba(0, 0, 0, 0)"
    screenshot(page, "results")

    page.goto(site + "/search/?q=cafe")
    assert page.locator(".stories .card__title").inner_text() == "Café culture returns"
    assert "<script>alert(1)</script>" in page.locator(".stories .card__excerpt").inner_text()

    page.goto(site + "/search/?q=zeppelin")
    assert page.locator(".empty").inner_text().startswith("No stories match “zeppelin”.")
    screenshot(page, "no-results")
    assert errors == []
