"""Settings come from the environment; production refuses unsafe defaults."""

import shutil
import subprocess

import pytest

from tests.support.paths import ROOT
from tests.support.processes import STRONG_KEY, deployment_environment, manage


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


def test_migrate_works_in_a_fresh_clone_without_the_var_folder(tmp_path):
    """A Django user's first command: var/ (the SQLite file's folder) is not in the repository."""
    clone = tmp_path / "clone"
    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split("\0")  # fmt: skip
    for name in filter(None, tracked):
        if (ROOT / name).is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, clone / name)
    assert not (clone / "var").exists()
    result = manage("migrate", "-v", "0", cwd=clone, env=deployment_environment(without={"SQLITE_PATH"}))

    assert result.returncode == 0, result.stderr[-2000:]
    assert (clone / "var" / "db.sqlite3").is_file()


def test_a_sqlite_path_in_a_missing_folder_fails_with_what_to_do(tmp_path):
    result = manage("check", SQLITE_PATH=str(tmp_path / "missing" / "db.sqlite3"))

    assert result.returncode != 0
    assert f"SQLITE_PATH: the folder {tmp_path / 'missing'} does not exist; create it first." in result.stderr


@pytest.mark.parametrize("redis_url", ["", "redis://127.0.0.1:6379/9"])
def test_the_test_settings_cache_is_this_process_memory_or_redis_when_redis_url_is_set(redis_url):
    code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"

    result = manage("shell", "--no-imports", "-c", code, "--settings=newsroom.settings.test", REDIS_URL=redis_url)

    expected = "redis.RedisCache" if redis_url else "locmem.LocMemCache"
    assert result.stdout.strip().endswith(expected), result.stderr
