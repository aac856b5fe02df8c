"""The article admin screens: the list, the change form, concurrent edits and the dashboard."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.urls import reverse

from articles import services
from articles.models import Article, ArticleImage, Provider, RelatedLink, Topic
from tests.support.factories import make_draft_article, make_user
from tests.support.forms import CHANGELIST, change_url, read_form, transition_buttons

pytestmark = pytest.mark.django_db

Status = Article.Status
NOON = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def titles(response) -> list[str]:
    return [article.title for article in response.context["cl"].result_list]


# The list


def bulk_articles(number: int, providers: list[Provider], topic: Topic, start: int = 0) -> None:
    statuses = list(Status.values)
    articles = Article.objects.bulk_create(
        Article(
            title=f"Story {i}",
            slug=f"story-{i}",
            web_url=f"https://example-news.org/story/{i}",
            provider=providers[i % len(providers)],
            status=statuses[i % 4],
            quality=i % 130,
            heat=i % 50,
            category="news" if i % 3 else "tech",
            item_type="article",
            published_at=datetime(2020 + i % 7, 1 + i % 12, 1, tzinfo=UTC),
            body="x" * 2000,
        )
        for i in range(start, start + number)
    )
    Article.topics.through.objects.bulk_create(
        Article.topics.through(article_id=a.pk, topic_id=topic.pk) for a in articles[::7]
    )


# The user, their permissions (2), the count, the rows, the managed categories,
# the distinct types and the header's unread notifications; a chosen provider or topic adds its name. The publication-date
# filter is a list of ranges and costs none (no date_hierarchy: see
# docs/PERFORMANCE.md). Reading the session adds one without Redis (``session_queries``).
QUERY_CASES = [
    pytest.param("", 8, id="unfiltered"),
    pytest.param("?provider={provider}", 9, id="provider"),
    pytest.param("?topic={topic}&quality_band=high&status__exact=draft", 9, id="topic-quality-status"),
    pytest.param("?q=Story+12&visibility=live&o=3", 8, id="search-visibility-sorted"),
    pytest.param(  # what the filter's "This month" link sends
        "?published_at__gte=2023-03-01+00%3A00%3A00%2B00%3A00&published_at__lt=2023-04-01+00%3A00%3A00%2B00%3A00",
        8,
        id="date-range",
    ),
]


@pytest.mark.parametrize(("query", "expected"), QUERY_CASES)
def test_the_changelist_costs_a_fixed_number_of_queries_from_50_to_5000_articles(
    client, django_assert_num_queries, session_queries, query, expected
):
    expected += session_queries
    providers = Provider.objects.bulk_create(
        Provider(name=f"Provider {i}", domain=f"p{i}.example", key=f"p{i}.example", slug=f"p{i}") for i in range(300)
    )
    topic = Topic.objects.create(name="Power Apps", slug="power-apps")
    client.force_login(make_user("editor"))
    url = CHANGELIST + query.format(provider=providers[7].pk, topic=topic.pk)

    bulk_articles(50, providers, topic)
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200

    bulk_articles(4950, providers, topic, start=50)
    assert Article.objects.count() == 5000
    with django_assert_num_queries(expected):
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].full_result_count is None  # no second, unfiltered COUNT(*)


def test_the_changelist_shows_the_workflow_state_of_each_article(client):
    client.force_login(make_user("editor"))
    with time_machine.travel(NOON, tick=False):
        make_draft_article(status=Status.PUBLISHED, title="Live")
        make_draft_article(status=Status.PUBLISHED, title="Later", go_live_at=NOON + timedelta(days=1))
        make_draft_article(status=Status.PUBLISHED, title="Gone", expires_at=NOON - timedelta(minutes=1))
        make_draft_article(status=Status.REVIEW, title="Waiting")
        page = client.get(CHANGELIST).content.decode()
    assert ">Published</span>" in page
    assert 'title="Goes live Nov. 27, 2026, noon">Scheduled</span>' in page
    assert 'title="Expired Nov. 26, 2026, 11:59 a.m.">Expired</span>' in page
    assert ">In review</span>" in page


def test_the_changelist_is_newest_first_by_publication_date(client):
    client.force_login(make_user("editor"))
    for day in [3, 1, 2]:
        make_draft_article(title=f"Day {day}", published_at=datetime(2026, 1, day, tzinfo=UTC))
    assert titles(client.get(CHANGELIST)) == ["Day 3", "Day 2", "Day 1"]


def test_the_changelist_filters_by_provider_topic_visibility_quality_and_search(client):
    client.force_login(make_user("editor"))
    reuters = Provider.objects.create(name="Reuters", domain="reuters.example", slug="reuters")
    ap = Provider.objects.create(name="AP", domain="ap.example", slug="ap")
    ml = Topic.objects.create(name="Machine Learning", slug="ml")
    with time_machine.travel(NOON, tick=False):
        a = make_draft_article(title="A", provider=reuters, quality=20, status=Status.PUBLISHED)
        b = make_draft_article(
            title="B", provider=ap, quality=75, status=Status.PUBLISHED, go_live_at=NOON + timedelta(1)
        )
        make_draft_article(title="C", provider=ap, quality=None, web_url="https://example-news.org/unique-path")
        b.topics.add(ml)
        assert titles(client.get(CHANGELIST, {"provider": reuters.pk})) == ["A"]
        assert titles(client.get(CHANGELIST, {"topic": ml.pk})) == ["B"]
        assert titles(client.get(CHANGELIST, {"visibility": "live"})) == ["A"]
        assert titles(client.get(CHANGELIST, {"visibility": "scheduled"})) == ["B"]
        assert titles(client.get(CHANGELIST, {"quality_band": "low"})) == ["A"]
        assert titles(client.get(CHANGELIST, {"quality_band": "high"})) == ["B"]
        assert titles(client.get(CHANGELIST, {"quality_band": "none"})) == ["C"]
        assert sorted(titles(client.get(CHANGELIST, {"q": "AP"}))) == ["B", "C"]
        assert titles(client.get(CHANGELIST, {"q": "unique-path"})) == ["C"]
        assert titles(client.get(CHANGELIST, {"provider": "not-a-number"})) == []
        assert sorted(titles(client.get(CHANGELIST, {"provider": ""}))) == ["A", "B", "C"]
    assert a.pk


def test_the_provider_filter_is_an_autocomplete_box_not_a_list_of_every_provider(client):
    client.force_login(make_user("writer"))
    Provider.objects.bulk_create(
        Provider(name=f"Provider {i}", domain=f"p{i}.example", key=f"p{i}.example", slug=f"p{i}") for i in range(400)
    )
    chosen = Provider.objects.get(slug="p123")
    page = client.get(CHANGELIST, {"provider": chosen.pk, "status__exact": "draft"}).content.decode()
    assert 'data-ajax--url="/admin/autocomplete/"' in page
    assert 'data-field-name="provider"' in page
    assert page.count("Provider 1") < 5  # only the chosen one is rendered
    assert f'<option value="{chosen.pk}" selected>Provider 123 (p123.example)</option>' in page
    assert '<input type="hidden" name="status__exact" value="draft">' in page
    # The box asks the admin's autocomplete endpoint, which a writer may use.
    found = client.get(
        "/admin/autocomplete/",
        {"term": "Provider 12", "app_label": "articles", "model_name": "article", "field_name": "provider"},
    ).json()
    assert "Provider 123 (p123.example)" in [item["text"] for item in found["results"]]


# The change form


def test_the_change_form_groups_fields_and_shows_inlines_in_order(client):
    client.force_login(make_user("editor"))
    article = make_draft_article(
        secured="ciphertext;iv-secret-value", extra={"tags": ["x"]}, source_file="fixtures/a.md"
    )
    RelatedLink.objects.create(article=article, position=1, title="Second link")
    RelatedLink.objects.create(article=article, position=0, title="First link")
    ArticleImage.objects.create(article=article, position=0, url="https://img.example/1.jpg")
    response = client.get(change_url(article))
    page = response.content.decode()
    assert [fieldset.name for fieldset in response.context["adminform"]] == [
        "Story",
        "Workflow",
        "Source feed",
    ]
    assert page.index("First link") < page.index("Second link")
    assert "https://img.example/1.jpg" in page
    assert "ciphertext;iv-secret-value" not in page  # kept, never shown
    assert "Present (26 characters)" in page
    assert "fixtures/a.md" in page
    form = response.context["adminform"].form
    assert 'data-field-name="provider"' in str(form["provider"])
    assert 'data-field-name="topics"' in str(form["topics"])
    assert "secured" not in form.fields  # read-only


def test_the_change_form_shows_the_history_newest_first_read_only(client):
    editor = make_user("editor")
    client.force_login(editor)
    article = make_draft_article()
    with time_machine.travel(NOON, tick=False):
        services.article_submit_for_review(article=article, by=editor)
    with time_machine.travel(NOON + timedelta(hours=1), tick=False):
        services.article_send_back(article=article, by=editor, comment="Needs a second source.")
    response = client.get(change_url(article))
    history = next(
        f for f in response.context["inline_admin_formsets"] if f.opts.verbose_name_plural == "workflow history"
    )
    assert [form.original.name for form in history] == ["send_back", "submit_for_review"]
    assert not history.has_add_permission
    assert not history.has_change_permission
    assert not history.has_delete_permission
    page = response.content.decode()
    assert page.index("Needs a second source.") < page.index("Nov. 26, 2026, noon")
    data, _ = read_form(response)
    assert not any(name.startswith("transitions-0-comment") for name in data)


def test_only_the_transitions_the_user_may_make_now_are_buttons(client):
    writer, editor = make_user("writer"), make_user("editor")
    draft, review = make_draft_article(), make_draft_article(status=Status.REVIEW)
    client.force_login(writer)
    assert transition_buttons(client.get(change_url(draft))) == {"submit_for_review"}
    client.force_login(editor)
    assert transition_buttons(client.get(change_url(draft))) == {"submit_for_review", "publish", "archive"}
    assert transition_buttons(client.get(change_url(review))) == {"publish", "send_back", "archive"}


def test_an_unpublished_article_links_to_its_preview_and_a_live_one_to_the_site(client):
    client.force_login(make_user("editor"))
    with time_machine.travel(NOON, tick=False):
        draft = make_draft_article()
        scheduled = make_draft_article(status=Status.PUBLISHED, go_live_at=NOON + timedelta(hours=1))
        live = make_draft_article(status=Status.PUBLISHED)
        for article in [draft, scheduled]:
            page = client.get(change_url(article)).content.decode()
            assert f'href="{reverse("articles:preview", kwargs={"pk": article.pk})}"' in page
            assert "View on site" not in page
        page = client.get(change_url(live)).content.decode()
        assert f'href="{live.get_absolute_url()}"' in page
        assert "View on site" in page
        assert "/preview/" not in page


def post_form(client, article, **changes):
    data, _ = read_form(client.get(change_url(article)))
    return client.post(change_url(article), data | {key: [value] for key, value in changes.items()})


def test_saving_content_marks_the_article_edited_for_the_importer(client):
    writer = make_user("writer")
    client.force_login(writer)
    article = make_draft_article(imported_at=NOON - timedelta(days=1))
    with time_machine.travel(NOON, tick=False):
        response = post_form(client, article, title="Sharper headline", _save="Save")
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.title, article.edited_at, article.edited_by) == ("Sharper headline", NOON, writer)
    assert Article.objects.edited_since_import().get() == article


def test_pressing_a_workflow_button_without_edits_does_not_mark_the_article_edited(client):
    client.force_login(make_user("editor"))
    article = make_draft_article(status=Status.REVIEW, imported_at=NOON)
    post_form(client, article, _transition="publish")
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED
    assert article.edited_at is None
    entries = LogEntry.objects.filter(object_id=str(article.pk))
    assert [entry.get_change_message() for entry in entries] == ["Publish: In review → Published."]


def test_a_workflow_button_saves_the_edits_on_the_page_first(client):
    writer = make_user("writer")
    client.force_login(writer)
    article = make_draft_article()
    response = post_form(client, article, title="Edited, then submitted", _transition="submit_for_review")
    assert response["Location"] == change_url(article)
    article.refresh_from_db()
    assert (article.title, article.status, article.edited_by) == ("Edited, then submitted", Status.REVIEW, writer)
    assert "“Edited, then submitted” was submitted for review." in [str(m) for m in get_messages(response.wsgi_request)]


def test_changing_only_the_schedule_is_not_a_content_edit(client):
    client.force_login(make_user("editor"))
    article = make_draft_article()
    post_form(client, article, go_live_at_0="2030-01-02", go_live_at_1="08:00:00", _save="Save")
    article.refresh_from_db()
    assert article.go_live_at == datetime(2030, 1, 2, 8, tzinfo=UTC)
    assert article.edited_at is None
    assert article.version == 1


def test_editing_only_a_related_link_marks_the_article_edited(client):
    editor = make_user("editor")
    client.force_login(editor)
    article = make_draft_article()
    RelatedLink.objects.create(article=article, title="Old link title")
    post_form(client, article, **{"related_links-0-title": "New link title", "_save": "Save"})
    article.refresh_from_db()
    assert article.related_links.get().title == "New link title"
    assert article.edited_by == editor


def test_removing_only_an_image_is_one_edit_recorded_with_who_when_and_what(client):
    editor = make_user("editor")
    client.force_login(editor)
    article = make_draft_article(imported_at=NOON - timedelta(days=1))
    ArticleImage.objects.create(article=article, url="https://img.example/lead.jpg")
    data, _ = read_form(client.get(change_url(article)))
    with time_machine.travel(NOON, tick=False):
        client.post(change_url(article), data | {"images-0-DELETE": ["on"], "_save": ["Save"]})
    article.refresh_from_db()
    assert not article.images.exists()
    assert (article.edited_at, article.edited_by, article.version) == (NOON, editor, 1)
    entry = LogEntry.objects.get(object_id=str(article.pk))
    assert (entry.user, entry.action_time) == (editor, NOON)
    assert entry.get_change_message() == "Deleted article image “https://img.example/lead.jpg”."
    assert Article.objects.edited_since_import().get() == article


def test_an_editor_schedules_while_publishing_and_the_admin_says_when_it_goes_live(client):
    client.force_login(make_user("editor"))
    article = make_draft_article(status=Status.REVIEW, title="Embargoed")
    with time_machine.travel(NOON, tick=False):
        response = post_form(
            client,
            article,
            go_live_at_0="2026-11-27",
            go_live_at_1="06:00:00",
            expires_at_0="2026-12-27",
            expires_at_1="06:00:00",
            _transition="publish",
        )
        messages = [str(m) for m in get_messages(response.wsgi_request)]
        assert (
            "“Embargoed” was published. It goes live at Nov. 27, 2026, 6 a.m.; readers will not see it before then."
            in messages
        )
        article.refresh_from_db()
        assert article.is_scheduled()
        assert not Article.objects.published().exists()
    with time_machine.travel(datetime(2026, 11, 27, 6, tzinfo=UTC), tick=False):
        assert Article.objects.published().get() == article


def test_an_expiry_before_go_live_is_refused_on_the_form(client):
    client.force_login(make_user("editor"))
    article = make_draft_article(status=Status.REVIEW)
    response = post_form(
        client,
        article,
        go_live_at_0="2026-11-27",
        go_live_at_1="06:00",
        expires_at_0="2026-11-26",
        expires_at_1="06:00",
    )
    assert response.status_code == 200
    assert "The expiry time must be after the go-live time." in response.content.decode()


def test_a_writer_adds_an_article_as_a_draft_marked_as_their_edit(client):
    writer = make_user("writer")
    client.force_login(writer)
    data, buttons = read_form(client.get(reverse("admin:articles_article_add")))
    assert not any(name == "_transition" for name, _ in buttons)
    assert "status" not in data
    data |= {"title": ["Fresh story"], "slug": ["fresh-story"], "web_url": ["https://example-news.org/fresh"]}
    response = client.post(reverse("admin:articles_article_add"), data | {"status": ["published"]})
    assert response.status_code == 302
    article = Article.objects.get(title="Fresh story")
    assert (article.status, article.edited_by, article.version) == (Status.DRAFT, writer, 0)


# Concurrent edits


def test_a_save_from_a_page_opened_before_someone_elses_save_is_refused_saying_who_and_when(client):
    alice, bob = make_user("editor"), make_user("editor")
    alice.first_name = "Alice"
    alice.save()
    article = make_draft_article(title="Original")
    client.force_login(bob)
    bobs_page, _ = read_form(client.get(change_url(article)))

    client.force_login(alice)
    with time_machine.travel(NOON, tick=False):
        post_form(client, article, title="Alice's version", _save="Save")

    client.force_login(bob)
    response = client.post(change_url(article), bobs_page | {"title": ["Bob's version"], "_save": ["Save"]})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Not saved: Alice saved it at Nov. 26, 2026, noon, after you opened this page." in page
    assert "Nothing was overwritten." in page
    assert 'value="Bob&#x27;s version"' in page  # what Bob typed is still on his page
    article.refresh_from_db()
    assert (article.title, article.edited_by) == ("Alice's version", alice)


def test_a_save_from_a_page_opened_before_a_transition_is_refused(client):
    alice, bob = make_user("editor"), make_user("editor")
    article = make_draft_article(status=Status.REVIEW, title="Original")
    client.force_login(bob)
    bobs_page, _ = read_form(client.get(change_url(article)))
    services.article_send_back(article=article, by=alice, comment="Check the figures.")
    response = client.post(change_url(article), bobs_page | {"_transition": ["publish"]})
    assert response.status_code == 200
    assert f"Not saved: {alice.username} sent back it at" in response.content.decode()
    article.refresh_from_db()
    assert article.status == Status.DRAFT


def test_a_post_without_the_version_stamp_is_refused(client):
    client.force_login(make_user("editor"))
    article = make_draft_article(title="Original")
    data, _ = read_form(client.get(change_url(article)))
    del data["edit_token"]
    response = client.post(change_url(article), data | {"title": ["Sneaky"]})
    assert response.status_code == 200
    assert "no version stamp" in response.content.decode()
    assert Article.objects.get(pk=article.pk).title == "Original"


# The dashboard


def test_the_dashboard_shows_counts_the_review_queue_scheduled_imported_and_conflicts(client):
    writer = make_user("writer")
    with time_machine.travel(NOON - timedelta(days=2), tick=False):
        waiting_longest = make_draft_article(title="Waiting longest")
        services.article_submit_for_review(article=waiting_longest, by=writer)
    with time_machine.travel(NOON - timedelta(days=1), tick=False):
        waiting = make_draft_article(title="Waiting a day")
        services.article_submit_for_review(article=waiting, by=writer)
    make_draft_article(title="Embargoed story", status=Status.PUBLISHED, go_live_at=NOON + timedelta(days=3))
    make_draft_article(title="Fresh from the feed", imported_at=NOON)
    make_draft_article(title="Edited and re-seeded", conflict_file="fixtures/newer.md", conflict_at=NOON)
    make_draft_article(title="Live", status=Status.PUBLISHED)

    client.force_login(make_user("editor"))
    with time_machine.travel(NOON, tick=False):
        response = client.get(reverse("admin:index"))
    page = response.content.decode()
    queue = page[page.index('id="dashboard-review-queue"') : page.index('id="dashboard-scheduled"')]
    assert queue.index("Waiting longest") < queue.index("Waiting a day")
    assert "submitted 2\xa0days ago" in queue
    scheduled = page[page.index('id="dashboard-scheduled"') : page.index('id="dashboard-imported"')]
    assert "Embargoed story" in scheduled
    imported = page[page.index('id="dashboard-imported"') : page.index('id="dashboard-conflicts"')]
    assert "Fresh from the feed" in imported
    conflicts = page[page.index('id="dashboard-conflicts"') :]
    assert "Edited and re-seeded" in conflicts
    assert "fixtures/newer.md" in conflicts
    counts = page[page.index('class="dashboard-counts"') : page.index('id="dashboard-review-queue"')]
    for count, label in [(2, "Draft"), (2, "In review"), (2, "Published"), (0, "Archived"), (1, "Scheduled")]:
        assert f"<strong>{count}</strong><span>{label}</span>" in counts


def test_the_dashboard_is_not_shown_to_staff_who_may_not_view_articles(client):
    client.force_login(make_user("staff-without-groups"))
    page = client.get(reverse("admin:index")).content.decode()
    assert "editorial-dashboard" not in page


@pytest.mark.parametrize(
    ("url", "existing", "form"),
    [
        (
            "/admin/articles/provider/add/",
            lambda: Provider.objects.create(name="Été", domain="été.example", slug="ete"),
            {"name": "Summer", "domain": "ÉTÉ.example", "slug": "summer"},
        ),
        (
            "/admin/articles/topic/add/",
            lambda: Topic.objects.create(name="Machine Learning", slug="ml"),
            {"name": "machine  learning", "slug": "ml-again"},
        ),
    ],
)
def test_adding_a_provider_or_topic_that_exists_in_another_case_is_refused_on_the_form(client, url, existing, form):
    existing()
    client.force_login(make_user("superuser"))
    management = {
        "logos-TOTAL_FORMS": "0",
        "logos-INITIAL_FORMS": "0",
        "logos-MIN_NUM_FORMS": "0",
        "logos-MAX_NUM_FORMS": "1000",
    }

    response = client.post(url, {**form, **management})

    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Provider.objects.count() + Topic.objects.count() == 1
