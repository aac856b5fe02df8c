"""The importer's shortcuts agree with the careful checks they stand in front of.

``is_http_url`` (articles/text.py) is also the pages' rule for links and image
sources: one rule, proven equal to ``urlsplit``'s reading here.
"""

import json
import math
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.importer.parse import SeedError
from articles.importer.values import find_what_is_not_plain, is_plain
from articles.models import Article
from articles.rendering import http_url
from articles.text import CONTROL_OR_SPACE, is_http_url

leaves = st.one_of(
    st.text(alphabet=st.sampled_from("ab\x00 é"), max_size=4),
    st.integers(),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.datetimes(timezones=st.just(UTC)),
    st.binary(max_size=2),  # !!binary
    st.frozensets(st.integers(), max_size=2),  # !!set
)
keys = st.one_of(st.text(alphabet=st.sampled_from("ab\x00"), max_size=3), st.integers(), st.none())
values = st.recursive(
    leaves,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=4)),
    max_leaves=30,
)


def careful_verdict(value, max_depth, max_values) -> bool:
    try:
        find_what_is_not_plain(value, max_depth=max_depth, max_values=max_values)
    except SeedError:
        return False
    return True


@settings(max_examples=500, deadline=None)
@given(value=values, max_depth=st.integers(0, 5), max_values=st.integers(1, 40))
def test_the_quick_check_accepts_exactly_what_the_careful_one_accepts(value, max_depth, max_values):
    assert is_plain(value, max_depth=max_depth, max_values=max_values) == careful_verdict(value, max_depth, max_values)


def test_a_shared_list_cannot_make_the_quick_check_build_a_huge_level():
    inner = list(range(1000))
    bomb = [inner] * 1000  # what YAML aliases build: 1,000,000 values from 2,000 written

    assert not is_plain(bomb, max_depth=20, max_values=20_000)


@pytest.mark.parametrize(
    "value",
    [
        {"a": [1, 2.5, "x", None, True, date(2026, 1, 1), datetime(2026, 1, 1, tzinfo=UTC)]},
        {"a": {"b": {"c": "d"}}},
    ],
)
def test_plain_values_pass_both_checks(value):
    assert is_plain(value, max_depth=20, max_values=100)
    assert careful_verdict(value, 20, 100)


def test_nan_is_refused_by_both_checks():
    assert not is_plain({"a": math.nan}, max_depth=20, max_values=100)
    assert not careful_verdict({"a": math.nan}, 20, 100)


def urlsplit_verdict(value: str) -> bool:
    """What is_http_url answered before its shortcut: urlsplit's reading, after the same pre-checks."""
    if not value or value != value.strip() or CONTROL_OR_SPACE.search(value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in {"http", "https"} and bool(parts.netloc)


url_texts = st.builds(
    str.__add__,
    st.sampled_from(["http://", "https://", "HTTP://", "hTtPs://", "http:/", "ftp://", "http:", ""]),
    st.text(alphabet=st.sampled_from("ab:/?#[]@%.é \\1\x7f\x00\t\u00a0"), max_size=12),
)


@settings(max_examples=2000, deadline=None)
@given(value=url_texts)
def test_the_url_shortcut_agrees_with_urlsplit(value):
    assert is_http_url(value) == urlsplit_verdict(value)


@pytest.mark.django_db
@pytest.mark.parametrize("character", ["\t", "\x1f", " ", "\x7f"])
def test_a_url_with_a_space_or_control_character_becomes_a_link_neither_on_import_nor_on_a_page(character, write_seed):
    url = f"https://example.org/a{character}b"
    call_command(
        "import_seeds", str(write_seed(f"title: T\nwebUrl: https://e.org/1\nampWebUrl: {json.dumps(url)}")), verbosity=0
    )

    article = Article.objects.get()
    assert (article.amp_web_url, article.extra["ampWebUrl"]) == ("", url)
    assert http_url(url) == ""
