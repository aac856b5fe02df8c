"""A worker killed mid-job (SIGKILL) leaves no half-written file, and the job completes on restart (issue 14).

Real processes: ``manage.py pictures_worker`` against a database file (and a
PostgreSQL database of its own when a server answers on 127.0.0.1:5432), a
local HTTP server with a large image, so the job is still writing
renditions when the first of them appears and the worker is killed.
"""

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from PIL import Image

from tests.support import processes
from tests.support.picture_server import PictureServer, image_bytes
from tests.support.processes import scratch_postgres


@pytest.fixture(params=["sqlite", "postgresql"])
def environment(request, tmp_path):
    dropped = {"DATABASE_URL", "SQLITE_PATH", "DJANGO_SETTINGS_MODULE", "NEWSROOM_PICTURES_ROOT"}
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env |= {
        "DJANGO_SETTINGS_MODULE": "newsroom.settings.test",
        "SQLITE_PATH": str(tmp_path / "jobs.sqlite3"),
        "NEWSROOM_PICTURES_ROOT": str(tmp_path / "pictures"),
    }
    if request.param == "sqlite":
        yield env
        return
    with scratch_postgres("newsroom_worker") as url:
        yield env | {"DATABASE_URL": url}


def manage(env, *args, stderr=False) -> str:
    """A command's output (tests/support/processes.py runs it; the test fails unless it exits 0)."""
    result = processes.manage(*args, env=env, check=True)
    return result.stdout + (result.stderr if stderr else "")


def shell(env, code: str) -> str:
    return manage(env, "shell", "--no-imports", "-c", code).strip()


def complete_images(folder: Path) -> list[Path]:
    """Every file under folder (but .partial/): each must decode to the end."""
    files = [p for p in folder.rglob("*") if p.is_file() and ".partial" not in p.parts]
    for path in files:
        with Image.open(path) as image:
            image.load()  # raises on a half-written file
    return files


def test_a_worker_killed_mid_job_leaves_no_half_file_and_the_job_completes_on_restart(environment, tmp_path):
    pictures = Path(environment["NEWSROOM_PICTURES_ROOT"])
    manage(environment, "migrate", "-v", "0")
    with PictureServer() as server:
        url = server.add("/huge.jpg", image_bytes("JPEG", (4000, 3000), quality=92))
        picture_id = shell(
            environment,
            "from articles.models import Picture; from articles.models.renditions import source_key; "
            "from articles.pictures.jobs import fetch_picture; "
            f"p = Picture.objects.create(source={url!r}, source_key=source_key({url!r})); "
            "fetch_picture.enqueue(p.pk); print(p.pk)",
        )
        log = (tmp_path / "worker.log").open("w")
        worker = processes.start_manage(
            "pictures_worker", "--interval", "0.1", env=environment, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 120
            while not (pictures / "r").exists() or not any(p.is_file() for p in (pictures / "r").rglob("*")):
                assert worker.poll() is None, (tmp_path / "worker.log").read_text()
                assert time.monotonic() < deadline, "the worker never started writing renditions"
                time.sleep(0.01)
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
        finally:
            if worker.poll() is None:
                worker.kill()
            log.close()

        state = shell(
            environment,
            "from articles.models import Picture; from django_tasks_db.models import DBTaskResult; "
            f"p = Picture.objects.get(pk={picture_id}); "
            "print(p.status, p.renditions.count(), DBTaskResult.objects.get().status)",
        )
        assert state == "pending 0 RUNNING", "killed mid-job: nothing recorded as done, the job still claimed"
        written_before = complete_images(pictures)  # whatever was written is whole
        assert written_before

        # Restarted: the dead worker's job is put back in the queue and run to the end.
        output = manage(environment, "pictures_worker", "--batch", "--interval", "0", stderr=True)
        assert "Queued again 1 job(s) of workers that died mid-job." in output

    state = shell(
        environment,
        "from articles.models import Picture; from django_tasks_db.models import DBTaskResult; "
        f"p = Picture.objects.get(pk={picture_id}); "
        "print(p.status, p.width, p.height, sorted(DBTaskResult.objects.values_list('status', flat=True)), "
        "p.renditions.count()); [print(r.file) for r in p.renditions.all()]",
    ).splitlines()
    status, width, height, *rest = state[0].split(" ", 3)
    assert (status, width, height) == ("ready", "4000", "3000")
    assert rest[0].startswith("['FAILED', 'SUCCESSFUL']")  # the lost run, then the run that finished
    files = set(state[1:])
    assert len(files) == int(rest[0].rsplit(" ", 1)[1]) > 20
    on_disk = {str(p.relative_to(pictures)) for p in complete_images(pictures)}
    assert files <= on_disk
    assert {str(p.relative_to(pictures)) for p in written_before} <= on_disk
    assert list((pictures / ".partial").iterdir()) == []  # the killed writer's temporary file swept
