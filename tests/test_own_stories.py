"""Stories of our own (issue 12): no web URL, a byline, dates set by publishing, uploaded pictures with
alt text, caption and credit, topics a writer types, and categories as one managed list."""

import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image as PillowImage

from articles import services
from articles.models import Article, ArticleAuthor, ArticleImage, Category, Topic
from tests.support.factories import make_published_article, make_user
from tests.support.forms import CHANGELIST, change_url, read_form

pytestmark = pytest.mark.django_db

Status = Article.Status
ADD_URL = reverse("admin:articles_article_add")
DC = "{http://purl.org/dc/elements/1.1/}"
ATOM = "{http://www.w3.org/2005/Atom}"


def png(name="photo.png", size=(40, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    PillowImage.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def own_story(title="Our own story", **fields) -> Article:
    return Article.objects.create(title=title, body="Reported by us.", **fields)


def publish(article, by=None, **kwargs):
    services.article_publish(article=article, by=by or make_user("editor"), **kwargs)
    article.refresh_from_db()
    return article


def json_ld(response) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S)
    return json.loads(match.group(1))


# The web URL


def test_two_stories_of_our_own_have_no_web_url_and_do_not_collide():
    first, second = own_story("First"), own_story("Second")
    assert first.web_url is None
    assert second.web_url is None
    assert first.is_own
    assert second.is_own


def test_imported_web_urls_stay_unique():
    Article.objects.create(title="A", web_url="https://e.org/1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.create(title="B", web_url="https://e.org/1")


def test_an_own_story_links_to_no_original_and_its_canonical_url_is_its_page(client):
    article = publish(own_story())
    response = client.get(article.get_absolute_url())
    page = response.content.decode()
    canonical = "http://testserver" + article.get_absolute_url()
    assert "Read the original" not in page
    assert f'<link rel="canonical" href="{canonical}">' in page
    data = json_ld(response)
    assert data["url"] == canonical
    assert "isBasedOn" not in data
    api = client.get(reverse("articles:api_detail", args=[article.pk])).json()
    assert api["webUrl"] == api["url"] == canonical
    rss = ET.fromstring(client.get("/feeds/latest.rss").content)  # noqa: S314 - our own response
    assert rss.find("channel/item/link").text == canonical
    assert canonical in client.get("/sitemap-articles.xml").content.decode()


# Bylines


def test_the_creator_is_the_first_author_unless_the_save_names_others():
    writer = make_user("writer")
    article = services.article_save(article=Article(title="Mine"), by=writer, seen_token=None, is_edit=True)
    assert [(a.user, a.name) for a in article.authors.all()] == [(writer, "")]

    named = services.article_save(
        article=Article(title="Theirs"),
        by=writer,
        seen_token=None,
        is_edit=True,
        parts=[ArticleAuthor(name="Ann Outside", position=0)],
    )
    assert [a.display_name for a in named.authors.all()] == ["Ann Outside"]


def test_an_author_needs_a_staff_member_or_a_name():
    with pytest.raises(ValidationError):
        ArticleAuthor(article=own_story()).full_clean()


def test_the_byline_is_on_the_page_in_rss_atom_json_ld_and_the_api(client):
    writer = make_user("writer")
    writer.first_name, writer.last_name = "Wendy", "Writer"
    writer.save()
    article = own_story("Bylined")
    ArticleAuthor.objects.create(article=article, user=writer, position=0)
    ArticleAuthor.objects.create(article=article, name="Carl Contributor", position=1)
    publish(article)

    page = client.get(article.get_absolute_url())
    assert 'By <bdi class="byline__author">Wendy Writer</bdi> and' in page.content.decode()
    assert json_ld(page)["author"] == [
        {"@type": "Person", "name": "Wendy Writer"},
        {"@type": "Person", "name": "Carl Contributor"},
    ]
    rss = ET.fromstring(client.get("/feeds/latest.rss").content)  # noqa: S314
    assert rss.find(f"channel/item/{DC}creator").text == "Wendy Writer, Carl Contributor"
    atom = ET.fromstring(client.get("/feeds/latest.atom").content)  # noqa: S314
    assert atom.find(f"{ATOM}entry/{ATOM}author/{ATOM}name").text == "Wendy Writer, Carl Contributor"
    api = client.get(reverse("articles:api_detail", args=[article.pk])).json()
    assert api["authors"] == [{"name": "Wendy Writer"}, {"name": "Carl Contributor"}]


# Dates


def test_publishing_dates_an_undated_story_now_and_it_tops_latest_and_the_feed(client):
    make_published_article("Imported an hour ago", age=timedelta(hours=1))
    article = own_story()
    at = timezone.now()
    with time_machine.travel(at, tick=False):
        publish(article)
    assert article.published_at == at
    assert client.get("/?ordering=newest").context["articles"][0] == article
    rss = ET.fromstring(client.get("/feeds/latest.rss").content)  # noqa: S314
    assert rss.find("channel/item/title").text == "Our own story"
    assert rss.find("channel/item/pubDate").text
    api = client.get(reverse("articles:api_detail", args=[article.pk])).json()
    assert api["publishedDateTime"] is not None


def test_a_scheduled_story_is_dated_with_its_go_live_time():
    go_live = timezone.now() + timedelta(hours=3)
    article = publish(own_story(), go_live_at=go_live)
    assert article.published_at == go_live


def test_a_go_live_time_set_on_the_form_before_publishing_dates_the_story():
    go_live = timezone.now() + timedelta(hours=5)
    article = publish(own_story(go_live_at=go_live))
    assert article.published_at == go_live


def test_a_go_live_time_already_past_dates_the_story_now():
    article = own_story(go_live_at=timezone.now() - timedelta(days=2))
    at = timezone.now()
    with time_machine.travel(at, tick=False):
        publish(article)
    assert article.published_at == at


def test_publishing_keeps_a_date_already_given():
    given = timezone.now() - timedelta(days=3)
    assert publish(own_story(published_at=given)).published_at == given


def test_a_live_story_changed_later_says_updated(client):
    editor = make_user("editor")
    start = timezone.now() - timedelta(hours=2)
    with time_machine.travel(start, tick=False):
        article = publish(own_story(), by=editor)
    assert "Updated" not in client.get(article.get_absolute_url()).content.decode()
    article.body = "Reported by us, with a correction."
    services.article_save(article=article, by=editor, seen_token=article.edit_token, is_edit=True)
    page = client.get(article.get_absolute_url()).content.decode()
    assert "byline__updated" in page
    assert "Updated" in page


# Topics typed on the form


def test_new_topics_reuse_an_existing_key_and_create_the_rest():
    existing = Topic.objects.create(name="Local Elections", slug="local-elections")
    article = services.article_save(
        article=Article(title="Housing vote"),
        by=make_user("writer"),
        seen_token=None,
        is_edit=True,
        topics=[],
        new_topic_names=["Housing", "local  elections"],
    )
    topics = {topic.name: topic for topic in article.topics.all()}
    assert set(topics) == {"Housing", "Local Elections"}
    assert topics["Local Elections"] == existing
    assert Topic.objects.get(key="housing").slug == "housing"


# The admin form, posted as a browser posts it


def test_a_writer_adds_a_story_of_our_own_with_a_photo_and_a_new_topic(client):
    writer = make_user("writer")
    client.force_login(writer)
    page = client.get(ADD_URL)
    assert page.status_code == 200
    assert [fieldset.name for fieldset in page.context["adminform"]] == ["Story", "Workflow", "Source feed"]
    form = page.context["adminform"].form
    assert "web_url" not in form.fields  # read-only for writers: a story written here has none
    assert form.fields["title"].label == "Headline"
    data, _ = read_form(page)
    data |= {
        "title": ["Council votes on housing"],
        "excerpt": ["A short standfirst."],
        "body": ["First paragraph.\r\n\r\nSecond."],
        "new_topics": ["Housing"],
        "images-TOTAL_FORMS": ["1"],
        "images-0-position": ["0"],
        "images-0-caption": ["The council chamber"],
        "images-0-credit": ["Jane Doe / Newsroom"],
        "_save": ["Save"],
    }
    refused = client.post(ADD_URL, {**data, "images-0-file": png()})
    assert refused.status_code == 200  # the form again: an upload needs alt text
    assert "alt text is required" in refused.content.decode()
    assert not Article.objects.exists()

    response = client.post(ADD_URL, {**data, "images-0-alt_text": ["Councillors voting"], "images-0-file": png()})

    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get()
    assert article.web_url is None
    assert article.status == Status.DRAFT
    assert [topic.name for topic in article.topics.all()] == ["Housing"]
    assert article.byline_names == [writer.username]
    image = article.images.get()
    assert (image.alt_text, image.caption, image.credit, image.width) == (
        "Councillors voting",
        "The council chamber",
        "Jane Doe / Newsroom",
        40,
    )
    preview = client.get(reverse("articles:preview", args=[article.pk])).content.decode()
    assert f'src="{image.file.url}"' in preview
    assert 'alt="Councillors voting"' in preview
    assert "The council chamber" in preview
    assert "Jane Doe / Newsroom" in preview
    assert client.get(image.file.url).status_code == 200  # staff see a draft's picture


def test_a_writer_sees_the_source_feed_of_an_imported_story_read_only(client):
    client.force_login(make_user("writer"))
    article = Article.objects.create(title="Wire", web_url="https://wire.example/1", quality=80)
    form = client.get(change_url(article)).context["adminform"].form
    assert not {"web_url", "quality", "heat", "amp_web_url", "published_flag"} & set(form.fields)


def test_an_editor_may_set_a_web_url_and_the_scores(client):
    client.force_login(make_user("editor"))
    form = client.get(ADD_URL).context["adminform"].form
    assert {"web_url", "quality", "heat"} <= set(form.fields)


# Pictures: served, shown, in feeds and the API


def test_an_uploaded_picture_is_served_shown_in_feeds_and_the_api_once_live(client):
    article = own_story()
    image = ArticleImage.objects.create(
        article=article, file=png(), alt_text="A red square", caption="Red", credit="Desk", position=0
    )
    assert client.get(image.file.url).status_code == 404  # a draft's picture: staff only
    publish(article)

    served = client.get(image.file.url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")
    page = client.get(article.get_absolute_url()).content.decode()
    assert 'alt="A red square"' in page
    assert "Red" in page
    assert "Desk" in page
    absolute = "http://testserver" + image.file.url
    rss = ET.fromstring(client.get("/feeds/latest.rss").content)  # noqa: S314
    enclosure = rss.find("channel/item/enclosure")
    assert (enclosure.get("url"), enclosure.get("type")) == (absolute, "image/png")
    assert int(enclosure.get("length")) > 0
    api = client.get(reverse("articles:api_detail", args=[article.pk])).json()
    assert api["images"] == [
        {
            "url": absolute,
            "width": 40,
            "height": 30,
            "isCached": None,
            "renditions": None,  # no job has run yet
            "altText": "A red square",
            "caption": "Red",
            "credit": "Desk",
        }
    ]
    assert absolute in json_ld(client.get(article.get_absolute_url()))["image"]


@pytest.mark.parametrize(
    "path",
    ["/media/../newsroom/settings/base.py", "/media/images/x.svg", "/media/images/missing.png", "/media/a%00.png"],
)
def test_the_media_view_serves_uploaded_pictures_only(client, path):
    client.force_login(make_user("superuser"))
    assert client.get(path).status_code in {400, 404}


# Categories: one managed list


def test_a_category_spelled_differently_on_import_and_in_the_admin_is_one_category(client, write_seed):
    call_command("import_seeds", str(write_seed("title: Wire\nwebUrl: https://e.org/w\ncategory: News")), verbosity=0)
    call_command(
        "import_seeds", str(write_seed("title: Two\nwebUrl: https://e.org/t\ncategory: '  NEWS '")), verbosity=0
    )
    assert list(Category.objects.values_list("name", "key", "slug")) == [("News", "news", "news")]
    news = Category.objects.get()
    assert set(Article.objects.values_list("section", flat=True)) == {news.pk}
    assert set(Article.objects.values_list("category", flat=True)) == {"News", "  NEWS "}  # as given, for export

    # An editor may not add the same name in another case...
    client.force_login(make_user("editor"))
    response = client.post(reverse("admin:articles_category_add"), {"name": "news", "slug": "news-2"})
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Category.objects.count() == 1
    # ...and a story of our own filed under it shares the one menu entry.
    Article.objects.update(status=Status.PUBLISHED, published_at=timezone.now())
    own = own_story(category="news")
    publish(own)
    assert own.section == news
    front = client.get("/")
    assert front.context["facets"].categories == [("news", "News")]
    assert front.content.decode().count('href="/category/news/"') >= 1
    assert "/category/News/" not in front.content.decode()
    assert client.get("/category/News/").url == "/category/news/"  # an old link finds the one category
    assert client.get("/category/news/", {"ordering": "newest"}).context["paginator"].count == 3


def test_choosing_a_category_in_the_admin_writes_its_name_as_the_category_text(client):
    editor = make_user("editor")
    analysis = Category.objects.create(name="Analysis", slug="analysis")
    article = Article.objects.create(title="Wire", web_url="https://e.org/a", category="news")
    article.section = analysis
    services.article_save(article=article, by=editor, seen_token=article.edit_token, is_edit=True)
    article.refresh_from_db()
    assert (article.section, article.category) == (analysis, "Analysis")


def test_a_changelist_filter_by_category(client):
    client.force_login(make_user("editor"))
    own_story("Filed", category="Culture")
    own_story("Unfiled")
    culture = Category.objects.get(key="culture")
    response = client.get(CHANGELIST, {"section__id__exact": culture.pk})
    assert [a.title for a in response.context["cl"].result_list] == ["Filed"]


def test_a_live_picture_is_public_and_cacheable_and_the_view_can_be_turned_off(client, settings):
    article = own_story()
    image = ArticleImage.objects.create(article=article, file=png(), alt_text="Red", position=0)
    publish(article)
    served = client.get(image.file.url)
    assert served["Cache-Control"] == "public, max-age=86400"
    assert served["Content-Security-Policy"] == "default-src 'none'; sandbox"

    settings.NEWSROOM_SERVE_MEDIA = False  # a web server serves MEDIA_ROOT instead
    assert client.get(image.file.url).status_code == 404


def test_the_import_looks_categories_up_once_per_run_not_per_file(write_seed):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for number in range(40):
        spelling = ["News", "news", " NEWS", "Analysis"][number % 4]
        write_seed(f"title: T{number}\nwebUrl: https://e.org/{number}\ncategory: '{spelling}'")
    folder = str(write_seed("title: Last\nwebUrl: https://e.org/last\ncategory: news").parent)

    with CaptureQueriesContext(connection) as queries:
        call_command("import_seeds", folder, verbosity=0)

    on_categories = [q["sql"] for q in queries.captured_queries if "articles_category" in q["sql"]]
    # Look up the keys, read the slugs taken, insert the new ones, read their ids: 4 for 41 files.
    assert len(on_categories) == 4, on_categories
    assert sorted(Category.objects.values_list("key", flat=True)) == ["analysis", "news"]
    assert Article.objects.filter(section__key="news").count() == 31
