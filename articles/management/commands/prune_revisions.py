"""manage.py prune_revisions: keep each article's newest revisions (see ``articles.revisions.prune``)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from articles.revisions import prunable, prune


class Command(BaseCommand):
    help = (
        "Delete each article's revisions beyond its newest N (--keep, default NEWSROOM_REVISIONS_KEEP; "
        "0 keeps all). Revisions of a published article are always kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--keep", type=int, default=None, help="Revisions to keep per article.")
        parser.add_argument("--dry-run", action="store_true", help="Count what would go; delete nothing.")

    def handle(self, *args, **options):
        keep = settings.NEWSROOM_REVISIONS_KEEP if options["keep"] is None else options["keep"]
        if keep < 0:
            raise CommandError("--keep must be 0 (keep all) or more", returncode=2)
        if keep == 0:
            self.stdout.write("Keeping every revision (--keep 0).")
            return
        if options["dry_run"]:
            self.stdout.write(f"{len(prunable(keep))} revisions would be deleted.")
            return
        with transaction.atomic():
            deleted = prune(keep)
        if options["verbosity"] >= 1:
            self.stdout.write(self.style.SUCCESS(f"{deleted} revisions deleted; at most {keep} kept per article."))
