"""The admin's revision pages: the list with the workflow moves, compare any two, revert (issue 13)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import services
from articles.compare import compare, word_diff
from articles.models import Article, ArticleImage, ArticleTransition, Revision
from tests.support.factories import make_published_article, make_topic, make_user
from tests.support.forms import change_url

pytestmark = pytest.mark.django_db


def revisions_url(article) -> str:
    return reverse("admin:articles_article_revisions", args=[article.pk])


def compare_url(article, a=None, b=None) -> str:
    url = reverse("admin:articles_article_revisions_compare", args=[article.pk])
    return url + (f"?a={a}&b={b}" if a is not None else "")


def revert_url(article, number) -> str:
    return reverse("admin:articles_article_revisions_revert", args=[article.pk, number])


def edit(article, by, **fields) -> None:
    article.refresh_from_db()
    for name, value in fields.items():
        setattr(article, name, value)
    services.article_save(article=article, by=by, seen_token=None, is_edit=True)


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


# The word-level diff


def test_word_diff_marks_only_the_changed_words():
    assert word_diff("The cat sat on the mat.", "The dog sat on the mat!") == [
        ("same", "The "),
        ("del", "cat"),
        ("ins", "dog"),
        ("same", " sat on the mat"),
        ("del", "."),
        ("ins", "!"),
    ]


def test_word_diff_of_equal_text_is_one_unchanged_piece():
    assert word_diff("Same text", "Same text") == [("same", "Same text")]


# Compare: exactly the changed fields


def test_compare_names_exactly_the_changed_fields_and_parts():
    editor = make_user("editor")
    article = make_published_article("Title", topics=["AI"], images=1, related=1)
    edit(article, editor, quality=99)
    article.refresh_from_db()
    image = article.images.get()
    image.width = 640
    services.article_save(
        article=article,
        by=editor,
        seen_token=None,
        is_edit=True,
        topics=[make_topic("Energy")],
        parts=[image, ArticleImage(url="https://img.example/added.jpg", position=5)],
        removed_parts=list(article.related_links.all()),
    )
    first, _, last = Revision.objects.filter(article=article).order_by("number")

    comparison = compare(first.snapshot, last.snapshot)

    assert [c.label for c in comparison.fields] == ["quality"]
    topics = comparison.relations[0]
    assert (topics.added, topics.removed) == (["Energy"], ["AI"])
    images = comparison.parts["article images"]
    assert sorted(p.what for p in images) == ["added", "changed"]
    assert [c.label for p in images if p.what == "changed" for c in p.changes] == ["width"]
    assert [p.what for p in comparison.parts["related links"]] == ["removed"]


def test_compare_of_the_same_content_is_empty():
    article = make_published_article("Title")
    edit(article, make_user("editor"), title="Other")
    edit(article, make_user("editor"), title="Title")
    first, _, last = Revision.objects.filter(article=article).order_by("number")

    assert compare(first.snapshot, last.snapshot).is_empty


# The pages


def test_the_revisions_page_lists_revisions_newest_first_with_the_workflow_moves(client):
    editor = make_user("editor")
    article = make_published_article("Story", status=Article.Status.DRAFT)
    old_move = ArticleTransition.objects.create(
        article=article, name="submit_for_review", from_status="draft", to_status="review", by=editor
    )
    ArticleTransition.objects.filter(pk=old_move.pk).update(at=article.created_at)
    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)
    edit(article, editor, title="Story, edited")
    services.article_submit_for_review(article=article, by=editor, comment="Please look")
    client.force_login(make_user("writer"))

    page = text(client.get(revisions_url(article)))

    assert page.index("Workflow : Draft → In review — “Please look”") < page.index("Edited")
    assert page.index("Edited") < page.index("As it was before revisions were kept")
    assert "before revisions were kept)" in page  # the move from before, interleaved by its time


def test_the_compare_page_shows_the_body_word_by_word_escaped(client):
    editor = make_user("editor")
    article = make_published_article("Story", body="The minister said <b>no</b> today.")
    edit(article, editor, body="The minister said <script>alert(1)</script> today.")
    client.force_login(editor)

    response = client.get(compare_url(article, 1, 2))
    html = response.content.decode()

    assert response.status_code == 200
    assert "<script>alert(1)" not in html
    assert "The minister said &lt;<del>b</del><ins>script</ins>&gt;<del>no</del><ins>alert(1)</ins>&lt;/" in html


def test_the_compare_page_without_numbers_shows_the_latest_change(client):
    editor = make_user("editor")
    article = make_published_article("Story")
    edit(article, editor, title="Second")
    edit(article, editor, title="Third")
    client.force_login(editor)

    page = text(client.get(compare_url(article)))

    assert "From revision 2" in page
    assert "to revision 3" in page


@pytest.mark.parametrize("query", ["?a=1&b=9", "?a=x&b=1", "?a=1"])
def test_the_compare_page_answers_404_for_missing_or_malformed_revisions(client, query):
    article = make_published_article("Story")
    client.force_login(make_user("editor"))

    assert client.get(compare_url(article) + query).status_code == 404


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_revisions_and_compare_pages_take_a_fixed_number_of_queries(client):
    editor = make_user("editor")
    few, many = make_published_article("Few", related=1), make_published_article("Many", related=3)
    for n in range(2):
        edit(few, editor, title=f"Few {n}")
    for n in range(25):
        edit(many, editor, title=f"Many {n}")
        if n == 5:
            services.article_unpublish(article=many, by=editor)
    client.force_login(editor)

    assert queries(client, revisions_url(few)) == queries(client, revisions_url(many))
    assert queries(client, compare_url(few, 1, 3)) == queries(client, compare_url(many, 1, 27))


# Revert in the admin


CORRECTION = {"correction_kind": "correction", "correction_note": "The headline was wrong."}


def test_an_editor_reverts_from_the_compare_page_and_it_becomes_a_new_revision(client):
    editor = make_user("editor")
    article = make_published_article("Original")
    edit(article, editor, title="Changed")
    client.force_login(editor)
    article.refresh_from_db()

    refused = client.post(revert_url(article, 1), {"edit_token": article.edit_token}, follow=True)
    response = client.post(revert_url(article, 1), {"edit_token": article.edit_token, **CORRECTION})

    assert "say what kind of change it is" in text(refused)  # a live story's text: as for an edit
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "Original"
    latest = Revision.objects.filter(article=article).first()
    assert (latest.number, latest.kind, latest.reverted_from.number, latest.by) == (3, "reverted", 1, editor)


def test_a_revert_with_a_stale_token_changes_nothing_and_says_why(client):
    editor = make_user("editor")
    article = make_published_article("Original")
    edit(article, editor, title="Changed")
    client.force_login(editor)

    response = client.post(revert_url(article, 1), {"edit_token": "0.-"}, follow=True)

    article.refresh_from_db()
    assert article.title == "Changed"
    assert "Not reverted" in text(response)
    assert Revision.objects.filter(article=article).count() == 2


def test_a_writers_revert_of_a_published_article_is_a_pending_change_and_the_live_story_stays(client):
    editor, writer = make_user("editor"), make_user("writer")
    article = make_published_article("Original")
    edit(article, editor, title="Changed")
    client.force_login(writer)
    article.refresh_from_db()

    response = client.post(revert_url(article, 1), {"edit_token": article.edit_token})

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "Changed"
    assert article.pending_change.snapshot["title"] == "Original"


def test_a_writer_cannot_revert_an_article_in_review_by_a_crafted_post(client):
    editor, writer = make_user("editor"), make_user("writer")
    article = make_published_article("Original", status=Article.Status.REVIEW)
    edit(article, editor, title="Changed")
    client.force_login(writer)
    article.refresh_from_db()

    response = client.post(revert_url(article, 1), {"edit_token": article.edit_token})

    assert response.status_code == 403
    article.refresh_from_db()
    assert article.title == "Changed"


def test_only_an_editor_is_asked_the_kind_of_change_with_a_revert_of_a_live_story(client):
    editor, writer = make_user("editor"), make_user("writer")
    article = make_published_article("Original")
    edit(article, editor, title="Changed")

    client.force_login(writer)
    as_writer = client.get(compare_url(article, 1, 2)).content.decode()
    client.force_login(editor)
    as_editor = client.get(compare_url(article, 1, 2)).content.decode()

    assert "Revert to revision 1" in as_writer  # it becomes a pending change
    assert 'name="correction_kind"' not in as_writer
    assert "Revert to revision 1" in as_editor
    assert 'name="correction_kind"' in as_editor
    assert "Revert to revision 2" not in as_editor  # the current one


def test_the_change_form_links_to_the_revisions(client):
    article = make_published_article("Story")
    client.force_login(make_user("writer"))

    assert revisions_url(article) in client.get(change_url(article)).content.decode()


def test_an_import_update_compares_with_the_version_before_it_and_can_be_reverted(client, write_seed):
    from django.core.management import call_command

    front = "title: Feed story\nwebUrl: https://e.org/feed"
    call_command("import_seeds", str(write_seed(front, "Old words here.", name="a.md")), verbosity=0)
    call_command("import_seeds", str(write_seed(front, "New words here.", name="b.md")), verbosity=0)
    article = Article.objects.get()
    editor = make_user("editor")
    client.force_login(editor)

    html = client.get(compare_url(article, 1, 2)).content.decode()
    article.refresh_from_db()
    client.post(revert_url(article, 1), {"edit_token": article.edit_token, **CORRECTION})

    assert "<del>Old</del><ins>New</ins> words here." in html
    article.refresh_from_db()
    assert article.body == "Old words here."
    assert list(Revision.objects.filter(article=article).values_list("kind", flat=True)) == [
        "reverted",
        "import_updated",
        "import_created",
    ]
