"""The desk's review flow in Chromium: the workflow bar stays in view, the send-back error sits beside the comment
box, bulk unpublish asks first and changes nothing until confirmed, the body editor previews the Markdown, and the
list fits 1280 px and the dashboard 390 px without sideways scrolling."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from articles import services
from articles.models import Article, ArticleTransition
from tests.browser.conftest import ARTIFACTS
from tests.support.browser import log_in

pytestmark = pytest.mark.browser

Status = Article.Status

OVERFLOW = """(selector) => {
  const box = document.querySelector(selector);
  return {scrollWidth: box.scrollWidth, clientWidth: box.clientWidth};
}"""


@pytest.fixture
def in_review(demo_accounts, imported_fixtures):
    """An imported draft the writer submitted, that the editor sent back once and the writer submitted again."""
    article = Article.objects.filter(status=Status.DRAFT).order_by("pk").first()
    writer, editor = (get_user_model().objects.get(username=name) for name in ("writer", "editor"))
    services.article_submit_for_review(article=article, by=writer)
    services.article_send_back(article=article, by=editor, comment="Name the second source, please.")
    services.article_submit_for_review(article=article, by=writer, comment="Added the council's figures.")
    return article


def test_the_workflow_bar_stays_in_view_with_the_latest_comment(live_server, in_review, page, screenshot):
    log_in(page, live_server, "editor")
    page.goto(f"{live_server.url}/admin/articles/article/{in_review.pk}/change/")
    bar = page.locator("#workflow-bar")
    expect(bar).to_contain_text("Added the council's figures.")
    expect(bar.get_by_role("button", name="Publish")).to_be_in_viewport()
    screenshot(page, "1-top")

    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function("window.scrollY > 1000")
    expect(bar.get_by_role("button", name="Publish")).to_be_in_viewport()
    expect(bar.get_by_label("Workflow comment")).to_be_in_viewport()
    assert abs(bar.bounding_box()["y"]) < 2  # stuck to the top of the window
    page.screenshot(path=str(ARTIFACTS / "test_the_workflow_bar_stays_in_view-2-scrolled-viewport.png"))


def test_sending_back_without_a_comment_shows_the_error_beside_the_box(live_server, in_review, page, screenshot):
    log_in(page, live_server, "editor")
    page.goto(f"{live_server.url}/admin/articles/article/{in_review.pk}/change/")
    page.locator("#workflow-bar").get_by_role("button", name="Send back").click()

    error = page.locator("#workflow-comment-error")
    expect(error).to_contain_text("a comment is required when an article is sent back")
    expect(error).to_be_in_viewport()
    box = page.get_by_label("Workflow comment")
    assert abs(error.bounding_box()["y"] - (box.bounding_box()["y"] + box.bounding_box()["height"])) < 40
    expect(page.locator(".errorlist.nonfield")).to_have_count(0)
    screenshot(page, "error-beside-box")
    in_review.refresh_from_db()
    assert in_review.status == Status.REVIEW

    box.fill("The second source is still missing.")
    page.locator("#workflow-bar").get_by_role("button", name="Send back").click()
    expect(page.locator(".messagelist")).to_contain_text("was sent back")
    in_review.refresh_from_db()
    assert in_review.status == Status.DRAFT


def test_bulk_unpublish_shows_the_stories_and_changes_nothing_until_confirmed(
    live_server, demo_accounts, imported_fixtures, page, screenshot
):
    live = list(Article.objects.published().order_by("-published_at", "-id")[:2])
    log_in(page, live_server, "editor")
    page.goto(f"{live_server.url}/admin/articles/article/?status__exact=published")
    for article in live:
        page.locator(f'input.action-select[value="{article.pk}"]').check()
    page.locator("select[name=action]").select_option("unpublish")
    page.get_by_role("button", name="Go").click()

    expect(page.get_by_text("Are you sure you want to unpublish 2 articles?")).to_be_visible()
    for article in live:
        expect(page.locator("#transition-articles")).to_contain_text(article.title)
    screenshot(page, "1-confirmation")
    assert all(a.is_live() for a in Article.objects.filter(pk__in=[a.pk for a in live]))
    assert not ArticleTransition.objects.exists()

    page.get_by_role("link", name="No, take me back").click()
    expect(page.locator("#result_list")).to_be_visible()
    assert all(a.is_live() for a in Article.objects.filter(pk__in=[a.pk for a in live]))

    for article in live:
        page.locator(f'input.action-select[value="{article.pk}"]').check()
    page.locator("select[name=action]").select_option("unpublish")
    page.get_by_role("button", name="Go").click()
    page.get_by_role("button", name="Yes, unpublish 2 articles").click()
    expect(page.locator(".messagelist")).to_contain_text("2 articles unpublished")
    screenshot(page, "2-done")
    assert set(Article.objects.filter(pk__in=[a.pk for a in live]).values_list("status", flat=True)) == {Status.DRAFT}


def test_the_body_editor_previews_the_markdown_as_the_site_renders_it(live_server, in_review, page, screenshot):
    draft = Article.objects.filter(status=Status.DRAFT).exclude(pk=in_review.pk).order_by("pk").first()
    log_in(page, live_server, "writer")
    page.goto(f"{live_server.url}/admin/articles/article/{draft.pk}/change/")
    page.locator("#id_body").fill("## Council vote\n\nThe **council** voted.\n\n<script>window.ran = 1</script>")
    page.get_by_role("tab", name="Preview").click()
    preview = page.locator("#body-preview")
    expect(preview.locator("h2")).to_have_text("Council vote")
    expect(preview.locator("strong")).to_have_text("council")
    assert preview.locator("script").count() == 0
    expect(page.locator("#id_body")).to_be_hidden()
    screenshot(page, "preview")
    page.get_by_role("tab", name="Write").click()
    expect(page.locator("#id_body")).to_be_visible()


def test_the_list_fits_1280_px_and_the_dashboard_390_px(live_server, in_review, chromium, screenshot):
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    log_in(page, live_server, "editor")
    page.goto(f"{live_server.url}/admin/articles/article/")
    page_width = page.evaluate(OVERFLOW, "html")
    results = page.evaluate(OVERFLOW, "#changelist .results")
    screenshot(page, "list-1280")
    assert page_width["scrollWidth"] <= page_width["clientWidth"], page_width
    assert results["scrollWidth"] <= results["clientWidth"], results  # no column cut off
    expect(page.locator("#result_list th.column-submitted")).to_be_in_viewport()

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/admin/")
    dashboard = page.evaluate(OVERFLOW, "html")
    screenshot(page, "dashboard-390")
    assert dashboard["scrollWidth"] <= dashboard["clientWidth"] == 390, dashboard
    context.close()
