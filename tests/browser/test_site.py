"""A reader's path through the site in real Chromium, at a phone and a desktop width.

front page -> topic -> article -> filter -> search, with a screenshot of each
step in test-artifacts/. Image requests to the seed files' hosts are answered
with a local placeholder, so the run needs no network and still shows the layout.
"""

import re

import pytest
from django.core.management import call_command

from tests.support.paths import FIXTURES_DIR

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLACEHOLDER = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="900" viewBox="0 0 16 9">'
    b'<rect width="16" height="9" fill="#8a9aa6"/><rect y="6" width="16" height="3" fill="#6f8271"/></svg>'
)


@pytest.fixture
def site(live_server):
    call_command("import_seeds", str(FIXTURES_DIR), verbosity=0)
    return live_server.url


def serve_images_locally(page, base_url: str) -> None:
    def handle(route):
        if route.request.url.startswith(base_url):
            return route.continue_()
        if route.request.resource_type == "image":
            return route.fulfill(status=200, content_type="image/svg+xml", body=PLACEHOLDER)
        return route.abort()

    page.route("**/*", handle)


def settle(page) -> None:
    """Load every lazy image, so the full-page screenshot shows what a scrolling reader sees."""
    page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(img => img.loading = 'eager')")
    page.wait_for_load_state("networkidle")


def assert_fits_the_screen(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"


@pytest.mark.parametrize("width", [360, 1440])
def test_reader_goes_from_front_page_to_topic_to_article_then_filters_and_searches(page, screenshot, site, width):
    page.set_viewport_size({"width": width, "height": 900 if width > 800 else 780})
    serve_images_locally(page, site)

    # Front page
    page.goto(site + "/")
    settle(page)
    assert page.locator("h1").inner_text() == "Top stories"
    assert page.locator(".stories > li").count() == 20
    assert_fits_the_screen(page)
    screenshot(page, f"{width}-1-front")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("element => element === document.activeElement")
    assert skip.bounding_box()["y"] >= 0, "the skip link shows when focused"
    outline = skip.evaluate("element => getComputedStyle(element).outlineStyle")
    assert outline == "solid", "focus is visible"

    # Topic
    page.locator(".stories .tags a", has_text="Machine Learning").first.click()
    page.wait_for_url(re.compile(r"/topics/machine-learning/$"))
    settle(page)
    assert page.locator("h1").inner_text() == "Machine Learning"
    assert page.locator(".kicker").first.inner_text().lower() == "topic"
    assert_fits_the_screen(page)
    screenshot(page, f"{width}-2-topic")

    # Article
    first_story = page.locator(".stories .card__title a").first
    headline = first_story.inner_text()
    first_story.click()
    page.wait_for_url(re.compile(r"/news/\d+-[\w-]+/$"))
    settle(page)
    assert page.locator("h1").inner_text() == headline
    assert page.locator("article time").first.get_attribute("datetime")
    assert page.locator("a.button", has_text="Read the original").get_attribute("rel") == "noopener"
    assert_fits_the_screen(page)
    screenshot(page, f"{width}-3-article")

    # Filter: from the front page, newest videos only
    page.locator(".brand").first.click()
    page.wait_for_url(site + "/")
    page.locator("details.filters > summary").click()
    page.select_option("#id_ordering", "newest")
    page.select_option("#id_type", "video")
    page.locator("details.filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"type=video"))
    settle(page)
    assert "ordering=newest" in page.url
    assert page.locator("details.filters").get_attribute("open") is not None
    cards = page.locator(".stories > li")
    assert cards.count() >= 2
    assert page.locator("#id_type").input_value() == "video"
    assert_fits_the_screen(page)
    screenshot(page, f"{width}-4-filter")

    # Search from the box in the masthead
    page.fill("#site-search", "power apps")
    page.press("#site-search", "Enter")
    page.wait_for_url(re.compile(r"/search/\?q=power\+apps"))
    settle(page)
    assert page.locator("h1").inner_text() == "Results for “power apps”"
    assert page.locator(".stories > li").count() > 0
    assert page.locator("#site-search").input_value() == "power apps"
    assert_fits_the_screen(page)
    screenshot(page, f"{width}-5-search")


def test_a_bad_filter_value_shows_a_readable_error_in_the_browser(page, screenshot, site):
    serve_images_locally(page, site)
    page.goto(site + "/?min_quality=lots&date_after=2026-13-40")
    errors = page.locator(".form-errors")
    assert errors.is_visible()
    assert "Minimum quality" in errors.inner_text()
    assert "Enter a whole number" in errors.inner_text()
    assert page.locator("#id_min_quality").get_attribute("aria-invalid") == "true"
    screenshot(page, "bad-filter")


def test_not_found_page_is_in_the_site_design(page, screenshot, site):
    response = page.goto(site + "/news/999999-no-such-story/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "We can’t find that page"
    assert page.locator("form[role=search]").count() == 2
    screenshot(page, "not-found")
