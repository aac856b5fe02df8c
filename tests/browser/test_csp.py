"""The Content-Security-Policy holds in real Chromium: no page breaks it.

Chromium reports each blocked resource twice: as a console error ("Refused to
...") and as a ``securitypolicyviolation`` event, which an init script records.
Both must stay empty on the front page, an article page (JSON-LD data block,
video player) and the admin screens. A control at the end shows the recorder
does catch a real violation.
"""

import pytest
from django.contrib.auth import get_user_model

from tests.support.factories import make_provider, make_published_article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture
def watched(page, live_server):
    """The page, with remote requests answered locally and CSP reports collected."""
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(RECORD_VIOLATIONS)

    def handle(route):
        if route.request.url.startswith(live_server.url):
            return route.continue_()
        return route.fulfill(status=204, body=b"")

    page.route("**/*", handle)

    def violations() -> list[str]:
        page.wait_for_load_state("load")
        recorded = page.evaluate("window.__cspViolations")
        return recorded + [text for text in console if "Content Security Policy" in text]

    page.violations = violations
    return page


@pytest.fixture
def story(db):
    provider = make_provider("Browser Source", "browser.example", logo=True)
    return make_published_article(
        "A story with a video",
        provider=provider,
        topics=["Browsers"],
        related=2,
        featured_content='<iframe src="https://www.youtube.com/embed/jcKoqC9Vfmo"></iframe>',
    )


def test_the_front_page_and_an_article_page_raise_no_csp_violation(watched, live_server, story, screenshot):
    watched.goto(live_server.url + "/")
    assert watched.locator("h1").count() == 1
    front = watched.violations()

    watched.goto(live_server.url + story.get_absolute_url())
    assert watched.locator('script[type="application/ld+json"]').count() >= 1
    assert watched.locator("iframe[src^='https://www.youtube.com/embed/']").count() == 1
    article = watched.violations()
    screenshot(watched, "article")

    assert front == []
    assert article == []


def test_the_admin_screens_raise_no_csp_violation(watched, live_server, story, screenshot):
    get_user_model().objects.create_superuser("csp-admin", password="csp-pass-1")
    watched.goto(live_server.url + "/admin/login/")
    watched.get_by_label("Username").fill("csp-admin")
    watched.get_by_label("Password").fill("csp-pass-1")
    watched.get_by_role("button", name="Log in").click()
    watched.wait_for_url(live_server.url + "/admin/")

    seen = {}
    for url in [
        "/admin/",
        "/admin/articles/article/",
        f"/admin/articles/article/{story.pk}/change/",
        "/admin/articles/article/add/",
        "/admin/auth/user/",
    ]:
        watched.goto(live_server.url + url)
        seen[url] = watched.violations()
    screenshot(watched, "users")

    assert seen == {url: [] for url in seen}


def test_the_recorder_catches_an_inline_script_the_policy_blocks(watched, live_server, story):
    watched.goto(live_server.url + "/")
    watched.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1'; document.head.append(s); }"
    )

    assert watched.evaluate("window.ran === undefined")
    assert any("script-src" in violation for violation in watched.violations())
