"""axe-core in Chromium: no serious or critical violation on the admin pages the desk uses (dashboard, list, change
form, review queue, add form, the bulk confirmation page, the log-in page and the preview) or on any public page type.

axe-core is vendored (tests/browser/vendor/axe.min.js, MPL-2.0), so this runs offline. A control at the end shows
the check does find a violation when there is one.
"""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from articles import services
from articles.models import Article, Provider, Topic
from tests.browser.axe import axe_violations, describe
from tests.support.browser import log_in

pytestmark = pytest.mark.browser


# static/js/admin-a11y.js names select2's boxes in the animation frame after they are drawn: audit after it has.
NAMED_AUTOCOMPLETES = """() => [...document.querySelectorAll('.select2-selection')]
    .every((box) => (box.getAttribute('aria-labelledby') || '').includes('-label'))"""


def audited(page, url: str) -> list[dict]:
    page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_function(NAMED_AUTOCOMPLETES)
    return axe_violations(page)


def test_the_admin_pages_the_desk_uses_have_no_serious_axe_violation(
    live_server, demo_accounts, imported_fixtures, page, screenshot
):
    drafts = Article.objects.filter(status=Article.Status.DRAFT).order_by("pk")
    draft, review = drafts[0], drafts[1]
    writer, editor = (get_user_model().objects.get(username=name) for name in ("writer", "editor"))
    services.article_submit_for_review(article=review, by=writer)
    services.article_send_back(article=review, by=editor, comment="Name the second source.")
    services.article_submit_for_review(article=review, by=writer, comment="Added it.")
    live = Article.objects.published().first()
    assert live is not None
    found = {"login": audited(page, live_server.url + "/admin/login/")}
    log_in(page, live_server, "editor")
    base = live_server.url + "/admin/articles/article/"
    pages = {
        "dashboard": live_server.url + "/admin/",
        "list": base,
        "review queue": base + "?status__exact=review",
        "change form (review)": f"{base}{review.pk}/change/",
        "change form (draft)": f"{base}{draft.pk}/change/",
        "change form (published)": f"{base}{live.pk}/change/",
        "add form": base + "add/",
        "preview": live_server.url + f"/preview/{draft.pk}/",
    }
    found |= {name: audited(page, url) for name, url in pages.items()}
    screenshot(page, "add-form")

    page.goto(base + "?status__exact=published")
    page.locator("#result_list tbody input.action-select").first.check()
    page.locator("select[name=action]").select_option("unpublish")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("Are you sure you want to unpublish")).to_be_visible()
    found["bulk confirmation"] = axe_violations(page)

    failing = {name: describe(v) for name, v in found.items() if v}
    assert not failing, "\n\n".join(f"== {name}\n{text}" for name, text in failing.items())


def test_every_public_page_type_has_no_serious_axe_violation(live_server, imported_fixtures, page, screenshot):
    article = Article.objects.published().exclude(topics=None).exclude(provider=None).first()
    topic = Topic.objects.filter(articles__in=Article.objects.published()).first()
    provider = Provider.objects.filter(articles__in=Article.objects.published()).first()
    category = Article.objects.published().exclude(category="").values_list("category", flat=True).first()
    pages = {
        "front": "/",
        "front, filtered": "/?sort=hot",
        "article": article.get_absolute_url(),
        "topic": f"/topics/{topic.slug}/",
        "provider": f"/providers/{provider.slug}/",
        "category": f"/category/{category}/",
        "search": "/search/?q=council",
        "search, nothing found": "/search/?q=zzzzqqq",
        "not found": "/no-such-page/",
    }
    found = {name: audited(page, live_server.url + url) for name, url in pages.items()}
    screenshot(page, "not-found")
    failing = {name: describe(v) for name, v in found.items() if v}
    assert not failing, "\n\n".join(f"== {name}\n{text}" for name, text in failing.items())


def test_the_check_finds_a_violation_when_there_is_one(live_server, imported_fixtures, page):
    page.goto(live_server.url + "/")
    page.evaluate(
        "() => { const i = document.createElement('input'); i.type = 'text'; document.querySelector('main, body').append(i); }"
    )
    assert "label" in {v["rule"] for v in axe_violations(page)}
