"""The background work on pictures, on django-tasks (the backport of Django 6's ``django.tasks``).

``process_picture(pk)`` is the one function that fetches (or reads an upload),
checks, stores and renders a picture. The task ``fetch_picture`` runs it in a
worker (``manage.py pictures_worker``); ``manage.py cache_images`` runs it in
the foreground. It is idempotent: a ready picture is left alone, files have
content-addressed names and are written whole or not at all, and the row is
updated in one statement at the end, so a run cut short (a worker killed)
leaves nothing half-done and running it again finishes the job.

A refusal that a later attempt might cure (a timeout, an HTTP 5xx) is tried
again after ``BACKOFF_SECONDS * 4**(attempt-1)``, at most ``MAX_ATTEMPTS``
times; any other refusal is final at once. The reason is kept on the picture.

``recover_lost_jobs`` puts back in the queue the jobs of workers that died
mid-job (SIGKILL, a lost machine), the notifications' mail too: run by every worker when it starts and
every minute after, and by ``cache_images``.
"""

import hashlib
import logging
import os
import socket
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task

from ..caching import articles_changed, content_changes_within
from ..importer.rows import insert_rows, rows_with, update_rows
from ..models import ArticleImage, Picture, ProviderLogo, RelatedLinkImage
from ..models.renditions import Rendition, source_key, upload_source
from ..rendering import http_url
from . import render
from .fetch import Refused, decode, fetch_bytes

logger = logging.getLogger("newsroom.pictures")
IMAGE_MODELS = (ArticleImage, RelatedLinkImage, ProviderLogo)
QUEUE = "pictures"


@task(queue_name=QUEUE)
def fetch_picture(picture_id: int, force: bool = False) -> str:
    """The queued job: ``process_picture``; returns the picture's status."""
    return process_picture(picture_id, force=force)


@task(queue_name=QUEUE)
def queue_pictures(picture_ids: list[int]) -> int:
    """An import batch's one job: a ``fetch_picture`` job per picture, queued by a worker, so that the
    import writes one job row per batch, not one per picture (5,221 enqueues cost 3.1 s of a 9.1 s import)."""
    enqueue(picture_ids)
    return len(picture_ids)


def lease() -> timedelta:
    """How long a job may run before another worker takes it to be lost."""
    return timedelta(seconds=settings.PICTURES_FETCH["TOTAL_SECONDS"] * 2 + 120)


def read_source(picture: Picture) -> bytes:
    if picture.source.startswith("upload:"):
        name = picture.source.removeprefix("upload:")
        limit = settings.PICTURES_FETCH["MAX_BYTES"]
        try:
            with default_storage.open(name, "rb") as handle:
                data = handle.read(limit + 1)
        except OSError as error:
            raise Refused(f"uploaded file unreadable: {error}") from None
        if len(data) > limit:
            raise Refused(f"larger than {limit} bytes")
        return data
    data, _ = fetch_bytes(picture.source)
    return data


def process_picture(picture_id: int, *, force: bool = False) -> str:
    picture = Picture.objects.filter(pk=picture_id).first()
    if picture is None:
        return "gone"
    if picture.is_ready and not force:
        return picture.status
    attempt = picture.attempts + 1
    Picture.objects.filter(pk=picture.pk).update(attempts=attempt, updated_at=timezone.now())
    try:
        data = read_source(picture)
        image, image_format = decode(data)
        content_hash = hashlib.sha256(data).hexdigest()
        original = f"o/{content_hash[:2]}/{content_hash}.{render.EXTENSIONS.get(image_format.lower(), 'img')}"
        render.write_once(original, lambda: data)
        made = render.render(image, content_hash, (picture.focal_x, picture.focal_y))
        save_ready(picture, data, image, image_format, content_hash, original, made)
    except Refused as refusal:
        return refused(picture, attempt, refusal)
    except Exception as error:  # a bug, a full disk, a deadlock: recorded like a refusal, tried again (a job
        # that raised would leave the picture pending with no job to finish it)
        logger.exception("picture %s failed", picture.pk)
        return refused(picture, attempt, Refused(f"error: {error.__class__.__name__}: {error}", retry=True))
    return Picture.Status.READY


def save_ready(picture, data, image, image_format, content_hash, original, made) -> None:
    """Point picture at its renditions in one transaction, under the lock of its bytes' files (see
    ``lock_files``): a file another picture's clean-up deleted since ``render`` found it is written again."""
    with transaction.atomic():
        lock_files([original, *(m.file for m in made)])
        store = render.storage()
        if missing_files(store, content_hash, original, made):
            render.write_once(original, lambda: data)
            render.render(image, content_hash, (picture.focal_x, picture.focal_y))
        previous = set(Rendition.objects.filter(picture=picture).values_list("file", flat=True))
        if picture.original and picture.original != original:
            previous.add(picture.original)
        Rendition.objects.filter(picture=picture).delete()
        Rendition.objects.bulk_create(
            Rendition(
                picture=picture,
                crop=m.crop,
                width=m.width,
                height=m.height,
                format=m.format,
                file=m.file,
                byte_size=m.byte_size,
            )
            for m in made
        )
        Picture.objects.filter(pk=picture.pk).update(
            status=Picture.Status.READY,
            reason="",
            next_attempt_at=None,
            content_hash=content_hash,
            original=original,
            format=image_format,
            width=image.width,
            height=image.height,
            byte_size=len(data),
            variants=render.variants(made),
            updated_at=timezone.now(),
        )
        # Cached pages show the renditions (robust: the picture is ready once this commits, whatever befalls the
        # page cache): the pages showing the articles that use it at once (their own
        # versions: articles_changed); a source's logo is on every page, so all of them within
        # PICTURES_READY_STALE_SECONDS (one new version for every logo made ready in that window).
        transaction.on_commit(lambda: pages_show_ready_picture(picture.pk), robust=True)
        superseded = previous - {m.file for m in made} - {original}
        if superseded:
            transaction.on_commit(lambda: delete_unused_files(superseded), robust=True)


def content_hash_of(name: str) -> str:
    """The SHA-256 a rendition's or an original's name starts from: r/ab/<hash>/... or o/ab/<hash>.ext."""
    return name.split("/")[2].split(".")[0] if name.count("/") >= 2 else name


def lock_files(names) -> None:
    """In a transaction: hold the lock of the files of these names' bytes until it ends.

    Files are shared by every picture of the same bytes (content-addressed names), so the clean-up
    that deletes one picture's unused files and the job that points another picture at the same
    files must not interleave: the clean-up would find the files unused and delete them between
    ``render`` finding them there and the job's rows committing. Both take this lock: on PostgreSQL an
    advisory lock per content hash (in a fixed order: no deadlock); on SQLite the IMMEDIATE transaction
    holds the database's one write lock already.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for content_hash in sorted({content_hash_of(name) for name in names}):
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s)", [int(hashlib.sha256(content_hash.encode()).hexdigest()[:15], 16)]
            )


def missing_files(store, content_hash: str, original: str, made) -> bool:
    """True if a file of these renditions (or the original) is not in store: one listing, not a request a file."""
    folder = f"r/{content_hash[:2]}/{content_hash}"
    try:
        present = {f"{folder}/{name}" for name in store.listdir(folder)[1]}
    except FileNotFoundError:
        present = set()
    return any(m.file not in present for m in made) or not store.exists(original)


def pages_show_ready_picture(picture_id: int) -> None:
    seconds = settings.PICTURES_READY_STALE_SECONDS
    if ProviderLogo.objects.filter(picture_id=picture_id).exists():
        content_changes_within(seconds)
    articles = set(ArticleImage.objects.filter(picture_id=picture_id).values_list("article_id", flat=True))
    articles.update(
        RelatedLinkImage.objects.filter(picture_id=picture_id).values_list("related_link__article_id", flat=True)
    )
    articles_changed(articles, images_only=True)


def delete_unused_files(names) -> int:
    """Delete the files among names that no rendition and no picture uses any more; how many.

    Called once the rows that replaced them have committed (new crops for a
    moved focal point, or every file of an image whose bytes changed). Names
    are content-addressed, so another picture of the same bytes may use the
    same file: those are kept, and the check and the deletion hold the files'
    lock (``lock_files``) so that a job pointing a picture at them cannot commit in between.
    """
    names = set(names)
    with transaction.atomic():
        lock_files(names)
        names -= set(Rendition.objects.filter(file__in=names).values_list("file", flat=True))
        names -= set(Picture.objects.filter(original__in=names).values_list("original", flat=True))
        store = render.storage()
        for name in names:
            store.delete(name)
    return len(names)


def refused(picture: Picture, attempt: int, refusal: Refused) -> str:
    opts = settings.PICTURES_FETCH
    again = refusal.retry and attempt < opts["MAX_ATTEMPTS"]
    when = timezone.now() + timedelta(seconds=opts["BACKOFF_SECONDS"] * 4 ** (attempt - 1)) if again else None
    status = Picture.Status.PENDING if again else Picture.Status.FAILED
    reason = f"attempt {attempt}: {refusal.reason}".replace("\n", " ")[:300]
    Picture.objects.filter(pk=picture.pk).update(
        status=status, reason=reason, next_attempt_at=when, updated_at=timezone.now()
    )
    if again:
        fetch_picture.using(run_after=when).enqueue(picture.pk)
    logger.info("picture %s refused (%s): %s", picture.pk, status, refusal.reason)
    return status


def source_of(image) -> str | None:
    if image.file:
        return upload_source(getattr(image.file, "name", image.file))
    return http_url(image.url) or None


def pictures_for(sources) -> tuple[dict[str, int], list[int]]:
    """The picture of each source (made if new), as {source: picture id}, and those of them that need a job.

    Three statements however many sources: an import links its images from the sources it holds in memory
    before it writes them, rather than reading and updating them after (26,000 images: 1.2 s of writer CPU).
    """
    keys = {source_key(source): source for source in sources}
    if not keys:
        return {}, []
    found = rows_with(Picture, "source_key", keys, "source_key", "pk", "status", "attempts")
    known = {key: (pk, status == Picture.Status.PENDING and attempts == 0) for key, pk, status, attempts in found}
    missing = [key for key in keys if key not in known]
    if missing:
        rows = [{"source": keys[key], "source_key": key} for key in missing]
        try:
            with transaction.atomic():  # the importer's raw INSERT: bulk_create cost 0.2 ms a picture
                insert_rows(Picture, rows, timezone.now())
        except IntegrityError:  # another process made some of them meanwhile
            Picture.objects.bulk_create([Picture(**row) for row in rows], ignore_conflicts=True)
        made = rows_with(Picture, "source_key", missing, "source_key", "pk")
        known |= {key: (pk, True) for key, pk in made}
    return {keys[key]: pk for key, (pk, _) in known.items()}, [pk for pk, needs_job in known.values() if needs_job]


def link_pictures(images) -> list[int]:
    """Point each image at the picture of its source (made if new); the pictures that need a job."""
    by_source: dict[str, list] = {}
    for image in images:
        source = source_of(image)
        if source:
            by_source.setdefault(source, []).append(image)
    picture_ids, needing_jobs = pictures_for(by_source)
    changed: dict[type, list] = {}
    for source, picture_id in picture_ids.items():
        for image in by_source[source]:
            if image.picture_id != picture_id:
                image.picture_id = picture_id
                changed.setdefault(type(image), []).append(image)
    now = timezone.now()
    for model, rows in changed.items():  # one executemany per kind of image (bulk_update's CASE cost seconds)
        update_rows(model, {image.pk: {"picture_id": image.picture_id} for image in rows}, now)
    return needing_jobs


def enqueue(picture_ids) -> None:
    """One job per picture, written in one transaction (an import's thousands: one commit, not thousands)."""
    with transaction.atomic():
        for picture_id in picture_ids:
            fetch_picture.enqueue(picture_id)


def queue_on_commit(picture_ids: list[int]) -> None:
    """An import batch's new pictures: one ``queue_pictures`` job, written when the batch commits."""
    if picture_ids:
        transaction.on_commit(lambda: queue_pictures.enqueue(picture_ids))


def worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


def worker_is_dead(worker: str) -> bool:
    """True for a worker of this machine whose process is gone (other machines' are judged by the lease)."""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname()[:40] or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


# Jobs that may run again after their worker died (each is idempotent): a picture's, a notification's mail.
RECOVERABLE = [
    "articles.pictures.jobs.fetch_picture",
    "articles.pictures.jobs.queue_pictures",
    "articles.notifications.send_notification_mail",
]


def recover_lost_jobs() -> int:
    """Queue again the jobs whose worker died mid-job; mark the lost runs failed. How many."""
    from django_tasks_db.models import DBTaskResult

    stale = timezone.now() - lease()
    running = DBTaskResult.objects.filter(status="RUNNING", task_path__in=RECOVERABLE)
    lost = [
        result
        for result in running
        if (result.started_at and result.started_at < stale) or any(worker_is_dead(w) for w in result.worker_ids[-1:])
    ]
    for result in lost:
        with transaction.atomic():
            if DBTaskResult.objects.filter(pk=result.pk, status="RUNNING").update(
                status="FAILED",
                finished_at=timezone.now(),
                exception_class_path="articles.pictures.jobs.WorkerLost",
                traceback="The worker running this job stopped before it finished; the job was queued again.",
            ):
                job = import_string(result.task_path)
                job.enqueue(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
    store = render.storage()
    if hasattr(store, "sweep_partial"):
        store.sweep_partial(older_than=lease().total_seconds())
    return len(lost)


def on_image_saved(sender, instance, raw=False, **kwargs) -> None:
    """An image saved through the ORM (the admin, an upload): its picture follows its source."""
    if raw:
        return
    source = source_of(instance)
    current = Picture.objects.filter(pk=instance.picture_id).values_list("source", flat=True).first()
    if source == current:
        return
    if source is None:
        type(instance).objects.filter(pk=instance.pk).update(picture=None)
        return
    new = link_pictures([instance])
    if new:
        transaction.on_commit(lambda: enqueue(new))


def connect_signals() -> None:
    from django.db.models.signals import post_save

    for model in IMAGE_MODELS:
        post_save.connect(on_image_saved, sender=model, dispatch_uid=f"articles.pictures:{model.__name__}")


def queue_state() -> dict:
    """For the admin dashboard: jobs waiting and running, failed jobs and pictures, the latest refusals."""
    from django_tasks_db.models import DBTaskResult

    day_ago = timezone.now() - timedelta(days=1)
    jobs = DBTaskResult.objects.filter(task_path=fetch_picture.module_path)
    return {
        "waiting": jobs.filter(status="READY").count(),
        "running": jobs.filter(status="RUNNING").count(),
        "failed_jobs_day": jobs.filter(status="FAILED", finished_at__gte=day_ago).count(),
        "pictures_failed": Picture.objects.filter(status=Picture.Status.FAILED).count(),
        "pictures_ready": Picture.objects.filter(status=Picture.Status.READY).count(),
        "pictures_pending": Picture.objects.filter(status=Picture.Status.PENDING).count(),
        "recent_failures": list(
            Picture.objects.filter(~Q(reason="")).order_by("-updated_at").values("pk", "source", "status", "reason")[:5]
        ),
    }
