"""export_seeds gives back what import_seeds took in."""

from datetime import datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils.dateparse import parse_datetime

from articles.importer.convert import repair_mojibake
from articles.importer.parse import find_seed_files, parse_seed
from articles.models import Article
from articles.text import is_http_url
from tests.support.paths import FIXTURES_DIR

pytestmark = pytest.mark.django_db


def quoting_aside(value):
    """Equal "key order and quoting aside": quoted digits and quoted date-times read as what they quote."""
    if isinstance(value, dict):
        return {key: quoting_aside(item) for key, item in value.items()}
    if isinstance(value, list):
        return [quoting_aside(item) for item in value]
    if isinstance(value, str):
        if value.strip().lstrip("+-").isdigit():
            return int(value)
        try:
            parsed = parse_datetime(value)
        except ValueError:
            parsed = None
        return parsed or value
    return value


def identity(data: dict) -> str:
    web_url = data.get("webUrl")
    return web_url if is_http_url(web_url) else data["originalUrl"]


def read_dir(directory: Path) -> dict:
    documents = {}
    for path in find_seed_files([directory]):
        document = parse_seed(path.read_bytes(), str(path))
        documents[identity(document.data)] = document
    return documents


def with_repairs(data: dict, repaired: dict) -> dict:
    """The original data with each field the importer repaired replaced by its repair."""
    data = dict(data)
    for path in repaired:
        if "." not in path and "[" not in path and path != "body":
            data[path] = repair_mojibake(data[path])
    return data


def test_round_trip_of_every_fixture_gives_the_same_data_and_body(tmp_path):
    call_command("import_seeds", str(FIXTURES_DIR), verbosity=0)
    call_command("export_seeds", str(tmp_path), verbosity=0)
    originals, exported = read_dir(FIXTURES_DIR), read_dir(tmp_path)

    assert set(exported) == set(originals)
    for url, original in originals.items():
        article = Article.objects.get(web_url=url)
        repaired = article.import_notes.get("repaired", {})
        for path, text in repaired.items():
            assert original.data.get(path) == text or path == "body"
        expected = with_repairs(original.data, repaired)
        assert quoting_aside(exported[url].data) == quoting_aside(expected), original.path
        assert exported[url].body == original.body, original.path


def test_round_trip_keeps_nulls_empty_lists_and_unknown_nested_keys(tmp_path, write_seed):
    seed = write_seed(
        "title: T\noriginalUrl: https://e.org/o\ncategory: null\nexcerpt: ''\ntopics: []\nimages: []\n"
        "provider: {name: P, domain: P.example, images: [{url: 'https://p.example/l.png', width: 50}], x: 1}\n"
        "related: [{title: r, provider: null, when: 2021-01-02, images: [{url: 'javascript:x', alt: A}]}]\n"
        "updatedDateTime: 2021-10-07T10:00:00Z\nlocale: null",
        "Body\n",
    )
    call_command("import_seeds", str(seed), verbosity=0)
    call_command("export_seeds", str(tmp_path / "out"), verbosity=0)

    (exported,) = read_dir(tmp_path / "out").values()
    assert exported.data == parse_seed(seed.read_bytes(), str(seed)).data
    assert exported.body == "Body\n"


def test_an_edit_in_the_admin_shows_in_the_export(tmp_path, write_seed):
    call_command("import_seeds", str(write_seed("title: Old\nwebUrl: https://e.org/1\ncategory: null")), verbosity=0)
    Article.objects.update(title="New", category="analysis")

    call_command("export_seeds", str(tmp_path / "out"), verbosity=0)

    (exported,) = read_dir(tmp_path / "out").values()
    assert exported.data["title"] == "New"
    assert exported.data["category"] == "analysis"


def test_export_writes_date_times_in_utc_as_the_feeds_do(tmp_path, write_seed):
    call_command(
        "import_seeds",
        str(write_seed("title: T\nwebUrl: https://e.org/1\npublishedDateTime: 2026-11-26T09:30:00+05:30")),
        verbosity=0,
    )

    call_command("export_seeds", str(tmp_path / "out"), verbosity=0)

    text = next((tmp_path / "out").iterdir()).read_text()
    assert "publishedDateTime: 2026-11-26T04:00:00Z" in text
    (exported,) = read_dir(tmp_path / "out").values()
    assert isinstance(exported.data["publishedDateTime"], datetime)


def test_export_status_option_chooses_which_articles(tmp_path, write_seed):
    call_command("import_seeds", str(write_seed("title: Live\nwebUrl: https://e.org/1\npublished: true")), verbosity=0)
    call_command(
        "import_seeds", str(write_seed("title: Draft\nwebUrl: https://e.org/2\npublished: false")), verbosity=0
    )

    call_command("export_seeds", str(tmp_path / "out"), status=["published"], verbosity=0)

    assert [d.data["title"] for d in read_dir(tmp_path / "out").values()] == ["Live"]
