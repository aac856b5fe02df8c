"""Renditions, the jobs that make them and the pages that use them (issue 14)."""

import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from articles import caching
from articles.models import ArticleImage, Picture, Rendition
from articles.models.renditions import source_key
from articles.pictures import render
from articles.pictures.html import sizes
from articles.pictures.jobs import fetch_picture, link_pictures, process_picture, queue_pictures
from articles.pictures.render import crop_box, widths_for
from articles.pictures.storage import AtomicFileSystemStorage
from tests.support.factories import make_published_article
from tests.support.picture_server import PictureServer, image_bytes

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def server():
    with PictureServer() as running:
        yield running


def picture_for(url: str) -> Picture:
    return Picture.objects.create(source=url, source_key=source_key(url))


def stored(name: str) -> Path:
    return Path(settings.PICTURES_ROOT) / name


def open_rendition(rendition: Rendition) -> Image.Image:
    image = Image.open(stored(rendition.file))
    image.load()
    return image


@given(
    width=st.integers(1, 5000),
    height=st.integers(1, 5000),
    fx=st.floats(0, 1),
    fy=st.floats(0, 1),
    ratio=st.sampled_from(list(render.CROPS.values())),
)
def test_every_crop_box_keeps_the_focal_point_inside_and_the_ratio(width, height, fx, fy, ratio):
    left, top, right, bottom = crop_box((width, height), ratio, (fx, fy))
    assert 0 <= left < right <= width
    assert 0 <= top < bottom <= height
    assert left <= fx * width <= right
    assert top <= fy * height <= bottom
    if min(right - left, bottom - top) > 20:
        assert abs((right - left) / (bottom - top) - ratio[0] / ratio[1]) < 0.05


def test_widths_are_never_above_the_original():
    assert widths_for(500, [320, 640, 960]) == [320, 500]
    assert widths_for(2400, [320, 640, 960, 1280, 1920]) == [320, 640, 960, 1280, 1920]
    assert widths_for(200, [320, 640]) == [200]


def test_a_fetched_picture_gets_renditions_in_every_width_up_to_its_own_and_every_format(server):
    picture = picture_for(server.add("/wide.jpg", image_bytes("JPEG", (1000, 500))))
    assert process_picture(picture.pk) == Picture.Status.READY
    picture.refresh_from_db()
    assert (picture.width, picture.height, picture.format, picture.reason) == (1000, 500, "JPEG", "")
    widths = sorted({r.width for r in picture.renditions.filter(crop="")})
    assert widths == [320, 480, 640, 800, 1000]  # never upscaled to 1080, 1280 or 1920
    formats = {r.format for r in picture.renditions.filter(crop="")}
    assert formats == ({"webp", "avif", "jpeg"} if render.avif_supported() else {"webp", "jpeg"})
    for rendition in picture.renditions.all():
        image = open_rendition(rendition)
        assert image.size == (rendition.width, rendition.height)
        assert image.width <= 1000
        assert rendition.byte_size == stored(rendition.file).stat().st_size
    og = picture.renditions.get(crop="og")
    assert (og.width, og.height, og.format) == (952, 500, "jpeg")  # 1200x630's ratio, not upscaled
    assert picture.variants["w"]["webp"][0][:2] == [320, 160]


def test_a_transparent_png_falls_back_to_png_not_jpeg(server):
    picture = picture_for(server.add("/logo.png", image_bytes("PNG", (400, 200), "RGBA"), "image/png"))
    process_picture(picture.pk)
    assert set(picture.renditions.values_list("format", flat=True)) - {"avif"} == {"webp", "png"}


def test_renditions_are_upright_and_carry_no_metadata(server):
    image = Image.new("RGB", (600, 300), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate to display
    exif[0x010F] = "Camera maker that should not leak"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, icc_profile=b"\0" * 128, comment=b"private note")
    picture = picture_for(server.add("/rotated.jpg", out.getvalue()))
    process_picture(picture.pk)
    picture.refresh_from_db()
    assert (picture.width, picture.height) == (300, 600)
    for rendition in picture.renditions.all():
        made = open_rendition(rendition)
        assert dict(made.getexif()) == {}
        assert "icc_profile" not in made.info
        assert "comment" not in made.info
        assert b"Camera maker" not in stored(rendition.file).read_bytes()


def test_the_crops_keep_the_focal_point_in_frame(server):
    image = Image.new("RGB", (2000, 1000), "white")
    ImageDraw.Draw(image).ellipse((1800, 80, 1880, 160), fill=(255, 0, 0))  # the subject: top right
    out = io.BytesIO()
    image.save(out, "PNG")
    picture = picture_for(server.add("/subject.png", out.getvalue(), "image/png"))
    picture.focal_x, picture.focal_y = 0.92, 0.12
    picture.save()
    process_picture(picture.pk)
    crops = picture.renditions.exclude(crop="").exclude(format="avif")
    assert {r.crop for r in crops} == {"16:9", "1:1", "og"}
    for rendition in crops:
        pixels = open_rendition(rendition).convert("RGB").get_flattened_data()
        assert any(r > 200 and g < 80 and b < 80 for r, g, b in pixels), rendition.file
    # centred (the default focal point), the square crop loses the subject
    centred = render.render(Image.open(io.BytesIO(out.getvalue())), "f" * 64, (0.5, 0.5))
    square = next(m for m in centred if m.crop == "1:1" and m.format == "webp")
    pixels = Image.open(stored(square.file)).convert("RGB").get_flattened_data()
    assert not any(r > 200 and g < 80 and b < 80 for r, g, b in pixels)


def test_running_the_job_again_changes_nothing(server):
    picture = picture_for(server.add("/again.jpg", image_bytes("JPEG", (700, 400))))
    process_picture(picture.pk)
    files = {r.file: stored(r.file).stat().st_mtime_ns for r in picture.renditions.all()}
    assert process_picture(picture.pk) == Picture.Status.READY  # ready: left alone, not fetched again
    assert server.hits["/again.jpg"] == 1
    process_picture(picture.pk, force=True)  # made again: the same names, nothing rewritten
    assert {r.file: stored(r.file).stat().st_mtime_ns for r in picture.renditions.all()} == files


def test_a_refusal_is_recorded_with_its_reason_and_is_final(server):
    picture = picture_for(server.add("/page.jpg", b"<html><body>hi</body></html>", "text/html"))
    assert process_picture(picture.pk) == Picture.Status.FAILED
    picture.refresh_from_db()
    assert picture.reason == "attempt 1: HTML/XML, not an image"
    assert not picture.renditions.exists()
    assert not DBTaskResult.objects.exists()  # not retried


def test_a_passing_failure_is_retried_with_backoff_at_most_max_attempts_times(server, settings):
    settings.PICTURES_FETCH = {**settings.PICTURES_FETCH, "BACKOFF_SECONDS": 60, "MAX_ATTEMPTS": 3}
    server.routes["/busy.jpg"] = {"status": 503}
    picture = picture_for(server.url("/busy.jpg"))
    before = timezone.now()
    assert process_picture(picture.pk) == Picture.Status.PENDING
    job = DBTaskResult.objects.get()
    assert job.status == "READY"
    assert job.args_kwargs["args"] == [picture.pk]
    assert before + timedelta(seconds=59) < job.run_after < before + timedelta(seconds=62)
    assert process_picture(picture.pk) == Picture.Status.PENDING
    second = DBTaskResult.objects.order_by("-enqueued_at").first()
    assert before + timedelta(seconds=239) < second.run_after < timezone.now() + timedelta(seconds=241)
    assert process_picture(picture.pk) == Picture.Status.FAILED
    picture.refresh_from_db()
    assert (picture.attempts, picture.reason) == (3, "attempt 3: HTTP 503")
    assert DBTaskResult.objects.count() == 2
    assert server.hits["/busy.jpg"] == 3


def test_images_with_one_source_share_one_picture_and_a_new_one_is_queued_when_the_import_commits(
    tmp_path, django_capture_on_commit_callbacks
):
    seed = """---
title: Pictured story
webUrl: https://pictures.example/story
publishedDateTime: 2026-11-26T08:00:00Z
published: true
images:
  - url: https://img.pictures.example/lead.jpg
    width: 1200
    height: 675
  - url: https://img.pictures.example/lead.jpg
---
Body.
"""
    (tmp_path / "story.md").write_text(seed, encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_seeds", str(tmp_path), verbosity=0)
    images = list(ArticleImage.objects.all())
    assert len(images) == 2
    picture = Picture.objects.get()
    assert picture.source == "https://img.pictures.example/lead.jpg"
    assert {image.picture_id for image in images} == {picture.pk}
    batch = DBTaskResult.objects.get()  # one job per import batch, which queues one per picture
    assert batch.task_path == queue_pictures.module_path
    assert batch.args_kwargs["args"] == [[picture.pk]]
    assert batch.queue_name == "pictures"

    queue_pictures.call([picture.pk])
    job = DBTaskResult.objects.exclude(pk=batch.pk).get()
    assert job.task_path == fetch_picture.module_path
    assert job.args_kwargs["args"] == [picture.pk]
    assert job.queue_name == "pictures"


def test_a_page_shows_the_original_url_before_the_job_and_the_renditions_after(
    client, server, settings, django_capture_on_commit_callbacks
):
    settings.PICTURES_READY_STALE_SECONDS = 0  # at once (the coalescing has its own test)
    url = server.add("/lead.jpg", image_bytes("JPEG", (1600, 900)))
    article = make_published_article("Pictured story", images=0)
    ArticleImage.objects.create(article=article, url=url, width=1600, height=900)
    picture = Picture.objects.get(source=url)

    before = client.get(article.get_absolute_url()).content.decode()
    assert f'src="{url}"' in before
    assert "<picture>" not in before
    assert f'<meta property="og:image" content="{url}">' in before

    with django_capture_on_commit_callbacks(execute=True):
        process_picture(picture.pk)

    after = client.get(article.get_absolute_url()).content.decode()
    assert f'src="{url}"' not in after
    assert "<picture>" in after
    assert 'type="image/webp"' in after
    img = re.search(r"<picture>.*?<img ([^>]*)>", after).group(1)
    assert 'width="1600" height="900"' in img
    assert 'loading="eager"' in img  # the lead image is above the fold
    candidates = re.search(r' srcset="([^"]*)"', img).group(1).split(", ")
    assert [c.rsplit(" ", 1)[1] for c in candidates] == ["320w", "480w", "640w", "800w", "1080w", "1280w", "1600w"]
    assert 'sizes="' in img
    og = re.search(r'<meta property="og:image" content="([^"]*)">', after).group(1)
    assert og.startswith("http://testserver/pictures/r/")
    assert "-1200x630.jpg" in og
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', after, re.S).group(1))
    assert ld["image"] == [f"http://testserver{candidates[-1].split(' ')[0].replace('.webp', '.jpg')}"]

    served = client.get(candidates[0].split(" ")[0])
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert "immutable" in served["Cache-Control"]
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).size == (320, 180)


def test_cards_use_renditions_lazily_below_the_lead(client, server):
    urls = [server.add(f"/card{n}.jpg", image_bytes("JPEG", (800, 450))) for n in range(3)]
    for n, url in enumerate(urls):
        article = make_published_article(f"Card story {n}", images=0, age=timedelta(hours=n + 1))
        ArticleImage.objects.create(article=article, url=url, width=800, height=450)
    call_command("cache_images", verbosity=0)
    page = client.get("/").content.decode()
    imgs = re.findall(r"<picture>.*?<img ([^>]*)>", page)
    assert len(imgs) == 3
    assert 'loading="eager"' in imgs[0]
    assert all('loading="lazy"' in img for img in imgs[1:])


def test_originals_and_partial_files_are_not_served(client, server):
    picture = picture_for(server.add("/private.jpg", image_bytes("JPEG", (400, 300))))
    process_picture(picture.pk)
    picture.refresh_from_db()
    assert stored(picture.original).exists()
    assert client.get(f"/pictures/{picture.original}").status_code == 404
    assert client.get("/pictures/r/../o/x.jpg").status_code == 404
    assert client.get("/pictures/.partial/anything").status_code == 404


def test_an_atomic_write_that_fails_midway_leaves_no_file(tmp_path):
    storage = AtomicFileSystemStorage(location=tmp_path)

    class Exploding:
        def chunks(self):
            yield b"half of the bytes"
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        storage.save("r/aa/file.jpg", Exploding())
    assert not (tmp_path / "r/aa/file.jpg").exists()
    assert list((tmp_path / ".partial").iterdir()) == []


def test_cache_images_links_fetches_and_summarises_and_retries_failed_ones_on_request(server, capsys):
    good = server.add("/good.jpg", image_bytes("JPEG", (500, 300)))
    bad = server.add("/bad.jpg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml")
    article = make_published_article(images=0)
    ArticleImage.objects.bulk_create(  # as the importer writes them: no signal, no picture yet
        [ArticleImage(article=article, url=good), ArticleImage(article=article, url=bad, position=1)]
    )
    call_command("cache_images")
    out = capsys.readouterr().out
    assert "2 image(s): 1 ready, 0 to retry later, 1 failed." in out
    assert f"failed: {bad}: attempt 1: SVG refused" in out
    assert Picture.objects.get(source=good).status == Picture.Status.READY
    call_command("cache_images")
    assert "0 image(s)" in capsys.readouterr().out
    call_command("cache_images", "--retry-failed")
    assert "1 image(s): 0 ready, 0 to retry later, 1 failed." in capsys.readouterr().out
    assert server.hits["/bad.jpg"] == 2


def test_an_uploaded_file_gets_renditions_too():
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    name = default_storage.save("images/upload.png", ContentFile(image_bytes("PNG", (700, 350))))
    article = make_published_article(images=0)
    image = ArticleImage.objects.create(article=article, file=name)
    image.refresh_from_db()
    picture = Picture.objects.get(pk=image.picture_id)
    assert picture.source == f"upload:{name}"
    assert process_picture(picture.pk) == Picture.Status.READY
    assert picture.renditions.filter(crop="", width=700).exists()


def test_link_pictures_follows_a_changed_source():
    article = make_published_article(images=0)
    image = ArticleImage.objects.create(article=article, url="https://a.example/1.jpg")
    image.refresh_from_db()
    first = image.picture_id
    image.url = "https://a.example/2.jpg"
    image.save()
    image.refresh_from_db()
    assert image.picture_id != first
    assert Picture.objects.get(pk=image.picture_id).source == "https://a.example/2.jpg"
    assert link_pictures([image]) == [image.picture_id]  # still pending, never tried: it wants a job


@pytest.mark.parametrize(
    ("worker", "started_minutes_ago", "lost"),
    [
        ("this-host-alive", 1, False),  # this machine, process running: its job is left alone
        ("this-host-dead", 1, True),  # this machine, process gone: taken back at once
        ("other-host:123", 1, False),  # another machine: judged by the lease only
        ("other-host:123", 600, True),
    ],
)
def test_only_jobs_of_dead_workers_are_queued_again(worker, started_minutes_ago, lost):
    import os
    import socket

    from articles.pictures.jobs import recover_lost_jobs

    host = socket.gethostname()[:40]
    dead = subprocess_pid_that_has_exited()
    worker_id = {"this-host-alive": f"{host}:{os.getpid()}", "this-host-dead": f"{host}:{dead}"}.get(worker, worker)
    result = fetch_picture.enqueue(7).db_result
    DBTaskResult.objects.filter(pk=result.pk).update(
        status="RUNNING", worker_ids=[worker_id], started_at=timezone.now() - timedelta(minutes=started_minutes_ago)
    )
    assert recover_lost_jobs() == int(lost)
    statuses = sorted(DBTaskResult.objects.values_list("status", flat=True))
    assert statuses == (["FAILED", "READY"] if lost else ["RUNNING"])


def subprocess_pid_that_has_exited() -> int:
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_crops_remade_for_a_new_focal_point_delete_the_old_crop_files_once_committed(
    server, django_capture_on_commit_callbacks
):
    data = image_bytes("JPEG", (1200, 600))
    picture = picture_for(server.add("/moved.jpg", data))
    twin = picture_for(server.add("/twin.jpg", data))  # the same bytes elsewhere: the same file names
    with django_capture_on_commit_callbacks(execute=True):
        process_picture(picture.pk)
        process_picture(twin.pk)
    old_crops = set(picture.renditions.exclude(crop="").values_list("file", flat=True))
    widths = set(picture.renditions.filter(crop="").values_list("file", flat=True))
    assert old_crops
    assert all(stored(name).exists() for name in old_crops)

    picture.focal_x, picture.focal_y = 0.1, 0.2
    picture.save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        process_picture(picture.pk, force=True)
    new_crops = set(picture.renditions.exclude(crop="").values_list("file", flat=True))
    assert new_crops.isdisjoint(old_crops)
    assert all(stored(name).exists() for name in old_crops)  # nothing deleted before the commit
    for callback in callbacks:
        callback()
    assert all(stored(name).exists() for name in new_crops | widths)
    assert all(stored(name).exists() for name in old_crops)  # the twin still shows them

    twin.focal_x, twin.focal_y = 0.9, 0.9
    twin.save()
    with django_capture_on_commit_callbacks(execute=True):
        process_picture(twin.pk, force=True)
    assert not any(stored(name).exists() for name in old_crops)  # nobody uses them now
    assert all(stored(name).exists() for name in new_crops | widths)


def test_an_image_whose_bytes_changed_leaves_none_of_its_old_files(server, django_capture_on_commit_callbacks):
    url = server.add("/changing.jpg", image_bytes("JPEG", (800, 400)))
    picture = picture_for(url)
    with django_capture_on_commit_callbacks(execute=True):
        process_picture(picture.pk)
    picture.refresh_from_db()
    old = {picture.original, *picture.renditions.values_list("file", flat=True)}
    server.add("/changing.jpg", image_bytes("PNG", (640, 480)), "image/png")
    with django_capture_on_commit_callbacks(execute=True):
        process_picture(picture.pk, force=True)
    picture.refresh_from_db()
    new = {picture.original, *picture.renditions.values_list("file", flat=True)}
    assert new.isdisjoint(old)
    assert all(stored(name).exists() for name in new)
    assert not any(stored(name).exists() for name in old)


@pytest.mark.parametrize("store", ["database", "cache"])
def test_pictures_made_ready_show_at_once_on_the_pages_of_their_articles_only(
    client, server, settings, store, django_capture_on_commit_callbacks
):
    """Each picture made ready replaces the versions of the articles using it: the list pages showing them are
    rendered again, the site's version and the lists' (which articles lists hold) stay as they were."""
    settings.NEWSROOM_CONTENT_VERSION_STORE = store
    urls = [server.add(f"/batch{n}.jpg", image_bytes("JPEG", (700, 400))) for n in range(3)]
    for n, url in enumerate(urls):
        article = make_published_article(f"Batch story {n}", images=0, age=timedelta(hours=n + 1))
        ArticleImage.objects.create(article=article, url=url, width=700, height=400)
    assert "<picture>" not in client.get("/").content.decode()  # cached, with the originals
    site_and_lists = caching.versions([caching.SITE, caching.LISTS])

    with django_capture_on_commit_callbacks(execute=True):
        for picture in Picture.objects.all():
            process_picture(picture.pk)

    assert caching.versions([caching.SITE, caching.LISTS]) == site_and_lists
    assert len(re.findall("<picture>", client.get("/").content.decode())) == 3


def feed_enclosures(client, name: str) -> list[dict]:
    root = ET.fromstring(client.get(reverse(name)).content)  # noqa: S314 - our own feed
    if name.endswith("atom"):
        return [dict(link.attrib) for link in root.iter(f"{ATOM}link") if link.get("rel") == "enclosure"]
    return [dict(enclosure.attrib) for enclosure in root.iter("enclosure")]


@pytest.mark.parametrize("name", ["articles:latest_rss", "articles:latest_atom"])
def test_feeds_enclose_no_third_party_picture_before_the_job_and_its_1280_px_rendition_after(
    client, server, settings, name, django_capture_on_commit_callbacks
):
    settings.PICTURES_READY_STALE_SECONDS = 0
    url = server.add("/feedlead.jpg", image_bytes("JPEG", (1600, 900)))
    article = make_published_article("Story in the feed", images=0)
    ArticleImage.objects.create(article=article, url=url, width=1600, height=900)
    ArticleImage.objects.create(article=article, url=server.url("/second.jpg"), position=1)
    assert feed_enclosures(client, name) == []  # the feed's own URL is never handed to feed readers

    with django_capture_on_commit_callbacks(execute=True):
        process_picture(Picture.objects.get(source=url).pk)

    (after,) = feed_enclosures(client, name)
    link = after["href" if "href" in after else "url"]
    rendition = Picture.objects.get(source=url).renditions.get(crop="", format="jpeg", width=1280)
    assert link == f"http://testserver/pictures/{rendition.file}"
    assert after["type"] == "image/jpeg"
    assert int(after["length"]) == rendition.byte_size == stored(rendition.file).stat().st_size
    assert client.get(link).status_code == 200


@pytest.mark.parametrize("name", ["articles:latest_rss", "articles:api_list"])
def test_feeds_and_the_api_run_a_fixed_number_of_queries_whatever_the_ready_pictures(client, server, settings, name):
    def count_feed_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(name)).status_code == 200
        return len(queries)

    settings.PICTURES_READY_STALE_SECONDS = 0
    counts = []
    for n in range(3):
        url = server.add(f"/counted{n}.jpg", image_bytes("JPEG", (500, 300)))
        article = make_published_article(f"Counted {n}", images=0)
        ArticleImage.objects.create(article=article, url=url)
        article.related_links.create(title=f"Related {n}", web_url="https://other.example/").images.create(url=url)
        process_picture(Picture.objects.get(source=url).pk)
        caching.content_changed()
        counts.append(count_feed_queries())
    assert b"/pictures/r/" in client.get(reverse(name)).content
    assert counts[0] == counts[1] == counts[2]


def test_the_api_gives_a_ready_pictures_renditions_beside_its_original_url(client, server):
    url = server.add("/apilead.jpg", image_bytes("JPEG", (1000, 500)))
    article = make_published_article("Story in the API", images=0)
    ArticleImage.objects.create(article=article, url=url, width=1000, height=500)
    link = article.related_links.create(title="Elsewhere", web_url="https://other.example/x")
    link.images.create(url=url)
    process_picture(Picture.objects.get(source=url).pk)
    caching.content_changed()

    data = client.get(reverse("articles:api_detail", args=[article.pk])).json()
    (image,) = data["images"]
    assert image["url"] == url  # the original, as the feed had it
    renditions = image["renditions"]
    assert (renditions["width"], renditions["height"]) == (1000, 500)
    assert renditions["src"].startswith("http://testserver/pictures/r/")
    assert renditions["src"].endswith("/w1000x500.jpg")
    assert {"webp", "jpeg"} <= set(renditions["srcset"])
    widths = [candidate.rsplit(" ", 1)[1] for candidate in renditions["srcset"]["webp"].split(", ")]
    assert widths == ["320w", "480w", "640w", "800w", "1000w"]
    assert all(c.startswith("http://testserver/pictures/r/") for c in renditions["srcset"]["jpeg"].split(", "))
    assert set(renditions["crops"]) == {"16:9", "1:1", "og"}
    assert renditions["crops"]["og"]["jpeg"].endswith("-952x500.jpg 952w")  # 1200:630, never upscaled
    assert data["related"][0]["images"][0]["renditions"] == renditions
    assert client.get(renditions["src"]).status_code == 200


def test_a_picture_whose_rows_cannot_be_saved_is_tried_again_not_left_pending_without_a_job(server, monkeypatch):
    # Two workers' first "page cache changed" on a fresh PostgreSQL database once both inserted its row:
    # one job's transaction failed, the job ended FAILED and its picture stayed pending with nothing queued.
    picture = picture_for(server.add("/conflict.jpg", image_bytes("JPEG", (400, 300))))

    def conflicting(*args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(Rendition.objects, "bulk_create", conflicting)
    assert process_picture(picture.pk) == Picture.Status.PENDING
    picture.refresh_from_db()
    assert picture.reason.startswith("attempt 1: error: IntegrityError")
    assert not picture.renditions.exists()
    (job,) = DBTaskResult.objects.all()
    assert job.args_kwargs["args"] == [picture.pk]

    monkeypatch.undo()
    assert process_picture(picture.pk) == Picture.Status.READY


def test_a_failure_after_the_commit_leaves_the_picture_ready(server, monkeypatch, django_capture_on_commit_callbacks):
    picture = picture_for(server.add("/aftercommit.jpg", image_bytes("JPEG", (400, 300))))

    def broken(seconds):
        raise ConnectionError("cache server gone")

    monkeypatch.setattr("articles.pictures.jobs.content_changes_within", broken)
    with django_capture_on_commit_callbacks(execute=True):
        assert process_picture(picture.pk) == Picture.Status.READY
    picture.refresh_from_db()
    assert picture.is_ready
    assert not DBTaskResult.objects.exists()


def test_a_twins_clean_up_between_render_and_commit_does_not_leave_the_other_without_files(
    server, monkeypatch, django_capture_on_commit_callbacks
):
    # Two pictures of the same bytes share their files. One's focal point moves: its old crops are
    # deleted once no row uses them. If that happens while the other's job has found those files there
    # (render) but not yet committed its rows, the other would point at deleted files.
    data = image_bytes("JPEG", (1200, 600))
    moved = picture_for(server.add("/moved-twin.jpg", data))
    twin = picture_for(server.add("/late-twin.jpg", data))
    with django_capture_on_commit_callbacks(execute=True):
        process_picture(moved.pk)
    old_crops = set(moved.renditions.exclude(crop="").values_list("file", flat=True))
    moved.focal_x, moved.focal_y = 0.1, 0.2
    moved.save()
    with django_capture_on_commit_callbacks(execute=False) as clean_up:
        process_picture(moved.pk, force=True)

    real_render = render.render

    def render_then_clean_up(*args):
        made = real_render(*args)  # the twin's files all found in place ...
        while clean_up:  # ... then the moved picture's clean-up commits
            clean_up.pop()()
        return made

    monkeypatch.setattr(render, "render", render_then_clean_up)
    with django_capture_on_commit_callbacks(execute=True):
        assert process_picture(twin.pk) == Picture.Status.READY
    files = set(twin.renditions.values_list("file", flat=True))
    assert old_crops <= files
    assert all(stored(name).exists() for name in files)


def test_sizes_say_how_wide_each_place_draws_the_picture_not_the_viewports_width():
    # A 6rem card thumbnail said "100vw": a 390 px phone at 3x took a 1280 px rendition for a 96 px slot.
    # A card's 4:3 box is covered (object-fit): a 16:9 picture is drawn 4/3 as wide as the box.
    assert sizes("card", 1600, 900) == "(min-width: 36rem) 14.7rem, 8rem"
    assert sizes("card", 900, 1600) == "(min-width: 36rem) 11rem, 6rem"  # narrower than the box: its width
    main = "(min-width: 78rem) 53.5rem, (min-width: 60rem) calc(97vw - 22rem), calc(100vw - 2rem)"
    assert sizes("article", 1080, 1350) == main  # the main column, less the page's padding
    assert sizes("gallery", 1600, 900) == main
    assert sizes("lead", 1600, 900) == main  # 16:9 in a 16:9 box
    assert sizes("lead", 2400, 900) == (
        "(min-width: 78rem) 80.3rem, (min-width: 60rem) calc((97vw - 22rem) * 1.500), calc((100vw - 2rem) * 1.500)"
    )


def test_a_slideshow_shows_its_slides_and_thumbnails_from_renditions_once_ready(client, server):
    article = make_published_article("Slides", item_type="slideshow", images=0)
    urls = [server.add(f"/slide{n}.jpg", image_bytes("JPEG", (1200, 800))) for n in range(2)]
    for n, url in enumerate(urls):
        ArticleImage.objects.create(article=article, url=url, width=1200, height=800, position=n)
    before = client.get(article.get_absolute_url()).content.decode()
    assert all(f'src="{url}"' in before for url in urls)
    call_command("cache_images", verbosity=0)
    caching.content_changed()
    page = client.get(article.get_absolute_url()).content.decode()
    assert not any(url in page for url in urls)  # slides and thumbnails: no third-party request
    imgs = re.findall(r"<picture>.*?<img ([^>]*)>", page)
    assert len(imgs) == 4
    assert 'alt="Slides (image 1 of 2)"' in imgs[0]
    assert 'alt=""' in imgs[2]  # a thumbnail only links to its slide
    assert 'sizes="10.2rem"' in imgs[2]  # 3:2 covering a 9rem 4:3 box: drawn 9rem x 9/8, rounded up
