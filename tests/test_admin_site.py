"""The admin site as a whole: query strings no database can compare, and where signing in leads (issue 10, item 5)."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.support.factories import make_draft_article, make_user

pytestmark = pytest.mark.django_db

# Each gave a 500 on PostgreSQL (DataError: NUL in text); a filter on any text column does.
NUL_QUERIES = [
    "/admin/articles/article/?category=%00",
    "/admin/articles/article/?item_type=%00",
    "/admin/articles/article/?status__exact=%00",
    "/admin/articles/article/?title=%00",
    "/admin/articles/article/?q=%00",
    "/admin/articles/seedfile/?outcome__exact=%00",
    "/admin/auth/user/?username=%00",
    "/admin/axes/accessattempt/?username=%00",
    "/admin/autocomplete/?app_label=articles&model_name=article&field_name=provider&term=%00",
    "/admin/autocomplete/?app_label=articles&model_name=article&field_name=topics&term=ab%00cd",
    "/admin/articles/article/?%00=1",
]


@pytest.mark.parametrize("url", NUL_QUERIES)
def test_a_nul_character_in_an_admin_query_string_is_a_bad_request_not_a_server_error(client, url):
    client.force_login(make_user("superuser"))
    make_draft_article(category="news", item_type="article")

    response = client.get(url)

    assert response.status_code == 400


def test_the_same_filters_without_nul_still_work(client):
    client.force_login(make_user("superuser"))
    make_draft_article(title="Filtered", category="news", item_type="article")

    for url in [u.replace("%00", "news") for u in NUL_QUERIES]:
        assert client.get(url).status_code in {200, 302}, url  # 302: Django's "?e=1" for an unknown lookup


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/admin/", "javascript:alert(1)", ""])
def test_signing_in_with_an_unsafe_or_empty_next_leads_to_the_admin_index(client, next_url):
    get_user_model().objects.create_user(username="desk", password="a-Long-pass-1", is_staff=True)

    response = client.post(
        f"{reverse('admin:login')}?next={next_url}",
        {"username": "desk", "password": "a-Long-pass-1", "next": next_url},
    )

    assert (response.status_code, response["Location"]) == (302, reverse("admin:index"))


def test_signing_in_with_a_next_on_this_site_goes_there(client):
    get_user_model().objects.create_user(username="desk", password="a-Long-pass-1", is_staff=True)
    target = reverse("admin:articles_article_changelist")

    response = client.post(
        f"{reverse('admin:login')}?next={target}", {"username": "desk", "password": "a-Long-pass-1", "next": target}
    )

    assert response["Location"] == target
