"""Revisions (issue 13): one for every change of content, none for a change of nothing; revert restores everything."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import pending, revisions, services
from articles.models import Article, ArticleImage, RelatedLink, RelatedLinkImage, Revision, Topic
from articles.rendering import body_html_or_note
from tests.support.factories import make_provider, make_published_article, make_topic, make_user
from tests.support.forms import CHANGELIST, change_url, read_form

pytestmark = pytest.mark.django_db

Kind = Revision.Kind


def kinds(article) -> list[str]:
    return list(Revision.objects.filter(article=article).order_by("number").values_list("kind", flat=True))


def import_files(*paths, **options):
    call_command("import_seeds", *map(str, paths), verbosity=0, **options)


def seed(write_seed, n: int, extra: str = "", body: str = "Body text.") -> object:
    return write_seed(f"title: Story {n}\nwebUrl: https://e.org/{n}\ntopics: [AI]\n{extra}", body, name=f"s{n}.md")


# Recording: each kind once and only once


def test_adding_an_article_in_the_admin_records_one_revision_by_its_author(client):
    writer = make_user("writer")
    client.force_login(writer)
    data, _ = read_form(client.get(CHANGELIST + "add/"))
    data |= {"title": ["New story"], "slug": ["new-story"], "web_url": ["https://e.org/new"], "_save": ["Save"]}

    client.post(CHANGELIST + "add/", data)

    article = Article.objects.get(title="New story")
    revision = Revision.objects.get(article=article)
    assert (revision.number, revision.kind, revision.by) == (1, Kind.ADDED, writer)
    assert revision.snapshot["title"] == "New story"


def test_an_edit_in_the_admin_records_one_revision_and_a_save_of_nothing_records_none(client):
    editor = make_user("editor")
    client.force_login(editor)
    article = make_published_article("Story", status=Article.Status.DRAFT)
    data, _ = read_form(client.get(change_url(article)))

    client.post(change_url(article), data | {"_save": ["Save"]})
    assert kinds(article) == []

    data, _ = read_form(client.get(change_url(article)))
    client.post(change_url(article), data | {"title": ["Story, edited"], "_save": ["Save"]})
    data, _ = read_form(client.get(change_url(article)))
    client.post(change_url(article), data | {"_save": ["Save"]})

    assert kinds(article) == [Kind.EXISTING, Kind.EDITED]
    existing, edited = Revision.objects.filter(article=article).order_by("number")
    assert existing.snapshot["title"] == "Story"
    assert (edited.snapshot["title"], edited.by) == ("Story, edited", editor)


def test_a_schedule_only_save_records_no_revision():
    editor = make_user("editor")
    article = make_published_article("Story")
    article.go_live_at = article.published_at

    services.article_save(article=article, by=editor, seen_token=None, is_edit=False)

    assert kinds(article) == []


def test_each_transition_records_one_revision_pointing_at_it():
    editor = make_user("editor")
    article = make_published_article("Story", status=Article.Status.DRAFT)

    submitted = services.article_submit_for_review(article=article, by=editor)
    published = services.article_publish(article=article, by=editor)

    assert kinds(article) == [Kind.EXISTING, Kind.TRANSITION, Kind.TRANSITION]
    revisions_ = Revision.objects.filter(article=article).order_by("number")
    assert [(r.transition, r.status, r.by) for r in revisions_[1:]] == [
        (submitted, Article.Status.REVIEW, editor),
        (published, Article.Status.PUBLISHED, editor),
    ]


def test_import_records_one_revision_per_created_article_and_none_for_an_unchanged_reimport(write_seed):
    paths = [seed(write_seed, n) for n in range(3)]
    import_files(*paths)
    import_files(*paths)

    assert Revision.objects.count() == 3
    revision = Revision.objects.get(article__web_url="https://e.org/1")
    assert (revision.kind, revision.by, revision.source_file) == (Kind.IMPORT_CREATED, None, str(paths[1]))
    assert revisions.content_of(revision)["topics"] == [Topic.objects.get().pk]


def test_the_imports_revision_takes_its_snapshot_when_the_article_next_changes(write_seed):
    import_files(seed(write_seed, 1, body="As the feed sent it."))
    article = Article.objects.get()
    imported = Revision.objects.get()
    assert (imported.digest, bytes(imported.data)) == ("", b"")  # the content is the article's own until it changes

    article.body = "Edited here."
    services.article_save(article=article, by=make_user("editor"), seen_token=None, is_edit=True)

    imported.refresh_from_db()
    assert imported.snapshot["body"] == "As the feed sent it."
    assert Revision.objects.get(number=2).snapshot["body"] == "Edited here."


def test_a_newer_seed_file_records_one_import_update(write_seed):
    import_files(seed(write_seed, 1))
    import_files(seed(write_seed, 1, body="A new body."))

    article = Article.objects.get()
    assert kinds(article) == [Kind.IMPORT_CREATED, Kind.IMPORT_UPDATED]
    assert Revision.objects.get(number=1).snapshot["body"] == "Body text."  # taken before the update
    assert revisions.content_of(Revision.objects.get(number=2))["body"] == "A new body."


def test_a_conflict_records_nothing(write_seed):
    import_files(seed(write_seed, 1))
    article = Article.objects.get()
    article.title = "Edited here"
    services.article_save(article=article, by=make_user("editor"), seen_token=None, is_edit=True)

    import_files(seed(write_seed, 1, body="A new body."))

    assert kinds(article) == [Kind.IMPORT_CREATED, Kind.EDITED]


def test_the_import_with_its_revisions_takes_a_fixed_number_of_queries_whatever_the_batch(write_seed, tmp_path):
    def queries(first: int, count: int) -> int:
        paths = [
            seed(write_seed, n, extra="images:\n  - url: https://i.e.org/1.jpg\n") for n in range(first, first + count)
        ]
        with CaptureQueriesContext(connection) as captured:
            import_files(*paths, workers=1)
        return len(captured.captured_queries)

    queries(1000, 1)  # the topic and the provider exist from now on
    assert queries(0, 2) == queries(100, 20)
    assert Revision.objects.count() == 23


# The snapshot


def test_every_relation_to_an_article_is_a_part_or_named_as_not_content():
    """A new child of Article (bylines, say) must be put in PARTS or here, not silently left out of revisions."""
    not_content = {
        "transitions",
        "seed_files",
        "revisions",
        "preview_links",
        "seedfile",
        "revision",
        "articletransition",
    }
    not_content.add("corrections")  # append-only notes to readers: a revert never takes one back
    not_content.add("notes")  # the desk's talk about the story (issue 15), not the story
    one_to_many = {r.get_accessor_name() for r in Article._meta.related_objects if r.one_to_many}

    assert one_to_many - set(revisions.PARTS) - not_content == set(), one_to_many


def test_the_snapshot_holds_every_content_field_of_the_model():
    fields = {f.attname for f in Article._meta.concrete_fields} - {
        Article._meta.get_field(name).attname for name in revisions.NOT_CONTENT
    }
    article = make_published_article("Story", related=1, topics=["AI"])

    snapshot = revisions.snapshot(article.pk)

    assert fields <= set(snapshot) | {f for f in fields if getattr(article, f) in ("", None)}
    assert {"topics", "images", "related_links"} <= set(snapshot)


# Revert


def full_article() -> Article:
    provider = make_provider("Source One", "one.example")
    article = make_published_article("Original title", provider=provider, topics=["AI", "Energy"], images=2, related=2)
    for link in article.related_links.all():
        RelatedLinkImage.objects.create(related_link=link, url=f"https://img.example/{link.pk}.jpg", position=0)
    return article


def test_revert_restores_every_field_and_relation_and_becomes_a_new_revision():
    editor = make_user("editor")
    article = full_article()
    revisions.before_change([article.pk])
    original = revisions.snapshot(article.pk)

    article.title, article.body, article.quality, article.extra = "Changed", "Other body.", 1, {"x": 1}
    article.provider = make_provider("Source Two", "two.example")
    image = article.images.first()
    image.url = "https://img.example/changed.jpg"
    link = article.related_links.first()
    services.article_save(
        article=article,
        by=editor,
        seen_token=None,
        is_edit=True,
        topics=[make_topic("Politics")],
        parts=[image, ArticleImage(url="https://img.example/new.jpg", position=9)],
        removed_parts=[link],
    )
    article.refresh_from_db()
    assert revisions.snapshot(article.pk) != original

    first = Revision.objects.get(article=article, number=1)
    services.article_revert(
        article=article, revision=first, by=editor, seen_token=article.edit_token, correction=("silent", "")
    )

    restored = Article.objects.get(pk=article.pk)
    assert revisions.snapshot(article.pk) == original
    assert (restored.title, restored.provider.name, restored.edited_by) == ("Original title", "Source One", editor)
    assert sorted(restored.topics.values_list("name", flat=True)) == ["AI", "Energy"]
    assert RelatedLink.objects.filter(article=restored).count() == 2
    assert RelatedLinkImage.objects.filter(related_link__article=restored).count() == 2
    assert restored.body_html == body_html_or_note(restored.body, restored.title)  # rendered from the restored body
    assert "Other body" not in restored.body_html
    latest = Revision.objects.filter(article=article).first()
    assert (latest.number, latest.kind, latest.reverted_from, latest.by) == (3, Kind.REVERTED, first, editor)
    assert latest.digest == first.digest


def test_a_writer_cannot_revert_a_published_article_and_nothing_changes():
    editor, writer = make_user("editor"), make_user("writer")
    article = make_published_article("Live story")
    article.title = "Edited live"
    services.article_save(article=article, by=editor, seen_token=None, is_edit=True)
    first = Revision.objects.get(article=article, number=1)

    with pytest.raises(ValidationError) as refused:
        services.article_revert(article=article, revision=first, by=writer, seen_token=None)

    assert refused.value.code == "edit_refused"
    assert Article.objects.get(pk=article.pk).title == "Edited live"
    assert Revision.objects.filter(article=article).count() == 2


def test_revert_with_a_stale_token_is_refused():
    editor = make_user("editor")
    article = make_published_article("Story")
    token = article.edit_token
    article.title = "Edited"
    services.article_save(article=article, by=editor, seen_token=None, is_edit=True)

    with pytest.raises(services.EditConflict):
        services.article_revert(
            article=article, revision=Revision.objects.get(article=article, number=1), by=editor, seen_token=token
        )


def test_reverting_to_the_current_content_is_refused():
    editor = make_user("editor")
    article = make_published_article("Story")
    article.title = "Edited"
    services.article_save(article=article, by=editor, seen_token=None, is_edit=True)
    article.refresh_from_db()

    with pytest.raises(ValidationError) as refused:
        services.article_revert(
            article=article, revision=Revision.objects.filter(article=article).first(), by=editor, seen_token=None
        )

    assert refused.value.code == "revert_unchanged"


# Retention


def test_prune_keeps_the_newest_revisions_and_every_published_one():
    editor = make_user("editor")
    draft = make_published_article("Draft", status=Article.Status.DRAFT)
    live = make_published_article("Live")
    for n in range(4):
        for article in (draft, live):
            article.refresh_from_db()
            article.title = f"{article.title} {n}"
            services.article_save(article=article, by=editor, seen_token=None, is_edit=True)
    services.article_publish(article=draft, by=editor)  # revision 6 of the draft: published

    call_command("prune_revisions", keep=2, verbosity=0)

    assert list(Revision.objects.filter(article=draft).values_list("number", flat=True)) == [6, 5]
    assert list(Revision.objects.filter(article=live).values_list("number", flat=True)) == [5, 4, 3, 2, 1]


def test_prune_keeps_everything_by_default(settings):
    editor = make_user("editor")
    article = make_published_article("Draft", status=Article.Status.DRAFT)
    for n in range(3):
        article.title = f"Title {n}"
        services.article_save(article=article, by=editor, seen_token=None, is_edit=True)

    call_command("prune_revisions", verbosity=0)

    assert settings.NEWSROOM_REVISIONS_KEEP == 0
    assert Revision.objects.filter(article=article).count() == 4


def test_a_writers_revert_of_a_live_story_does_not_replace_a_colleagues_pending_change():
    author, colleague = make_user("writer"), make_user("writer")
    article = make_published_article("Live headline")
    first = revisions.record(article, kind=Revision.Kind.EDITED)
    article.quality = 5
    services.article_save(article=article, by=make_user("editor"), seen_token=None, is_edit=True)
    with pending.sandbox(article) as box:
        current = Article.objects.get(pk=article.pk)
        current.title = "The colleague's headline"
        services.article_save(article=current, by=colleague, seen_token=None, is_edit=True, proposal=True)
        pending.capture(box)
    pending.store(box, by=colleague)

    with pytest.raises(pending.PendingRefused, match="has a pending change open"):
        pending.propose_revert(article=article, revision=first, by=author)

    assert article.pending_change.snapshot["title"] == "The colleague's headline"
