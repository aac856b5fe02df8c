"""Every public and every admin URL, tried as anonymous, writer, editor and superuser.

The tables below are the rules: the status each role gets at each URL. A test
per role requests every URL and fails listing every difference. A further test
checks that the admin table names every URL the admin site has, so a newly
registered model cannot slip in untested.

Transitions (who may publish, by button, bulk action or crafted POST) are in
tests/test_admin_permissions.py; this file is about reaching pages. The rules
in prose are in docs/WORKFLOW.md ("Who may do what"): writers see every
article, other writers' drafts included.
"""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import URLResolver, reverse
from django.utils import timezone

from articles import revisions, services
from articles.models import (
    Article,
    ArticleNote,
    Correction,
    FeedConflict,
    Notification,
    Picture,
    PreviewLink,
    SeedFile,
)
from articles.pictures.jobs import fetch_picture
from tests.support.factories import make_provider, make_published_article, make_topic, make_user

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "writer", "editor", "superuser"]
LOGIN = "login"  # a redirect to the admin login page
HOME = "home"  # a redirect to the admin index (a signed-in user opening the login page)

# Public site: (anonymous, writer, editor, superuser). Unpublished articles are
# 404 on the public pages for everyone; staff see them through /preview/ only.
PUBLIC = {
    "front page": (200, 200, 200, 200),
    "article, live": (200, 200, 200, 200),
    "article, draft": (404, 404, 404, 404),
    "article, wrong slug": (301, 301, 301, 301),
    "topic": (200, 200, 200, 200),
    "provider": (200, 200, 200, 200),
    "category": (200, 200, 200, 200),
    "search": (200, 200, 200, 200),
    "search, with a query": (200, 200, 200, 200),
    "feed, latest rss": (200, 200, 200, 200),
    "feed, latest atom": (200, 200, 200, 200),
    "feed, topic rss": (200, 200, 200, 200),
    "feed, topic atom": (200, 200, 200, 200),
    "feed, provider rss": (200, 200, 200, 200),
    "feed, provider atom": (200, 200, 200, 200),
    "sitemap index": (200, 200, 200, 200),
    "sitemap, news": (200, 200, 200, 200),
    "sitemap, pages": (200, 200, 200, 200),
    "sitemap, articles": (200, 200, 200, 200),
    "sitemap, topics": (200, 200, 200, 200),
    "sitemap, providers": (200, 200, 200, 200),
    "robots.txt": (200, 200, 200, 200),
    "healthz": (200, 200, 200, 200),
    "corrections": (200, 200, 200, 200),
    "feed, corrections rss": (200, 200, 200, 200),
    "feed, corrections atom": (200, 200, 200, 200),
    "api list": (200, 200, 200, 200),
    "api detail, live": (200, 200, 200, 200),
    "api detail, draft": (404, 404, 404, 404),
    "preview, live": (404, 200, 200, 200),
    "preview, draft": (404, 200, 200, 200),
    # Preview links (issue 13): the token is the key, whoever holds it; a tampered one is no page, a revoked one gone.
    "preview link": (200, 200, 200, 200),
    "preview link, tampered": (404, 404, 404, 404),
    "preview link, revoked": (410, 410, 410, 410),
    # Under embargo (issue 15): nothing for anyone not signed in as staff.
    "preview link, embargoed": (403, 200, 200, 200),
}

# Admin pages, by URL name: (anonymous, writer, editor, superuser). 403 is the
# admin's "permission denied"; 404 on an app index means "no such page for you".
# Writers: articles (their images and links are on the article's page, under its
# rule: tests/test_admin_write_matrix.py); providers and topics read-only; no seed
# files, no users or groups, no login records. Editors: all editorial content;
# seed files read-only; no users or groups, no login records.
ADMIN = {
    "index": (LOGIN, 200, 200, 200),
    "login": (200, HOME, HOME, HOME),
    "password_change": (LOGIN, 200, 200, 200),
    "password_change_done": (LOGIN, 200, 200, 200),
    "jsi18n": (LOGIN, 200, 200, 200),
    "autocomplete": (LOGIN, 200, 200, 200),
    "body_preview": (LOGIN, 405, 405, 405),  # POST only (tests/test_admin_body_preview.py)
    "view_on_site": (LOGIN, 302, 302, 302),
    "app_list articles": (LOGIN, 200, 200, 200),
    "app_list auth": (LOGIN, 404, 404, 200),
    "app_list axes": (LOGIN, 404, 404, 200),
    # Articles: a writer may not delete (docs/WORKFLOW.md).
    "articles_article_changelist": (LOGIN, 200, 200, 200),
    "articles_article_add": (LOGIN, 200, 200, 200),
    "articles_article_change": (LOGIN, 200, 200, 200),
    "articles_article_delete": (LOGIN, 403, 200, 200),
    "articles_article_history": (LOGIN, 200, 200, 200),
    # Revisions: everyone who sees the article sees them; revert is a POST, by those who may edit the article.
    "articles_article_revisions": (LOGIN, 200, 200, 200),
    "articles_article_revisions_compare": (LOGIN, 200, 200, 200),
    "articles_article_revisions_revert (GET)": (LOGIN, 405, 405, 405),
    # A writer's revert of a live story is a pending change (articles.pending).
    "articles_article_revisions_revert, live": (LOGIN, 302, 302, 302),
    "articles_article_revisions_revert, draft": (LOGIN, 302, 302, 302),
    # Discarding a live story's pending change: a POST, by an editor or the change's author (else refused with a
    # message on the change form).
    "articles_article_pending_discard (GET)": (LOGIN, 405, 405, 405),
    "articles_article_pending_discard": (LOGIN, 302, 302, 302),
    # A conflict with a newer seed file (articles.conflicts): everyone who sees the article compares; who may change
    # the live story settles it (the form's POST).
    "articles_article_conflict": (LOGIN, 200, 200, 200),
    "articles_article_conflict, settle": (LOGIN, 403, 302, 302),
    # Preview links: made and revoked by editors only, by POST; the list is on the revisions page.
    "articles_article_preview_link_create (GET)": (LOGIN, 405, 405, 405),
    "articles_article_preview_link_create": (LOGIN, 403, 302, 302),
    "articles_article_preview_link_revoke (GET)": (LOGIN, 405, 405, 405),
    "articles_article_preview_link_revoke": (LOGIN, 403, 302, 302),
    # Presence (issue 15): the change form's heartbeat, by POST, for whoever may view the article; its lock, for
    # whoever may edit it (writers: drafts only).
    "articles_article_presence (GET)": (LOGIN, 405, 405, 405),
    "articles_article_presence": (LOGIN, 200, 200, 200),
    "articles_article_lock (GET)": (LOGIN, 405, 405, 405),
    "articles_article_lock, live": (LOGIN, 403, 302, 302),
    "articles_article_lock, draft": (LOGIN, 302, 302, 302),
    # Corrections (issue 13): written with the save they go with; everyone who sees articles reads them, nobody
    # adds, changes or deletes one here, superusers included (append-only).
    "articles_correction_changelist": (LOGIN, 200, 200, 200),
    "articles_correction_add": (LOGIN, 403, 403, 403),
    "articles_correction_change": (LOGIN, 200, 200, 200),
    "articles_correction_delete": (LOGIN, 403, 403, 403),
    "articles_correction_history": (LOGIN, 200, 200, 200),
    # Providers and topics: read-only for writers (the change page shows, nothing saves).
    "articles_provider_changelist": (LOGIN, 200, 200, 200),
    "articles_provider_add": (LOGIN, 403, 200, 200),
    "articles_provider_change": (LOGIN, 200, 200, 200),
    "articles_provider_delete": (LOGIN, 403, 200, 200),
    "articles_provider_history": (LOGIN, 200, 200, 200),
    "articles_topic_changelist": (LOGIN, 200, 200, 200),
    "articles_topic_add": (LOGIN, 403, 200, 200),
    "articles_topic_change": (LOGIN, 200, 200, 200),
    "articles_topic_delete": (LOGIN, 403, 200, 200),
    "articles_topic_history": (LOGIN, 200, 200, 200),
    # Categories: a managed list; writers pick from it on the article form and may read it here.
    "articles_category_changelist": (LOGIN, 200, 200, 200),
    "articles_category_add": (LOGIN, 403, 200, 200),
    "articles_category_change": (LOGIN, 200, 200, 200),
    "articles_category_delete": (LOGIN, 403, 200, 200),
    "articles_category_history": (LOGIN, 200, 200, 200),
    # Seed files are written by the importer: editors may read them, writers not at all, nobody adds one.
    "articles_seedfile_changelist": (LOGIN, 403, 200, 200),
    "articles_seedfile_add": (LOGIN, 403, 403, 403),
    "articles_seedfile_change": (LOGIN, 403, 200, 200),
    "articles_seedfile_delete": (LOGIN, 403, 403, 200),
    "articles_seedfile_history": (LOGIN, 403, 200, 200),
    # User and group management: superusers only.
    "auth_user_changelist": (LOGIN, 403, 403, 200),
    "auth_user_add": (LOGIN, 403, 403, 200),
    "auth_user_change": (LOGIN, 403, 403, 200),
    "auth_user_delete": (LOGIN, 403, 403, 200),
    "auth_user_history": (LOGIN, 403, 403, 200),
    "auth_user_password_change": (LOGIN, 403, 403, 200),
    "auth_group_changelist": (LOGIN, 403, 403, 200),
    "auth_group_add": (LOGIN, 403, 403, 200),
    "auth_group_change": (LOGIN, 403, 403, 200),
    "auth_group_delete": (LOGIN, 403, 403, 200),
    "auth_group_history": (LOGIN, 403, 403, 200),
    # Login records (django-axes): superusers may read and clear them, nobody adds or edits one.
    "axes_accessattempt_changelist": (LOGIN, 403, 403, 200),
    "axes_accessattempt_add": (LOGIN, 403, 403, 403),
    "axes_accessattempt_change": (LOGIN, 403, 403, 200),
    "axes_accessattempt_delete": (LOGIN, 403, 403, 200),
    "axes_accessattempt_history": (LOGIN, 403, 403, 200),
    "axes_accesslog_changelist": (LOGIN, 403, 403, 200),
    "axes_accesslog_add": (LOGIN, 403, 403, 403),
    "axes_accesslog_change": (LOGIN, 403, 403, 200),
    "axes_accesslog_delete": (LOGIN, 403, 403, 200),
    "axes_accesslog_history": (LOGIN, 403, 403, 200),
    "axes_accessfailurelog_changelist": (LOGIN, 403, 403, 200),
    "axes_accessfailurelog_add": (LOGIN, 403, 403, 403),
    "axes_accessfailurelog_change": (LOGIN, 403, 403, 200),
    "axes_accessfailurelog_delete": (LOGIN, 403, 403, 200),
    "axes_accessfailurelog_history": (LOGIN, 403, 403, 200),
    # Pictures (issue 14): made by the jobs, never added; editors change the focal point, superusers delete.
    "articles_picture_changelist": (LOGIN, 200, 200, 200),
    "articles_picture_add": (LOGIN, 403, 403, 403),
    "articles_picture_change": (LOGIN, 200, 200, 200),
    "articles_picture_delete": (LOGIN, 403, 403, 200),
    "articles_picture_history": (LOGIN, 200, 200, 200),
    # The job queue (django-tasks-db's admin): superusers read it, nobody writes it.
    "app_list django_tasks_database": (LOGIN, 404, 404, 200),
    "django_tasks_database_dbtaskresult_changelist": (LOGIN, 403, 403, 200),
    "django_tasks_database_dbtaskresult_add": (LOGIN, 403, 403, 403),
    "django_tasks_database_dbtaskresult_change": (LOGIN, 403, 403, 200),
    "django_tasks_database_dbtaskresult_delete": (LOGIN, 403, 403, 403),
    "django_tasks_database_dbtaskresult_history": (LOGIN, 403, 403, 200),
    # Working together (issue 15): notes are added and resolved by POST, by everyone who sees the article;
    # each person's inbox, preferences and the mention suggestions are theirs alone (no id in the URL).
    "articles_article_notes_add (GET)": (LOGIN, 405, 405, 405),
    "articles_article_notes_add": (LOGIN, 302, 302, 302),
    "articles_article_notes_resolve (GET)": (LOGIN, 405, 405, 405),
    "articles_article_notes_resolve": (LOGIN, 302, 302, 302),
    "inbox": (LOGIN, 200, 200, 200),
    "inbox (POST)": (LOGIN, 302, 302, 302),
    "inbox_open (another person's)": (LOGIN, 404, 404, 404),
    "notification_preferences": (LOGIN, 200, 200, 200),
    "notification_preferences (POST)": (LOGIN, 302, 302, 302),
    "mention_suggestions": (LOGIN, 200, 200, 200),
    # Signing out is a POST; a GET is refused. Requested last: it ends the session.
    "logout (GET)": (HOME, 405, 405, 405),
    "logout": (HOME, 200, 200, 200),
}


def build_world() -> dict:
    """One object of every kind the admin and the public site show."""
    provider = make_provider("Matrix Source", "matrix.example")
    topic = make_topic("Matrix topic")
    live = make_published_article("Live matrix story", provider=provider, topics=[topic], related=1, category="news")
    draft = make_published_article("Draft matrix story", status=Article.Status.DRAFT, provider=provider)
    for article in (live, draft):  # two revisions each, to compare and revert; the live one's with a correction
        article.title += ", edited"
        services.article_save(
            article=article, by=make_user("editor"), seen_token=None, is_edit=True, correction=("correction", "Fixed.")
        )
    attempt = {"user_agent": "test", "ip_address": "127.0.0.1", "username": "someone", "http_accept": "*/*",
               "path_info": "/admin/login/"}  # fmt: skip
    link, token = PreviewLink.create(revision=live.revisions.get(number=1), by=None)
    revoked, revoked_token = PreviewLink.create(revision=live.revisions.get(number=1), by=None)
    PreviewLink.objects.filter(pk=revoked.pk).update(revoked_at=revoked.created_at)
    embargoed = make_published_article("Embargoed matrix story", embargo_until=timezone.now() + timedelta(days=1))
    embargoed.title += ", edited"
    services.article_save(article=embargoed, by=make_user("editor"), seen_token=None, is_edit=True)
    _, embargoed_token = PreviewLink.create(revision=embargoed.revisions.latest("number"), by=None)
    FeedConflict.objects.create(
        article=live, source_file="newer.md", content_hash="0" * 64, data=revisions.pack(revisions.snapshot(live.pk))[1]
    )
    return {
        "note": ArticleNote.objects.create(article=draft, text="A note for the desk"),
        "notification": Notification.objects.create(
            user=make_user("editor"), kind=Notification.Kind.ASSIGNED, event="test", subject="Someone else's"
        ),
        "embargoed_token": embargoed_token,
        "preview_link": link,
        "preview_token": token,
        "revoked_token": revoked_token,
        "provider": provider,
        "topic": topic,
        "live": live,
        "draft": draft,
        "articles_article": draft,
        "articles_provider": provider,
        "articles_topic": topic,
        "articles_category": live.section,
        "articles_correction": Correction.objects.get(article=live),
        "articles_seedfile": SeedFile.objects.create(
            content_hash="0" * 64, path="fixtures/x.md", article=live, outcome=SeedFile.Outcome.CREATED
        ),
        "auth_user": make_user("writer"),
        "auth_group": Group.objects.get(name="Writers"),
        "axes_accessattempt": AccessAttempt.objects.create(
            **attempt, get_data="", post_data="", failures_since_start=1
        ),
        "axes_accesslog": AccessLog.objects.create(**attempt),
        "axes_accessfailurelog": AccessFailureLog.objects.create(**attempt),
        "articles_picture": Picture.objects.get(source=live.images.first().url),
        "django_tasks_database_dbtaskresult": fetch_picture.enqueue(0).db_result,
    }


def public_requests(world) -> dict[str, str]:
    live, draft, topic, provider = world["live"], world["draft"], world["topic"], world["provider"]
    return {
        "front page": reverse("articles:front"),
        "article, live": live.get_absolute_url(),
        "article, draft": reverse("articles:detail", args=[draft.pk, draft.slug or "article"]),
        "article, wrong slug": reverse("articles:detail", args=[live.pk, "not-the-slug"]),
        "topic": reverse("articles:topic", args=[topic.slug]),
        "provider": reverse("articles:provider", args=[provider.slug]),
        "category": reverse("articles:category", args=["news"]),
        "search": reverse("articles:search"),
        "search, with a query": reverse("articles:search") + "?q=matrix",
        "feed, latest rss": reverse("articles:latest_rss"),
        "feed, latest atom": reverse("articles:latest_atom"),
        "feed, topic rss": reverse("articles:topic_rss", args=[topic.slug]),
        "feed, topic atom": reverse("articles:topic_atom", args=[topic.slug]),
        "feed, provider rss": reverse("articles:provider_rss", args=[provider.slug]),
        "feed, provider atom": reverse("articles:provider_atom", args=[provider.slug]),
        "sitemap index": reverse("sitemap-index"),
        "sitemap, news": reverse("sitemap-news"),
        **{f"sitemap, {section}": reverse("sitemap-section", args=[section]) for section in ["pages", "articles", "topics", "providers"]},
        "robots.txt": reverse("robots"),
        "healthz": reverse("healthz"),
        "corrections": reverse("articles:corrections"),
        "feed, corrections rss": reverse("articles:corrections_rss"),
        "feed, corrections atom": reverse("articles:corrections_atom"),
        "api list": reverse("articles:api_list"),
        "api detail, live": reverse("articles:api_detail", args=[live.pk]),
        "api detail, draft": reverse("articles:api_detail", args=[draft.pk]),
        "preview, live": reverse("articles:preview", args=[live.pk]),
        "preview, draft": reverse("articles:preview", args=[draft.pk]),
        "preview link": reverse("articles:preview_link", args=[world["preview_token"]]),
        "preview link, tampered": reverse("articles:preview_link", args=[tampered(world["preview_token"])]),
        "preview link, revoked": reverse("articles:preview_link", args=[world["revoked_token"]]),
        "preview link, embargoed": reverse("articles:preview_link", args=[world["embargoed_token"]]),
    }  # fmt: skip


def tampered(token: str) -> str:
    """The token with its last character changed."""
    return token[:-1] + ("A" if token[-1] != "A" else "B")


def admin_requests(world) -> dict[str, tuple[str, str]]:
    """URL name -> (method, URL)."""
    live = world["live"]
    requests = {
        "index": reverse("admin:index"),
        "login": reverse("admin:login"),
        "password_change": reverse("admin:password_change"),
        "password_change_done": reverse("admin:password_change_done"),
        "jsi18n": reverse("admin:jsi18n"),
        "autocomplete": reverse("admin:autocomplete")
        + "?app_label=articles&model_name=article&field_name=provider&term=Matrix",
        "body_preview": reverse("admin:body_preview"),
        "view_on_site": reverse("admin:view_on_site", args=[_content_type_id(live), live.pk]),
        "app_list articles": reverse("admin:app_list", args=["articles"]),
        "app_list auth": reverse("admin:app_list", args=["auth"]),
        "app_list axes": reverse("admin:app_list", args=["axes"]),
        "app_list django_tasks_database": reverse("admin:app_list", args=["django_tasks_database"]),
        "auth_user_password_change": reverse("admin:auth_user_password_change", args=[world["auth_user"].pk]),
    }
    for model in admin.site._registry:
        prefix = f"{model._meta.app_label}_{model._meta.model_name}"
        obj = world[prefix]
        requests[f"{prefix}_changelist"] = reverse(f"admin:{prefix}_changelist")
        requests[f"{prefix}_add"] = reverse(f"admin:{prefix}_add")
        for action in ("change", "delete", "history"):
            requests[f"{prefix}_{action}"] = reverse(f"admin:{prefix}_{action}", args=[obj.pk])
    draft = world["draft"]
    requests["articles_article_revisions"] = reverse("admin:articles_article_revisions", args=[draft.pk])
    requests["articles_article_revisions_compare"] = (
        reverse("admin:articles_article_revisions_compare", args=[draft.pk]) + "?a=1&b=2"
    )
    requests["articles_article_revisions_revert (GET)"] = reverse(
        "admin:articles_article_revisions_revert", args=[draft.pk, 1]
    )
    requests["articles_article_preview_link_create (GET)"] = reverse(
        "admin:articles_article_preview_link_create", args=[draft.pk, 1]
    )
    link = world["preview_link"]
    requests["articles_article_preview_link_revoke (GET)"] = reverse(
        "admin:articles_article_preview_link_revoke", args=[link.article_id, link.pk]
    )
    note = world["note"]
    notes_add = reverse("admin:articles_article_notes_add", args=[note.article_id])
    notes_resolve = reverse("admin:articles_article_notes_resolve", args=[note.article_id, note.pk])
    requests |= {
        "articles_article_notes_add (GET)": notes_add,
        "articles_article_notes_resolve (GET)": notes_resolve,
        "inbox": reverse("admin:inbox"),
        "inbox_open (another person's)": reverse("admin:inbox_open", args=[world["notification"].pk]),
        "notification_preferences": reverse("admin:notification_preferences"),
        "mention_suggestions": reverse("admin:mention_suggestions") + "?q=ed",
    }
    requests = {name: ("get", url) for name, url in requests.items()}
    requests["articles_article_notes_add"] = ("post", notes_add, {"text": "Checked the figures, @nobody"})
    requests["articles_article_notes_resolve"] = ("post", notes_resolve)
    requests["inbox (POST)"] = ("post", reverse("admin:inbox"), {"all": "1"})
    requests["notification_preferences (POST)"] = ("post", reverse("admin:notification_preferences"), {})
    requests["articles_article_preview_link_create"] = (
        "post",
        reverse("admin:articles_article_preview_link_create", args=[draft.pk, 1]),
        {"hours": "48"},
    )
    requests["articles_article_preview_link_revoke"] = (
        "post",
        reverse("admin:articles_article_preview_link_revoke", args=[link.article_id, link.pk]),
    )
    for name, article in (("live", live), ("draft", draft)):
        url = reverse("admin:articles_article_revisions_revert", args=[article.pk, 1])
        requests[f"articles_article_revisions_revert, {name}"] = ("post", url, {"edit_token": article.edit_token})
    requests["articles_article_presence (GET)"] = ("get", reverse("admin:articles_article_presence", args=[draft.pk]))
    requests["articles_article_presence"] = ("post", reverse("admin:articles_article_presence", args=[draft.pk]))
    requests["articles_article_lock (GET)"] = ("get", reverse("admin:articles_article_lock", args=[draft.pk]))
    for name, article in (("live", live), ("draft", draft)):
        url = reverse("admin:articles_article_lock", args=[article.pk])
        requests[f"articles_article_lock, {name}"] = ("post", url, {"action": "take"})
    requests["articles_article_conflict"] = ("get", reverse("admin:articles_article_conflict", args=[live.pk]))
    requests["articles_article_conflict, settle"] = (
        "post",
        reverse("admin:articles_article_conflict", args=[live.pk]),
        {"_keep": "1"},
    )
    discard = reverse("admin:articles_article_pending_discard", args=[live.pk])
    requests["articles_article_pending_discard (GET)"] = ("get", discard)
    requests["articles_article_pending_discard"] = ("post", discard)
    requests["logout (GET)"] = ("get", reverse("admin:logout"))
    requests["logout"] = ("post", reverse("admin:logout"))
    return requests


def _content_type_id(obj) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(obj).pk


def outcome(response) -> int | str:
    """The status, with the admin's two redirects of interest named."""
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(reverse("admin:login")):
            return LOGIN
        if location == reverse("admin:index"):
            return HOME
    return response.status_code


def signed_in_world(client, role: str) -> tuple[dict, int]:
    """The world of rows, ``client`` signed in as ``role`` (or not, for anonymous), and the role's table column."""
    world = build_world()
    user = make_user(role)
    if user is not None:
        client.force_login(user)
    return world, ROLES.index(role)


@pytest.mark.parametrize("role", ROLES)
def test_every_public_url_answers_each_role_as_the_table_says(client, role):
    world, column = signed_in_world(client, role)

    urls = public_requests(world)
    got = {name: client.get(url).status_code for name, url in urls.items()}
    differences = {name: (PUBLIC[name][column], got[name]) for name in PUBLIC if got[name] != PUBLIC[name][column]}

    assert set(urls) == set(PUBLIC)
    assert differences == {}, "name: (expected, got)"


@pytest.mark.parametrize("role", ROLES)
def test_every_admin_url_answers_each_role_as_the_table_says(client, role):
    world, column = signed_in_world(client, role)

    requests = admin_requests(world)
    got = {}
    for name in ADMIN:  # in table order, so that logout comes last
        method, url, *data = requests[name]
        got[name] = outcome(getattr(client, method)(url, *data))
    differences = {name: (ADMIN[name][column], got[name]) for name in ADMIN if got[name] != ADMIN[name][column]}

    assert differences == {}, "name: (expected, got)"


def test_the_admin_table_names_every_url_of_the_admin_site():
    def names(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from names(pattern.url_patterns)
            elif pattern.name:
                yield pattern.name

    covered = {name.split(" ")[0] for name in ADMIN}

    assert set(names(admin.site.get_urls())) - covered == set()


def test_a_writer_gets_no_link_to_user_or_group_management(client):
    client.force_login(make_user("writer"))

    page = client.get(reverse("admin:index")).content.decode()

    assert reverse("admin:auth_user_changelist") not in page
    assert reverse("admin:auth_group_changelist") not in page
    assert reverse("admin:articles_article_changelist") in page


def test_a_writer_cannot_create_a_user_or_join_a_group_by_a_crafted_post(client):
    writer = make_user("writer")
    client.force_login(writer)

    created = client.post(
        reverse("admin:auth_user_add"),
        {"username": "intruder", "password1": "x-Long-pass-1", "password2": "x-Long-pass-1"},
    )
    promoted = client.post(
        reverse("admin:auth_user_change", args=[writer.pk]),
        {"username": writer.username, "is_superuser": "on", "is_staff": "on", "groups": [Group.objects.get(name="Editors").pk]},
    )  # fmt: skip

    assert (created.status_code, promoted.status_code) == (403, 403)
    writer.refresh_from_db()
    assert not writer.is_superuser
    assert list(writer.groups.values_list("name", flat=True)) == ["Writers"]
    assert not type(writer).objects.filter(username="intruder").exists()
