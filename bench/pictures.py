"""Pictures benchmark (issue 14): renditions per second against bare Pillow, and the bytes a phone downloads.

    python bench/pictures.py               # both rows, printed; results in bench/out/pictures.json
    python bench/pictures.py --images 10   # fewer images for the speed row

1. **Renditions per second**: ``decode`` + ``render`` (Pillow's verdict, EXIF
   orientation, every width x format, the focal crops, atomic writes to the
   pictures storage) against a bare loop that makes exactly the same outputs
   with Pillow alone (open, resize, encode to memory), on the same images in
   the same run. The figure is the ratio; 1.0 would mean no overhead.
2. **Bytes a 390 px-wide phone downloads** for the front page and for an
   article page: the fixtures imported into a fresh SQLite database, their
   image URLs served by a local HTTP server, the pages rendered once before
   the jobs ran (the originals, as today) and once after the jobs of the
   pictures they show.
   For each ``<img>``/``<picture>`` the browser's choice is computed as a
   browser makes it: the first ``<source>`` type it reads (AVIF, then WebP),
   the smallest ``srcset`` candidate at least as wide as the slot (``sizes``
   at a 390 px viewport: its first entry whose ``min-width`` holds, lengths
   in px, rem, vw or ``calc()``) times the device pixel ratio. Chromium may
   take the next smaller candidate when the device pixel ratio is below the
   geometric mean of the two candidates' densities; this model never does,
   so its byte counts are, if anything, high. Every image on the
   page is counted, lazy ones included (a reader who scrolls to the end).
   Shown at DPR 1, 2 and 3.

   The fixtures name their images by URL only and this machine reaches no
   CDN, so the originals are stand-ins: photo-like JPEGs (noise under a
   blur, so they compress like photographs, not like flat colour) at each
   image's own declared width and height (1200 x 675 when a feed gives
   none), encoded at quality 85, as news CDNs serve them. The ratio is
   between those and the renditions made from them.
"""

import argparse
import io
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VIEWPORT = 390
TARGET_RATIO = 5.0


def photo_like(width: int, height: int, seed: int = 0) -> bytes:
    from PIL import Image, ImageFilter

    small = Image.effect_noise((max(1, width // 4), max(1, height // 4)), 64 + seed % 32).convert("RGB")
    noise = small.resize((width, height), Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(1.2))
    gradient = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    fine = Image.effect_noise((width, height), 18).convert("RGB")
    image = Image.blend(Image.blend(noise, gradient, 0.45), fine, 0.15)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def setup_django(workdir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "newsroom.settings.test"
    os.environ["SQLITE_PATH"] = str(workdir / "bench.sqlite3")
    os.environ["NEWSROOM_PICTURES_ROOT"] = str(workdir / "pictures")
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# 1. Renditions per second -------------------------------------------------------------------------


def bare_pillow(data: bytes, widths: list[int]) -> int:
    """The same outputs as render.render, with Pillow alone: how many made."""
    from PIL import Image, ImageOps

    from articles.pictures import render

    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
    made = 0
    for width in render.widths_for(image.width, widths):
        resized = image.resize((width, round(image.height * width / image.width)), Image.Resampling.LANCZOS)
        for image_format in render.formats_for(image):
            resized.save(io.BytesIO(), **render.SAVE_OPTIONS[image_format])
            made += 1
    for crop, ratio in render.CROPS.items():
        box = render.crop_box(image.size, ratio, (0.5, 0.5))
        box_w, box_h = box[2] - box[0], box[3] - box[1]
        for width in render.widths_for(box_w, render.CROP_WIDTHS[crop]):
            size = (width, round(box_h * width / box_w))
            for image_format in render.formats_for(image, crop):
                image.resize(size, Image.Resampling.LANCZOS, box=box).save(
                    io.BytesIO(), **render.SAVE_OPTIONS[image_format]
                )
                made += 1
    return made


def bench_speed(count: int) -> dict:
    import hashlib

    from django.conf import settings

    from articles.pictures import render
    from articles.pictures.fetch import decode

    images = [photo_like(1600, 900, seed) for seed in range(count)]
    bare_made, ours_made = 0, 0
    started = time.perf_counter()
    for data in images:
        bare_made += bare_pillow(data, settings.PICTURES_WIDTHS)
    bare_seconds = time.perf_counter() - started
    started = time.perf_counter()
    for data in images:
        image, _ = decode(data)
        ours_made += len(render.render(image, hashlib.sha256(data).hexdigest(), (0.5, 0.5)))
    ours_seconds = time.perf_counter() - started
    assert ours_made == bare_made, (ours_made, bare_made)
    return {
        "images": count,
        "renditions": ours_made,
        "newsroom_per_second": ours_made / ours_seconds,
        "bare_pillow_per_second": bare_made / bare_seconds,
        "ratio": (ours_made / ours_seconds) / (bare_made / bare_seconds),
        "avif": render.avif_supported(),
    }


# 2. Bytes a phone downloads -----------------------------------------------------------------------


def slot_width(sizes: str, viewport: int) -> float:
    """The width a sizes attribute gives the image at this viewport, as a browser reads it: the first
    entry whose (min-width) condition holds, its length in px (px, rem/em at 16 px, vw, calc())."""
    for part in split_top_level(sizes):
        match = re.match(r"\(min-width:\s*([\d.]+)(r?em|px)\)\s*(.+)", part)
        if match:
            if viewport >= float(match.group(1)) * (1 if match.group(2) == "px" else 16):
                return length(match.group(3), viewport)
            continue
        return length(part, viewport)
    return viewport


def split_top_level(value: str) -> list[str]:
    """value split at the commas outside parentheses (calc() may hold none, but be safe)."""
    parts, depth, current = [], 0, ""
    for char in value:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return [*parts, current.strip()]


def length(value: str, viewport: int) -> float:
    """A CSS length in px: a number with px, rem, em or vw, or a calc() of them with + - * /."""
    units = {"px": 1, "rem": 16, "em": 16, "vw": viewport / 100}
    expression = re.sub(
        r"([\d.]+)(px|rem|em|vw)", lambda m: f"({float(m.group(1)) * units[m.group(2)]!r})", value.strip()
    )
    expression = expression.replace("calc", "")
    if not re.fullmatch(r"[\d.()+\-*/ e]+", expression):
        raise ValueError(f"sizes length not understood: {value!r}")
    return float(eval(expression))  # noqa: S307 - digits and operators only, checked above


def chosen(srcset: str, sizes: str, dpr: float) -> str:
    candidates = []
    for item in srcset.split(","):
        url, descriptor = item.strip().rsplit(" ", 1)
        candidates.append((int(descriptor.removesuffix("w")), url))
    candidates.sort()
    need = slot_width(sizes, VIEWPORT) * dpr
    return next((url for width, url in candidates if width >= need), candidates[-1][1])


def page_downloads(html: str, dpr: float) -> list[str]:
    """The image URLs a browser at this DPR fetches for the page's content images (not logos)."""
    urls = []
    for match in re.finditer(r"<picture>(.*?)</picture>|<img ([^>]*)>", html, re.S):
        if match.group(1):
            block = match.group(1)
            source = re.search(r'<source type="image/(?:avif|webp)" srcset="([^"]*)" sizes="([^"]*)"', block)
            img = re.search(r'<img [^>]*srcset="([^"]*)" sizes="([^"]*)"', block)
            srcset, sizes = (source or img).groups()
            urls.append(chosen(srcset, sizes, dpr))
        else:
            attributes = match.group(2)
            if "byline__logo" in attributes:
                continue
            urls.append(re.search(r'src="([^"]*)"', attributes).group(1))
    return urls


def bench_bytes(workdir: Path) -> dict:
    from django.core.management import call_command
    from django.test import Client

    from articles.caching import content_changed
    from articles.models import Article, ArticleImage, Picture, RelatedLinkImage
    from articles.pictures.jobs import link_pictures, process_picture
    from articles.pictures.render import storage
    from tests.support.picture_server import PictureServer

    call_command("import_seeds", str(ROOT / "fixtures"), verbosity=0)
    with PictureServer() as server:
        originals: dict[str, int] = {}
        for model in (ArticleImage, RelatedLinkImage):
            for seed, image in enumerate(model.objects.exclude(url="")):
                path = "/" + re.sub(r"^https?://", "", image.url)
                url = server.add(path, photo_like(image.width or 1200, image.height or 675, seed))
                originals[url] = len(server.routes[path]["body"])
                model.objects.filter(pk=image.pk).update(url=url, picture=None)
        Picture.objects.all().delete()
        client = Client()
        article = (
            Article.objects.filter(pk__in=ArticleImage.objects.values("article_id"))
            .published()
            .order_by("-published_at")
        ).first()
        pages = {"front page": "/", "article page": article.get_absolute_url()}
        before = {name: client.get(url).content.decode() for name, url in pages.items()}
        # The jobs of the pictures these pages show (what cache_images runs for every picture; the
        # fixtures' other pictures would only make the run longer).
        for model in (ArticleImage, RelatedLinkImage):  # as cache_images does first
            link_pictures(list(model.objects.filter(picture__isnull=True).exclude(url="")))
        shown = {url for html in before.values() for url in re.findall(r'src="([^"]*)"', html)}
        for picture in Picture.objects.filter(source__in=shown):
            process_picture(picture.pk)
        content_changed()
        after = {name: client.get(url).content.decode() for name, url in pages.items()}
        store = storage()

        def size(url: str) -> int:
            if url in originals:
                return originals[url]
            return store.size(url.removeprefix("http://testserver").removeprefix("/pictures/"))

        rows = {}
        for name in pages:
            for dpr in (1, 2, 3):
                old = page_downloads(before[name], dpr)
                new = page_downloads(after[name], dpr)
                old_bytes, new_bytes = sum(map(size, old)), sum(map(size, new))
                rows[f"{name}, DPR {dpr}"] = {
                    "images": len(new),
                    "originals_bytes": old_bytes,
                    "renditions_bytes": new_bytes,
                    "ratio": old_bytes / new_bytes if new_bytes else None,
                    "still_original": sum(1 for url in new if url in originals),
                }
        return rows


# 3. Fetch throughput with N workers on PostgreSQL ------------------------------------------------------


def bench_throughput(jobs: int, worker_counts: list[int], latency: float) -> dict:
    """Jobs per second of N ``pictures_worker --batch`` processes on one PostgreSQL, each fetch 50 ms away."""
    import subprocess
    import uuid

    import psycopg

    from tests.support.picture_server import PictureServer

    admin_url = os.environ.get("BENCH_POSTGRES_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")
    results = {}
    with PictureServer(latency=latency) as server:
        for n, workers in enumerate(worker_counts):
            name = f"newsroom_bench_pictures_{uuid.uuid4().hex[:8]}"
            admin = psycopg.connect(admin_url, autocommit=True)
            admin.execute(f'CREATE DATABASE "{name}"')
            with tempfile.TemporaryDirectory(prefix="newsroom-bench-throughput-") as tmp:
                env = {
                    **os.environ,
                    "DJANGO_SETTINGS_MODULE": "newsroom.settings.test",
                    "DATABASE_URL": admin_url.rsplit("/", 1)[0] + f"/{name}",
                    "NEWSROOM_PICTURES_ROOT": tmp,
                }
                env.pop("REDIS_URL", None)
                manage = [sys.executable, "manage.py"]
                subprocess.run([*manage, "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
                urls = [server.add(f"/t{n}/{i}.jpg", photo_like(120, 68, i)) for i in range(jobs)]
                code = (
                    "from articles.models import Picture; from articles.models.renditions import source_key; "
                    "from articles.pictures.jobs import fetch_picture; import json, sys; "
                    "urls = json.loads(sys.stdin.read()); "
                    "[fetch_picture.enqueue(Picture.objects.create(source=u, source_key=source_key(u)).pk) "
                    "for u in urls]"
                )
                subprocess.run(
                    [*manage, "shell", "--no-imports", "-c", code],
                    cwd=ROOT,
                    env=env,
                    input=json.dumps(urls),
                    text=True,
                    check=True,
                )
                processes = [
                    subprocess.Popen(
                        [*manage, "pictures_worker", "--batch", "--interval", "0", "-v", "0"], cwd=ROOT, env=env
                    )
                    for _ in range(workers)
                ]
                for process in processes:
                    process.wait()
                done = subprocess.run(
                    [*manage, "shell", "--no-imports", "-c",
                     "from articles.models import Picture; from django.db.models import Max, Min; "
                     "from django_tasks_db.models import DBTaskResult; "
                     "span = DBTaskResult.objects.aggregate(a=Min('started_at'), b=Max('finished_at')); "
                     "print((span['b'] - span['a']).total_seconds()); "
                     "print(Picture.objects.filter(status='ready').count()); "
                     "[print(r or 'no reason') for r in Picture.objects.exclude(status='ready').values_list('reason', flat=True)]; "
                     "[print('job', t.status, t.exception_class_path, t.traceback.strip().splitlines()[-1:]) "
                     "for t in DBTaskResult.objects.exclude(status='SUCCESSFUL')]"],
                    cwd=ROOT, env=env, capture_output=True, text=True, check=True,
                ).stdout.strip().splitlines()  # fmt: skip
                # From the first job's start to the last one's end: the workers' start-up is not the queue's.
                seconds, done, reasons = float(done[0]), done[1], done[2:]
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()
            results[workers] = {
                "jobs": jobs,
                "ready": int(done),
                "not_ready": reasons,
                "seconds": seconds,
                "per_second": jobs / seconds,
            }
    base = results[worker_counts[0]]["per_second"]
    for row in results.values():
        row["speedup"] = row["per_second"] / base
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description="Pictures: renditions/s vs bare Pillow; bytes a phone downloads.")
    parser.add_argument("--images", type=int, default=20, help="Images for the speed row (20).")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "out" / "pictures.json")
    parser.add_argument(
        "--throughput", action="store_true", help="Only: fetch throughput with 1, 2, 4 workers on PostgreSQL."
    )
    parser.add_argument("--jobs", type=int, default=120, help="Pictures for --throughput (120).")
    args = parser.parse_args()
    if args.throughput:
        os.environ["DJANGO_SETTINGS_MODULE"] = "newsroom.settings.test"
        import django

        django.setup()
        rows = bench_throughput(args.jobs, [1, 2, 4], latency=0.05)
        print("Fetch throughput, PostgreSQL, 50 ms per request, 120x68 images (the fetch, not the encoders):")
        for workers, row in rows.items():
            print(
                f"  {workers} worker(s): {row['ready']}/{row['jobs']} ready in {row['seconds']:.1f} s = "
                f"{row['per_second']:.1f} jobs/s ({row['speedup']:.2f}x one worker)"
                + "".join(f"\n    not ready: {reason}" for reason in row["not_ready"])
            )
        return
    with tempfile.TemporaryDirectory(prefix="newsroom-bench-pictures-") as tmp:
        setup_django(Path(tmp))
        speed = bench_speed(args.images)
        downloads = bench_bytes(Path(tmp))
    print(
        f"Renditions: {speed['newsroom_per_second']:.1f}/s, bare Pillow {speed['bare_pillow_per_second']:.1f}/s "
        f"on the same {speed['images']} images ({speed['renditions']} renditions, AVIF {speed['avif']}): "
        f"ratio {speed['ratio']:.2f}"
    )
    print(f"Bytes a {VIEWPORT} px-wide phone downloads (originals -> renditions; target >= {TARGET_RATIO:g}x fewer):")
    for name, row in downloads.items():
        print(
            f"  {name:<22} {row['images']:>3} images: {row['originals_bytes']:>10,} B -> "
            f"{row['renditions_bytes']:>9,} B  = {row['ratio']:.1f}x fewer"
            + (f"  ({row['still_original']} not cached)" if row["still_original"] else "")
        )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"speed": speed, "downloads": downloads}, indent=2))


if __name__ == "__main__":
    main()
