"""Notes in real Chromium (issue 15): a writer mentions an editor in a note beside the form, picking the name
from the suggestions; the editor sees the inbox badge and the note."""

import pytest
from playwright.sync_api import expect

from articles.models import ArticleNote
from tests.support.browser import log_in, log_out
from tests.support.factories import make_draft_article

pytestmark = pytest.mark.browser


def test_a_writer_mentions_an_editor_in_a_note_and_the_editor_sees_the_inbox_badge(
    live_server, demo_accounts, page, screenshot
):
    article = make_draft_article(title="Tram extension: the council's figures")
    log_in(page, live_server, "writer")
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    box = page.get_by_label("New note")
    box.click()
    box.press_sequentially("Can you check the cost figure, @edi")
    page.get_by_role("button", name="@editor").click()
    box.press_sequentially("? It differs from the budget.")
    screenshot(page, "1-writing")
    page.get_by_role("button", name="Add note").click()

    expect(page.locator("#notes .note-text-shown")).to_have_text(
        "Can you check the cost figure, @editor ? It differs from the budget."
    )
    expect(page.get_by_text("Note added. Told: editor.")).to_be_visible()
    screenshot(page, "2-added")
    log_out(page)

    log_in(page, live_server, "editor")
    expect(page.locator("#inbox-link .inbox-badge")).to_have_text("1")
    page.locator("#inbox-link").click()
    screenshot(page, "3-inbox")
    page.get_by_role("link", name="writer mentioned you on “Tram extension: the council's figures”").click()
    expect(page.locator("#notes .note-text-shown")).to_contain_text("It differs from the budget.")
    expect(page.locator("#inbox-link .inbox-badge")).to_have_count(0)  # opened from the inbox: read
    screenshot(page, "4-editor")
    assert list(ArticleNote.objects.get().mentions.values_list("username", flat=True)) == ["editor"]
