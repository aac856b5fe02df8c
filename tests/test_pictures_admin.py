"""The picture admin: refusals shown, the focal point set by clicking, the queue on the dashboard (issue 14)."""

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from articles.models import Picture
from articles.models.renditions import source_key
from articles.pictures.jobs import fetch_picture, process_picture
from tests.support.factories import make_user
from tests.support.forms import read_form
from tests.support.picture_server import PictureServer, image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_picture():
    with PictureServer() as server:
        url = server.add("/p.jpg", image_bytes("JPEG", (1200, 800)))
        picture = Picture.objects.create(source=url, source_key=source_key(url))
        process_picture(picture.pk)
        picture.refresh_from_db()
        yield picture


def test_the_change_page_shows_the_image_to_click_and_the_script_from_a_file(client, ready_picture):
    client.force_login(make_user("editor"))
    page = client.get(reverse("admin:articles_picture_change", args=[ready_picture.pk])).content.decode()
    assert 'class="focal-point" data-focal-x="0.5" data-focal-y="0.5"' in page
    assert "/static/js/picture-focal-point.js" in page
    assert "<script>" not in page.split("<body")[1].replace('<script src="', "")  # nothing inline


def test_an_editor_moves_the_focal_point_and_the_crops_are_made_again(
    client, ready_picture, django_capture_on_commit_callbacks
):
    client.force_login(make_user("editor"))
    url = reverse("admin:articles_picture_change", args=[ready_picture.pk])
    data, _ = read_form(client.get(url), "picture_form")
    data |= {"focal_x": ["0.9"], "focal_y": ["0.2"], "_save": ["Save"]}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, data).status_code == 302
    ready_picture.refresh_from_db()
    assert (ready_picture.focal_x, ready_picture.focal_y) == (0.9, 0.2)
    job = DBTaskResult.objects.get(task_path=fetch_picture.module_path)
    assert job.args_kwargs == {"args": [ready_picture.pk], "kwargs": {"force": True}}
    old_crops = set(ready_picture.renditions.exclude(crop="").values_list("file", flat=True))
    process_picture(ready_picture.pk, force=True)
    new_crops = set(ready_picture.renditions.exclude(crop="").values_list("file", flat=True))
    assert new_crops.isdisjoint(old_crops)
    assert all("0.900-0.200" in name for name in new_crops)


def test_a_focal_point_outside_the_image_is_refused_by_the_form(client, ready_picture):
    client.force_login(make_user("editor"))
    url = reverse("admin:articles_picture_change", args=[ready_picture.pk])
    data, _ = read_form(client.get(url), "picture_form")
    response = client.post(url, data | {"focal_x": ["1.5"], "_save": ["Save"]})
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 1.0." in response.content.decode()


def test_the_dashboard_shows_the_queue_depth_and_the_refusals(client):
    refused = Picture.objects.create(
        source="https://img.example/page.jpg",
        source_key=source_key("x"),
        status=Picture.Status.FAILED,
        reason="attempt 1: HTML/XML, not an image",
    )
    fetch_picture.enqueue(refused.pk)
    fetch_picture.enqueue(refused.pk)
    client.force_login(make_user("editor"))
    page = client.get(reverse("admin:index")).content.decode()
    dashboard = page.split('id="dashboard-jobs"')[1].split("</table>")[0]
    assert "Jobs waiting in the queue</th><td>2</td>" in dashboard
    assert "Pictures refused or failed</a></th><td>1</td>" in dashboard
    assert "https://img.example/page.jpg</a>: attempt 1: HTML/XML, not an image" in dashboard


def test_the_list_shows_each_refusal_reason(client):
    Picture.objects.create(source="https://img.example/a.svg", source_key=source_key("a"), status="failed",
                           reason="attempt 1: SVG refused")  # fmt: skip
    client.force_login(make_user("writer"))
    page = client.get(reverse("admin:articles_picture_changelist")).content.decode()
    assert "attempt 1: SVG refused" in page
