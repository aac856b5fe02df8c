"""manage.py import_seeds PATH...: bring seed files into the database."""

import sys
from dataclasses import fields

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from articles.importer.parse import find_seed_files
from articles.importer.run import import_seed_files
from articles.importer.validate import Limits


class Command(BaseCommand):
    help = (
        "Import seed files (YAML front matter + Markdown body). PATHs are files or directories; "
        "directories are walked for *.md and *.txt in sorted order. Files imported before are "
        "skipped, newer versions of an article update it, and a bad file is reported on one line "
        "without stopping the run. Exit status: 0 all accepted, 1 some failed, 2 bad usage."
    )

    def add_arguments(self, parser):
        defaults = Limits()
        parser.add_argument("paths", nargs="+", metavar="PATH", help="Seed files or directories of them.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Read and validate everything, report, write nothing."
        )
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Apply newer seed files even to articles a person has edited since their last import.",
        )
        parser.add_argument(
            "--max-bytes",
            type=int,
            default=settings.NEWSROOM_IMPORT_MAX_BYTES,
            help="Refuse files larger than this many bytes (default: %(default)s).",
        )
        parser.add_argument("--batch-size", type=int, default=500, help="Files per transaction (default: 500).")
        parser.add_argument(
            "--workers",
            type=int,
            help="Processes that parse files while the database is written "
            "(default: one per CPU, up to 4, for runs of 400 files or more; 1 parses in this process).",
        )
        parser.add_argument(
            "--max-depth",
            type=int,
            default=defaults.max_depth,
            help="Deepest nesting allowed in the front matter (default: %(default)s).",
        )
        parser.add_argument(
            "--max-related",
            type=int,
            default=defaults.max_related,
            help="Most related links per file (default: %(default)s).",
        )
        parser.add_argument(
            "--max-images", type=int, default=defaults.max_images, help="Most images per list (default: %(default)s)."
        )
        parser.add_argument(
            "--max-topics", type=int, default=defaults.max_topics, help="Most topics per file (default: %(default)s)."
        )
        parser.add_argument(
            "--max-values",
            type=int,
            default=defaults.max_values,
            help="Most values in one front matter, aliases expanded (default: %(default)s).",
        )

    def handle(self, *args, **options):
        limit_names = [field.name for field in fields(Limits)]  # each limit's flag has its name
        for name in ("max_bytes", "batch_size", "workers", *limit_names):
            if options[name] is not None and options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be at least 1", returncode=2)
        try:
            paths = find_seed_files(options["paths"])
        except FileNotFoundError as error:
            raise CommandError(str(error), returncode=2) from None
        verbosity = options["verbosity"]
        progress = self.progress_bar(len(paths), verbosity)
        report = import_seed_files(
            paths,
            overwrite=options["overwrite"],
            dry_run=options["dry_run"],
            max_bytes=options["max_bytes"],
            batch_size=options["batch_size"],
            workers=options["workers"],
            limits=Limits(**{name: options[name] for name in limit_names}),
            on_error=lambda path, reason: self.stderr.write(f"{path}: {reason}"),
            on_progress=progress.update if progress else None,
        )
        if progress:
            progress.close()
        if verbosity >= 2:
            for path in report.conflict_paths:
                self.stdout.write(f"{path}: conflict: the article was edited in the admin; use --overwrite")
        if verbosity >= 1:
            prefix = "Dry run, nothing written: " if options["dry_run"] else ""
            style = self.style.SUCCESS if not report.failed else self.style.WARNING
            self.stdout.write(style(prefix + report.summary()))
        if report.failed:
            raise CommandError(f"{report.failed} of {report.files} files were not imported", returncode=1)

    def progress_bar(self, total: int, verbosity: int):
        if verbosity < 1 or not sys.stderr.isatty():
            return None
        from tqdm import tqdm

        return tqdm(total=total, unit="file", file=sys.stderr, dynamic_ncols=True)
