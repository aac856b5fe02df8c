"""A simulated day of anonymous traffic on the page cache, with imports and edits (issue 16, part 2).

    python bench/simulate.py                          # part of `make bench`
    python bench/simulate.py --requests 300000 --redis redis://127.0.0.1:6379/5
    python bench/simulate.py --db /tmp/nr.sqlite3     # a database imported before (copied, never changed)
    python bench/simulate.py --hours 2                # a shorter stretch of the day, at the same rate

On a simulated clock (time-machine; the cache's expiry times follow it), one
day (``--hours``): ``--requests`` anonymous GETs a day spread evenly over it, each a page drawn
from a Zipf distribution (exponent ``--zipf``): three in four an article page
(the live articles in a random order of popularity), one in four a list page
(front page and its pages 2 to 5, newest first, every topic, source and
category page, the front page first). An edit every minute (an editor changes
the excerpt of an article drawn from the same popularity, through
``services.article_save``) and an import every 10 minutes (1 % of the corpus's
files, their bodies changed, through the importer). Reported: the cache hit
rate (a request is a miss when its page was rendered; an article page's
sidebar rendered again is counted apart), and a sample of the pages served
(``--check-every``) compared byte for byte with a fresh render at the same
moment: no stale page may be served.

Settings as in production: DEBUG off, the page cache on for a day
(``NEWSROOM_PAGE_CACHE_SECONDS=86400``: invalidation is by version, the
timeout only bounds memory), Redis when ``--redis`` is given (cache and
versions), else each process's own memory (with room for every page) and the
versions in the database.
"""

import argparse
import bisect
import json
import logging
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from peer import find_corpus, import_corpus, newsroom_env  # noqa: E402 - bench/ is on the path

DAY = 86_400
EDIT_EVERY, IMPORT_EVERY, IMPORT_SHARE = 60, 600, 0.01
TARGET = 0.95


class Zipf:
    """Draws indexes 0..n-1, index i with weight 1 / (i + 1) ** s."""

    def __init__(self, n: int, s: float, rng: random.Random):
        self.rng, total, self.cumulative = rng, 0.0, []
        for rank in range(1, n + 1):
            total += 1 / rank**s
            self.cumulative.append(total)

    def draw(self) -> int:
        return bisect.bisect_left(self.cumulative, self.rng.random() * self.cumulative[-1])


def pages(rng: random.Random) -> tuple[list[str], list[str], list[int]]:
    """Article URLs (in a random order of popularity, with their ids) and list URLs (the front page first)."""
    from django.db.models import Count, Q

    from articles.models import Article, Category, Provider, Topic

    live = list(Article.objects.published().values_list("pk", "slug"))
    rng.shuffle(live)
    articles = [f"/news/{pk}-{slug or 'article'}/" for pk, slug in live]
    published = Q(articles__in=Article.objects.published().values("pk"))
    lists = ["/", *(f"/?page={n}" for n in range(2, 6)), "/?ordering=newest"]
    lists += [
        topic.get_absolute_url()
        for topic in Topic.objects.annotate(n=Count("articles", filter=published)).filter(n__gt=0).order_by("-n")
    ]
    lists += [
        provider.get_absolute_url()
        for provider in Provider.objects.annotate(n=Count("articles", filter=published))
        .filter(n__gt=0)
        .order_by("-n")[:30]
    ]
    lists += [category.get_absolute_url() for category in Category.objects.live()]
    return articles, lists, [pk for pk, _ in live]


def latest_versions(corpus: Path) -> list[Path]:
    """The corpus's files less those whose webUrl another file has too (later versions of a story: importing an
    earlier one again would move the story, which no feed does)."""
    by_url = {}
    for path in sorted(corpus.glob("*.txt")):
        url = next((line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("webUrl:")), "")
        by_url.setdefault(url, []).append(path)
    return [paths[0] for paths in by_url.values() if len(paths) == 1]


def changed_files(files: list[Path], total: int, out: Path, share: float, rng: random.Random, stamp: str):
    """``share`` of the corpus (``total`` files) from ``files``, each with a line added to its body, in ``out``."""
    chosen = rng.sample(files, max(1, round(total * share)))
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    written = []
    for path in chosen:
        target = out / path.name
        target.write_text(path.read_text(encoding="utf-8") + f"\nUpdated {stamp}.\n", encoding="utf-8")
        written.append(target)
    return written


def simulate(args, corpus: Path) -> dict:
    import django
    from django.conf import settings

    if not args.redis:  # room for every page in each process's own memory (the default keeps 300)
        settings.CACHES["default"]["OPTIONS"] = {"MAX_ENTRIES": 10**6}
    django.setup()
    import time_machine
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client

    from articles import caching, chrome, services
    from articles.importer.run import import_seed_files
    from articles.models import Article

    cache.clear()
    logging.getLogger("newsroom.import").setLevel(logging.WARNING)
    rng = random.Random(args.seed)
    start = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
    clock = time_machine.travel(start, tick=False)
    traveller = clock.start()
    # Every article's version holding its listing fingerprint, as an import by this code leaves it (a database
    # imported by an earlier version would make each first change look like a move).
    all_ids = list(Article.objects.values_list("pk", flat=True))
    for first in range(0, len(all_ids), 1000):
        caching.articles_changed(all_ids[first : first + 1000])
    articles, lists, article_ids = pages(rng)
    article_zipf, list_zipf = Zipf(len(articles), args.zipf, rng), Zipf(len(lists), args.zipf, rng)
    editor, _ = get_user_model().objects.get_or_create(
        username="sim-editor", defaults={"is_staff": True, "is_superuser": True}
    )

    counts = {"requests": 0, "misses": 0, "sidebar renders": 0, "checked": 0, "stale": 0, "edits": 0, "imports": 0}
    counts |= {"article requests": 0, "article misses": 0, "list requests": 0, "list misses": 0}
    spent = {"edits": 0.0, "imports": 0.0, "requests": 0.0, "checks": 0.0}  # seconds of each, wall-clock
    stale_urls = []
    render_for_cache, render_part = caching.render_for_cache, chrome.render_part

    def counted_render(*a, **k):
        counts["misses"] += 1
        return render_for_cache(*a, **k)

    def counted_part(*a, **k):
        counts["sidebar renders"] += a[0] == chrome.SIDEBAR
        return render_part(*a, **k)

    caching.render_for_cache, chrome.render_part = counted_render, counted_part
    client = Client()
    real_get, real_set = caching.cache.get, caching.cache.set

    def fresh(url: str) -> bytes:
        """The page rendered now, the cache neither read nor written (nor counted)."""
        caching.cache.get, caching.cache.set = (lambda *a, **k: None), (lambda *a, **k: None)
        caching.render_for_cache, chrome.render_part = render_for_cache, render_part
        try:
            return client.get(url).content
        finally:
            caching.cache.get, caching.cache.set = real_get, real_set
            caching.render_for_cache, chrome.render_part = counted_render, counted_part

    files, total = latest_versions(corpus), len(list(corpus.glob("*.txt")))
    step, requests = DAY / args.requests, round(args.requests * args.hours / 24)
    next_edit, next_import, started = EDIT_EVERY, IMPORT_EVERY, time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-sim-"))
    try:
        for n in range(requests):
            now = n * step
            while next_edit <= now or next_import <= now:
                begun = time.perf_counter()
                if next_edit <= next_import:
                    traveller.move_to(start + timedelta(seconds=next_edit))
                    article = Article.objects.get(pk=article_ids[article_zipf.draw()])
                    article.excerpt = f"{article.excerpt.split(' [')[0]} [edited at {next_edit // 60} min]"
                    services.article_save(article=article, by=editor, seen_token=article.edit_token, is_edit=True)
                    counts["edits"] += 1
                    next_edit += EDIT_EVERY
                    spent["edits"] += time.perf_counter() - begun
                else:
                    traveller.move_to(start + timedelta(seconds=next_import))
                    paths = changed_files(files, total, workdir / "import", IMPORT_SHARE, rng, f"{next_import}")
                    import_seed_files(paths, overwrite=True, workers=0)
                    counts["imports"] += 1
                    next_import += IMPORT_EVERY
                    spent["imports"] += time.perf_counter() - begun
            traveller.move_to(start + timedelta(seconds=now))
            is_article = rng.random() < 0.75
            index = article_zipf.draw() if is_article else list_zipf.draw()
            url = articles[index] if is_article else lists[index]
            before, begun = counts["misses"], time.perf_counter()
            response = client.get(url)
            if response.status_code == 301 and is_article:  # an import changed the title, so the slug
                url = articles[index] = response["Location"]
                response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url}: HTTP {response.status_code}")
            counts["requests"] += 1
            kind = "article" if is_article else "list"
            counts[f"{kind} requests"] += 1
            counts[f"{kind} misses"] += counts["misses"] - before
            spent["requests"] += time.perf_counter() - begun
            if n % args.check_every == 0:
                begun = time.perf_counter()
                counts["checked"] += 1
                if fresh(url) != response.content:
                    counts["stale"] += 1
                    stale_urls.append((now, url))
                spent["checks"] += time.perf_counter() - begun
            if args.progress and n and n % args.progress == 0:
                rate = 1 - counts["misses"] / counts["requests"]
                took = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in spent.items())
                print(f"  {n:,} requests, {now / 3600:.1f} h, hit rate {rate:.3f} ({took})", flush=True)
    finally:
        clock.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    counts["seconds"] = round(time.perf_counter() - started, 1)
    counts["spent"] = {name: round(seconds, 1) for name, seconds in spent.items()}
    counts["hit rate"] = 1 - counts["misses"] / counts["requests"]
    counts["hit rate, sidebar renders as misses"] = (
        1 - (counts["misses"] + counts["sidebar renders"]) / counts["requests"]
    )
    counts["article hit rate"] = 1 - counts["article misses"] / max(1, counts["article requests"])
    counts["list hit rate"] = 1 - counts["list misses"] / max(1, counts["list requests"])
    counts["pages"] = {"articles": len(articles), "lists": len(lists)}
    counts["stale urls"] = stale_urls[:20]
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300_000, help="Anonymous requests in the day (300,000).")
    parser.add_argument("--hours", type=float, default=24, help="Simulated hours, at the same rate (24).")
    parser.add_argument("--zipf", type=float, default=1.0, help="Zipf exponent of the pages' popularity (1.0).")
    parser.add_argument("--check-every", type=int, default=100, help="Compare every Nth page with a fresh render.")
    parser.add_argument("--seed", type=int, default=16, help="Random seed (16).")
    parser.add_argument("--redis", help="Redis URL for the cache and the versions (default: each process's memory).")
    parser.add_argument("--db", type=Path, help="An imported database to copy (default: import the corpus).")
    parser.add_argument("--corpus", type=Path, help="The 10,000 files (default: the peer's, or written).")
    parser.add_argument("--workdir", type=Path, help="Where the corpus and database go (default: a temporary one).")
    parser.add_argument("--progress", type=int, default=50_000, help="Print the hit rate every N requests.")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "out" / "simulate.json", help="Results file.")
    parser.add_argument("--run", action="store_true", help=argparse.SUPPRESS)  # the simulation's own process
    args = parser.parse_args()
    if args.run:
        results = simulate(args, args.corpus)
        print(json.dumps(results))
        return

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="newsroom-simulate-"))
    workdir.mkdir(parents=True, exist_ok=True)
    corpus = find_corpus(args, workdir)
    if corpus is None:
        raise SystemExit("no corpus: give --corpus, or put shared/tools/make_corpus.py beside the checkout")
    db = workdir / "simulate.sqlite3"
    for suffix in ("", "-wal", "-shm", "-journal"):  # an earlier run's -wal file would corrupt the copy
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    if args.db:
        shutil.copyfile(args.db, db)
    else:
        import_corpus(corpus, db)
    env = newsroom_env(db, DAY, args.redis)
    if args.redis:
        env["REDIS_URL"] = args.redis
    command = [sys.executable, __file__, "--run", "--corpus", str(corpus), "--requests", str(args.requests)]
    command += [
        "--hours",
        str(args.hours),
        "--zipf",
        str(args.zipf),
        "--check-every",
        str(args.check_every),
        "--seed",
        str(args.seed),
    ]
    command += ["--progress", str(args.progress)] + (["--redis", args.redis] if args.redis else [])
    print(f"simulating {args.hours} h at {args.requests:,} requests a day, Zipf {args.zipf}, on {db} ...", flush=True)
    import subprocess

    result = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, check=False)
    lines = result.stdout.strip().splitlines()
    for line in lines[:-1]:
        print(line)
    if result.returncode != 0 or not lines:
        raise SystemExit(f"the simulation failed (exit {result.returncode})")
    results = json.loads(lines[-1]) | {"requests per day": args.requests, "hours": args.hours, "zipf": args.zipf}
    results["cache"] = "redis" if args.redis else "local memory, versions in the database"
    results["load average"] = os.getloadavg()
    print(
        f"hit rate {results['hit rate']:.3f} (target >= {TARGET}; articles {results['article hit rate']:.3f}, "
        f"lists {results['list hit rate']:.3f}; with article sidebars rendered again counted as misses "
        f"{results['hit rate, sidebar renders as misses']:.3f}); {results['edits']} edits, {results['imports']} "
        f"imports; {results['checked']} pages checked against a fresh render, {results['stale']} stale; "
        f"{results['seconds']} s"
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    if results["stale"]:
        raise SystemExit(f"stale pages served: {results['stale urls']}")


if __name__ == "__main__":
    main()
