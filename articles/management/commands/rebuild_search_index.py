"""manage.py rebuild_search_index: index every article afresh (see ``articles.search``)."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from articles.search import rebuild_search_index


class Command(BaseCommand):
    help = (
        "Rebuild the full-text search index from the articles, providers and topics in the database, "
        "in one transaction: searches use the old index until the new one is complete. Needed only "
        "after articles were written without keeping the index in step (raw SQL that does not call "
        "articles.search.refresh_search_index), or to repair it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=5000,
            help="Articles indexed per step; progress is reported after each (default: %(default)s).",
        )
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="The database to index (default: %(default)s)."
        )

    def handle(self, *args, **options):
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size must be at least 1", returncode=2)
        connection = connections[options["database"]]
        if connection.vendor not in ("sqlite", "postgresql"):
            raise CommandError(f"Full-text search needs SQLite or PostgreSQL, not {connection.vendor}.")
        verbose = options["verbosity"] >= 1
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            if verbose:
                self.stdout.write(f"Indexed {done:,} of {total:,} articles ({time.perf_counter() - started:.1f} s)")

        try:
            count = rebuild_search_index(chunk_size=options["chunk_size"], progress=progress, using=connection.alias)
        except DatabaseError as error:
            raise CommandError(f"Could not rebuild the search index ({error}); has `manage.py migrate` run?") from error
        if verbose:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Search index rebuilt: {count:,} articles in {time.perf_counter() - started:.1f} s."
                )
            )
