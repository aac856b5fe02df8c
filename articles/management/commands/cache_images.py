"""manage.py cache_images: fetch and render by hand what the background jobs do (articles.pictures.jobs)."""

from django.core.management.base import BaseCommand
from django.db.models import Q
from tqdm import tqdm

from articles.models import ArticleImage, Picture, ProviderLogo, RelatedLinkImage
from articles.pictures.jobs import link_pictures, process_picture, recover_lost_jobs


class Command(BaseCommand):
    help = (
        "Fetch every image not cached yet and make its renditions, in this process, with a progress bar "
        "and a summary. Images without a picture are linked to one first. --retry-failed tries the "
        "failed ones again; --force remakes ready ones."
    )

    def add_arguments(self, parser):
        parser.add_argument("--retry-failed", action="store_true", help="Try pictures whose fetch failed again.")
        parser.add_argument("--force", action="store_true", help="Make the renditions of ready pictures again.")
        parser.add_argument("--limit", type=int, default=None, help="At most this many pictures.")

    def handle(self, *args, **options):
        recover_lost_jobs()
        for model in (ArticleImage, RelatedLinkImage, ProviderLogo):
            unlinked = list(model.objects.filter(picture__isnull=True).exclude(url="", file="").order_by("pk"))
            for start in range(0, len(unlinked), 1000):
                link_pictures(unlinked[start : start + 1000])
        wanted = Q(status=Picture.Status.PENDING)
        if options["retry_failed"]:
            wanted |= Q(status=Picture.Status.FAILED)
        if options["force"]:
            wanted |= Q(status=Picture.Status.READY)
        pictures = Picture.objects.filter(wanted).order_by("pk")
        if options["retry_failed"]:
            pictures.filter(status=Picture.Status.FAILED).update(attempts=0)
        ids = list(pictures.values_list("pk", flat=True)[: options["limit"]])
        counts = dict.fromkeys(Picture.Status.values, 0)
        show = options["verbosity"] >= 1
        for pk in tqdm(ids, desc="images", unit="image", disable=not show, file=self.stderr):
            status = process_picture(pk, force=options["force"])
            counts[status] = counts.get(status, 0) + 1
        if show:
            self.stdout.write(
                f"{len(ids)} image(s): {counts['ready']} ready, {counts['pending']} to retry later, "
                f"{counts['failed']} failed."
            )
            failed = Picture.objects.filter(pk__in=ids, status=Picture.Status.FAILED).values_list("source", "reason")
            for source, reason in failed[:20]:
                self.stdout.write(f"  failed: {source[:100]}: {reason}")
