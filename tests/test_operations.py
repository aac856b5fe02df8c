"""Operating Newsroom: health check, a plain 503 without a database, structured logs."""

import json
import logging
from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

from newsroom.logging import JsonFormatter

pytestmark = pytest.mark.django_db


def database_down(*args, **kwargs):
    raise OperationalError("connection refused")


def test_healthz_answers_ok_when_database_and_cache_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_healthz_says_503_and_which_part_failed_when_the_database_is_down(client):
    with mock.patch.object(BaseDatabaseWrapper, "cursor", database_down):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] == "error: OperationalError"
    assert response.json()["cache"] == "ok"


def test_site_answers_a_plain_503_while_the_database_is_down_and_recovers_after(client):
    with mock.patch.object(BaseDatabaseWrapper, "cursor", database_down):
        down = client.get("/")

    assert down.status_code == 503
    assert b"cannot reach its database" in down.content
    assert down["Retry-After"] == "30"
    assert client.get("/").status_code == 200


def test_each_request_is_logged_as_one_json_line(client, caplog):
    with caplog.at_level(logging.INFO, logger="newsroom.request"):
        client.get("/healthz?secret=1")

    (record,) = [r for r in caplog.records if r.name == "newsroom.request"]
    line = json.loads(JsonFormatter().format(record))
    assert line["path"] == "/healthz"
    assert line["status"] == 200
    assert line["method"] == "GET"
    assert isinstance(line["duration_ms"], float)
    assert line["client"] == "127.0.0.1"
    assert "secret" not in json.dumps(line)
