"""Revision storage: bytes of revision data per article after an import and five edits (issue 13).

    python bench/revisions.py                  # 10,000 files into a fresh SQLite database
    python bench/revisions.py --edited 1000    # how many of them get five edits (default 1,000)

Imports the benchmark corpus (bench/corpus.py), then gives a sample of the
articles five edits each through ``services.article_save`` (the admin's write
path): a word of the title, a sentence added to the body, the excerpt, the
quality score, a topic. Reports the bytes of ``Revision.data`` (compressed
snapshots) per article, the uncompressed JSON for comparison, and the
revisions' share of the database file.
"""

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import write_corpus  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--edited", type=int, default=1_000, help="Articles that get five edits each.")
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="newsroom-revisions-"))
    workdir.mkdir(parents=True, exist_ok=True)
    corpus = workdir / f"corpus-{args.files}"
    if not corpus.exists():
        write_corpus(args.files, corpus)
    database = workdir / "revisions.sqlite3"
    for leftover in workdir.glob("revisions.sqlite3*"):
        leftover.unlink()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "newsroom.settings.local", "DJANGO_DEBUG": "false"}
    env.pop("DATABASE_URL", None)
    env["SQLITE_PATH"] = str(database)
    python = [sys.executable, "manage.py"]
    subprocess.run([*python, "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    started = time.perf_counter()
    subprocess.run([*python, "import_seeds", str(corpus), "-v", "0"], cwd=ROOT, env=env, check=True)
    import_seconds = time.perf_counter() - started

    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Sum
    from django.db.models.functions import Length

    from articles import services
    from articles.models import Article, Revision, Topic

    def data_bytes(ids=None) -> int:
        revisions = Revision.objects.all() if ids is None else Revision.objects.filter(article_id__in=ids)
        return revisions.aggregate(total=Sum(Length("data")))["total"] or 0

    articles = Article.objects.count()
    after_import = data_bytes()
    editor = get_user_model().objects.create_user("bench-editor", is_staff=True, is_superuser=True)
    rng = random.Random(13)
    sample = rng.sample(list(Article.objects.values_list("pk", flat=True)), min(args.edited, articles))
    topics = list(Topic.objects.all()[:50])
    started = time.perf_counter()
    for pk in sample:
        for n in range(5):
            article = Article.objects.get(pk=pk)
            edit = n % 5
            if edit == 0:
                article.title += " (updated)"
            elif edit == 1:
                article.body += f"\n\nA new paragraph, added in edit {n}, with a few more words in it."
            elif edit == 2:
                article.excerpt = "A rewritten summary of the story. " + article.excerpt
            elif edit == 3:
                article.quality = (article.quality or 0) + 1
            topic = [*article.topics.all(), rng.choice(topics)] if edit == 4 else None
            services.article_save(article=article, by=editor, seen_token=None, is_edit=True, topics=topic)
    edit_seconds = time.perf_counter() - started
    edited_bytes = data_bytes(sample)
    revisions_of_sample = Revision.objects.filter(article_id__in=sample).count()
    raw = sum(
        len(zlib.decompress(bytes(d)))
        for d in Revision.objects.filter(article_id__in=sample).values_list("data", flat=True)
    )
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA page_size")
        page_size = cursor.fetchone()[0]
        cursor.execute("PRAGMA page_count")
        pages = cursor.fetchone()[0]

    print(f"{articles:,} articles imported in {import_seconds:.1f} s; revisions {Revision.objects.count():,}")
    print(
        f"after import: {after_import / articles:,.0f} bytes of revision data per article "
        "(an import revision takes its snapshot at the article's next change)"
    )
    print(
        f"after import + 5 edits ({len(sample):,} articles, {revisions_of_sample:,} revisions): "
        f"{edited_bytes / len(sample):,.0f} bytes per article compressed, {raw / len(sample):,.0f} as JSON; "
        f"{edited_bytes / revisions_of_sample:,.0f} bytes per revision"
    )
    print(
        f"at 10,000 articles with 6 revisions each: {edited_bytes / len(sample) * 10_000 / 2**20:,.1f} MiB of snapshots"
    )
    print(f"database file: {page_size * pages / 2**20:,.1f} MiB; {len(sample) * 5:,} edits in {edit_seconds:.1f} s")


if __name__ == "__main__":
    main()
