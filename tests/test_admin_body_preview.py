"""The body editor's preview endpoint: the site's renderer and sanitiser, for staff who write, by POST, bounded."""

import pytest
from django.urls import reverse

from articles import rendering
from tests.support.factories import make_user

pytestmark = pytest.mark.django_db

URL = "/admin/preview-body/"


def test_the_url_is_the_admin_sites():
    assert reverse("admin:body_preview") == URL


def test_a_writer_gets_the_html_the_site_would_show(client):
    client.force_login(make_user("writer"))
    body = (
        'A **bold** claim.\r\n\r\n<script>alert(1)</script>\r\n\r\n<a href="javascript:alert(2)" onclick="x()">link</a>'
    )
    response = client.post(URL, {"body": body, "title": "T"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert html == rendering.stored_body_html(body, "T")
    assert "<strong>bold</strong>" in html
    assert "<script" not in html
    assert "javascript:" not in html
    assert "onclick" not in html
    assert ">link</a>" in html


def test_get_is_refused(client):
    client.force_login(make_user("writer"))
    assert client.get(URL).status_code == 405


def test_anonymous_is_sent_to_log_in(client):
    response = client.post(URL, {"body": "x"})
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_staff_who_may_not_write_are_refused(client):
    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.create_user("viewer", password="x", is_staff=True)
    client.force_login(staff)
    assert client.post(URL, {"body": "x"}).status_code == 403


def test_a_post_without_the_csrf_token_is_refused(client):
    from django.test import Client

    checked = Client(enforce_csrf_checks=True)
    checked.force_login(make_user("writer"))
    assert checked.post(URL, {"body": "x"}).status_code == 403


def test_a_body_over_the_sites_bound_is_refused_with_the_reason(client):
    client.force_login(make_user("writer"))
    response = client.post(URL, {"body": "a" * (rendering.MAX_BODY_CHARS + 1)})
    assert response.status_code == 413
    assert "characters long; at most" in response.content.decode()


def test_a_request_larger_than_any_body_is_refused_unread(client):
    from articles.admin.preview import MAX_REQUEST_BYTES

    client.force_login(make_user("writer"))
    response = client.post(URL, "body=" + "a" * MAX_REQUEST_BYTES, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
