"""Settings come from the environment; production refuses unsafe defaults."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "x7#Kq!2vR9zLw@4pT6mN8bJ$3cH5fG1dS0aY-uE_iO+rW=tZ^yX&"


def manage(*args, **env):
    # Only what a deployment would set: no test-run variables (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE).
    dropped = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = manage("check", "--settings=newsroom.settings.production", DJANGO_SECRET_KEY="")

    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr


def test_production_settings_pass_the_deployment_checks_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", "--settings=newsroom.settings.production",
                    DJANGO_SECRET_KEY=STRONG_KEY)  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_local_sqlite_database_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    code = (
        "from django.db import connection; c = connection.cursor(); "
        "print(c.execute('PRAGMA journal_mode').fetchone()[0], c.execute('PRAGMA busy_timeout').fetchone()[0])"
    )

    result = manage("shell", "--no-imports", "-c", code, SQLITE_PATH=str(tmp_path / "db.sqlite3"))

    assert result.stdout.split() == ["wal", "30000"]


@pytest.mark.django_db
def test_demo_accounts_are_refused_outside_local_settings(settings):
    from django.core.management import CommandError, call_command

    settings.NEWSROOM_DEMO_ACCOUNTS = False
    with pytest.raises(CommandError, match="disabled"):
        call_command("create_demo_accounts")
