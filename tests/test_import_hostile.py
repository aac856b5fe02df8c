"""Hostile and broken seed files: each one imports whole or is refused in one line, leaving no trace.

Hypothesis mutates real seed files from fixtures/ (bytes, types, lengths, YAML
features) and imports every mutant through ``manage.py import_seeds``. The
other tests pin the edges: every column the importer writes at its length
and one past it (PostgreSQL enforces lengths where SQLite does not: run this
file with DATABASE_URL set to check them there), every limit flag at its
value and one past it, and the memory and time a megabyte of adversarial
YAML may cost.

NEWSROOM_HOSTILE_EXAMPLES sets how many mutants each property test tries
(default 300; e.g. 5000 for a long local run).
"""

import json
import os
import random
import signal
import tracemalloc
from contextlib import contextmanager
from datetime import timedelta, timezone
from io import StringIO
from itertools import count, pairwise
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from articles.importer.parse import content_hash, parse_seed
from articles.importer.read import Rejected, parse_and_validate
from articles.importer.validate import Limits
from articles.models import (
    Article,
    ArticleImage,
    Provider,
    ProviderLogo,
    RelatedLink,
    RelatedLinkImage,
    SeedFile,
    Topic,
    topic_key,
)
from tests.support.paths import FIXTURES_DIR, SAMPLE_SEED

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("NEWSROOM_HOSTILE_EXAMPLES", "300"))
EXAMPLE_SECONDS = 20  # a hang, not a slow example: those fail the deadline below
PROPERTY_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=timedelta(seconds=5),  # typical examples take 5-200 ms
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # one database for all examples, on purpose: state accumulates
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)

BASE_FILES = [
    SAMPLE_SEED,
    FIXTURES_DIR / "handwritten" / "hw-01-related-amp.md",
    FIXTURES_DIR / "handwritten" / "hw-04-unicode-japanese-emoji.md",
    FIXTURES_DIR / "handwritten" / "hw-09-unknown-keys.md",
    FIXTURES_DIR / "handwritten" / "hw-11-bom-crlf.md",
    FIXTURES_DIR / "handwritten" / "hw-14-explicit-nulls.md",
]
BASES = [path.read_bytes() for path in BASE_FILES]
MODELS = (Article, RelatedLink, ArticleImage, RelatedLinkImage, ProviderLogo, Topic, Provider, SeedFile)


def row_counts() -> dict:
    return {model.__name__: model.objects.count() for model in MODELS}


@contextmanager
def time_limit(seconds: float):
    """Raise TimeoutError in the test if the block runs longer than ``seconds`` (a hang, not slowness)."""

    def expire(signum, frame):
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_import(*paths, **options) -> tuple[int, str]:
    """(exit status, stderr) of ``import_seeds`` on ``paths``."""
    err = StringIO()
    try:
        call_command("import_seeds", *map(str, paths), stdout=StringIO(), stderr=err, verbosity=0, **options)
    except CommandError as error:
        return error.returncode, err.getvalue()
    return 0, err.getvalue()


def refusal(path: Path, code: int, err: str) -> str:
    """The one-line reason a refused file was given; fails unless it is exactly that."""
    assert code == 1
    prefix = f"{path}: "
    assert err.startswith(prefix)
    assert err.endswith("\n")
    assert err.count("\n") == 1
    reason = err[len(prefix) : -1]
    assert len(reason.splitlines()) == 1
    assert "unexpected error" not in reason
    assert "the database refused it" not in reason
    return reason


def assert_imported_whole(path: Path) -> None:
    """The article holds exactly the images, related links and topics the file gives."""
    raw = path.read_bytes()
    record = parse_and_validate((str(path), raw, content_hash(raw), Limits()))
    assert not isinstance(record, Rejected)
    article = Article.objects.get(web_url=record.web_url)
    if article.source_hash != record.content_hash:
        return  # the same bytes were imported before and a later version has been applied since
    assert article.images.count() == len(record.images)
    links = list(article.related_links.all())
    assert [link.position for link in links] == list(range(len(record.related)))
    assert [link.images.count() for link in links] == [len(r.images) for r in record.related]
    assert sorted(topic.key for topic in article.topics.all()) == sorted(topic_key(name) for name in record.topics)
    assert SeedFile.objects.filter(content_hash=record.content_hash).exists()


class Importer:
    """Writes each mutant to a fresh path, imports it and checks the outcome."""

    def __init__(self, directory: Path, caplog):
        self.directory, self.caplog, self.numbers = directory, caplog, count()

    def check(self, raw: bytes) -> None:
        path = self.directory / f"mutant-{next(self.numbers):05d}.md"
        path.write_bytes(raw)
        before = row_counts()
        self.caplog.clear()
        with time_limit(EXAMPLE_SECONDS):
            code, err = run_import(path)
        assert not [r for r in self.caplog.records if r.levelname in ("ERROR", "CRITICAL")]
        if code == 0:
            assert err == ""
            assert_imported_whole(path)
            event("imported")  # --hypothesis-show-statistics shows how many of each
        else:
            refusal(path, code, err)
            assert row_counts() == before
            event("refused")


@pytest.fixture
def importer(tmp_path, caplog):
    return Importer(tmp_path, caplog)


# --- Strategies: byte-level damage ---------------------------------------------------------------

SPECIAL_BYTES = [
    b"\x00",  # NUL
    b"\xff",  # never valid UTF-8
    b"\xc3",  # a lead byte without its continuation
    b"\xc0\xaf",  # an overlong encoding
    b"\xed\xa0\x80",  # a UTF-16 surrogate, encoded
    b"\x01",
    b"\x1b[31m",
    b"\x7f",
    b"\xc2\x85",  # NEL, a YAML line break
    b"\xe2\x80\xa8",  # LINE SEPARATOR
    b"\r",
    b"\n",
    b"\t",
    b"\xef\xbb\xbf",  # a byte-order mark in the middle
    b"---\n",
    b"'",
    b'"',
    b"&a ",
    b"*a",
    b"!!",
    b": ",
    b"- ",
    b"[",
    b"{",
    b"#",
]
inserted_bytes = st.one_of(st.sampled_from(SPECIAL_BYTES), st.binary(min_size=1, max_size=12))
base_bytes = st.sampled_from(BASES)


@st.composite
def truncated(draw):
    raw = draw(base_bytes)
    return raw[: draw(st.integers(0, len(raw)))]


@st.composite
def bytes_inserted(draw):
    raw = draw(base_bytes)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(inserted_bytes) + raw[at:]
    return raw


@st.composite
def bytes_replaced(draw):
    raw = draw(base_bytes)
    at = draw(st.integers(0, len(raw) - 1))
    length = draw(st.integers(1, 16))
    return raw[:at] + draw(inserted_bytes) + raw[at + length :]


# --- Strategies: well-formed YAML holding the wrong things ----------------------------------------


def parsed(raw: bytes) -> tuple[dict, str]:
    document = parse_seed(raw, "base")
    return document.data, document.body


PARSED = [parsed(raw) for raw in BASES]

# Where the importer looks for modelled values, whether or not a base file has them.
SLOTS = [
    ("title",),
    ("webUrl",),
    ("originalUrl",),
    ("ampWebUrl",),
    ("excerpt",),
    ("category",),
    ("type",),
    ("publishedDateTime",),
    ("quality",),
    ("heat",),
    ("published",),
    ("secured",),
    ("featuredContent",),
    ("provider",),
    ("provider", "name"),
    ("provider", "domain"),
    ("provider", "images"),
    ("provider", "images", 0, "url"),
    ("topics",),
    ("topics", 0),
    ("images",),
    ("images", 0),
    ("images", 0, "url"),
    ("images", 0, "width"),
    ("images", 0, "isCached"),
    ("related",),
    ("related", 0),
    ("related", 0, "title"),
    ("related", 0, "webUrl"),
    ("related", 0, "quality"),
    ("related", 0, "publishedDateTime"),
    ("related", 0, "provider"),
    ("related", 0, "provider", "domain"),
    ("related", 0, "images"),
    ("related", 0, "images", 0, "height"),
]

LENGTHS = [0, 1, 49, 50, 51, 99, 100, 101, 199, 200, 201, 253, 254, 499, 500, 501, 1999, 2000, 2001, 5000, 100_000]
FILLERS = ["a", "é", "ß", "日", "😀", " ", "-", "\x01", "\x85", "\u2028", "\x00", "Ã©", "\n"]
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)
long_text = st.builds(
    lambda filler, length: (filler * length)[:length], st.sampled_from(FILLERS), st.sampled_from(LENGTHS)
)
long_url = st.builds(
    lambda filler, length: "https://e.org/" + filler * max(length - 14, 0),
    st.sampled_from(["a", "é", "日", "%20"]),
    st.sampled_from(LENGTHS),
)
offsets = st.builds(lambda minutes: timezone(timedelta(minutes=minutes)), st.integers(-1439, 1439))
short_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([2**31 - 1, 2**31, -(2**31), -(2**31) - 1, -1, 0, 10**300, 2**64]),
    st.floats(),
    text,
    st.sampled_from(["74", " 74 ", "0x1F", "1e3", "2021-10-06T16:00:00Z", "soon", "true", "javascript:alert(1)"]),
    st.datetimes(timezones=st.one_of(st.none(), offsets)),
    st.dates(),
)
scalars = st.one_of(short_scalars, long_text, long_url)
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=10,
)


def nest(value, depth: int, as_mapping: bool):
    for level in range(depth):
        value = {f"k{level}": value} if as_mapping else [value]
    return value


# Made afresh for each example: a later mutation may write into them.
image = st.builds(lambda: {"url": "https://img.example/1.jpg", "width": 1, "height": 1})
related = st.builds(lambda image: {"title": "Coverage", "webUrl": "https://other.example/1", "images": [image]}, image)
hostile_values = st.one_of(
    scalars,  # (mostly of the right type, so that lengths and ranges are tried too)
    long_text,
    long_url,
    values,
    st.builds(nest, values, st.integers(15, 60), st.booleans()),  # deep nesting
    st.builds(  # long lists, shared items (safe_dump writes those as anchors and aliases)
        lambda item, length: [item] * length,
        st.one_of(short_scalars, image, related, st.just("Topic")),
        st.sampled_from([49, 50, 51, 99, 100, 101, 1000, 25_000]),
    ),
)


def paths_in(value, prefix=()):
    """Every key path in a parsed document (the first three items of a list), the document itself aside."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value[:3])
    else:
        return []
    found = []
    for key, child in items:
        found.append((*prefix, key))
        found.extend(paths_in(child, (*prefix, key)))
    return found


def set_at(data: dict, path: tuple, value) -> None:
    """Put ``value`` at ``path``, making (or replacing) the mappings and lists on the way."""
    container = data
    for step, following in pairwise(path):
        empty = [] if isinstance(following, int) else {}
        if isinstance(container, list):
            while len(container) <= step:
                container.append(None)
        current = container[step] if isinstance(container, list) else container.get(step)
        if not isinstance(current, type(empty)):
            container[step] = current = empty
        container = current
    last = path[-1]
    if isinstance(container, list):
        while len(container) <= last:
            container.append(None)
    container[last] = value


def seed_bytes(data, body: str) -> bytes:
    front_matter = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=200)
    return f"---\n{front_matter}---\n{body}".encode("utf-8", "surrogatepass")


@st.composite
def swapped_types(draw):
    """A base document with a hostile value at one or more of its keys, modelled or not."""
    data, body = draw(st.sampled_from(PARSED))
    data = json.loads(json.dumps(data, default=str))  # a deep copy (dates become text, which is allowed)
    for _ in range(draw(st.integers(1, 2))):
        path = draw(st.sampled_from(SLOTS + paths_in(data)))
        set_at(data, path, draw(hostile_values))
    return seed_bytes(data, body)


@st.composite
def swapped_document(draw):
    """A base file's front matter replaced whole by a hostile value: a list, a scalar, a mapping of anything."""
    _, body = draw(st.sampled_from(PARSED))
    return seed_bytes(draw(hostile_values), body)


# --- Strategies: YAML features written as text -----------------------------------------------------


def alias_bomb(levels: int, width: int) -> tuple[str, str]:
    """(anchor definitions, a reference to the last): ``width ** levels`` values once expanded."""
    lines = [f"bomb0: &b0 [{', '.join(['lol'] * width)}]"]
    lines += [f"bomb{n}: &b{n} [{', '.join([f'*b{n - 1}'] * width)}]" for n in range(1, levels)]
    return "\n".join(lines) + "\n", f"*b{levels - 1}"


SNIPPETS = [
    "!!python/object:os.system 'echo owned'",
    "!!python/object/apply:os.system ['echo owned']",
    "!!python/name:os.system",
    "!<tag:yaml.org,2002:python/object/apply:os.system> ['echo owned']",
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    "!!omap [a: 1, b: 2]",
    "!!pairs [a: 1]",
    "!foo bar",
    "!!timestamp soon",
    "!!timestamp 2021-02-30",
    "2021-02-30T10:00:00Z",
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:59:59-05:00",
    "!!int foo",
    "!!int 0x",
    "!!float 1.2.3",
    "!!bool maybe",
    "!!str 31",
    "!!null x",
    "!!map [1]",
    "!!seq {a: 1}",
    "'" + "1" * 5000 + "'",
    "1" * 5000,
    "0x" + "f" * 5000,
    "1" + ":59" * 2000,
    ".inf",
    ".nan",
    '"a\\0b"',
    '"\\x01\\x1b[31m\\u2028\\x85"',
    '"\\ud800"',
    "*undefined",
    "&anchor {a: 1}",
    "{<<: {a: 1}, b: 2}",
    "{<<: 3}",
    "{? [a]: 1}",
    "[" * 40 + "]" * 40,
    "{a: " * 30 + "x" + "}" * 30,
]


@st.composite
def yaml_features(draw):
    """A base document with tags, anchors, aliases or odd scalars at a key, or a key given twice."""
    data, body = draw(st.sampled_from(PARSED))
    data = json.loads(json.dumps(data, default=str))
    prefix = ""
    kind = draw(st.sampled_from(["snippet", "bomb", "duplicate"]))
    if kind == "duplicate":
        return duplicate_a_key(draw, seed_bytes(data, body))
    if kind == "bomb":
        prefix, snippet = alias_bomb(draw(st.integers(2, 9)), draw(st.integers(2, 12)))
    else:
        snippet = draw(st.sampled_from(SNIPPETS))
    path = draw(st.sampled_from(SLOTS + paths_in(data)))
    set_at(data, path, "HOSTILE-PLACEHOLDER")
    text = seed_bytes(data, body).decode()
    return (text[:4] + prefix + text[4:]).replace("HOSTILE-PLACEHOLDER", snippet, 1).encode("utf-8", "surrogatepass")


def duplicate_a_key(draw, raw: bytes) -> bytes:
    """Repeat one ``key: value`` line of the front matter, at any level, right after itself."""
    lines = raw.decode().split("\n")
    end = lines.index("---", 1)
    candidates = [n for n in range(1, end) if ": " in lines[n] and not lines[n].rstrip().endswith(":")]
    if not candidates:
        return raw
    number = draw(st.sampled_from(candidates))
    line = lines[number]
    stripped = line.lstrip(" ")
    indent = len(line) - len(stripped)
    if stripped.startswith("- "):
        stripped, indent = stripped[2:], indent + 2
    key = stripped.split(":", 1)[0]
    lines.insert(number + 1, " " * indent + f"{key}: {draw(st.sampled_from(['again', '1', 'null', '[x]']))}")
    return "\n".join(lines).encode()


# --- The properties --------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(raw=st.one_of(truncated(), bytes_inserted(), bytes_replaced()))
def test_damaged_bytes_import_whole_or_are_refused_in_one_line_leaving_no_trace(importer, raw):
    importer.check(raw)


@PROPERTY_SETTINGS
@given(raw=st.one_of(swapped_types(), swapped_document()))
def test_wrong_types_lengths_and_depths_at_any_key_import_whole_or_are_refused_in_one_line(importer, raw):
    importer.check(raw)


@PROPERTY_SETTINGS
@given(raw=yaml_features())
def test_yaml_tags_aliases_and_duplicate_keys_import_whole_or_are_refused_in_one_line(importer, raw):
    importer.check(raw)


def test_every_base_file_imports_so_mutants_start_from_valid_files(tmp_path):
    code, err = run_import(*BASE_FILES)

    assert (code, err) == (0, "")
    assert Article.objects.count() == len(BASE_FILES)


# --- Duplicate keys --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("front_matter", "reason"),
    [
        ("title: A\nwebUrl: https://e.org/1\ntitle: B\n", "duplicate key 'title' at line 4"),
        ("title: A\nwebUrl: https://e.org/1\nprovider:\n  name: P\n  name: Q\n", "duplicate key 'name' at line 6"),
        ("title: A\nwebUrl: https://e.org/1\nrelated:\n  - {title: R, title: S}\n", "duplicate key 'title' at line 5"),
        ("title: A\nwebUrl: https://e.org/1\n'webUrl': https://e.org/2\n", "duplicate key 'webUrl' at line 4"),
    ],
)
def test_a_key_given_twice_is_refused_with_its_line(write_seed, front_matter, reason):
    path = write_seed(front_matter)

    code, err = run_import(path)

    assert refusal(path, code, err) == reason
    assert not Article.objects.exists()


def test_merge_keys_may_repeat_a_merged_key_without_being_a_duplicate(write_seed):
    path = write_seed(
        "title: A\nwebUrl: https://e.org/1\nbase: &base {a: 1, b: 2}\n"
        "child: {<<: *base, a: 3}\ngrandchild: {<<: &inner {<<: *base, a: 3}, b: 4}\nagain: *inner\n"
    )

    code, err = run_import(path)

    assert (code, err) == (0, "")
    extra = Article.objects.get().extra
    assert extra["child"] == extra["again"] == {"a": 3, "b": 2}


# --- Column lengths --------------------------------------------------------------------------------

# Every character column the importer fills from a file: (where in the file, model, field, length).
# Values are made of "é" so that PostgreSQL, which counts characters, is held to characters, not bytes.
TEXT_COLUMNS = [
    ("title", Article, "title", 500),
    ("category", Article, "category", 100),
    ("type", Article, "item_type", 50),
    ("provider.name", Provider, "name", 200),
    ("provider.domain", Provider, "domain", 253),
    ("topics[0]", Topic, "name", 200),
    ("related[0].title", RelatedLink, "title", 500),
    ("related[0].type", RelatedLink, "item_type", 50),
    ("related[0].provider.name", Provider, "name", 200),
    ("related[0].provider.domain", Provider, "domain", 253),
]
URL_COLUMNS = [
    ("webUrl", Article, "web_url"),
    ("originalUrl", Article, "original_url"),
    ("ampWebUrl", Article, "amp_web_url"),
    ("cdnAmpWebUrl", Article, "cdn_amp_web_url"),
    ("images[0].url", ArticleImage, "url"),
    ("provider.images[0].url", ProviderLogo, "url"),
    ("related[0].webUrl", RelatedLink, "web_url"),
    ("related[0].ampWebUrl", RelatedLink, "amp_web_url"),
    ("related[0].cdnAmpWebUrl", RelatedLink, "cdn_amp_web_url"),
    ("related[0].images[0].url", RelatedLinkImage, "url"),
]
BASE_DOCUMENT = {
    "title": "T",
    "webUrl": "https://e.org/article",
    "provider": {"name": "P", "domain": "p.example"},
    "related": [{"title": "R", "provider": {"name": "Q", "domain": "q.example"}}],
}


def document_with(where: str, value: str) -> dict:
    data = json.loads(json.dumps(BASE_DOCUMENT))
    path = tuple(int(part) if part.isdigit() else part for part in where.replace("[", ".").replace("]", "").split("."))
    set_at(data, path, value)
    return data


def stored_values(model, field: str) -> list:
    return list(model.objects.values_list(field, flat=True))


@pytest.mark.parametrize(("where", "model", "field", "length"), TEXT_COLUMNS, ids=[c[0] for c in TEXT_COLUMNS])
def test_text_at_its_column_length_is_stored_whole_and_one_longer_is_refused(tmp_path, where, model, field, length):
    assert model._meta.get_field(field).max_length == length
    fits, too_long = tmp_path / "fits.md", tmp_path / "too-long.md"
    fits.write_bytes(seed_bytes(document_with(where, "é" * length), ""))
    too_long.write_bytes(seed_bytes(document_with(where, "é" * (length + 1)), ""))

    assert run_import(fits) == (0, "")
    assert "é" * length in stored_values(model, field)
    before = row_counts()
    reason = refusal(too_long, *run_import(too_long))
    assert f"longer than {length}" in reason
    assert row_counts() == before


@pytest.mark.parametrize(("where", "model", "field"), URL_COLUMNS, ids=[c[0] for c in URL_COLUMNS])
def test_a_url_at_its_column_length_is_stored_whole_and_one_longer_is_not(tmp_path, where, model, field):
    length = model._meta.get_field(field).max_length
    fits, too_long = tmp_path / "fits.md", tmp_path / "too-long.md"
    url = "https://e.org/" + "a" * (length - len("https://e.org/"))
    fits.write_bytes(seed_bytes(document_with(where, url), ""))
    too_long.write_bytes(seed_bytes(document_with(where, url + "a"), ""))

    assert run_import(fits) == (0, "")
    assert url in stored_values(model, field)
    before = row_counts()
    reason = refusal(too_long, *run_import(too_long))
    assert "longer than 2,000 characters" in reason
    assert row_counts() == before


def test_a_web_url_is_held_to_2000_bytes_so_that_postgresql_can_index_it(tmp_path):
    # PostgreSQL's unique index on web_url takes entries of at most 2,704 bytes (after compression):
    # 1,986 CJK characters that do not repeat are about 6,000 bytes that do not compress.
    rng = random.Random(6)
    fits = "https://e.org/" + "".join(chr(rng.randrange(0x4E00, 0x9FFF)) for _ in range(662))
    too_big = "https://e.org/" + "".join(chr(rng.randrange(0x4E00, 0x9FFF)) for _ in range(1986))
    assert len(fits.encode()) == 2000
    paths = [tmp_path / "fits.md", tmp_path / "too-big.md"]
    paths[0].write_bytes(seed_bytes({"title": "T", "webUrl": fits}, ""))
    paths[1].write_bytes(seed_bytes({"title": "T", "originalUrl": too_big}, ""))

    assert run_import(paths[0]) == (0, "")
    reason = refusal(paths[1], *run_import(paths[1]))

    assert Article.objects.get().web_url == fits
    assert (
        reason == "originalUrl takes 5,972 bytes in UTF-8; an article's URL may take at most 2,000 (percent-encode it)"
    )


def test_a_topic_that_case_folds_longer_than_its_column_is_refused(write_seed):
    path = write_seed("title: T\nwebUrl: https://e.org/1\ntopics: [" + "ß" * 150 + "]")

    reason = refusal(path, *run_import(path))

    assert reason == "topics[0] is longer than 200 characters once case-folded"
    assert not Topic.objects.exists()


def test_a_provider_without_a_name_is_named_by_its_domain_cut_to_the_name_column(write_seed):
    domain = "d" * 63 + "." + "e" * 63 + "." + "f" * 63 + "." + "g" * 61
    assert len(domain) == 253
    path = write_seed(f"title: T\nwebUrl: https://e.org/1\nprovider: {{domain: {domain}}}")

    assert run_import(path) == (0, "")

    provider = Provider.objects.get()
    assert (provider.domain, provider.name) == (domain, domain[:200])
    assert Article.objects.get().provider_data == {"domain": domain}


def test_long_titles_domains_and_topics_give_slugs_that_fit_their_columns(write_seed):
    run_import(
        write_seed(
            f"title: {'Long title ' * 45}\nwebUrl: https://e.org/1\n"
            f"provider: {{name: P, domain: {'a' * 249}.com}}\ntopics: ['{'topic ' * 33}']"
        )
    )

    article = Article.objects.get()
    assert len(article.slug) <= Article._meta.get_field("slug").max_length
    assert len(article.provider.slug) <= Provider._meta.get_field("slug").max_length
    assert len(article.topics.get().slug) <= Topic._meta.get_field("slug").max_length


def test_a_slug_cut_to_its_length_never_ends_in_a_hyphen(write_seed):
    # Slugs "a-12-12-...": cut at 80 (articles) and at 200 characters (providers, topics), each cut
    # falls just after a hyphen. "½" becomes "12": the topic's name is short enough for its column.
    words = "a" + "-½" * 67
    run_import(
        write_seed(f"title: {words}\nwebUrl: https://e.org/1\nprovider: {{domain: {words}.com}}\ntopics: [{words}]")
    )

    article = Article.objects.get()
    assert [len(slug) for slug in (article.slug, article.provider.slug, article.topics.get().slug)] == [79, 199, 199]
    assert not any(slug.endswith("-") for slug in (article.slug, article.provider.slug, article.topics.get().slug))


def test_an_article_gets_the_same_slug_from_its_title_whether_imported_or_saved(write_seed):
    title = "Ça va? Großes «Café» — 2026 édition!"
    run_import(write_seed(f"title: '{title}'\nwebUrl: https://e.org/1"))
    saved = Article.objects.create(title=title, web_url="https://e.org/2")

    assert Article.objects.get(web_url="https://e.org/1").slug == saved.slug == "ca-va-groes-cafe-2026-edition"


@pytest.mark.parametrize(
    ("field", "value", "accepted"),
    [
        ("quality", 2**31 - 1, True),
        ("quality", 2**31, False),
        ("heat", -(2**31), True),
        ("heat", -(2**31) - 1, False),
        ("images[0].width", 2**31 - 1, True),
        ("images[0].width", 2**31, False),
        ("images[0].height", 0, True),
        ("images[0].height", -1, False),
        ("related[0].quality", 2**31 - 1, True),
        ("related[0].quality", -(2**31) - 1, False),
    ],
)
def test_whole_numbers_are_held_to_the_integer_columns(tmp_path, field, value, accepted):
    path = tmp_path / "numbers.md"
    path.write_bytes(seed_bytes(document_with(field, value), ""))

    code, err = run_import(path)

    if accepted:
        assert (code, err) == (0, "")
    else:
        assert "out of range" in refusal(path, code, err)
        assert not Article.objects.exists()


def test_a_path_longer_than_its_column_keeps_its_last_1000_characters(tmp_path, write_seed):
    directory = tmp_path
    while len(str(directory)) < 1100:
        directory = directory / ("d" * 200)
    directory.mkdir(parents=True)
    path = directory / "seed.md"
    path.write_bytes(write_seed("title: T\nwebUrl: https://e.org/1").read_bytes())

    assert run_import(path) == (0, "")

    assert Article.objects.get().source_file == str(path)[-1000:]
    assert SeedFile.objects.get().path == str(path)[-1000:]


# --- Limits ------------------------------------------------------------------------------------------


def numbered(template: str, number: int) -> str:
    return ", ".join(template.format(n=n) for n in range(number))


LIMITS = [
    # (flag, default, front matter holding n of what the flag limits)
    ("max_related", 100, lambda n: f"related: [{numbered('{{title: R{n}}}', n)}]"),
    ("max_images", 50, lambda n: f"images: [{numbered('{{url: https://i.example/{n}.jpg}}', n)}]"),
    ("max_images", 50, lambda n: f"related: [{{title: R, images: [{numbered('{{url: https://i.e/{n}}}', n)}]}}]"),
    ("max_images", 50, lambda n: f"provider: {{domain: p.e, images: [{numbered('{{url: https://i.e/{n}}}', n)}]}}"),
    ("max_topics", 50, lambda n: f"topics: [{numbered('Topic {n}', n)}]"),
    # A list in a list in a list...: the innermost at depth n below the front matter.
    ("max_depth", 20, lambda n: "deep: " + "[" * n + "]" * n),
]


@pytest.mark.parametrize(("flag", "default", "holding"), LIMITS, ids=lambda v: v if isinstance(v, str) else "")
@pytest.mark.parametrize("limit", [None, 3])
def test_each_limit_accepts_its_value_and_refuses_one_more(write_seed, flag, default, holding, limit):
    options = {flag: limit} if limit else {}
    limit = limit or default
    assert getattr(Limits(), flag) == default
    at_limit = write_seed("title: T\nwebUrl: https://e.org/at\n" + holding(limit))
    over = write_seed("title: T\nwebUrl: https://e.org/over\n" + holding(limit + 1))

    assert run_import(at_limit, **options) == (0, "")
    before = row_counts()
    reason = refusal(over, *run_import(over, **options))
    assert str(limit) in reason
    assert row_counts() == before


@pytest.mark.parametrize("limit", [1000, 1024 * 1024])
def test_a_file_of_exactly_max_bytes_is_accepted_and_one_byte_more_is_refused(tmp_path, limit):
    # The filler is a YAML comment: a body is bounded far lower (articles/rendering.py, MAX_BODY_CHARS).
    head, tail = b"---\ntitle: T\nwebUrl: https://e.org/at\n# ", b"\n---\n"
    at_limit, over = tmp_path / "at.md", tmp_path / "over.md"
    at_limit.write_bytes(head + b"x" * (limit - len(head) - len(tail)) + tail)
    over.write_bytes(head.replace(b"/at", b"/ov") + b"x" * (limit + 1 - len(head) - len(tail)) + tail)
    options = {"max_bytes": limit} if limit != 1024 * 1024 else {}

    assert run_import(at_limit, **options) == (0, "")
    assert f"larger than the limit of {limit:,} bytes" in refusal(over, *run_import(over, **options))
    assert Article.objects.count() == 1


def test_front_matter_of_more_than_20000_values_is_refused(write_seed):
    fits = write_seed("title: T\nwebUrl: https://e.org/1\nx: [" + ", ".join(["1"] * 19_990) + "]")
    too_many = write_seed("title: T\nwebUrl: https://e.org/2\nx: [" + ", ".join(["1"] * 20_000) + "]")

    assert run_import(fits) == (0, "")
    assert "more than 20,000 values" in refusal(too_many, *run_import(too_many))


# --- Memory and time ---------------------------------------------------------------------------------

MEGABYTE = 1024 * 1024 - 200
HEAD = "---\ntitle: T\nwebUrl: https://e.org/{n}\n"
ADVERSARIAL = {
    "flow list": "x: [" + "a," * (MEGABYTE // 2) + "a]\n",
    "block list": "x:\n" + "- a\n" * (MEGABYTE // 4),
    "flow mapping": "x: {" + ", ".join(f"k{n}: 1" for n in range(MEGABYTE // 12)) + "}\n",
    "many keys": "".join(f"k{n}: 1\n" for n in range(MEGABYTE // 11)),
    "alias bomb (10^9 values)": alias_bomb(9, 10)[0],
    "alias bomb, wide (100^4 values)": alias_bomb(4, 100)[0],
    "merge fan-out": "m0: &m0 {a: 1}\n"
    + "".join(f"m{n}: &m{n} {{<<: [{', '.join([f'*m{n - 1}'] * 50)}], k{n}: 1}}\n" for n in range(1, 200)),
    "nesting at libyaml's limit": "x: " + "[" * 998 + "]" * 998 + "\n",
    "nesting past libyaml's limit": "x: " + "[" * 5000 + "]" * 5000 + "\n",
    "long string": "x: " + "y" * MEGABYTE + "\n",
    "long mojibake excerpt": "excerpt: '" + "Ã©" * (MEGABYTE // 4) + "'\n",
    "base-60 integer": "x: 1" + ":59" * (MEGABYTE // 3) + "\n",
    "long float": "x: " + "1" * MEGABYTE + ".5\n",
}


@pytest.mark.parametrize("case", sorted(ADVERSARIAL))
def test_a_megabyte_of_adversarial_yaml_costs_little_memory_and_never_hangs(tmp_path, case):
    """Memory is bounded here; time only by the hang guard (EXAMPLE_SECONDS): a wall-clock bound failed on a
    loaded machine with nothing wrong (6 s against 5 s), so how fast is the benchmarks' business, not the suite's."""
    path = tmp_path / "adversarial.md"
    path.write_text(HEAD.format(n=len(case)) + ADVERSARIAL[case] + "---\n", encoding="utf-8")
    assert path.stat().st_size <= 1024 * 1024
    before = row_counts()

    tracemalloc.start()
    try:
        with time_limit(EXAMPLE_SECONDS):
            code, err = run_import(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < 64 * 2**20, f"peak {peak / 2**20:.0f} MB"
    if code:
        refusal(path, code, err)
        assert row_counts() == before


def test_dates_out_of_range_in_utc_are_refused(write_seed):
    path = write_seed("title: T\nwebUrl: https://e.org/1\npublishedDateTime: 0001-01-01T00:00:00+05:00")

    assert "out of range" in refusal(path, *run_import(path))


def test_a_one_line_reason_escapes_line_breaks_in_keys_it_quotes(write_seed):
    path = write_seed('title: T\nwebUrl: https://e.org/1\n"two\\nlines": ' + "[" * 30 + "]" * 30)

    reason = refusal(path, *run_import(path))

    assert reason.startswith("two\\nlines[0]")


FORGING_NAME = "forged\n\x1b[31mERROR.md"  # a second line, in red, if printed as it is
FORGING_NAME_SHOWN = "forged\\n\\x1b[31mERROR.md"


def test_a_file_named_with_a_line_break_and_an_escape_sequence_is_reported_escaped_on_one_line(tmp_path):
    path = tmp_path / FORGING_NAME
    path.write_bytes(b"no front matter")

    code, err = run_import(path)

    assert code == 1
    assert err == f"{tmp_path}/{FORGING_NAME_SHOWN}: no front matter: the first line must be '---'\n"
    assert not Article.objects.exists()


def test_a_conflict_in_a_file_named_with_a_line_break_is_listed_escaped_on_one_line(tmp_path, write_seed):
    call_command("import_seeds", str(write_seed("title: T\nwebUrl: https://e.org/1")), verbosity=0)
    Article.objects.update(edited_at=Article.objects.get().imported_at + timedelta(days=1))
    path = tmp_path / FORGING_NAME
    path.write_text("---\ntitle: Newer\nwebUrl: https://e.org/1\n---\n")

    out = StringIO()
    call_command("import_seeds", str(path), verbosity=2, stdout=out, stderr=StringIO())

    (line, summary) = out.getvalue().splitlines()
    assert line == f"{tmp_path}/{FORGING_NAME_SHOWN}: conflict: the article was edited in the admin; use --overwrite"
    assert "1 conflicts" in summary
    assert Article.objects.get().conflict_file == str(path)  # the path itself is kept as it is


def test_a_missing_path_named_with_a_line_break_is_named_escaped(tmp_path):
    with pytest.raises(CommandError) as refused:
        call_command("import_seeds", str(tmp_path / FORGING_NAME), verbosity=0)

    assert str(refused.value) == f"{tmp_path}/{FORGING_NAME_SHOWN}: no such file or directory"


def test_tagged_values_that_do_not_fit_their_tag_are_refused_at_their_line(write_seed):
    path = write_seed("title: T\nwebUrl: https://e.org/1\nwhen: !!timestamp soon")

    assert refusal(path, *run_import(path)) == "YAML error at line 4, column 7: 'soon' is not a valid date"


def test_providers_and_topics_whose_names_make_one_slug_each_get_their_own_across_runs(write_seed):
    # "a.b", "a-b" and "a--b" all slugify to "a-b"; so do "C++" and "C" to "c" (and "c-2" to itself).
    for number, (domain, topic) in enumerate([("a.b", "C"), ("a-b", "C++"), ("a--b", "C#"), ("A_B", "c-2")]):
        path = write_seed(
            f"title: T\nwebUrl: https://e.org/{number}\nprovider: {{domain: {domain}}}\ntopics: ['{topic}']"
        )
        assert run_import(path) == (0, "")

    assert sorted(Provider.objects.values_list("slug", flat=True)) == ["a-b", "a-b-2", "a-b-3", "a_b"]
    assert sorted(Topic.objects.values_list("slug", flat=True)) == ["c", "c-2", "c-2-2", "c-3"]


def test_a_file_the_database_refuses_costs_that_file_alone(write_seed):
    # On PostgreSQL, an excerpt of a megabyte of distinct words overflows the search index's
    # tsvector (at most 1 MB; migration 0003): the database refuses the row. The batch
    # is rolled back and written again one file at a time, so only that file fails.
    # (An excerpt: a body is bounded far lower, articles/rendering.py.)
    rng = random.Random(7)
    words = " ".join("".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=9)) for _ in range(100_000))
    big = write_seed(f"title: Big\nwebUrl: https://e.org/big\nexcerpt: {words}")
    neighbours = [write_seed(f"title: N{n}\nwebUrl: https://e.org/{n}") for n in range(3)]

    code, err = run_import(neighbours[0], big, *neighbours[1:])

    assert Article.objects.filter(title__startswith="N").count() == 3
    if code:
        assert err.count("\n") == 1
        assert err.startswith(f"{big}: the database refused it: ")
        assert not Article.objects.filter(title="Big").exists()
    else:
        assert Article.objects.get(title="Big").excerpt == words


def test_a_provider_with_a_non_ascii_capital_in_its_domain_is_found_again(write_seed):
    # SQLite's LOWER() leaves "À" alone, while Python lower-cases it: the domain must still match itself.
    for number in range(2):
        path = write_seed(f"title: T{number}\nwebUrl: https://e.org/{number}\nprovider: {{domain: À.example}}")
        assert run_import(path) == (0, "")

    assert Provider.objects.get().domain == "À.example"
    assert Article.objects.filter(provider__domain="À.example").count() == 2
