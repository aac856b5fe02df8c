"""A change made by any process shows on every gunicorn worker's next request (issue 10, item 3).

The set-up of ``make serve`` without Redis: several gunicorn workers, each
with the page cache in its own memory. An unpublish, an edit and an import
are each made by a separate process (``manage.py shell`` and ``manage.py
import_seeds``, as an editor's app server and cron would), and then every
one of many concurrent requests, answered by all the workers, must show the
change. Before the content version was shared, each worker went on serving
its cached pages for up to ``NEWSROOM_PAGE_CACHE_SECONDS``.

Runs on SQLite, on PostgreSQL when a server answers on 127.0.0.1:5432 (a
database of its own, dropped afterwards), and with Redis as the cache when
REDIS_URL is set.
"""

import http.cookiejar
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.processes import fetch, gunicorn, local_server_environment, manage, scratch_postgres

WORKERS = 3
REQUESTS = 48  # per check, 8 at a time: every worker answers some
SEED = """---
title: {title}
webUrl: https://processes.example/{name}
publishedDateTime: 2026-11-26T0{hour}:00:00Z
published: true
provider:
  name: Process Wire
  domain: processes.example
---
The body of {name}.
"""


def fetch_many(url: str) -> list[tuple[int, str]]:
    """``REQUESTS`` GETs of ``url``, 8 at a time: (status, body) of each."""
    with ThreadPoolExecutor(8) as pool:
        return [(answer.status, answer.text) for answer in pool.map(fetch, [url] * REQUESTS)]


def write_seed(folder: Path, name: str, title: str, hour: int) -> None:
    (folder / f"{name}.md").write_text(SEED.format(name=name, title=title, hour=hour), encoding="utf-8")


@pytest.fixture(params=["sqlite", "postgresql", "redis"])
def environment(request, tmp_path):
    env = local_server_environment(SQLITE_PATH=str(tmp_path / "site.sqlite3"))
    if request.param == "redis":
        if not os.environ.get("REDIS_URL"):
            pytest.skip("REDIS_URL is not set")
        yield env | {"REDIS_URL": os.environ["REDIS_URL"]}  # the suite's own Redis database, emptied per test
        return
    if request.param == "sqlite":
        yield env
        return
    with scratch_postgres("newsroom_processes") as url:
        yield env | {"DATABASE_URL": url}


@pytest.fixture
def site(environment, tmp_path):
    """Three live stories, served by gunicorn with make serve's configuration file and ``WORKERS`` workers."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for hour, name in enumerate(["alpha", "bravo", "charlie"], start=1):
        write_seed(seeds, name, f"{name.capitalize()} first headline", hour)
    manage("migrate", "-v", "0", env=environment, check=True)
    manage("import_seeds", str(seeds), "-v", "0", env=environment, check=True)
    workers = environment | {"GUNICORN_WORKERS": str(WORKERS)}
    with gunicorn(workers, tmp_path / "gunicorn.log", "-c", "newsroom/gunicorn.conf.py") as base:
        yield base, seeds


def in_shell(env, code: str) -> None:
    """Run ``code`` in a ``manage.py shell`` of its own: another process than every gunicorn worker."""
    setup = (
        "from django.contrib.auth.models import User; from articles import services; "
        "from articles.models import Article; "
        "editor = User.objects.filter(username='ed').first() or "
        "User.objects.create_superuser('ed', 'ed@example.com', 'pw'); "
    )
    manage("shell", "--no-imports", "-c", setup + code, env=env, check=True)


def test_an_unpublish_an_edit_and_an_import_in_other_processes_show_on_every_worker_at_once(site, environment):
    base, seeds = site
    listed = json.loads(fetch(base + "/api/news/").text)["results"]
    article = {item["title"].split()[0].lower(): urlsplit(item["url"]).path for item in listed}
    warm = fetch_many(base + "/") + fetch_many(base + article["alpha"]) + fetch_many(base + article["bravo"])
    assert {status for status, _ in warm} == {200}
    assert all("Alpha first headline" in page for _, page in warm[:REQUESTS])

    in_shell(
        environment, "services.article_unpublish(article=Article.objects.get(title__startswith='Alpha'), by=editor)"
    )

    stale = [page for _, page in fetch_many(base + "/") if "Alpha first headline" in page]
    assert not stale, f"{len(stale)} of {REQUESTS} requests got a worker's cached front page"
    assert {status for status, _ in fetch_many(base + article["alpha"])} == {404}

    in_shell(
        environment,
        "a = Article.objects.get(title__startswith='Bravo'); a.title = 'Bravo corrected headline'; "
        "services.article_save(article=a, by=editor, seen_token=a.edit_token, is_edit=True)",
    )

    for url in ("/", article["bravo"]):
        pages = fetch_many(base + url)
        assert {status for status, _ in pages} == {200}, url
        assert all("Bravo corrected headline" in page for _, page in pages), url

    write_seed(seeds, "charlie", "Charlie second headline", 3)
    manage("import_seeds", str(seeds / "charlie.md"), "-v", "0", env=environment, check=True)

    front = fetch_many(base + "/")
    assert all("Charlie second headline" in page and "Charlie first headline" not in page for _, page in front)


def admin_status(base: str, session: str) -> str:
    """Where the admin index sends this session: "index" when it is signed in, "login" when not."""
    request = urllib.request.Request(base + "/admin/", headers={"Cookie": f"sessionid={session}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our own local server
        return "login" if "/admin/login/" in response.geturl() else "index"


def test_a_sign_out_ends_the_session_on_every_worker(site, environment):
    """Sessions read through a cache that is each worker's own would live on in the workers that cached them."""
    base, _ = site
    in_shell(environment, "pass")  # creates the account
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = browser.open(base + "/admin/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    fields = {"username": "ed", "password": "pw", "csrfmiddlewaretoken": token, "next": "/admin/"}
    browser.open(base + "/admin/login/", urllib.parse.urlencode(fields).encode(), timeout=30)
    session = next(cookie.value for cookie in jar if cookie.name == "sessionid")
    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(admin_status, [base] * REQUESTS, [session] * REQUESTS)) == {"index"}

    csrf = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
    browser.open(base + "/admin/logout/", urllib.parse.urlencode({"csrfmiddlewaretoken": csrf}).encode(), timeout=30)

    with ThreadPoolExecutor(8) as pool:
        after = list(pool.map(admin_status, [base] * REQUESTS, [session] * REQUESTS))
    assert after.count("index") == 0, f"{after.count('index')} of {REQUESTS} requests still signed in"
