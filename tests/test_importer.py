"""import_seeds follows SEED_FORMAT.md: exact values, nothing lost, idempotent, clear errors."""

import json
import logging
import os
import pickle
import pty
import subprocess
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from articles.importer.parse import find_seed_files, parse_seed
from articles.importer.run import import_seed_files
from articles.importer.validate import validate_seed
from articles.models import Article, ArticleImage, Provider, RelatedLink, RelatedLinkImage, SeedFile, Topic
from newsroom.logging import JsonFormatter, StderrHandler
from tests.support.paths import FIXTURES_DIR, SAMPLE_SEED
from tests.support.processes import manage, start_manage

pytestmark = pytest.mark.django_db

MINIMAL = """
title: A minimal article
webUrl: https://example.org/a
"""


def run_import(*paths, **options):
    out, err = StringIO(), StringIO()
    code = 0
    try:
        call_command("import_seeds", *map(str, paths), stdout=out, stderr=err, **options)
    except CommandError as error:
        code = error.returncode
        err.write(str(error))
    return code, out.getvalue(), err.getvalue()


def row_counts():
    return {
        model.__name__: model.objects.count()
        for model in (Article, Provider, Topic, ArticleImage, RelatedLink, RelatedLinkImage, SeedFile)
    }


def test_sample_seed_imports_every_value_exactly():
    code, out, _ = run_import(SAMPLE_SEED)

    assert code == 0
    article = Article.objects.get()
    assert article.title == "'Historic Moment': EU Approves Call for Sweeping Ban on Facial Recognition Surveillance"
    assert article.quality == 31
    assert article.heat == -1
    assert article.published_flag is False
    assert article.status == Article.Status.DRAFT
    assert article.published_at == datetime(2021, 10, 6, 16, 0, tzinfo=UTC)
    assert article.category == "news"
    assert article.item_type == "article"
    assert article.provider.name == "Common Dreams"
    assert article.provider.domain == "commondreams.org"
    assert [t.name for t in article.topics.order_by("name")] == ["AI", "Computer Vision"]
    assert article.topic_names == ["Computer Vision", "AI"]
    image = article.images.get()
    assert (image.width, image.height, image.is_cached) == (1200, 630, True)
    link = article.related_links.get()
    assert link.provider.domain == "techspot.com"
    assert link.quality == 74
    assert link.amp_web_url.startswith("https://www.techspot.com/amp/")
    assert link.cdn_amp_web_url.startswith("https://www-techspot-com.cdn.ampproject.org/")
    assert link.images.get().width == 2896
    assert article.secured.startswith("r32BJUH2+nMy6R9u7L2kflUp9TUZ")
    assert article.secured.endswith(";56agyiozx2mbjSrkVQD+Aw==")
    assert len(article.source_hash) == 64
    assert article.source_file.endswith("000_2c91f7d39cae87f0.txt")
    assert "1 created" in out


def test_published_true_imports_as_published_status(write_seed):
    run_import(write_seed(MINIMAL + "published: true\n"))

    assert Article.objects.get().status == Article.Status.PUBLISHED


def test_scores_are_kept_exactly_including_quoted_digits_and_minus_one(write_seed):
    run_import(
        write_seed('title: A\nwebUrl: https://example.org/1\nquality: "74"\nheat: -1'),
        write_seed("title: B\nwebUrl: https://example.org/2\nquality: 189\nheat: 0"),
        write_seed("title: C\nwebUrl: https://example.org/3"),
    )

    scores = dict(Article.objects.values_list("title", "quality"))
    heats = dict(Article.objects.values_list("title", "heat"))
    assert scores == {"A": 74, "B": 189, "C": None}
    assert heats == {"A": -1, "B": 0, "C": None}


def test_missing_web_url_falls_back_to_original_url(write_seed):
    run_import(write_seed("title: T\noriginalUrl: https://youtube.com/watch?v=x"))

    assert Article.objects.get().web_url == "https://youtube.com/watch?v=x"


def test_date_time_with_offset_is_stored_in_utc(write_seed):
    run_import(write_seed(MINIMAL + "publishedDateTime: 2026-11-26T09:30:00+05:30"))

    assert Article.objects.get().published_at == datetime(2026, 11, 26, 4, 0, tzinfo=UTC)


def test_date_time_given_as_a_string_is_accepted(write_seed):
    run_import(write_seed(MINIMAL + 'publishedDateTime: "2021-10-06T16:00:00Z"'))

    assert Article.objects.get().published_at == datetime(2021, 10, 6, 16, 0, tzinfo=UTC)


def test_providers_are_one_per_domain_whatever_the_case_keeping_the_first_name(write_seed):
    run_import(
        write_seed("title: A\nwebUrl: https://e.org/1\nprovider: {name: AWS, domain: aws.amazon.com}"),
        write_seed("title: B\nwebUrl: https://e.org/2\nprovider: {name: Amazon AWS, domain: AWS.Amazon.com}"),
    )

    provider = Provider.objects.get()
    assert provider.name == "AWS"
    assert Article.objects.filter(provider=provider).count() == 2


def test_providers_are_one_per_domain_whatever_the_case_of_non_ascii_letters(write_seed):
    run_import(
        write_seed("title: A\nwebUrl: https://e.org/1\nprovider: {name: Été, domain: ÉTÉ.example}"),
        write_seed("title: B\nwebUrl: https://e.org/2\nprovider: {name: été, domain: été.example}"),
    )

    provider = Provider.objects.get()
    assert (provider.domain, provider.key) == ("ÉTÉ.example", "été.example")
    assert Article.objects.filter(provider=provider).count() == 2


def test_topics_are_matched_ignoring_case_and_spaces_keeping_the_first_spelling(write_seed):
    run_import(
        write_seed("title: A\nwebUrl: https://e.org/1\ntopics: [Machine Learning]"),
        write_seed("title: B\nwebUrl: https://e.org/2\ntopics: ['machine   learning', 'MACHINE LEARNING', AI]"),
    )

    assert sorted(Topic.objects.values_list("name", flat=True)) == ["AI", "Machine Learning"]
    assert Article.objects.get(title="B").topics.count() == 2


def test_images_and_related_links_keep_their_order(write_seed):
    images = "\n".join(f"  - url: https://img.example/{n}.jpg\n    width: {n}" for n in (3, 1, 2))
    related = "\n".join(f"  - title: R{n}\n    webUrl: https://r.example/{n}" for n in (9, 7, 8))
    run_import(write_seed(f"{MINIMAL}images:\n{images}\nrelated:\n{related}"))

    article = Article.objects.get()
    assert [i.width for i in article.images.all()] == [3, 1, 2]
    assert [link.title for link in article.related_links.all()] == ["R9", "R7", "R8"]


def test_unknown_keys_are_kept_at_every_level(write_seed):
    run_import(
        write_seed(
            MINIMAL
            + "tags: [a, b]\nlocale: en-GB\nupdatedDateTime: 2021-10-07T10:00:00Z\n"
            + "related:\n  - title: R\n    webUrl: https://r.example/1\n    score: 3\n"
            + "images:\n  - url: https://i.example/1.jpg\n    caption: A caption\n"
        )
    )

    article = Article.objects.get()
    assert article.extra["tags"] == ["a", "b"]
    assert article.extra["locale"] == "en-GB"
    assert article.extra["updatedDateTime"] == {"$datetime": "2021-10-07T10:00:00+00:00"}
    assert article.related_links.get().extra == {"score": 3}
    assert article.images.get().extra == {"caption": "A caption"}


def test_mojibake_is_repaired_counted_and_the_original_kept(write_seed):
    code, out, _ = run_import(write_seed("title: CafÃ© owners â€” angry\nwebUrl: https://e.org/1"))

    article = Article.objects.get()
    assert code == 0
    assert article.title == "Café owners — angry"
    assert article.import_notes["repaired"] == {"title": "CafÃ© owners â€” angry"}
    assert "1 repaired" in out


def test_text_that_only_looks_suspicious_is_left_alone(write_seed):
    run_import(write_seed("title: Zürich café – open\nwebUrl: https://e.org/1"))

    article = Article.objects.get()
    assert article.title == "Zürich café – open"
    assert article.import_notes == {}


def test_utf8_bom_and_crlf_line_ends_are_accepted(tmp_path):
    path = tmp_path / "crlf.md"
    path.write_bytes("\ufeff---\r\ntitle: Windows file\r\nwebUrl: https://e.org/w\r\n---\r\nBody line\r\n".encode())

    code, _, _ = run_import(path)

    assert code == 0
    article = Article.objects.get()
    assert article.title == "Windows file"
    assert article.body == "Body line\n"


def test_markdown_body_is_kept_verbatim(write_seed):
    body = "## Heading\n\nA paragraph with **bold**.\n\n---\n\nAfter a rule.\n"
    run_import(write_seed(MINIMAL, body))

    assert Article.objects.get().body == body


BAD_FILES = {
    "not_utf8": (b"---\ntitle: \xff\xfe\nwebUrl: https://e.org/x\n---\n", "not UTF-8"),
    "no_front_matter": (b"title: x\nwebUrl: https://e.org/x\n", "no front matter"),
    "unclosed_front_matter": (b"---\ntitle: x\nwebUrl: https://e.org/x\n", "not closed"),
    "yaml_syntax": (b"---\ntitle: x\nwebUrl: [unclosed\n---\n", "YAML error at line"),
    "not_a_mapping": (b"---\n- a\n- b\n---\n", "must be a mapping"),
    "python_tag": (b"---\ntitle: !!python/object:os.system x\nwebUrl: https://e.org/x\n---\n", "tag"),
    "binary_tag": (b"---\ntitle: x\nwebUrl: https://e.org/x\nblob: !!binary aGVsbG8=\n---\n", "bytes"),
    "no_title": (b"---\nwebUrl: https://e.org/x\n---\n", "title is missing"),
    "blank_title": (b"---\ntitle: '   '\nwebUrl: https://e.org/x\n---\n", "title is missing"),
    "no_http_url": (b"---\ntitle: x\nwebUrl: javascript:alert(1)\n---\n", "no usable http(s) URL"),
    "no_url_at_all": (b"---\ntitle: x\n---\n", "no usable http(s) URL"),
    "fractional_score": (b"---\ntitle: x\nwebUrl: https://e.org/x\nquality: 31.5\n---\n", "quality must be a whole"),
    "text_score": (b"---\ntitle: x\nwebUrl: https://e.org/x\nheat: hot\n---\n", "heat must be a whole"),
    "boolean_score": (b"---\ntitle: x\nwebUrl: https://e.org/x\nquality: true\n---\n", "quality must be a whole"),
    "bad_date": (b"---\ntitle: x\nwebUrl: https://e.org/x\npublishedDateTime: soon\n---\n", "not a date-time"),
    "published_not_boolean": (b"---\ntitle: x\nwebUrl: https://e.org/x\npublished: maybe\n---\n", "true or false"),
    "title_wrong_type": (b"---\ntitle: [a, b]\nwebUrl: https://e.org/x\n---\n", "title must be text"),
    "topics_wrong_type": (b"---\ntitle: x\nwebUrl: https://e.org/x\ntopics: AI\n---\n", "topics must be a list"),
    "provider_wrong_type": (b"---\ntitle: x\nwebUrl: https://e.org/x\nprovider: [a]\n---\n", "provider must be"),
    "image_wrong_type": (b"---\ntitle: x\nwebUrl: https://e.org/x\nimages: [3]\n---\n", "images[0] must be"),
    "negative_width": (
        b"---\ntitle: x\nwebUrl: https://e.org/x\nimages: [{url: 'https://i.e/1', width: -3}]\n---\n",
        "out of range",
    ),
    "related_bad_score": (
        b"---\ntitle: x\nwebUrl: https://e.org/x\nrelated: [{title: r, quality: lots}]\n---\n",
        "related[0].quality must be a whole",
    ),
    "title_too_long": (b"---\ntitle: " + b"x" * 501 + b"\nwebUrl: https://e.org/x\n---\n", "longer than 500"),
    "alias_bomb": (
        b"---\ntitle: x\nwebUrl: https://e.org/x\na: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        b"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
        b"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n---\n",
        "more than 20,000 values",
    ),
    "nested_too_deep": (
        b"---\ntitle: x\nwebUrl: https://e.org/x\ndeep: " + b"[" * 40 + b"]" * 40 + b"\n---\n",
        "deeper",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_is_reported_on_one_line_and_leaves_no_trace(case, tmp_path):
    content, reason = BAD_FILES[case]
    bad = tmp_path / "bad.md"
    bad.write_bytes(content)
    before = row_counts()

    code, _, err = run_import(bad)

    assert code == 1
    error_lines = [line for line in err.splitlines() if line.startswith(str(bad))]
    assert len(error_lines) == 1
    assert reason in error_lines[0]
    assert row_counts() == before


def test_yaml_error_names_the_line_of_the_file(tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_text("---\ntitle: ok\nwebUrl: https://e.org/x\nexcerpt: 'unclosed\n---\n")

    _, _, err = run_import(bad)

    assert "line 4" in err or "line 5" in err


def test_file_over_the_size_limit_is_refused(write_seed):
    path = write_seed(MINIMAL, "x" * 5000)

    code, _, err = run_import(path, max_bytes=1000)

    assert code == 1
    assert "larger than the limit of 1,000 bytes" in err
    assert not Article.objects.exists()


def test_too_many_related_links_are_refused(write_seed):
    related = "\n".join(f"  - title: R{n}" for n in range(4))

    code, _, err = run_import(write_seed(f"{MINIMAL}related:\n{related}"), max_related=3)

    assert code == 1
    assert "related has 4 entries; the limit is 3" in err


def test_good_files_still_import_when_others_in_the_run_fail(write_seed, tmp_path):
    good = write_seed(MINIMAL)
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"not a seed")

    code, out, err = run_import(good, bad)

    assert code == 1
    assert Article.objects.count() == 1
    assert "1 created" in out
    assert "1 failed" in out
    assert "1 of 2 files were not imported" in err


def test_non_http_urls_in_optional_fields_are_kept_but_never_stored_as_links(write_seed):
    run_import(
        write_seed(
            MINIMAL + "images: [{url: 'javascript:alert(1)'}]\nrelated: [{title: r, webUrl: 'data:text/html,x'}]"
        )
    )

    article = Article.objects.get()
    assert article.images.get().url == ""
    assert article.images.get().extra == {"url": "javascript:alert(1)"}
    assert article.related_links.get().web_url == ""


def test_importing_the_same_files_twice_changes_nothing_and_says_so():
    run_import(FIXTURES_DIR)
    before = list(Article.objects.order_by("pk").values_list("pk", "updated_at"))
    counts = row_counts()

    code, out, _ = run_import(FIXTURES_DIR)

    assert code == 0
    assert f"0 created, 0 updated, {len(before)} unchanged" in out
    assert list(Article.objects.order_by("pk").values_list("pk", "updated_at")) == before
    assert row_counts() == counts


def test_a_new_version_of_a_web_url_updates_the_article_and_replaces_its_lists(write_seed):
    run_import(write_seed(MINIMAL + "quality: 1\ntopics: [Old]\nimages: [{url: 'https://i.e/old.jpg'}]"))
    article = Article.objects.get()

    code, out, _ = run_import(write_seed("title: Updated\nwebUrl: https://example.org/a\nquality: 2\ntopics: [New]"))

    article.refresh_from_db()
    assert code == 0
    assert "1 updated" in out
    assert (article.title, article.quality) == ("Updated", 2)
    assert [t.name for t in article.topics.all()] == ["New"]
    assert not article.images.exists()
    assert Article.objects.count() == 1


def test_two_versions_of_one_article_in_one_run_end_with_the_later_one(write_seed):
    first = write_seed(MINIMAL + "quality: 1", name="a.md")
    second = write_seed(MINIMAL + "quality: 2", name="b.md")

    code, out, _ = run_import(first, second)

    assert code == 0
    assert Article.objects.get().quality == 2
    assert "1 created, 1 updated" in out


def test_an_article_edited_in_the_admin_is_a_conflict_and_is_not_overwritten(write_seed, django_user_model):
    run_import(write_seed(MINIMAL + "quality: 1"))
    article = Article.objects.get()
    Article.objects.filter(pk=article.pk).update(
        title="Edited by a person", edited_at=article.imported_at.replace(year=2099)
    )
    newer = write_seed(MINIMAL + "quality: 2")

    code, out, _ = run_import(newer)

    article.refresh_from_db()
    assert code == 0
    assert "1 conflicts" in out
    assert (article.title, article.quality) == ("Edited by a person", 1)
    assert article.conflict_file == str(newer)


def test_overwrite_applies_a_newer_file_over_an_edit(write_seed):
    run_import(write_seed(MINIMAL + "quality: 1"))
    Article.objects.update(title="Edited", edited_at=datetime(2099, 1, 1, tzinfo=UTC))

    code, out, _ = run_import(write_seed(MINIMAL + "quality: 2"), overwrite=True)

    article = Article.objects.get()
    assert code == 0
    assert "1 updated" in out
    assert (article.title, article.quality, article.conflict_file) == ("A minimal article", 2, "")


def test_dry_run_validates_and_reports_without_writing(write_seed, tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"---\ntitle: x\n---\n")

    code, out, err = run_import(write_seed(MINIMAL), bad, dry_run=True)

    assert code == 1
    assert "Dry run, nothing written: 1 created" in out
    assert "no usable http(s) URL" in err
    assert row_counts() == dict.fromkeys(row_counts(), 0)


def test_a_missing_path_is_bad_usage_with_exit_status_2(tmp_path):
    code, _, err = run_import(tmp_path / "nowhere")

    assert code == 2
    assert "no such file or directory" in err


def test_directories_are_walked_for_md_and_txt_files_in_sorted_order(tmp_path):
    (tmp_path / "b").mkdir()
    for name in ("b/2.md", "1.txt", "b/README.md", "notes.json"):
        (tmp_path / name).write_text("x")

    assert [p.relative_to(tmp_path).as_posix() for p in find_seed_files([tmp_path])] == ["1.txt", "b/2.md"]


def test_summary_reports_every_count_and_the_rate():
    report = import_seed_files(find_seed_files([FIXTURES_DIR]))

    assert report.failed == 0
    assert report.created == len(find_seed_files([FIXTURES_DIR]))
    assert report.repaired >= 2
    assert "files/s" in report.summary()


def test_command_is_quiet_at_verbosity_zero(write_seed):
    code, out, _ = run_import(write_seed(MINIMAL), verbosity=0)

    assert code == 0
    assert out == ""


def test_worker_processes_import_exactly_what_one_process_does(tmp_path):
    report = import_seed_files(find_seed_files([FIXTURES_DIR]), workers=2, batch_size=16)
    by_workers = sorted(Article.objects.values_list("web_url", "title", "quality", "heat"))
    Article.objects.all().delete()
    SeedFile.objects.all().delete()

    import_seed_files(find_seed_files([FIXTURES_DIR]), workers=1)

    assert report.failed == 0
    assert sorted(Article.objects.values_list("web_url", "title", "quality", "heat")) == by_workers


def test_every_record_crosses_from_a_parser_process_unchanged():
    # Records are pickled as their constructors' arguments (validate.Record): every field must come back.
    records = [validate_seed(parse_seed(path.read_bytes(), str(path))) for path in find_seed_files([FIXTURES_DIR])[:50]]
    assert any(record.related and record.images and record.provider for record in records)
    assert pickle.loads(pickle.dumps(records)) == records  # noqa: S301 - our own bytes


def test_max_values_flag_bounds_the_values_in_one_front_matter(write_seed):
    path = write_seed(MINIMAL + "tags: [a, b, c, d, e, f, g, h]")

    code, _, err = run_import(path, max_values=8)

    assert code == 1
    assert "more than 8 values" in err
    assert run_import(path, max_values=20)[0] == 0


# --- What a person at a terminal sees ------------------------------------------------------------------


def log_records() -> list[logging.LogRecord]:
    """An import run's summary (an event line, with fields) and a warning."""
    summary = logging.LogRecord(
        "newsroom.import", logging.INFO, __file__, 1, "import finished: %s", ("1 created",), None
    )
    summary.fields = {"event": "import", "created": 1}
    warning = logging.LogRecord("newsroom.import", logging.WARNING, __file__, 1, "cannot read %s", ("a.md",), None)
    return [summary, warning]


@pytest.mark.parametrize(("debug", "terminal"), [(True, True), (False, True), (True, False), (False, False)])
def test_log_lines_are_plain_text_without_event_lines_only_for_a_person_at_a_terminal(
    settings, tmp_path, debug, terminal
):
    settings.DEBUG = debug
    main, child = pty.openpty()
    with open(child, "w") if terminal else open(tmp_path / "log", "w") as stream:
        handler = StderrHandler(stream)
        handler.setFormatter(JsonFormatter())
        for record in log_records():
            handler.handle(record)
    written = read_until_closed(main) if terminal else (tmp_path / "log").read_text()

    lines = written.splitlines()
    if debug and terminal:
        assert lines == ["WARNING newsroom.import: cannot read a.md"]
    else:
        assert [json.loads(line)["message"] for line in lines] == ["import finished: 1 created", "cannot read a.md"]


def test_a_log_line_for_a_person_shows_a_file_name_escaped_on_one_line(settings):
    settings.DEBUG = True
    main, child = pty.openpty()
    with open(child, "w") as terminal:
        args = ("forged\n\x1b[31mERROR.md",)
        StderrHandler(terminal).handle(
            logging.LogRecord("newsroom.import", logging.ERROR, __file__, 1, "unexpected error reading %s", args, None)
        )

    assert read_until_closed(main) == "ERROR newsroom.import: unexpected error reading forged\\n\\x1b[31mERROR.md\n"


@pytest.fixture(scope="module")
def developer_env(tmp_path_factory):
    """A developer's shell: local settings, DEBUG on, a migrated SQLite file of its own."""
    env = {name: value for name, value in os.environ.items() if name not in ("DATABASE_URL", "REDIS_URL")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "newsroom.settings.local",
        "DJANGO_DEBUG": "true",
        "SQLITE_PATH": str(tmp_path_factory.mktemp("developer") / "db.sqlite3"),
    }
    manage("migrate", "-v", "0", env=env, check=True)
    return env


def at_a_terminal(env: dict, *args: str) -> str:
    """What ``manage.py *args`` shows on a terminal (its stdout and stderr both), with LF line ends."""
    main, child = pty.openpty()
    process = start_manage(*args, env=env, stdin=subprocess.DEVNULL, stdout=child, stderr=child)
    os.close(child)
    output = read_until_closed(main)
    assert process.wait(timeout=60) == 0
    return output


def read_until_closed(main: int) -> str:
    """Everything written to a pseudo-terminal until its other side was closed, with LF line ends."""
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: nothing left, and the other side is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    return b"".join(chunks).decode().replace("\r\n", "\n")


def test_at_a_terminal_import_seeds_shows_its_summary_once_in_words(developer_env):
    output = at_a_terminal(developer_env, "import_seeds", "--dry-run", str(SAMPLE_SEED))

    assert "Dry run, nothing written: 1 created, 0 updated" in output
    assert output.count("1 created") == 1
    assert '"event"' not in output


def test_through_a_pipe_import_seeds_also_logs_its_summary_as_json(developer_env):
    result = manage("import_seeds", "--dry-run", str(SAMPLE_SEED), env=developer_env, check=True)

    assert "Dry run, nothing written: 1 created, 0 updated" in result.stdout
    (line,) = result.stderr.splitlines()
    summary = json.loads(line)
    assert (summary["event"], summary["dry_run"], summary["created"]) == ("import", True, 1)
