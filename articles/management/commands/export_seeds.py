"""manage.py export_seeds DIR: write articles back out as seed files."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.importer.export import export_articles
from articles.models import Article


class Command(BaseCommand):
    help = (
        "Write each article as a seed file (<id>-<slug>.md) into DIR. An article nobody edited "
        "comes out with the same YAML data and body as the file it was imported from."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR", help="Where to write the files; created if missing.")
        parser.add_argument(
            "--status",
            action="append",
            choices=Article.Status.values,
            help="Only articles with this workflow status; repeat for several (default: all).",
        )

    def handle(self, *args, **options):
        articles = Article.objects.for_export()
        if options["status"]:
            articles = articles.filter(status__in=options["status"])
        directory = Path(options["directory"])
        if directory.exists() and not directory.is_dir():
            raise CommandError(f"{directory} exists and is not a directory", returncode=2)
        count = export_articles(articles, directory)
        repaired = articles.filter(import_notes__has_key="repaired").count() if count else 0
        if options["verbosity"] >= 1:
            self.stdout.write(self.style.SUCCESS(f"Exported {count} articles to {directory}"))
            if repaired:
                self.stdout.write(
                    f"{repaired} of them carry text whose mojibake was repaired on import; "
                    "the original text is kept in each article's import notes."
                )
