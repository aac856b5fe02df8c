"""Newsroom against the Wagtail peer: the same page types, the same 10,000 files, rendered the same way.

    python bench/peer.py                       # part of `make bench`
    python bench/peer.py --peer file --peer-results /tmp/wagtail-peer/bench-10000.json
    python bench/peer.py --db /tmp/nr.sqlite3  # reuse a database imported before (skips the import)

The peer is a plain Wagtail news site kept outside this repository
(``shared/peers/wagtail/``: its README sets up a virtualenv in /tmp, loads
``shared/tools/make_corpus.py``'s 10,000 files and runs its ``bench.py``).
Newsroom imports the very same files with ``manage.py import_seeds`` into a
fresh SQLite database and is measured by the peer's method:

- one process per site, ``django.test.Client`` (the whole middleware stack),
  ``DEBUG`` off, templates uninstrumented (no ``setup_test_environment()``);
- the page cache off (``NEWSROOM_PAGE_CACHE_SECONDS=0``): every request renders;
- three untimed warm-up rounds over every URL, then ``--rounds`` timed rounds,
  each fetching every URL once; the median of all timed fetches of a page type
  (the article page: the same 20 articles as the peer, by ``webUrl``);
- queries counted on one extra untimed fetch per URL.

``--peer`` says where Wagtail's figures come from. ``live`` (the default when
the peer's virtualenv and database are there) runs the peer's own
``bench.py`` set-up in a worker process under the peer's Python and fetches
its pages in the same rounds as Newsroom's, alternately, so that both see
the same machine load: on a shared machine, figures from separate runs
differ by more than the ratios being judged. ``file`` reads the results
JSON that the peer's ``bench.py --json`` wrote. With neither, the ratio
columns are left out.

A third worker measures the page cache itself (Django's local-memory cache,
or Redis with ``--cache-redis``): a miss (the cache emptied first, as after a
change; renders and stores the page) against a hit, per page type.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEER_WORK = Path("/tmp/wagtail-peer")
PEER_PYTHON = Path("/tmp/wagtail-peer-venv/bin/python")
FILES = 10_000
TARGET, GOAL = 0.5, 0.3  # Newsroom time / Wagtail time, cache off (issue 16)

# Newsroom's page types, and the peer's page type each one is compared with.
PAGE_TYPES = {
    "front": ("front page (/)", "index_p1"),
    "front_p5": ("front page 5 (/?page=5)", "index_p5"),
    "topic": ("topic page (AI)", "topic"),
    "article": ("article page (20 articles)", "article"),
    "newest": ("front page, newest (/?ordering=newest)", "index_p1"),
    "provider": ("provider page (largest provider)", None),
    "category": ("category page (/category/news/)", None),
    "search": ("search (/search/?q=climate)", None),
}


def shared_dir() -> Path | None:
    """The shared tools and peers: $NEWSROOM_SHARED, else beside the checkout (../shared) or its parent."""
    candidates = [os.environ.get("NEWSROOM_SHARED"), ROOT.parent / "shared", ROOT.parent.parent / "shared"]
    return next((Path(c) for c in candidates if c and (Path(c) / "tools" / "make_corpus.py").exists()), None)


# ---------------------------------------------------------------------------------------------
# Workers: one site each, in their own process. The parent sends one command per line and reads
# one JSON line back, so that it can interleave the sites' fetches under the same machine load.


class Site:
    """The fetching side of one site, the same for Newsroom and the peer (the peer's bench.py ``fetch``)."""

    def __init__(self, targets: list[tuple[str, str]], count_queries):
        from django.conf import settings
        from django.template.base import Template
        from django.test import Client

        # The conditions the figures are comparable under, checked rather than assumed.
        if settings.DEBUG:
            raise SystemExit("DEBUG is on: the comparison needs it off")
        if Template._render.__name__ != "_render":
            raise SystemExit(
                "templates are instrumented (setup_test_environment() ran): the comparison needs them plain"
            )
        self.targets = targets
        self.client = Client()
        self.count_queries = count_queries

    def fetch(self, url: str):
        response = self.client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
        return response

    def timed(self, index: int) -> tuple[float, float]:
        """Milliseconds of one fetch: wall-clock (the peer's figure) and this thread's CPU time."""
        started, cpu_started = time.perf_counter(), time.thread_time()
        self.fetch(self.targets[index][1])
        return (time.perf_counter() - started) * 1000, (time.thread_time() - cpu_started) * 1000

    def warm_up(self, rounds: int) -> None:
        for _ in range(rounds):
            for _, url in self.targets:
                self.fetch(url)

    def queries_and_sizes(self, stored_first: bool = False) -> list[tuple[int, int]]:
        """Queries and bytes of one fetch of each URL (``stored_first``: right after a fetch that stored it)."""
        found = []
        for _, url in self.targets:
            if stored_first:
                self.fetch(url)
            queries, response = self.count_queries(lambda url=url: self.fetch(url))
            found.append((queries, len(response.content)))
        return found

    def serve(self, info: dict) -> None:
        """Answer the parent's commands on stdin until it closes the pipe."""
        print(json.dumps({**info, "targets": self.targets}), flush=True)
        for line in sys.stdin:
            command, *argument = line.split()
            if command == "warmup":
                self.warm_up(int(argument[0]))
                answer = None
            elif command == "queries":
                answer = self.queries_and_sizes()
            elif command == "hit-queries":
                answer = self.queries_and_sizes(stored_first=True)
            elif command == "time":
                answer = self.timed(int(argument[0]))
            elif command == "miss":  # an empty cache, as after a change: render and store
                from django.core.cache import cache

                cache.clear()
                answer = self.timed(int(argument[0]))
            else:
                raise SystemExit(f"unknown command {command!r}")
            print(json.dumps(answer), flush=True)


def newsroom_targets(config: dict) -> tuple[list[tuple[str, str]], dict]:
    """Newsroom's (page type, URL) list on the imported database, and facts about it (Django set up)."""
    from django.db.models import Count, Q

    from articles.models import Article, Provider, Topic

    live = Article.objects.published()
    topic = Topic.objects.filter(name__iexact=config["topic_name"]).first()
    if topic is None:
        raise SystemExit(f"no topic named {config['topic_name']!r} in the imported database")
    provider = (
        Provider.objects.annotate(live=Count("articles", filter=Q(articles__in=live.values("pk"))))
        .order_by("-live", "pk")
        .first()
    )
    if config.get("web_urls"):  # the peer's 20 articles
        found = {a.web_url: a for a in live.filter(web_url__in=config["web_urls"])}
        chosen = config["web_urls"]
    else:  # the peer's rule: spread evenly over the live articles sorted by webUrl
        urls = list(live.order_by("web_url").values_list("web_url", flat=True))
        chosen = urls[:: max(1, len(urls) // config["articles"])][: config["articles"]]
        found = {a.web_url: a for a in live.filter(web_url__in=chosen)}
    targets = [
        ("front", "/"),
        ("front_p5", "/?page=5"),
        ("topic", topic.get_absolute_url()),
        *(("article", found[url].get_absolute_url()) for url in chosen if url in found),
        ("newest", "/?ordering=newest"),
        *([("provider", provider.get_absolute_url())] if provider else []),
        ("category", "/category/news/"),
        ("search", "/search/?q=climate"),
    ]
    return targets, {"live": live.count(), "articles_missing": [url for url in chosen if url not in found]}


def newsroom_worker(config: dict) -> None:
    """Newsroom's pages on the imported database (settings come from the parent's environment)."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    from articles import caching

    targets, info = newsroom_targets(config)

    def count_queries(fetch):
        # A wrapper rather than CaptureQueriesContext, which would turn on the debug cursor.
        queries = []

        def count(execute, sql, *args):
            queries.append(sql)
            return execute(sql, *args)

        with connection.execute_wrapper(count):
            response = fetch()
        return len(queries), response

    info["page_cache_seconds"] = getattr(caching, "PAGE_CACHE_SECONDS", None)
    info["database"] = str(connection.settings_dict["NAME"])
    Site(targets, count_queries).serve(info)


def peer_worker(config: dict) -> None:
    """The peer's pages, set up by the peer's own bench.py (run here as a module: its argument
    parsing, settings, ``django.setup()`` and ``pick_articles``), fetched as its ``main()`` does."""
    import runpy

    bench = Path(config["site"]) / "bench.py"
    sys.argv = [str(bench), "--db", config["db"], "--topic", config["topic"], "--articles", str(config["articles"])]
    peer = runpy.run_path(str(bench), run_name="wagtail_peer_bench")
    index = peer["NewsIndexPage"].objects.live().get()
    articles = peer["pick_articles"](config["articles"])
    targets = [
        ("index_p1", index.url),
        ("index_p5", index.url + "?page=5"),
        ("topic", index.url + f"?topic={config['topic']}"),
    ] + [("article", url) for _, url in articles]
    connection, capture = peer["connection"], peer["CaptureQueriesContext"]

    def count_queries(fetch):  # as the peer's bench.py counts them
        with capture(connection) as context:
            response = fetch()
        return len(context.captured_queries), response

    import django

    info = {
        "live": peer["NewsPage"].objects.live().count(),
        "web_urls": [web_url for web_url, _ in articles],
        "versions": {"django": django.get_version(), "wagtail": __import__("wagtail").__version__},
    }
    Site(targets, count_queries).serve(info)


class Worker:
    """The parent's handle on a worker process."""

    def __init__(self, name: str, command: list[str], env: dict, cwd: Path):
        self.name = name
        self.process = subprocess.Popen(
            command, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"{name} worker failed (exit {self.process.wait()}), see above")
        self.info = json.loads(line)
        self.targets = [tuple(target) for target in self.info["targets"]]

    def ask(self, *command):
        self.process.stdin.write(" ".join(str(part) for part in command) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"{self.name} worker failed (exit {self.process.wait()}), see above")
        return json.loads(line)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait()


# ---------------------------------------------------------------------------------------------
# The parent: corpus, database, workers, rounds, table.


def find_corpus(args, workdir: Path) -> Path | None:
    if args.corpus:
        return args.corpus
    peer_corpus = PEER_WORK / f"corpus-{FILES}"  # the files the peer loaded
    if len(list(peer_corpus.glob("*.txt"))) == FILES:
        return peer_corpus
    shared = shared_dir()
    if shared is None:
        return None
    corpus = workdir / f"corpus-{FILES}"
    if not corpus.exists():
        print(f"writing {FILES:,} files with {shared / 'tools' / 'make_corpus.py'} ...", flush=True)
        make_corpus = [sys.executable, str(shared / "tools" / "make_corpus.py"), "--count", str(FILES)]
        subprocess.run([*make_corpus, "--out", str(corpus)], check=True, stdout=subprocess.DEVNULL)
    return corpus


def newsroom_env(db: Path, cache_seconds: int, redis_url: str | None = None) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings.local",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "SQLITE_PATH": str(db),
        "NEWSROOM_PAGE_CACHE_SECONDS": str(cache_seconds),
        # One log line per request is an operations feature the peer does not have (bench/site.py does the same).
        "NEWSROOM_REQUEST_LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def import_corpus(corpus: Path, db: Path) -> float:
    """A fresh SQLite database holding ``corpus``, imported as a user would: migrate, then import_seeds."""
    for leftover in db.parent.glob(db.name + "*"):
        leftover.unlink()
    env = newsroom_env(db, 0)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    started = time.perf_counter()
    result = subprocess.run(
        [*manage, "import_seeds", str(corpus)], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode not in (0, 1):
        raise SystemExit(f"import failed:\n{result.stderr}")
    print(f"imported {corpus}: {result.stdout.strip()}", flush=True)
    return time.perf_counter() - started


def summary(samples: list[tuple[float, float]]) -> dict:
    """The peer's figures from the wall-clock times, and the median CPU time."""
    ordered = sorted(wall for wall, _ in samples)
    return {
        "fetches": len(ordered),
        "median_ms": round(statistics.median(ordered), 3),
        "p10_ms": round(ordered[len(ordered) // 10], 3),
        "p90_ms": round(ordered[(len(ordered) * 9) // 10], 3),
        "cpu_median_ms": round(statistics.median(cpu for _, cpu in samples), 3),
    }


def by_type(targets, values) -> dict[str, list]:
    grouped = {}
    for (kind, _), value in zip(targets, values, strict=True):
        grouped.setdefault(kind, []).append(value)
    return grouped


def measure(args, db: Path, peer_config: dict | None) -> dict:
    """Start the workers, warm them up, count queries, then time the interleaved rounds."""
    workers = {}
    try:
        web_urls = None
        if peer_config:
            peer_env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
            peer_env.pop("DJANGO_SETTINGS_MODULE", None)
            command = [str(args.peer_python), __file__, "--peer-worker", json.dumps(peer_config)]
            workers["wagtail"] = Worker("wagtail", command, peer_env, Path(peer_config["site"]))
            web_urls = workers["wagtail"].info["web_urls"]
        elif args.peer_file_results:
            web_urls = [web_url for web_url, _ in args.peer_file_results.get("articles", [])]
        config = json.dumps({"topic_name": args.topic_name, "articles": args.articles, "web_urls": web_urls})
        command = [sys.executable, __file__, "--newsroom-worker", config]
        workers["newsroom"] = Worker("newsroom", command, newsroom_env(db, 0), ROOT)
        if not args.no_cache_figures:
            cached_env = newsroom_env(db, 300, args.cache_redis)
            workers["cached"] = Worker("cached", command, cached_env, ROOT)

        for worker in workers.values():
            worker.ask("warmup", args.warmup)
        counted = {name: worker.ask("queries") for name, worker in workers.items()}

        times = {name: [[] for _ in worker.targets] for name, worker in workers.items()}
        hits = [[] for _ in workers["newsroom"].targets]
        order = [name for name in ("newsroom", "wagtail") if name in workers]
        for round_ in range(args.rounds):
            # Alternate which site goes first, so that neither always follows the other.
            for name in order if round_ % 2 == 0 else order[::-1]:
                worker = workers[name]
                for index in range(len(worker.targets)):
                    times[name][index].append(worker.ask("time", index))
            if "cached" in workers:
                for index in range(len(workers["cached"].targets)):
                    times["cached"][index].append(workers["cached"].ask("miss", index))
                    hits[index].append(workers["cached"].ask("time", index))
        hit_queries = None
        if "cached" in workers:  # after a stored page: a hit must not touch the database
            hit_queries = [queries for queries, _ in workers["cached"].ask("hit-queries")]
    finally:
        for worker in workers.values():
            worker.close()

    result = {"workers": {name: worker.info for name, worker in workers.items()}, "sites": {}}
    for name, worker in workers.items():
        samples = by_type(worker.targets, times[name])
        queries = by_type(worker.targets, [q for q, _ in counted[name]])
        sizes = by_type(worker.targets, [size for _, size in counted[name]])
        result["sites"][name] = {
            kind: {
                **summary([ms for series in series_list for ms in series]),
                "queries": queries[kind],
                "bytes": sizes[kind],
                "urls": [url for k, url in worker.targets if k == kind],
            }
            for kind, series_list in samples.items()
        }
    if "cached" in workers:
        hit_samples = by_type(workers["cached"].targets, hits)
        hit_counts = by_type(workers["cached"].targets, hit_queries)
        for kind, series_list in hit_samples.items():
            result["sites"]["cached"][kind]["hit"] = summary([ms for series in series_list for ms in series])
            result["sites"]["cached"][kind]["hit_queries"] = hit_counts[kind]
    return result


def queries_text(queries: list[int]) -> str:
    return str(queries[0]) if min(queries) == max(queries) else f"{min(queries)}-{max(queries)}"


def verdict(ratio: float) -> str:
    return "goal" if ratio <= GOAL else "ok" if ratio <= TARGET else "MISSED"


def print_results(results: dict) -> None:
    newsroom = results["sites"]["newsroom"]
    peer = results.get("peer_results")
    load = results["load_average_before"][0], results["load_average_after"][0]
    print(
        f"\nNewsroom vs Wagtail peer, {FILES:,} generated files, page cache off, {results['rounds']} timed rounds "
        f"after {results['warmup']} warm-ups (load average {load[0]:.1f} before, {load[1]:.1f} after)"
    )
    print(f"  Newsroom: {results['workers']['newsroom']['live']:,} live articles, {results['database']}")
    if peer:
        print(f"  Wagtail:  {peer['live']:,} live pages, {results['peer_source']}")
    else:
        print(f"  Wagtail:  {results['peer_source']}; ratio columns left out")
    header = f"  {'page':40} {'ms':>7} {'p10-p90':>13} {'CPU ms':>7} {'queries':>7}"
    if peer:
        header += f" | {'Wagtail ms':>10} {'CPU ms':>7} {'queries':>7} | {'ratio':>12} {'CPU ratio':>9}"
    print(header)
    for kind, (label, peer_kind) in PAGE_TYPES.items():
        row = newsroom.get(kind)
        if row is None:
            continue
        line = (
            f"  {label:40} {row['median_ms']:7.2f} {row['p10_ms']:6.1f}-{row['p90_ms']:<6.1f} "
            f"{row['cpu_median_ms']:7.2f} {queries_text(row['queries']):>7}"
        )
        if peer and peer_kind in peer["results"]:
            theirs = peer["results"][peer_kind]
            ratio = row["median_ms"] / theirs["median_ms"]
            cpu = theirs.get("cpu_median_ms")
            cpu_ratio = f"{row['cpu_median_ms'] / cpu:9.2f}" if cpu else f"{'-':>9}"
            line += (
                f" | {theirs['median_ms']:10.2f} {f'{cpu:7.2f}' if cpu else '      -'} {queries_text(theirs['queries']):>7} "
                f"| {ratio:5.2f} {verdict(ratio):6} {cpu_ratio}"
            )
        print(line)
    missing = results["workers"]["newsroom"].get("articles_missing")
    if missing:
        print(f"  {len(missing)} of the peer's articles are not live in Newsroom, left out: {', '.join(missing)}")
    if peer:
        print(
            f"  ratio = Newsroom / Wagtail, medians of wall-clock time (the peer's figure); target <= {TARGET}, "
            f"goal {GOAL}. CPU ratio: the same with each process's CPU time, steadier on a busy machine."
        )
    cached = results["sites"].get("cached")
    if cached:
        print(
            f"\nPage cache ({results['cache_backend']}): a miss (cache emptied first, render and store) against a hit"
        )
        print(
            f"  {'page':40} {'off ms':>7} {'miss ms':>8} {'hit ms':>7} {'miss/hit':>8} | "
            f"{'CPU: off':>8} {'miss':>6} {'hit':>5} {'miss/hit':>8} | {'hit queries':>11}"
        )
        for kind, (label, _) in PAGE_TYPES.items():
            if kind not in cached:
                continue
            off, miss, hit = newsroom[kind], cached[kind], cached[kind]["hit"]
            print(
                f"  {label:40} {off['median_ms']:7.2f} {miss['median_ms']:8.2f} {hit['median_ms']:7.2f} "
                f"{miss['median_ms'] / hit['median_ms']:8.1f} | {off['cpu_median_ms']:8.2f} "
                f"{miss['cpu_median_ms']:6.2f} {hit['cpu_median_ms']:5.2f} "
                f"{miss['cpu_median_ms'] / hit['cpu_median_ms']:8.1f} | {queries_text(cached[kind]['hit_queries']):>11}"
            )
        print("  search is never cached (its keys are unbounded): its hit is another render")


def peer_source(args) -> tuple[dict | None, dict | None, str]:
    """(live worker config, results read from a file, a description) for the --peer choice."""
    site = args.peer_site or (shared_dir() / "peers" / "wagtail" / "site" if shared_dir() else None)
    can_run = site and (site / "bench.py").exists() and args.peer_python.exists() and args.peer_db.exists()
    mode = args.peer
    if mode == "auto":
        mode = "live" if can_run else "file"
    if mode == "live":
        if not can_run:
            raise SystemExit(
                f"--peer live needs the peer's bench.py ({site}), Python ({args.peer_python}) and database "
                f"({args.peer_db}): see shared/peers/wagtail/README.md"
            )
        config = {"site": str(site), "db": str(args.peer_db), "topic": args.topic, "articles": args.articles}
        return config, None, f"measured live in the same rounds ({args.peer_db})"
    if mode == "file" and args.peer_results.exists():
        results = json.loads(args.peer_results.read_text())
        return None, results, f"from {args.peer_results} (a separate run: machine load may differ)"
    return None, None, f"no peer results (no file at {args.peer_results}; see shared/peers/wagtail/README.md)"


def main() -> None:
    parser = argparse.ArgumentParser(description="Newsroom against the Wagtail peer, page by page (cache off).")
    parser.add_argument(
        "--peer",
        choices=["auto", "live", "file", "none"],
        default="auto",
        help="Where Wagtail's figures come from (auto: live when the peer is set up, else its results file).",
    )
    parser.add_argument(
        "--peer-results",
        type=Path,
        default=Path(os.environ.get("NEWSROOM_PEER_RESULTS", PEER_WORK / "bench-10000.json")),
        help="The peer's bench.py --json output ($NEWSROOM_PEER_RESULTS).",
    )
    parser.add_argument(
        "--peer-db",
        type=Path,
        default=PEER_WORK / "db-10000-fast.sqlite3",
        help="The peer's loaded database (live mode).",
    )
    parser.add_argument(
        "--peer-python", type=Path, default=PEER_PYTHON, help="The peer's virtualenv Python (live mode)."
    )
    parser.add_argument(
        "--peer-site", type=Path, help="The peer's site directory (default: shared/peers/wagtail/site)."
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        help="Seed directory (default: the peer's /tmp/wagtail-peer/corpus-10000, else make_corpus.py's).",
    )
    parser.add_argument(
        "--db", type=Path, help="A Newsroom SQLite database already holding the corpus (skips the import)."
    )
    parser.add_argument(
        "--workdir", type=Path, help="Keep the corpus and database here (default: a temporary directory)."
    )
    parser.add_argument("--rounds", type=int, default=30, help="Timed rounds (30, as the peer).")
    parser.add_argument("--warmup", type=int, default=3, help="Untimed warm-up rounds (3, as the peer).")
    parser.add_argument("--topic", default="ai", help="The peer's topic slug (ai).")
    parser.add_argument("--topic-name", default="AI", help="The same topic in Newsroom, by name (AI).")
    parser.add_argument("--articles", type=int, default=20, help="Article pages (20, as the peer).")
    parser.add_argument("--cache-redis", help="Redis URL for the page-cache figures (default: local memory).")
    parser.add_argument("--no-cache-figures", action="store_true", help="Skip the miss/hit figures.")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "out" / "peer.json", help="Results file.")
    parser.add_argument("--newsroom-worker", help=argparse.SUPPRESS)
    parser.add_argument("--peer-worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.newsroom_worker:
        return newsroom_worker(json.loads(args.newsroom_worker))
    if args.peer_worker:
        return peer_worker(json.loads(args.peer_worker))

    live_config, args.peer_file_results, source = (
        peer_source(args) if args.peer != "none" else (None, None, "--peer none")
    )
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="newsroom-peer-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        db, import_seconds = args.db, None
        if db is None:
            corpus = find_corpus(args, workdir)
            if corpus is None:
                print(
                    "peer benchmark skipped: no corpus (pass --corpus, or put shared/tools/make_corpus.py beside the checkout)"
                )
                return None
            db = workdir / "newsroom-peer.sqlite3"
            import_seconds = import_corpus(corpus, db)
        load_before = os.getloadavg()
        results = measure(args, db, live_config)
        results.update(
            {
                "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
                "load_average_before": load_before,
                "load_average_after": os.getloadavg(),
                "rounds": args.rounds,
                "warmup": args.warmup,
                "database": str(db),
                "import_seconds": import_seconds,
                "peer_source": source,
                "cache_backend": f"Redis {args.cache_redis}" if args.cache_redis else "local memory",
            }
        )
        if "wagtail" in results["sites"]:
            wagtail = results["sites"]["wagtail"]
            results["peer_results"] = {"live": results["workers"]["wagtail"]["live"], "results": wagtail}
        elif args.peer_file_results:
            results["peer_results"] = args.peer_file_results
        print_results(results)
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
        print(f"Results written to {args.json}")
    finally:
        if not args.workdir:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)
    return None


if __name__ == "__main__":
    main()
