"""What a reader sees in Chromium: the slideshow works without script, a feed opens as a readable page.

Remote images are answered locally with a numbered SVG, so the screenshots in
test-artifacts/ show which slide is on screen.
"""

import re

import pytest

from tests.support.factories import make_published_article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NUMBERED = '<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="675"><rect width="100%" height="100%" fill="#{colour}"/><text x="50%" y="55%" font-size="200" text-anchor="middle" fill="#fff">{number}</text></svg>'
COLOURS = ["2a6f97", "a4133c", "386641", "7b2cbf", "bc6c25"]


@pytest.fixture
def reader(page, live_server):
    """The page, with console messages kept and remote images drawn locally."""
    console = []
    page.on("console", lambda message: console.append((message.type, message.text)))
    page.on("pageerror", lambda error: console.append(("pageerror", str(error))))

    def handle(route):
        url = route.request.url
        if url.startswith(live_server.url):
            return route.continue_()
        number = re.search(r"-(\d+)\.jpg$", url)
        if number:
            index = int(number.group(1))
            body = NUMBERED.format(colour=COLOURS[index % len(COLOURS)], number=index + 1)
            return route.fulfill(status=200, content_type="image/svg+xml", body=body)
        return route.fulfill(status=204, body=b"")

    page.route("**/*", handle)
    page.console = console
    return page


def errors(page) -> list[str]:
    return [text for kind, text in page.console if kind in ("error", "pageerror")]


def test_a_slideshow_thumbnail_shows_its_slide_with_its_caption(reader, live_server, screenshot):
    article = make_published_article("Greywater in pictures", item_type="slideshow", images=5)
    reader.goto(live_server.url + article.get_absolute_url())
    slides = reader.locator(".slideshow__slide")
    assert slides.nth(0).is_visible()
    assert not slides.nth(2).is_visible()
    screenshot(reader, "first")

    reader.get_by_role("link", name="Show image 3 of 5").click()
    assert slides.nth(2).is_visible()
    assert not slides.nth(0).is_visible()
    assert slides.nth(2).locator("figcaption").inner_text().startswith("3 / 5")
    assert slides.nth(2).locator("img").evaluate("image => image.naturalWidth") > 0
    screenshot(reader, "third")
    assert errors(reader) == []


def test_typing_in_the_topic_box_narrows_the_full_topic_list(reader, live_server, screenshot):
    for name in ["Travel", "Supply Chain", "Telecommunications", "الذكاء الاصطناعي", "Café culture"]:
        make_published_article(f"About {name}", topics=[name])
    reader.goto(live_server.url + "/")
    reader.locator("summary", has_text="Filter stories").click()
    checks = reader.locator("#topic-checks .check")
    assert checks.count() == 5
    find = reader.get_by_label("Find a topic")
    find.fill("cafe")
    assert [checks.nth(i).inner_text().strip() for i in range(5) if checks.nth(i).is_visible()] == ["Café culture"]
    find.fill("الذكاء")
    visible = [checks.nth(i) for i in range(5) if checks.nth(i).is_visible()]
    assert [check.inner_text().strip() for check in visible] == ["الذكاء الاصطناعي"]
    visible[0].click()
    screenshot(reader, "arabic-topic")
    reader.get_by_role("button", name="Apply filters").click()
    reader.wait_for_load_state("load")
    assert reader.locator(".card__title").all_inner_texts() == ["About الذكاء الاصطناعي"]
    assert errors(reader) == []


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_a_feed_opened_in_the_browser_is_a_readable_page_with_a_subscribe_hint(reader, live_server, screenshot, kind):
    make_published_article(
        "Tariffs & trade: <b>what</b> changes", excerpt="Ports & customs \u2014 the details.", category="economy"
    )
    make_published_article("الذكاء الاصطناعي في المدارس", category="economy")
    reader.goto(f"{live_server.url}/feeds/categories/economy.{kind}")
    reader.wait_for_load_state("load")
    assert reader.locator("h1").inner_text() == "Newsroom: Economy"
    assert "subscribe" in reader.locator(".feed-hint").inner_text()
    assert reader.locator(".feed-hint code").inner_text() == f"{live_server.url}/feeds/categories/economy.{kind}"
    titles = reader.locator(".feed__item h2").all_inner_texts()
    assert titles == ["الذكاء الاصطناعي في المدارس", "Tariffs & trade: <b>what</b> changes"]
    assert reader.locator(".feed__item b").count() == 0  # markup in a title is text, never markup
    assert "Ports & customs" in reader.locator(".feed__item").nth(1).inner_text()
    assert reader.locator("link[rel=stylesheet]").evaluate("link => link.sheet.cssRules.length") > 0
    screenshot(reader, kind)
    assert errors(reader) == []
    reader.locator(".feed__item h2 a").nth(1).click()
    reader.wait_for_load_state("load")
    assert reader.locator("h1").inner_text() == "Tariffs & trade: <b>what</b> changes"
