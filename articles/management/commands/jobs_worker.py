"""manage.py jobs_worker: the background worker (django-tasks-db's db_worker) with lost-job recovery.

Runs every queue (``--queue-name '*'``) by default: pictures (fetching,
renditions), notifications (mail) and the default queue. ``pictures_worker``
is the same command under its first name, kept for existing service units. Before it starts, and every
minute while it runs, it puts back in the queue the jobs of workers that died
mid-job: a worker of this machine whose process is gone at once, any other's
once its job has run longer than the lease (articles.pictures.jobs.lease).
Its worker id is ``host:pid``, which is how the dead are told from the living.
Run several, on one machine or many, against one PostgreSQL: each job is
claimed by one worker (SELECT ... FOR UPDATE SKIP LOCKED).
"""

import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from articles.pictures.jobs import recover_lost_jobs, worker_id

RECOVER_EVERY_SECONDS = 60


class Command(BaseCommand):
    help = "Run background jobs (pictures, notification mail) until stopped; see README 'Background jobs'."

    def add_arguments(self, parser):
        parser.add_argument("--queue-name", default="*", help="Queues, comma-separated, or * for all (default).")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls of an empty queue.")
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then exit.")
        parser.add_argument("--max-tasks", type=int, default=None, help="Exit after this many jobs.")

    def handle(self, *args, **options):
        recovered = recover_lost_jobs()
        if recovered and options["verbosity"] >= 1:
            self.stderr.write(f"Queued again {recovered} job(s) of workers that died mid-job.")
        stop = threading.Event()
        thread = threading.Thread(target=self.recover_periodically, args=(stop,), daemon=True)
        thread.start()
        worker_options = {"max_tasks": options["max_tasks"]} if options["max_tasks"] else {}
        try:
            call_command(
                "db_worker",
                queue_name=options["queue_name"],
                interval=options["interval"],
                batch=options["batch"],
                reload=False,
                worker_id=worker_id(),
                startup_delay=False,
                verbosity=options["verbosity"],
                **worker_options,
            )
        finally:
            stop.set()

    def recover_periodically(self, stop: threading.Event) -> None:
        while not stop.wait(RECOVER_EVERY_SECONDS):
            try:
                recover_lost_jobs()
            except Exception as error:
                self.stderr.write(f"recovering lost jobs failed: {error}")
            finally:
                close_old_connections()
                connection.close()
