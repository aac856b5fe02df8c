"""A story of our own, end to end in real Chromium (issue 12): a writer writes it with no web URL, a
byline, a new topic and an uploaded photo with alt text; previews it; submits it; an editor publishes it;
an anonymous reader finds it first under Latest, in the RSS feed with its author, date and photo, and
its page names the author in JSON-LD."""

import io
import json
import xml.etree.ElementTree as ET

import pytest
from PIL import Image as PillowImage
from playwright.sync_api import expect

from articles.models import Article, Topic
from tests.support.browser import log_in, log_out

pytestmark = pytest.mark.browser

TITLE = "Council approves 400 new homes on the old bus depot site"
DC = "{http://purl.org/dc/elements/1.1/}"


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "depot.jpg"
    image = PillowImage.new("RGB", (640, 360), (40, 90, 160))
    for x in range(0, 640, 40):  # stripes, so that the screenshot shows a picture and not a flat box
        image.paste((230, 180, 40), (x, 0, x + 20, 360))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_a_writer_writes_an_own_story_with_a_photo_and_readers_get_it_everywhere(
    live_server, demo_accounts, imported_fixtures, page, chromium, screenshot, photo
):
    # The writer writes the story: no web URL anywhere on the form, a byline, a new topic, a photo.
    log_in(page, live_server, "writer")
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    expect(page.locator("#id_web_url")).to_have_count(0)
    page.get_by_label("Headline").fill(TITLE)
    page.get_by_label("Standfirst").fill("The scheme includes 120 social homes and a new bus garage.")
    page.locator("#id_body").fill("Councillors voted 31 to 12 on Tuesday.\n\nWork starts in spring.")
    page.get_by_label("New topics").fill("Housing")
    page.locator("#authors-group").locator(".add-row a").click()
    page.locator("#id_authors-0-name").fill("Wendy Writer")
    page.locator("#images-group").locator(".add-row a").click()
    page.locator("#id_images-0-file").set_input_files(str(photo))
    page.locator("#id_images-0-alt_text").fill("The empty bus depot seen from the road")
    page.locator("#id_images-0-caption").fill("The depot closed in 2019.")
    page.locator("#id_images-0-credit").fill("Jane Doe / Newsroom")
    screenshot(page, "1-writer-writes")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    screenshot(page, "2-writer-saved")

    article = Article.objects.get(title=TITLE)
    assert article.web_url is None
    assert article.byline_names == ["Wendy Writer"]
    assert Topic.objects.get(key="housing") in article.topics.all()
    image = article.images.get()
    assert (image.alt_text, image.width, image.height) == ("The empty bus depot seen from the road", 640, 360)

    # The preview shows the photo, loaded, with its caption and credit.
    with page.expect_popup() as popup:
        page.get_by_role("link", name="Preview").click()
    preview = popup.value
    preview.wait_for_load_state()
    figure = preview.locator(".story__figure img")
    expect(figure).to_have_attribute("alt", "The empty bus depot seen from the road")
    assert figure.evaluate("img => img.complete && img.naturalWidth") == 640
    expect(preview.locator(".story__caption")).to_contain_text("The depot closed in 2019.")
    expect(preview.locator(".story__caption")).to_contain_text("Jane Doe / Newsroom")
    expect(preview.get_by_text("Read the original")).to_have_count(0)
    screenshot(preview, "3-writer-previews")
    preview.close()

    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".messagelist")).to_contain_text("was submitted for review")
    log_out(page)

    # The editor publishes it.
    log_in(page, live_server, "editor")
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".messagelist")).to_contain_text("was published")
    screenshot(page, "4-editor-published")
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at is not None  # dated by publishing
    log_out(page)

    # An anonymous reader: first under Latest, in the RSS feed with author, date and photo.
    reader = chromium.new_context(viewport={"width": 1280, "height": 900})
    site = reader.new_page()
    site.goto(f"{live_server.url}/?ordering=newest")
    expect(site.locator(".stories .card__title").first).to_have_text(TITLE)
    screenshot(site, "5-reader-latest")

    feed = site.request.get(f"{live_server.url}/feeds/latest.rss")
    assert feed.status == 200
    item = ET.fromstring(feed.body()).find("channel/item")  # noqa: S314 - our own response
    assert item.find("title").text == TITLE
    assert item.find(f"{DC}creator").text == "Wendy Writer"
    assert item.find("pubDate").text
    photo_url = item.find("enclosure").get("url")
    assert photo_url == f"{live_server.url}{image.file.url}"
    picture = site.request.get(photo_url)
    assert picture.status == 200
    assert picture.headers["content-type"] == "image/jpeg"

    site.goto(f"{live_server.url}{article.get_absolute_url()}")
    expect(site.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(site.locator(".byline__authors")).to_have_text("By Wendy Writer")
    expect(site.get_by_text("Read the original")).to_have_count(0)
    assert site.locator(".story__figure img").evaluate("img => img.complete && img.naturalWidth") == 640
    data = json.loads(site.locator('script[type="application/ld+json"]').text_content())
    assert data["author"] == [{"@type": "Person", "name": "Wendy Writer"}]
    assert data["url"] == f"{live_server.url}{article.get_absolute_url()}"
    screenshot(site, "6-reader-article")
    reader.close()
