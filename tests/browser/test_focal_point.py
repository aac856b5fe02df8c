"""The focal point is set by clicking the picture in the admin, in real Chromium, under the admin's CSP (issue 14)."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from articles.models import Picture
from articles.models.renditions import source_key
from articles.pictures.jobs import process_picture
from tests.support.picture_server import PictureServer, image_bytes

pytestmark = pytest.mark.browser


def test_clicking_the_image_sets_the_focal_point_and_saving_keeps_it(live_server, transactional_db, page, screenshot):
    with PictureServer() as server:
        url = server.add("/wide.jpg", image_bytes("JPEG", (1600, 900)))
        picture = Picture.objects.create(source=url, source_key=source_key(url))
        process_picture(picture.pk)
    get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-for-the-browser")
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/articles/picture/{picture.pk}/change/")
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password").fill("pw-for-the-browser")
    page.get_by_role("button", name="Log in").click()

    image = page.locator(".focal-point img")
    expect(image).to_be_visible()
    box = image.bounding_box()
    image.click(position={"x": box["width"] * 0.8, "y": box["height"] * 0.25})
    focal_x = float(page.locator("#id_focal_x").input_value())
    focal_y = float(page.locator("#id_focal_y").input_value())
    assert focal_x == pytest.approx(0.8, abs=0.01)
    assert focal_y == pytest.approx(0.25, abs=0.01)
    mark = page.locator(".focal-point__mark").bounding_box()
    assert mark["x"] + mark["width"] / 2 == pytest.approx(box["x"] + box["width"] * 0.8, abs=3)
    screenshot(page, "clicked")

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("crops are being made again")
    picture.refresh_from_db()
    assert (picture.focal_x, picture.focal_y) == (focal_x, focal_y)
    assert not [e for e in errors if "Content Security Policy" in e]
