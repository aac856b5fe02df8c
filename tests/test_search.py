"""Search on both engines: the reader's query language, what matches, ranking, the index kept in step, the page.

Everything here runs on SQLite (FTS5) and on PostgreSQL (tsvector) alike, so
the labelled relevance set below pins the same results on both.
"""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles import ranking, search
from articles.models import Article, Topic
from tests.support.factories import make_provider, make_published_article, make_topic

pytestmark = pytest.mark.django_db

SEARCH = reverse("articles:search")
FTS5_SYNTAX = ['"', "*", "AND", "NEAR(", "^", "title:", "OR", "NOT", "-", "(", ")", "+", "{title}:x", ":", "'", "\\"]


def titles(response) -> list[str]:
    return [article.title for article in response.context["articles"]]


def found(text: str) -> list[str]:
    """Titles of the live articles matching ``text``, best first, as the search page ranks them."""
    matches = ranking.search(Article.objects.published(), text)
    return [article.title for article in ranking.order_by_relevance(matches, text)]


def assert_index_intact() -> None:
    """SQLite: FTS5's own check that its index holds exactly the stored text (it raises otherwise)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {search.TABLE} ({search.TABLE}, rank) VALUES ('integrity-check', 1)")  # noqa: S608


def index_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {search.TABLE}")  # noqa: S608
        return cursor.fetchone()[0]


# -- The reader's query language -----------------------------------------------------------------


def test_words_phrases_exclusions_and_alternatives_are_read_as_websearch_does():
    query = search.parse('"power apps" preview -retired OR solar')
    first, second = query.groups
    assert first.include == (search.Phrase(("power", "apps")), search.Phrase(("preview",)))
    assert first.exclude == (search.Phrase(("retired",)),)
    assert second.include == (search.Phrase(("solar",), prefix=True),)


def test_only_a_bare_last_word_of_three_letters_or_more_may_be_a_prefix():
    assert search.parse("climate regul").wanted[-1].prefix
    assert not search.parse("climate AI").wanted[-1].prefix
    assert not search.parse('climate "regul"').wanted[-1].prefix
    assert not search.parse("regul -climate").wanted[0].prefix


def test_words_joined_by_punctuation_are_a_phrase():
    assert search.parse("microsoft.com").wanted == [search.Phrase(("microsoft", "com"), prefix=True)]


@pytest.mark.parametrize("text", ["-", "- -", '""', "OR", "or OR", "*", "^", "()", "-preview -retired"])
def test_text_with_nothing_to_look_for_is_an_empty_search(text):
    assert not search.parse(text)


def test_a_search_of_excluded_words_only_says_so():
    assert search.parse("-preview").excluded_only
    assert not search.parse("-").excluded_only


@pytest.mark.parametrize("text", [*FTS5_SYNTAX, 'title:x NEAR(a b) ^c "d AND e* OR -f', "{a b}: c:d"])
def test_the_fts5_expression_quotes_every_word_of_the_reader(text):
    query = search.parse(text)
    outside_quotes = re.sub(r'"[^"]*"', "", query.fts5(prefixes=True))
    assert set(re.findall(r"[^\s()*]+", outside_quotes)) <= {"AND", "OR", "NOT"}


# -- What matches: the labelled relevance set, on both engines -----------------------------------------


@pytest.fixture
def newsroom():
    """A small archive whose searches have known answers."""
    microsoft, reuters = make_provider("Microsoft", "microsoft.com"), make_provider("Reuters", "reuters.com")
    stories = [
        ("Power Apps gets a new preview", "Microsoft opens a preview of the low-code tool.", "", microsoft, ["Power Apps"], 2),
        ("Solar power plant opens in the desert", "The plant will power 40,000 homes.", "", reuters, ["Energy"], 3),
        ("Apps that save power on your phone", "Small settings, longer days.", "", None, [], 1),
        ("A powerful storm hits the coast", "Winds reached 150 km/h overnight.", "", reuters, ["Climate"], 1),
        ("Regulators approve new rules", "The AI act takes effect next year.", "", reuters, ["AI", "Regulation"], 5),
        ("Minister said the line is available again", "Officials said trains run on time.", "", None, [], 1),
        ("Café culture returns to Vienna", "Coffee houses reopen their doors.", "", None, [], 4),
        ("Quarterly results", "Revenue grew in every region.", "Cloud revenue rose again.", microsoft, ["Cloud"], 6),
        ("Battery breakthrough announced", "Researchers report denser cells.", "", None, [], 20),
        ("New phone review", "Long battery life and a bright screen.", "", None, [], 20),
        ("Weekend reading", "Stories from the week.", "One of them: battery recycling at scale.", None, [], 0),
        ("Wind farm expansion", "Offshore turbines double output.", "", reuters, ["Energy"], 2),
    ]  # fmt: skip
    for title, excerpt, body, provider, topics, days in stories:
        make_published_article(
            title, excerpt=excerpt, body=body, provider=provider, topics=topics, age=timedelta(days=days, hours=1)
        )
    make_published_article("Power Apps leak", excerpt="A draft.", status=Article.Status.DRAFT)


# query, the results that must come first (in order), others that must come back, ones that must not
RELEVANCE = [
    ("power", [], {"Power Apps gets a new preview", "Solar power plant opens in the desert", "Apps that save power on your phone"}, {"A powerful storm hits the coast", "Power Apps leak"}),
    ("power -preview", [], {"Solar power plant opens in the desert", "Apps that save power on your phone"}, {"Power Apps gets a new preview"}),
    ('"power apps"', ["Power Apps gets a new preview"], set(), {"Apps that save power on your phone"}),
    ("AI", ["Regulators approve new rules"], set(), {"Minister said the line is available again"}),
    ("cafe", ["Café culture returns to Vienna"], set(), set()),
    ("CAFÉ", ["Café culture returns to Vienna"], set(), set()),
    ("Microsoft", ["Power Apps gets a new preview", "Quarterly results"], set(), set()),
    ("solar OR wind", [], {"Solar power plant opens in the desert", "Wind farm expansion"}, {"Apps that save power on your phone"}),
    ("energy", [], {"Solar power plant opens in the desert", "Wind farm expansion"}, set()),
    ("regul", ["Regulators approve new rules"], set(), set()),
    ("battery", ["Battery breakthrough announced", "New phone review", "Weekend reading"], set(), set()),
    ("storm coast", ["A powerful storm hits the coast"], set(), set()),
]  # fmt: skip


@pytest.mark.parametrize(("query", "first", "also", "never"), RELEVANCE, ids=[row[0] for row in RELEVANCE])
def test_the_labelled_relevance_set(newsroom, query, first, also, never):
    results = found(query)
    assert results[: len(first)] == first
    assert also <= set(results)
    assert not never & set(results)


def test_a_word_in_the_title_or_excerpt_weeks_ago_ranks_above_a_mention_in_a_body_today(newsroom):
    assert found("battery")[-1] == "Weekend reading"  # today; the other two are 20 days old


def test_a_headline_match_from_last_year_ranks_above_a_body_mention_today():
    make_published_article("Weekly digest", body="Among other things, the glacier retreat.", age=timedelta(hours=1))
    make_published_article("Glacier retreat measured", age=timedelta(days=365))
    assert found("glacier") == ["Glacier retreat measured", "Weekly digest"]


def test_among_equal_matches_the_newer_comes_first():
    make_published_article("Harbour news", age=timedelta(days=30))
    make_published_article("Harbour news", age=timedelta(days=1), excerpt="Summary two.")
    results = list(ranking.order_by_relevance(ranking.search(Article.objects.published(), "harbour"), "harbour"))
    assert results[0].excerpt == "Summary two."


def test_a_search_with_no_results_says_so_about_the_search(client, newsroom):
    page = client.get(SEARCH, {"q": "zeppelin"}).content.decode()
    assert "No stories match “zeppelin”." in page
    assert "these filters" not in page


def test_a_search_of_excluded_words_only_explains_what_is_missing(client, newsroom):
    page = client.get(SEARCH, {"q": "-preview"}).content.decode()
    assert "Nothing to look for in “-preview”." in page


def test_every_example_in_the_help_text_does_what_the_help_text_says(client, newsroom):
    make_published_article("Power Apps in practice")
    make_published_article("Wind and solar auctions")
    make_published_article("Cafe society", excerpt="Another café story.")
    help_page = client.get(SEARCH).content.decode()
    examples = re.findall(r"<q>([^<]+)</q>", help_page)
    assert examples == ["cafe", '"power apps"', "-preview", "OR", "solar OR wind", "regul"]
    assert "Café culture returns to Vienna" in found("cafe")
    assert set(found('"power apps"')) == {"Power Apps gets a new preview", "Power Apps in practice"}
    assert "Power Apps gets a new preview" not in found("power -preview")
    assert {"Wind farm expansion", "Solar power plant opens in the desert"} <= set(found("solar OR wind"))
    assert found("regul") == ["Regulators approve new rules"]


# -- Any input is a valid search ----------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        *FTS5_SYNTAX,
        '"unclosed',
        "'; DROP TABLE articles_article; --",
        "%_\\",
        "ünïcödé ✓",
        "a" * 200,
        "NEAR(power apps, 2)",
        "title:power",
        "power*",
        "^power",
        "power AND NOT apps",
        "\x00",
    ],
)
def test_odd_search_words_never_break_the_page(client, newsroom, query):
    assert client.get(SEARCH, {"q": query}).status_code == 200


SYNTAX_HEAVY = st.lists(
    st.sampled_from([*"\"*-()^:+{}'\\ é.,", "AND", "OR", "NOT", "NEAR", "power", "x"]), max_size=30
).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(st.text(max_size=200), SYNTAX_HEAVY))
def test_any_text_is_a_valid_search(client, newsroom, text):
    for ordering in ("relevance", "newest"):
        assert client.get(SEARCH, {"q": text, "ordering": ordering}).status_code == 200


def test_an_overlong_search_gets_a_readable_error(client):
    response = client.get(SEARCH, {"q": "word " * 60})
    assert response.status_code == 200
    assert "Ensure this value has at most 200 characters" in response.content.decode()


# -- Highlighted snippets ---------------------------------------------------------------------------


def test_results_show_the_passage_with_the_words_marked(client, newsroom):
    page = client.get(SEARCH, {"q": "battery"}).content.decode()
    assert "Long <mark>battery</mark> life and a bright screen." in page
    assert "One of them: <mark>battery</mark> recycling at scale." in page


def test_snippets_escape_the_article_text(client):
    make_published_article("Tags story", excerpt='<script>alert(1)</script> power <mark>x</mark> &lt;b&gt; "q"')
    page = client.get(SEARCH, {"q": "power"}).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>power</mark> &lt;mark&gt;x&lt;/mark&gt; &lt;b&gt;" in page
    assert "<script>alert" not in page


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=400), words=st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=3))
def test_a_snippet_is_escaped_text_with_marks_only(text, words):
    query = search.parse(" ".join(words))
    marked = search.snippet(text, query) if query else None
    if marked is not None:
        assert marked.count("<mark>") == marked.count("</mark>") >= 1
        assert not set("<>\"'") & set(re.sub(r"</?mark>", "", marked))


# -- Keeping the index in step ----------------------------------------------------------------------


def test_edits_topics_and_deletions_reach_the_index():
    article = make_published_article("Original headline")
    article.title = "Rewritten about volcanoes"
    article.save()
    assert found("volcanoes") == ["Rewritten about volcanoes"]
    assert found("original") == []
    article.topics.add(make_topic("Geology"))
    assert found("geology") == ["Rewritten about volcanoes"]
    article.topics.clear()
    assert found("geology") == []
    make_topic("Geology").articles.add(article)
    assert found("geology") == ["Rewritten about volcanoes"]
    article.delete()
    assert found("volcanoes") == []
    assert index_rows() == 0
    assert_index_intact()


def test_renaming_a_provider_or_a_topic_or_deleting_a_topic_reaches_its_articles():
    provider = make_provider("Old Wire", "wire.example")
    make_published_article("Story", provider=provider, topics=["Rivers"])
    provider.name = "Fresh Wire"
    provider.save()
    assert found("fresh") == ["Story"]
    assert found("old") == []
    topic = Topic.objects.get(name="Rivers")
    topic.name = "Lakes"
    topic.save()
    assert found("lakes") == ["Story"]
    assert found("rivers") == []
    topic.delete()
    assert found("lakes") == []
    assert_index_intact()


def test_rows_written_without_the_orm_are_found_once_refreshed():
    article = make_published_article("Plain title")
    Article.objects.filter(pk=article.pk).update(title="Glacier report")  # no signal, as the importer's SQL
    assert found("glacier") == []
    assert found("plain") == ["Glacier report"]  # stale until refreshed
    search.refresh_search_index([article.pk])
    assert found("glacier") == ["Glacier report"]
    assert found("plain") == []
    assert_index_intact()


def test_refreshing_an_article_that_is_gone_takes_it_out_of_the_index():
    article = make_published_article("Passing story")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM articles_article_topics WHERE article_id = %s", [article.pk])
        cursor.execute("DELETE FROM articles_articleimage WHERE article_id = %s", [article.pk])
        cursor.execute("DELETE FROM articles_article WHERE id = %s", [article.pk])
    assert index_rows() == 1
    search.refresh_search_index([article.pk])
    assert index_rows() == 0


def test_a_new_publication_date_moves_the_article_in_the_newest_ordering(client):
    older = make_published_article("Tide tables", age=timedelta(days=3))
    make_published_article("Tide warning", age=timedelta(days=1))
    older.published_at = timezone.now()
    older.save()
    assert titles(client.get(SEARCH, {"q": "tide", "ordering": "newest"})) == ["Tide tables", "Tide warning"]


def test_seed_files_are_found_once_their_articles_are_refreshed(imported_fixtures):
    search.refresh_search_index(Article.objects.values_list("pk", flat=True))
    results = found("dataverse")
    assert results
    for article in Article.objects.published().filter(title__in=results):
        assert "dataverse" in (article.title + article.excerpt + article.body).casefold()


def test_the_issues_examples_on_the_seed_fixtures(imported_fixtures):
    search.refresh_search_index(Article.objects.values_list("pk", flat=True))
    live = Article.objects.published()

    def ids(text):
        return set(ranking.search(live, text).values_list("pk", flat=True))

    assert ids("power -preview")
    assert ids("power -preview") < ids("power")
    assert ids("cafe") == ids("café") != set()
    microsoft = set(live.filter(provider__name="Microsoft").values_list("pk", flat=True))
    assert microsoft
    assert microsoft <= ids("Microsoft")
    for article in live.filter(pk__in=ids("AI")):
        words = search.WORD.findall(" ".join([article.title, article.excerpt, article.body]).casefold())
        assert "ai" in words or article.topics.filter(name__iexact="AI").exists()


def test_the_seed_import_keeps_the_index_in_step(imported_fixtures):
    assert found("dataverse")


def test_the_rebuild_command_indexes_every_article_and_reports_progress():
    for number in range(7):
        make_published_article(f"Rebuilt story {number}")
    Article.objects.update(title="Meteor shower")  # behind the index's back
    out = StringIO()
    call_command("rebuild_search_index", "--chunk-size", "3", stdout=out)
    progress = [line.split(" (")[0] for line in out.getvalue().splitlines()[:-1]]
    assert progress == ["Indexed 3 of 7 articles", "Indexed 6 of 7 articles", "Indexed 7 of 7 articles"]
    assert "Search index rebuilt: 7 articles" in out.getvalue()
    assert len(found("meteor")) == 7
    assert index_rows() == 7


def test_migrating_indexes_the_articles_already_there(transactional_db):
    def migrate(targets):
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    old_apps = migrate([("articles", "0006_provider_key")])
    try:
        old_apps.get_model("articles", "Article").objects.create(
            title="Aurora seen far south", slug="aurora", web_url="https://e.org/a", status="published"
        )
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert found("aurora") == ["Aurora seen far south"]


# -- Cost at scale ---------------------------------------------------------------------------------


def bulk_articles(count: int, word: str = "council") -> None:
    Article.objects.bulk_create(
        Article(
            title=f"Filler story {number}",
            slug="filler",
            excerpt=f"Routine {word} business and weather.",
            body="Nothing of note. " * 20,
            web_url=f"https://filler.example/{number}",
            status=Article.Status.PUBLISHED,
            published_at=timezone.now() - timedelta(minutes=number),
        )
        for number in range(count)
    )
    search.rebuild_search_index()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
@pytest.mark.parametrize("query", ["needle", "council", "council -weather", "needle OR council"])
def test_searching_never_scans_the_article_table_on_sqlite(client, query):
    bulk_articles(3000)
    make_published_article("Needle in the haystack")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(SEARCH, {"q": query}).status_code == 200
    searching = [q for q in queries.captured_queries if search.TABLE in q["sql"]]
    assert searching
    with connection.cursor() as cursor:
        for captured in searching:
            cursor.execute(f"EXPLAIN QUERY PLAN {captured['sql']}")
            plan = [row[3] for row in cursor.fetchall()]
            assert not [step for step in plan if step.startswith("SCAN articles_article")], plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's GIN index")
def test_full_text_search_uses_the_gin_index_on_postgresql():
    bulk_articles(3000)
    make_published_article("Needle in the haystack")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        # Sequential scans off, so that the plan does not depend on this small table's statistics.
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = ranking.search(Article.objects.all(), "needle").order_by().values("pk").explain()
    assert f"{search.TABLE}_document" in plan, plan
    assert found("needle") == ["Needle in the haystack"]


def test_search_works_inside_a_subquery_where_the_article_table_is_renamed():
    wanted = make_published_article("Lighthouse keepers return")
    make_published_article("Harbour news")
    matches = ranking.search(Article.objects.published(), "lighthouse").values("pk")
    assert list(Article.objects.filter(pk__in=matches)) == [wanted]
    assert list(Article.objects.exclude(pk__in=matches).values_list("title", flat=True)) == ["Harbour news"]


# -- The page: ranking window, filters, paging -----------------------------------------------------


def test_search_ranks_a_match_in_the_title_above_one_in_the_body(client):
    make_published_article("Council budget approved", body="Nothing about trains here.")
    make_published_article("Weather update", body="Later the council discussed railway timetables.")
    make_published_article("Railway timetables change in spring", body="Trains run later.")
    response = client.get(SEARCH, {"q": "railway timetables"})
    assert titles(response) == ["Railway timetables change in spring", "Weather update"]
    assert response.context["filterset"].current_ordering == "relevance"


def test_search_matches_excerpts_and_needs_every_word(client):
    make_published_article("Story one", excerpt="Solar panels on school roofs")
    make_published_article("Story two", excerpt="Solar farms in the desert")
    assert titles(client.get(SEARCH, {"q": "solar school"})) == ["Story one"]
    assert sorted(titles(client.get(SEARCH, {"q": "solar"}))) == ["Story one", "Story two"]


def test_relevance_ranks_only_the_newest_window_of_matches(client, monkeypatch):
    monkeypatch.setattr(ranking, "SEARCH_WINDOW", 2)
    make_published_article("Old perfect tide tide tide match", age=timedelta(days=9))
    make_published_article("New tide story", age=timedelta(hours=1))
    make_published_article("Newer story", excerpt="tide", age=timedelta(minutes=5))
    assert titles(client.get(SEARCH, {"q": "tide"})) == ["New tide story", "Newer story"]
    assert len(titles(client.get(SEARCH, {"q": "tide", "ordering": "newest"}))) == 3


def test_without_filters_sqlite_looks_at_the_newest_matches_only(client, monkeypatch):
    monkeypatch.setattr(ranking, "SEARCH_NEWEST_MATCHES", 2)
    for days in (1, 2, 3):
        make_published_article(f"Ferry news {days}", age=timedelta(days=days))
    newest = titles(client.get(SEARCH, {"q": "ferry", "ordering": "newest"}))
    filtered = titles(client.get(SEARCH, {"q": "ferry", "ordering": "newest", "type": "article"}))
    assert filtered == ["Ferry news 1", "Ferry news 2", "Ferry news 3"]
    assert newest == (filtered[:2] if connection.vendor == "sqlite" else filtered)


def test_search_results_can_be_filtered_and_reordered(client):
    make_published_article("Battery story low", quality=10, topics=["Energy"])
    make_published_article("Battery story high", quality=90, topics=["Energy"])
    make_published_article("Battery story elsewhere", quality=95, topics=["Cars"])
    response = client.get(SEARCH, {"q": "battery", "topic": "energy", "ordering": "quality"})
    assert titles(response) == ["Battery story high", "Battery story low"]


def test_search_results_are_paginated_and_the_query_survives_paging(client):
    for number in range(25):
        make_published_article(f"Harbour report {number}")
    first = client.get(SEARCH, {"q": "harbour"})
    assert first.context["paginator"].count == 25
    assert len(titles(first)) == 20
    assert 'href="?q=harbour&amp;page=2"' in first.content.decode()
    second = client.get(SEARCH, {"q": "harbour", "page": "2"})
    assert len(titles(second)) == 5
    assert 'href="?q=harbour&amp;page=1"' in second.content.decode()


def test_search_finds_nothing_that_is_not_live(client):
    make_published_article("Glacier melt visible", status=Article.Status.DRAFT)
    make_published_article("Glacier melt expired", expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(SEARCH, {"q": "glacier"})
    assert titles(response) == []
    assert "No stories match “glacier”." in response.content.decode()
