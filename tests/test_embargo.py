"""Embargo (issue 15): nothing about a story reaches any public surface before its embargo lifts, checked at read
time with a frozen clock at the boundary; cached pages expire at the lift; publishing before it is refused on every
path unless an editor overrides it with a reason, which the history records."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from articles import services, workflow
from articles.models import Article, ArticleTransition, PreviewLink, Revision
from tests.support.factories import make_provider, make_published_article, make_topic, make_user
from tests.support.forms import read_form

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 1, 12, tzinfo=UTC)
LIFT = START + timedelta(hours=1)
JUST_BEFORE = LIFT - timedelta(microseconds=1)


@pytest.fixture
def embargoed(time_machine):
    """A published story under embargo until LIFT, with its own topic, source and category, a correction, a
    live story whose related coverage points to it, and a preview link; pages cached at START."""
    time_machine.move_to(START, tick=False)
    story = make_published_article(
        "Zeppelin treaty signed",
        provider=make_provider("Quillfeather Wire", "quillfeather.example"),
        topics=[make_topic("Zeppelin diplomacy")],
        category="airships",
        published_at=START - timedelta(hours=1),
        embargo_until=LIFT,
        embargo_reason="Ministry embargo",
    )
    story.corrections.create(kind="correction", note="Zeppelin count corrected", at=START)
    other = make_published_article("Other story", published_at=START - timedelta(hours=2))
    other.related_links.create(title="Zeppelin pointer", web_url=story.web_url)
    editor = make_user("editor")
    services.article_save(article=story, by=editor, seen_token=None, is_edit=True)  # a revision to preview
    _, token = PreviewLink.create(revision=Revision.objects.filter(article=story).latest("number"), by=editor)
    return {"story": story, "other": other, "preview": reverse("articles:preview_link", args=[token])}


def surfaces(embargoed) -> dict[str, str]:
    """Every public URL that would show something of the story once live: each must say "Zeppelin"."""
    story = embargoed["story"]
    return {
        "front": "/?ordering=newest",
        "detail": story.get_absolute_url(),
        "api list": reverse("articles:api_list"),
        "api detail": reverse("articles:api_detail", args=[story.pk]),
        "search": reverse("articles:search") + "?q=zeppelin",
        "rss": reverse("articles:latest_rss"),
        "atom": reverse("articles:latest_atom"),
        "topic": "/topics/zeppelin-diplomacy/",
        "topic feed": reverse("articles:topic_rss", args=["zeppelin-diplomacy"]),
        "provider": story.provider.get_absolute_url(),
        "provider feed": reverse("articles:provider_rss", args=[story.provider.slug]),
        "category": reverse("articles:category", args=["airships"]),
        "category feed": reverse("articles:category_rss", args=["airships"]),
        "sitemap": reverse("sitemap-section", args=["articles"]),
        "topic sitemap": reverse("sitemap-section", args=["topics"]),
        "news sitemap": reverse("sitemap-news"),
        "corrections": reverse("articles:corrections"),
        "corrections feed": reverse("articles:corrections_rss"),
        "related link": embargoed["other"].get_absolute_url(),
        "api related": reverse("articles:api_detail", args=[embargoed["other"].pk]),
        "preview link": embargoed["preview"],
    }


def seen(client, url: str, story: Article) -> bool:
    response = client.get(url)
    text = response.content.decode()
    return response.status_code == 200 and any(
        mark in text for mark in ("Zeppelin", "zeppelin-", story.get_absolute_url())
    )


def test_nothing_of_the_story_is_public_just_before_the_lift_and_everything_is_at_it(client, embargoed, time_machine):
    story, urls = embargoed["story"], surfaces(embargoed)
    for url in urls.values():
        client.get(url)  # cached at START, where the page cache caches
    time_machine.move_to(JUST_BEFORE, tick=False)
    shown = [name for name, url in urls.items() if seen(client, url, story)]
    assert shown == []

    time_machine.move_to(LIFT, tick=False)
    hidden = [name for name, url in urls.items() if not seen(client, url, story)]
    assert hidden == []


def test_a_cached_page_expires_at_the_lift_even_when_the_embargo_is_set_after_publication(client, time_machine):
    time_machine.move_to(START, tick=False)
    story = make_published_article("Zeppelin landing", published_at=START - timedelta(hours=1))
    assert seen(client, "/?ordering=newest", story)
    story.embargo_until, story.embargo_reason = LIFT, "Agency embargo"
    services.article_save(article=story, by=make_user("editor"), seen_token=None, is_edit=False)
    assert not seen(client, "/?ordering=newest", story)  # cached now, under embargo
    time_machine.move_to(LIFT, tick=False)
    assert seen(client, "/?ordering=newest", story)


def test_staff_preview_still_shows_an_embargoed_story_but_anonymous_preview_links_do_not(client, embargoed):
    client.force_login(make_user("writer"))
    assert seen(client, reverse("articles:preview", args=[embargoed["story"].pk]), embargoed["story"])
    assert seen(client, embargoed["preview"], embargoed["story"])
    client.logout()
    response = client.get(embargoed["preview"])
    assert response.status_code == 403
    assert "Zeppelin" not in response.content.decode()


# Publishing before the lift


@pytest.fixture
def draft(time_machine):
    time_machine.move_to(START, tick=False)
    return make_published_article("Zeppelin draft", status=Article.Status.REVIEW, embargo_until=LIFT)


def test_publishing_before_the_lift_is_refused_without_an_override(draft):
    with pytest.raises(workflow.TransitionRefused, match="under embargo until"):
        services.article_publish(article=draft, by=make_user("editor"))
    with pytest.raises(workflow.TransitionRefused, match="under embargo until"):  # scheduled before the lift
        services.article_publish(article=draft, by=make_user("editor"), go_live_at=JUST_BEFORE)
    draft.refresh_from_db()
    assert draft.status == Article.Status.REVIEW
    assert not draft.transitions.exists()


def test_publishing_to_go_live_at_the_lift_needs_no_override(draft, client, time_machine):
    services.article_publish(article=draft, by=make_user("editor"), go_live_at=LIFT)
    draft.refresh_from_db()
    assert (draft.status, draft.embargo_until) == (Article.Status.PUBLISHED, LIFT)
    assert client.get(draft.get_absolute_url()).status_code == 404
    time_machine.move_to(LIFT, tick=False)
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_an_editor_override_lifts_the_embargo_and_is_recorded_in_the_history(draft, client):
    editor = make_user("editor")
    services.article_publish(article=draft, by=editor, embargo_override="Broken by a rival paper")
    draft.refresh_from_db()
    record = ArticleTransition.objects.get(article=draft)
    assert (record.embargo_overridden, record.override_reason, record.by) == (LIFT, "Broken by a rival paper", editor)
    assert draft.embargo_until is None
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_writers_cannot_override_nor_lift_or_shorten_an_embargo(draft):
    writer = make_user("writer")
    assert not workflow.may_override_embargo(writer)
    draft.status = Article.Status.DRAFT
    draft.save()
    for earlier in (None, JUST_BEFORE):
        draft.embargo_until = earlier
        with pytest.raises(ValidationError, match="Only editors may lift or shorten"):
            services.article_save(article=draft, by=writer, seen_token=None, is_edit=False)
    draft.embargo_until = LIFT + timedelta(days=1)  # later: allowed
    services.article_save(article=draft, by=writer, seen_token=None, is_edit=False)
    assert Article.objects.get(pk=draft.pk).embargo_until == LIFT + timedelta(days=1)


def test_the_bulk_action_refuses_an_embargoed_story_and_says_why(client, draft):
    client.force_login(make_user("editor"))
    response = client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
        follow=True,
    )
    assert "under embargo until" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Article.Status.REVIEW


def test_the_publish_button_is_refused_then_goes_through_with_the_override(client, draft):
    client.force_login(make_user("editor"))
    url = reverse("admin:articles_article_change", args=[draft.pk])
    page = client.get(url)
    text = page.content.decode()
    assert "status-embargo" in text
    assert "Override the embargo" in text
    data = read_form(page)[0] | {"_transition": ["publish"]}
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "under embargo until" in refused.content.decode()
    assert Article.objects.get(pk=draft.pk).status == Article.Status.REVIEW

    client.post(url, data | {"embargo_override": ["Minister announced it live"]})
    assert Article.objects.get(pk=draft.pk).status == Article.Status.PUBLISHED
    assert ArticleTransition.objects.get(article=draft).override_reason == "Minister announced it live"


def test_the_list_shows_the_embargo_badge_and_filters_embargoed_stories(client, draft):
    make_published_article("Unembargoed story")
    client.force_login(make_user("writer"))
    assert "Embargo until" in client.get(reverse("admin:articles_article_changelist")).content.decode()
    page = client.get(reverse("admin:articles_article_changelist") + "?visibility=embargoed").content.decode()
    assert "Zeppelin draft" in page
    assert "Unembargoed story" not in page
