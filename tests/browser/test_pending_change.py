"""A change to a live story under review, end to end in real Chromium (issue 13): a writer edits a live story and
submits the change; a reader still sees the live version; an editor publishes it with a correction note; readers
see the new text and the note, and the page's JSON-LD carries the correction."""

import json

import pytest
from playwright.sync_api import expect

from tests.support.browser import log_in, log_out
from tests.support.factories import make_published_article

pytestmark = pytest.mark.browser

LIVE = "Minister opens the new bridge over the Tame"
CORRECTED = "Deputy minister opens the new bridge over the Tame"
NOTE = "An earlier version said the minister opened the bridge; it was her deputy."


def test_a_writers_change_to_a_live_story_waits_for_an_editor_and_readers_are_told(
    live_server, demo_accounts, page, chromium, screenshot
):
    article = make_published_article(LIVE, body="The bridge opened on Monday.", images=0)
    story = f"{live_server.url}{article.get_absolute_url()}"
    change = f"{live_server.url}/admin/articles/article/{article.pk}/change/"

    log_in(page, live_server, "writer")
    page.goto(change)
    expect(page.locator(".workflow-pending")).to_contain_text("saved as a pending change")
    page.get_by_label("Headline").fill(CORRECTED)
    page.get_by_role("button", name="Submit changes for review").click()
    expect(page.locator(".messagelist")).to_contain_text("was submitted for review")
    expect(page.locator(".field-title")).to_contain_text(CORRECTED)  # the pending version, read-only in review
    screenshot(page, "1-writer-submitted")
    log_out(page)

    reader = chromium.new_page()
    reader.goto(story)
    expect(reader.locator("h1")).to_have_text(LIVE)

    log_in(page, live_server, "editor")
    page.goto(change)
    expect(page.locator(".workflow-pending")).to_contain_text("in review")
    page.get_by_role("radio", name="Correction", exact=True).check()
    page.get_by_label("Note for readers").fill(NOTE)
    screenshot(page, "2-editor-publishes")
    page.get_by_role("button", name="Publish changes").click()
    expect(page.locator(".messagelist")).to_contain_text("Readers see it now")
    expect(page.locator(".workflow-pending")).to_have_count(0)

    reader = chromium.new_page()  # a reader's browser keeps a page for a while (BROWSER_MAX_AGE): a later visit
    reader.goto(story)
    expect(reader.locator("h1")).to_have_text(CORRECTED)
    expect(reader.locator(".correction")).to_contain_text("Correction, ")
    expect(reader.locator(".correction")).to_contain_text(NOTE)
    screenshot(reader, "3-reader-sees-the-correction")
    data = json.loads(reader.locator('script[type="application/ld+json"]').first.text_content())
    assert data["headline"] == CORRECTED
    assert data["correction"][0]["text"] == f"Correction: {NOTE}"
    assert data["dateModified"]
