"""Helpers for the Chromium tests: the demo accounts and signing in and out as a person does."""

import importlib
from types import SimpleNamespace

from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection
from playwright.sync_api import expect

from articles.management.commands.create_demo_accounts import DEMO_ACCOUNTS

PASSWORDS = {username: password for username, password, _ in DEMO_ACCOUNTS}

# The data migrations that make the groups and their permissions, in order, with the function each runs forwards.
GROUP_MIGRATIONS = [
    ("0002_workflow", "create_groups"),
    ("0007_article_parts_follow_the_article", "revoke"),
    ("0011_authoring_content", "grant"),
    ("0013_pictures_renditions", "grant"),
]


def make_demo_accounts():
    """The demo writer and editor, in the groups the data migrations make.

    A transactional test ends by emptying every table, groups included, so the
    groups are made again here, by the migrations' own functions.
    """
    schema_editor = SimpleNamespace(connection=connection)
    for module, function in GROUP_MIGRATIONS:
        getattr(importlib.import_module(f"articles.migrations.{module}"), function)(django_apps, schema_editor)
    call_command("create_demo_accounts", verbosity=0)


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORDS[username])
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#editorial-dashboard")).to_be_visible()


def log_out(page):
    page.locator("#logout-form button").click()
    expect(page.get_by_text("Logged out")).to_be_visible()
