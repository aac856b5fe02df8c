"""Signing in: throttled against password guessing (django-axes), every form
protected against cross-site posts, cookies secure and HttpOnly in production."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from newsroom.client_ip import client_ip
from tests.support.factories import make_published_article, make_user
from tests.support.processes import STRONG_KEY, manage

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
LOCKED = "Too many failed sign-in attempts"


def sign_in(client, username, password, address="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=address)


def test_a_correct_password_signs_in_through_the_login_form(client):
    user = make_user("editor")

    response = sign_in(client, user.username, "pw")

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_five_wrong_passwords_lock_the_username_from_that_address_even_with_the_right_one(client):
    user = make_user("editor")

    first_four = [sign_in(client, user.username, f"guess-{n}").status_code for n in range(4)]
    fifth = sign_in(client, user.username, "guess-5")
    right_password = sign_in(client, user.username, "pw")

    assert first_four == [200, 200, 200, 200]
    assert fifth.status_code == 429
    assert right_password.status_code == 429
    assert LOCKED in right_password.content.decode()
    assert "locked for 15 minutes" in right_password.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_lockout_holds_only_for_that_username_and_address(client):
    victim, colleague = make_user("editor"), make_user("writer")
    for n in range(5):
        sign_in(client, victim.username, f"guess-{n}", address="10.0.0.66")

    assert sign_in(Client(), colleague.username, "pw", address="10.0.0.66").status_code == 302
    assert sign_in(Client(), victim.username, "pw", address="10.0.0.7").status_code == 302
    assert sign_in(Client(), victim.username, "pw", address="10.0.0.66").status_code == 429


def sign_in_through_proxy(username, password, forwarded_for, proxy="10.0.0.254"):
    return Client().post(
        LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_behind_a_trusted_proxy_a_lockout_holds_for_the_client_address_not_the_proxys(settings):
    settings.NEWSROOM_TRUSTED_PROXIES = 1
    user = make_user("editor")
    for n in range(5):
        sign_in_through_proxy(user.username, f"guess-{n}", "203.0.113.66")

    assert sign_in_through_proxy(user.username, "pw", "203.0.113.66").status_code == 429
    assert sign_in_through_proxy(user.username, "pw", "198.51.100.7").status_code == 302


def test_behind_a_trusted_proxy_an_address_the_client_wrote_itself_does_not_dodge_the_lock(settings):
    settings.NEWSROOM_TRUSTED_PROXIES = 1
    user = make_user("editor")
    # The proxy appends the address it saw; anything to its left came from the client.
    for n in range(5):
        sign_in_through_proxy(user.username, f"guess-{n}", f"192.0.2.{n}, 203.0.113.66")

    assert sign_in_through_proxy(user.username, "pw", "192.0.2.99, 203.0.113.66").status_code == 429


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(settings):
    settings.NEWSROOM_TRUSTED_PROXIES = 0
    user = make_user("editor")
    for n in range(5):
        sign_in_through_proxy(user.username, f"guess-{n}", f"203.0.113.{n}", proxy="10.0.0.9")

    assert sign_in_through_proxy(user.username, "pw", "198.51.100.7", proxy="10.0.0.9").status_code == 429


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "203.0.113.5", "10.0.0.254"),
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "192.0.2.1, 203.0.113.5", "203.0.113.5"),
        (2, "192.0.2.1, 203.0.113.5, 10.0.0.3", "203.0.113.5"),
        (2, "203.0.113.5", "10.0.0.254"),  # shorter than the proxy chain: not through it
        (1, "not-an-address", "10.0.0.254"),
        (1, "", "10.0.0.254"),
        (1, " 2001:db8::1 ", "2001:db8::1"),
    ],
)
def test_the_client_address_is_the_nth_forwarded_one_from_the_right(settings, rf, proxies, forwarded_for, expected):
    settings.NEWSROOM_TRUSTED_PROXIES = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.254", HTTP_X_FORWARDED_FOR=forwarded_for)

    assert client_ip(request) == expected


def locked_out_editor(client):
    """An editor whose account five wrong passwords from one address have just locked."""
    user = make_user("editor")
    for n in range(5):
        sign_in(client, user.username, f"guess-{n}")
    return user


def test_a_lockout_ends_by_itself_fifteen_minutes_after_the_last_attempt(client):
    user = locked_out_editor(client)

    with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False):
        unlocked = sign_in(Client(), user.username, "pw").status_code

    assert unlocked == 302


def test_trying_again_while_locked_out_keeps_the_lock_for_another_fifteen_minutes(client):
    user = locked_out_editor(client)

    with time_machine.travel(timezone.now() + timedelta(minutes=14), tick=False):
        at_fourteen_minutes = sign_in(Client(), user.username, "pw").status_code
    with time_machine.travel(timezone.now() + timedelta(minutes=20), tick=False):
        at_twenty_minutes = sign_in(Client(), user.username, "pw").status_code

    assert (at_fourteen_minutes, at_twenty_minutes) == (429, 429)


def test_a_successful_sign_in_forgets_earlier_failures(client):
    user = make_user("editor")
    for n in range(4):
        sign_in(client, user.username, f"typo-{n}")
    assert sign_in(client, user.username, "pw").status_code == 302

    after = [sign_in(Client(), user.username, f"typo-again-{n}").status_code for n in range(4)]

    assert after == [200, 200, 200, 200]


def test_guessing_an_unknown_username_is_throttled_the_same_way(client):
    statuses = [sign_in(client, "nobody-here", f"guess-{n}").status_code for n in range(6)]

    assert statuses == [200, 200, 200, 200, 429, 429]
    assert not get_user_model().objects.filter(username="nobody-here").exists()


# Cross-site request forgery


def test_the_admin_login_form_carries_a_csrf_token_and_refuses_a_post_without_it():
    user = make_user("editor")
    browser = Client(enforce_csrf_checks=True)

    page = browser.get(LOGIN).content.decode()
    forged = browser.post(LOGIN, {"username": user.username, "password": "pw"})

    assert 'name="csrfmiddlewaretoken"' in page
    assert forged.status_code == 403


def test_an_admin_change_form_post_without_a_csrf_token_is_refused():
    article = make_published_article("Protected story")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_user("editor"))
    url = reverse("admin:articles_article_change", args=[article.pk])

    page = browser.get(url).content.decode()
    forged = browser.post(url, {"title": "Forged"})

    assert 'name="csrfmiddlewaretoken"' in page
    assert forged.status_code == 403
    article.refresh_from_db()
    assert article.title == "Protected story"


def test_every_form_on_the_public_site_is_a_get_form(client):
    """Readers only search: no public form changes anything, so none needs a token."""
    article = make_published_article("Form story", topics=["Forms"])
    pages = ["/", article.get_absolute_url(), "/search/", "/search/?q=form", "/topics/forms/", "/no-such-page/"]

    methods = set()
    for url in pages:
        for form in re.findall(r"<form\b[^>]*>", client.get(url).content.decode()):
            methods.add((re.search(r'method="([^"]*)"', form) or [None, "get"])[1].lower())

    assert methods == {"get"}


# Cookies in production


def test_production_cookies_are_secure_and_http_only():
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_SAMESITE)"
    )

    result = manage(
        "shell", "--no-imports", "-c", code, "--settings=newsroom.settings.production", DJANGO_SECRET_KEY=STRONG_KEY
    )

    assert result.stdout.split() == ["True", "True", "True", "Lax"], result.stderr
