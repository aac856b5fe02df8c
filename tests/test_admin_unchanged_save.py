"""Saving without changing anything is not an edit (issue 10, item 2).

Every article of fixtures/ is opened in the admin and saved, or moved by a
workflow button (which saves first), with the form posted as Chromium posts
it: textarea text with CRLF line ends, one-line inputs without line breaks.
Nothing may be written, the export must give the same files, and the next
import of a newer seed file must update every article rather than report a
conflict.
"""

import filecmp
import shutil
from pathlib import Path

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command

from articles.models import Article, ArticleImage, RelatedLink, RelatedLinkImage
from tests.support.factories import make_user
from tests.support.forms import change_url, read_form, transition_buttons
from tests.support.paths import FIXTURES_DIR

pytestmark = pytest.mark.django_db


def stored(articles=Article.objects) -> list:
    """Every stored value of the articles and their parts, to compare before and after."""
    return [
        list(articles.order_by("pk").values()),
        list(Article.topics.through.objects.order_by("pk").values()),
        *(list(model.objects.order_by("pk").values()) for model in (ArticleImage, RelatedLink, RelatedLinkImage)),
    ]


def export(directory: Path) -> Path:
    call_command("export_seeds", str(directory), verbosity=0)
    return directory


def same_files(left: Path, right: Path) -> bool:
    names = sorted(path.name for path in left.iterdir())
    match, mismatch, errors = filecmp.cmpfiles(left, right, names, shallow=False)
    return (names, mismatch, errors) == (sorted(path.name for path in right.iterdir()), [], []) and len(match) > 0


def newer_seed_files(directory: Path) -> Path:
    """fixtures/ again, each file with one more paragraph: what the feed sends next."""
    shutil.copytree(FIXTURES_DIR, directory, ignore=shutil.ignore_patterns("README.md"))
    for path in directory.rglob("*"):
        if path.is_file():
            path.write_bytes(path.read_bytes() + b"\n\nUpdated by the feed.\n")
    return directory


def import_newer(directory: Path) -> str:
    out = __import__("io").StringIO()
    call_command("import_seeds", str(newer_seed_files(directory)), stdout=out)
    return out.getvalue()


def test_chromium_style_forms_keep_line_breaks_of_textareas_as_crlf(client, imported_fixtures):
    """The helper posts as the browser does, or the tests below would prove nothing."""
    article = Article.objects.filter(body__contains="\n").first()
    client.force_login(make_user("editor"))

    data, _ = read_form(client.get(change_url(article)))

    assert "\r\n" in data["body"][0]
    assert "\n" not in data["body"][0].replace("\r\n", "")


def test_saving_any_fixture_article_unchanged_writes_nothing_and_a_newer_seed_file_updates_it(
    client, imported_fixtures, tmp_path
):
    editor = make_user("editor")
    client.force_login(editor)
    before, exported_before = stored(), export(tmp_path / "before")
    articles = list(Article.objects.order_by("pk"))

    not_redirected = {}
    for article in articles:
        data, _ = read_form(client.get(change_url(article)))
        response = client.post(change_url(article), data | {"_save": ["Save"]})
        if response.status_code != 302:
            not_redirected[article.source_file] = response.status_code

    assert not_redirected == {}
    assert stored() == before
    assert not LogEntry.objects.exists()
    assert same_files(exported_before, export(tmp_path / "after"))
    out = import_newer(tmp_path / "newer")
    assert f"0 created, {len(articles)} updated, 0 unchanged, 0 conflicts" in out
    assert not Article.objects.exclude(conflict_file="").exists()
    assert Article.objects.filter(body__contains="Updated by the feed.").count() == len(articles)


def test_pressing_a_workflow_button_on_any_fixture_article_is_not_an_edit(client, imported_fixtures, tmp_path):
    editor = make_user("editor")
    client.force_login(editor)
    articles = list(Article.objects.order_by("pk"))

    moved = {}
    for article in articles:
        page = client.get(change_url(article))
        data, _ = read_form(page)
        name = sorted(transition_buttons(page) - {"send_back"})[0]
        client.post(change_url(article), data | {"_transition": [name]})
        moved[article.pk] = (name, Article.objects.get(pk=article.pk).status != article.status)

    assert all(changed for _, changed in moved.values()), moved
    assert not Article.objects.filter(edited_at__isnull=False).exists()
    assert not Article.objects.filter(edited_by__isnull=False).exists()
    # Only the transitions are logged: no "Changed Body." before them.
    assert LogEntry.objects.count() == len(articles)
    assert not [e.get_change_message() for e in LogEntry.objects.all() if e.get_change_message().startswith("Changed")]
    out = import_newer(tmp_path / "newer")
    assert f"0 created, {len(articles)} updated, 0 unchanged, 0 conflicts" in out


def test_a_real_change_is_still_an_edit_and_only_the_changed_text_is_rewritten(client, imported_fixtures):
    """The other side of the rule: one changed character counts; the unchanged fields keep their stored bytes."""
    editor = make_user("editor")
    client.force_login(editor)
    article = Article.objects.filter(excerpt__contains="\r\n").first()  # a CRLF excerpt, kept as imported
    excerpt = article.excerpt
    data, _ = read_form(client.get(change_url(article)))

    # A live story's headline: the form asks the kind of change (issue 13); a typo fix is a silent one.
    change = {"title": [article.title + "!"], "correction_kind": ["silent"], "_save": ["Save"]}
    client.post(change_url(article), data | change)

    article.refresh_from_db()
    assert article.title.endswith("!")
    assert article.excerpt == excerpt
    assert article.edited_by == editor
    assert LogEntry.objects.get().get_change_message() == "Changed Headline."  # the form's label


@pytest.mark.parametrize(
    ("stored_text", "posted", "is_a_change"),
    [
        ("Line one\nLine two\n", "Line one\r\nLine two", False),
        ("Line one\r\nLine two", "Line one\r\nLine two", False),
        ("Line one\rLine two", "Line one\r\nLine two", False),
        ("  Padded  \n\n", "Padded", False),
        ("Line one\nLine two", "Line one\r\nLine 2", True),
        ("Line one\nLine two", "Line one\r\n\r\nLine two", True),
        ("", "Something", True),
    ],
)
def test_only_a_change_of_the_characters_counts_in_a_related_links_excerpt(client, stored_text, posted, is_a_change):
    client.force_login(make_user("editor"))
    article = Article.objects.create(title="Story", web_url="https://example-news.org/story")
    link = RelatedLink.objects.create(article=article, title="Link", excerpt=stored_text)
    data, _ = read_form(client.get(change_url(article)))

    client.post(change_url(article), data | {"related_links-0-excerpt": [posted], "_save": ["Save"]})

    link.refresh_from_db()
    article.refresh_from_db()
    assert (article.edited_at is not None) is is_a_change
    assert link.excerpt == (posted.strip() if is_a_change else stored_text)
