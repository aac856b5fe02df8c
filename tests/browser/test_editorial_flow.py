"""The editorial flow end to end in real Chromium: a writer edits an imported
draft and submits it, an editor finds it in the review queue on the dashboard
and publishes it, and an anonymous reader sees it on the site. Also the parts
of the list that need JavaScript: the provider autocomplete filter."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article
from tests.support.browser import log_in, log_out
from tests.support.paths import FIXTURES_DIR

pytestmark = pytest.mark.browser

DRAFT_TITLE = "DRAFT: Council to vote on library opening hours after consultation"  # fixtures/handwritten/hw-12-*
NEW_TITLE = "Council to vote on longer library opening hours"


def test_writer_submits_editor_publishes_reader_sees_it(
    live_server, demo_accounts, imported_fixtures, page, chromium, screenshot
):
    article = Article.objects.get(title=DRAFT_TITLE)
    assert article.status == Article.Status.DRAFT
    assert article.imported_at is not None

    # The writer edits the imported draft and submits it for review.
    log_in(page, live_server, "writer")
    screenshot(page, "1-writer-dashboard")
    page.get_by_role("link", name="Articles", exact=True).first.click()
    page.get_by_role("textbox", name="Search").fill("library opening hours")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=DRAFT_TITLE).click()
    expect(page.get_by_role("button", name="Publish")).to_have_count(0)
    page.locator("#id_title").fill(NEW_TITLE)
    screenshot(page, "2-writer-edits-draft")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".messagelist")).to_contain_text(f"“{NEW_TITLE}” was submitted for review.")
    expect(page.locator(".workflow-notice")).to_contain_text("it is in review")
    screenshot(page, "3-writer-submitted")

    article.refresh_from_db()
    assert (article.title, article.status, article.edited_by.username) == (NEW_TITLE, "review", "writer")
    assert article.edited_at > article.imported_at  # a re-import will not overwrite the writer's work

    # Not visible to readers yet.
    reader = chromium.new_context()
    reader_page = reader.new_page()
    assert reader_page.goto(f"{live_server.url}{article.get_absolute_url()}").status == 404

    # The editor finds it in the review queue on the dashboard and publishes it.
    log_out(page)
    log_in(page, live_server, "editor")
    queue = page.locator("#dashboard-review-queue")
    expect(queue).to_contain_text(NEW_TITLE)
    screenshot(page, "4-editor-dashboard-review-queue")
    queue.get_by_role("link", name=NEW_TITLE).click()
    expect(page.locator(".field-status_badge")).to_contain_text("In review")
    expect(page.get_by_role("link", name="Preview")).to_be_visible()
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".messagelist")).to_contain_text(f"“{NEW_TITLE}” was published.")
    expect(page.locator(".field-status_badge")).to_contain_text("Published")
    expect(page.get_by_role("link", name="View on site")).to_be_visible()
    history = page.locator("#transitions-group")
    expect(history.locator("tbody tr.has_original")).to_have_count(2)
    expect(history.locator("tbody tr.has_original").first).to_contain_text("Published")
    screenshot(page, "5-editor-published")

    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert [t.name for t in article.transitions.all()] == ["publish", "submit_for_review"]
    assert [t.by.username for t in article.transitions.all()] == ["editor", "writer"]

    # An anonymous reader sees it on the site.
    response = reader_page.goto(f"{live_server.url}{article.get_absolute_url()}")
    assert response.status == 200
    expect(reader_page.get_by_role("heading", name=NEW_TITLE)).to_be_visible()
    expect(reader_page.get_by_text(re.compile("preview", re.IGNORECASE))).to_have_count(0)
    screenshot(reader_page, "6-reader-sees-article")
    reader.close()


def test_editor_narrows_the_list_with_the_provider_autocomplete_and_sees_schedules(
    live_server, demo_accounts, imported_fixtures, page, screenshot
):
    now = timezone.now()
    scheduled = Article.objects.filter(status=Article.Status.PUBLISHED).order_by("pk").first()
    Article.objects.filter(pk=scheduled.pk).update(go_live_at=now + timedelta(days=2))
    log_in(page, live_server, "editor")
    expect(page.locator("#dashboard-scheduled")).to_contain_text(scheduled.title)

    page.goto(f"{live_server.url}/admin/articles/article/?visibility=scheduled")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list .status-badge")).to_have_text("Scheduled")
    screenshot(page, "1-scheduled")

    page.goto(f"{live_server.url}/admin/articles/article/?status__exact=published")
    page.locator("#changelist-filter .select2-selection").first.click()  # the provider box
    page.keyboard.type("Rail Gaz")
    page.locator(".select2-results__option", has_text="Rail Gazette").click()
    page.wait_for_url(re.compile(r"provider=\d+"))
    assert "status__exact=published" in page.url  # other filters are kept
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("#result_list")).to_contain_text("Rail Gazette")
    screenshot(page, "2-filtered-by-provider")


# Seed files whose text a browser sends back in another form: a CRLF excerpt, a BOM and CRLF file,
# a Markdown body ending in a newline, a title ending in a no-break space.
RESAVED = [
    "everyday-cc-powerapps/2021-09-13-september-power-apps-community-call-power-platform-integration-and-value-proposition-design.md",
    "handwritten/hw-11-bom-crlf.md",
    "handwritten/hw-03-markdown-body.md",
    "everyday-cc-powerapps/2022-11-14-new-ways-to-share-power-apps-community-forum-ideas.md",
]


def test_opening_and_saving_an_imported_article_is_not_an_edit(
    live_server, demo_accounts, imported_fixtures, page, screenshot, tmp_path
):
    articles = [Article.objects.get(source_file__endswith=name) for name in RESAVED]
    before = list(Article.objects.filter(pk__in=[a.pk for a in articles]).order_by("pk").values())
    log_in(page, live_server, "editor")

    for number, article in enumerate(articles):
        page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
        screenshot(page, f"saved-{number}")

    assert list(Article.objects.filter(pk__in=[a.pk for a in articles]).order_by("pk").values()) == before
    newer = tmp_path / "newer"
    for name in RESAVED:
        path = newer / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes((FIXTURES_DIR / name).read_bytes() + b"\n\nUpdated by the feed.\n")
    out = StringIO()
    call_command("import_seeds", str(newer), stdout=out)
    assert f"0 created, {len(RESAVED)} updated, 0 unchanged, 0 conflicts" in out.getvalue()
