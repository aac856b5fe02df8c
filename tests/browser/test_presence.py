"""Presence in real Chromium (issue 15): a writer and an editor open the same draft; each sees the other, the
first through the heartbeat the page sends (a clock moved on by 20 s, not waited for). The draft is under
embargo: its badge shows to both, the override box to the editor only."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article
from tests.support.browser import log_in

pytestmark = pytest.mark.browser


def test_two_people_on_the_same_article_each_see_the_other(live_server, demo_accounts, chromium, screenshot):
    article = Article.objects.create(
        title="Bridge closure extended to March",
        status=Article.Status.DRAFT,
        embargo_until=timezone.now() + timedelta(days=1),
        embargo_reason="Council press release, embargoed to tomorrow",
    )
    url = f"{live_server.url}/admin/articles/article/{article.pk}/change/"
    pages = {}
    for username in ("writer", "editor"):
        context = chromium.new_context(viewport={"width": 1280, "height": 900})
        pages[username] = page = context.new_page()
        page.set_default_timeout(15_000)
        page.clock.install()
        log_in(page, live_server, username)
        page.goto(url)
    writer, editor = pages["writer"], pages["editor"]

    expect(editor.locator(".presence-others")).to_contain_text("Also open by: writer")
    expect(writer.locator(".presence-others")).to_contain_text("Nobody else")
    writer.clock.run_for(20_000)  # the next heartbeat
    expect(writer.locator(".presence-others")).to_contain_text("Also open by: editor")
    expect(writer.locator(".workflow-bar .status-embargo")).to_be_visible()
    expect(writer.get_by_label("Override the embargo")).to_have_count(0)
    expect(editor.get_by_label("Override the embargo")).to_be_visible()
    screenshot(writer, "writer")
    screenshot(editor, "editor")
    for page in pages.values():
        page.context.close()
