"""Where a page's time goes: SQL against Python, template by template, node by node, function by function.

    python bench/profile_pages.py --db /tmp/newsroom-peer/newsroom-peer.sqlite3          # every page type
    python bench/profile_pages.py --db DB --pages front topic --requests 30 --top 30

A profiling aid, not a benchmark: the instruments slow the page down, so its
shares are what to read; the uninstrumented time of each page comes first,
measured as bench/peer.py measures it (test client, DEBUG off, page cache off,
warm-ups first). The database is one that bench/peer.py imported (``--workdir``
keeps it). Per page type:

1. plain: the median time of ``--requests`` fetches, uninstrumented;
2. split: the request's time divided into middleware (outside the URL's
   view), the view's Python, template rendering and SQL (each query timed
   with ``connection.execute_wrapper``, and the fetching of its rows, during
   which SQLite does much of its work; SQL run from inside a template, by
   a lazy queryset, is counted as SQL, not as template time);
3. templates: each template's time per request, inclusive (with what it
   includes) and exclusive, and how often it is rendered, from a wrapper
   around ``Template._render`` (what the test runner's instrumentation wraps);
4. nodes: exclusive time per template node class (``{% url %}``,
   ``{{ variable|filter }}``, ``{% include %}``, ``{% querystring %}``, ...),
   and the number of ``reverse()`` calls;
5. functions: cProfile's top functions by own time and by cumulative time.
"""

import argparse
import cProfile
import gc
import io
import os
import pstats
import sqlite3
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.peer import PAGE_TYPES, newsroom_env  # noqa: E402

now = time.thread_time  # CPU time of this thread (SQLite runs in it): steadier than wall-clock on a busy machine

WRAPPERS = (
    "client.py",
    "exception.py(inner)",
    "deprecation.py",
    "middleware.py",
    "base.py:136(get_response)",
    "base.py:174(_get_response)",
    "profile_pages.py",
    "decorators.py",
    "http.py:",
    "caching.py:152(cached_view)",
)


# Django and library functions worth a line of their own in the "where" table (path suffix, function name).
FOCUS = [
    ("django/urls/base.py", "reverse"),
    ("django/template/defaultfilters.py", "date"),
    ("django/utils/formats.py", "get_format"),
    ("django/utils/formats.py", "date_format"),
    ("django/utils/timezone.py", "template_localtime"),
    ("django/utils/html.py", "conditional_escape"),
    ("django/template/base.py", "_resolve_lookup"),
    ("django/template/loader_tags.py", "render"),
    ("django/template/defaulttags.py", "querystring"),
    ("django/db/models/base.py", "__init__"),
    ("django/db/models/base.py", "from_db"),
    ("django/db/models/sql/compiler.py", "as_sql"),
    ("django/db/models/sql/compiler.py", "execute_sql"),
    ("django/db/models/sql/compiler.py", "results_iter"),
    ("django/db/models/query.py", "prefetch_related_objects"),
    ("django/db/models/query.py", "_filter_or_exclude"),
    ("django/db/models/lookups.py", "batch_process_rhs"),
    ("django/forms/boundfield.py", "__str__"),
    ("django/forms/forms.py", "full_clean"),
    ("django/core/cache/backends/locmem.py", "set"),
    ("django/core/cache/backends/locmem.py", "get"),
    ("django/utils/cache.py", "set_response_etag"),
    ("django/middleware/http.py", "process_response"),
    ("csp/middleware.py", "process_response"),
    ("django_filters/filterset.py", "__init__"),
    ("markdown/core.py", "convert"),
    ("nh3", "clean"),
]


class Clock:
    """Accumulates exclusive and inclusive times over a stack of nested sections."""

    def __init__(self):
        self.inclusive = defaultdict(float)
        self.exclusive = defaultdict(float)
        self.calls = defaultdict(int)
        self.stack = []  # [name, started, time spent in children]
        self.outermost = 0.0  # time in sections entered with nothing else open

    def enter(self, name):
        self.stack.append([name, now(), 0.0])

    def leave(self):
        name, started, children = self.stack.pop()
        spent = now() - started
        self.inclusive[name] += spent
        self.exclusive[name] += spent - children
        self.calls[name] += 1
        if self.stack:
            self.stack[-1][2] += spent
        else:
            self.outermost += spent
        return spent

    def reset(self):
        self.__init__()


class Instruments:
    """Wrappers installed for the profiling run only: templates, nodes, SQL, reverse(), the view."""

    def __init__(self):
        from django.core.handlers.base import BaseHandler
        from django.db import connection
        from django.template import base, defaulttags
        from django.urls import base as urls_base

        self.templates = Clock()
        self.nodes = Clock()
        self.expressions = Clock()
        self.sql_seconds = 0.0
        self.sql_in_templates = 0.0
        self.queries = []
        self.view_seconds = 0.0
        self.reverse_calls = 0
        self.gc_seconds = defaultdict(float)
        self.gc_runs = defaultdict(int)
        self.gc_started = 0.0
        self.connection = connection

        original_render = base.Template._render

        def timed_render(template, context):
            self.templates.enter(template.name or "<string>")
            try:
                return original_render(template, context)
            finally:
                self.templates.leave()

        original_node_render = base.Node.render_annotated

        def timed_node_render(node, context):
            token = getattr(node, "token", None)
            origin = getattr(node, "origin", None)
            where = f"{origin.template_name if origin else '?'}:{token.lineno if token else '?'}"
            self.nodes.enter(type(node).__name__)
            self.expressions.enter(f"{where} {token.contents[:70] if token else type(node).__name__}")
            try:
                return original_node_render(node, context)
            finally:
                self.expressions.leave()
                self.nodes.leave()

        original_get_response = BaseHandler._get_response

        def timed_get_response(handler, request):
            started = now()
            try:
                return original_get_response(handler, request)
            finally:
                self.view_seconds += now() - started

        original_reverse = urls_base.reverse

        def counted_reverse(*args, **kwargs):
            self.reverse_calls += 1
            return original_reverse(*args, **kwargs)

        from django.db.backends.sqlite3.base import SQLiteCursorWrapper

        self.patches = [
            *(
                (SQLiteCursorWrapper, name, self.timed_fetch(getattr(sqlite3.Cursor, name)), None)
                for name in ("fetchone", "fetchmany", "fetchall")
            ),
            (base.Template, "_render", timed_render, original_render),
            (base.Node, "render_annotated", timed_node_render, original_node_render),
            (BaseHandler, "_get_response", timed_get_response, original_get_response),
        ]
        # reverse() is imported by name into the modules that call it.
        from django import urls

        import articles.models
        import articles.views

        for module in (urls, urls_base, defaulttags, articles.models, articles.views):
            if getattr(module, "reverse", None) is original_reverse:
                self.patches.append((module, "reverse", counted_reverse, original_reverse))

    def timed_sql(self, execute, sql, params, many, context):
        started = now()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = now() - started
            self.queries.append([spent, sql])
            self.add_sql(spent)

    def add_sql(self, spent):
        self.sql_seconds += spent
        if self.templates.stack:
            self.sql_in_templates += spent
            # SQL run by a lazy queryset inside a template is SQL, not template time.
            for clock in (self.templates, self.nodes, self.expressions):
                if clock.stack:
                    clock.stack[-1][2] += spent

    def timed_fetch(self, original):
        """SQLite runs much of a query while rows are fetched (a sort, EXISTS probes): that is SQL time too."""
        instruments = self

        def fetch(cursor, *args):
            started = now()
            try:
                return original(cursor, *args)
            finally:
                spent = now() - started
                if instruments.queries:
                    instruments.queries[-1][0] += spent
                instruments.add_sql(spent)

        return fetch

    def on_gc(self, phase, info):
        """The cyclic garbage collector's pauses: they land inside whatever code allocated last."""
        if phase == "start":
            self.gc_started = now()
        else:
            self.gc_seconds[info["generation"]] += now() - self.gc_started
            self.gc_runs[info["generation"]] += 1

    def __enter__(self):
        for owner, name, replacement, _ in self.patches:
            setattr(owner, name, replacement)
        gc.callbacks.append(self.on_gc)
        self.wrapper = self.connection.execute_wrapper(self.timed_sql)
        self.wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        gc.callbacks.remove(self.on_gc)
        self.wrapper.__exit__(*exc)
        for owner, name, _, original in self.patches:
            if original is None:  # inherited from sqlite3.Cursor
                delattr(owner, name)
            else:
                setattr(owner, name, original)

    def reset(self):
        self.templates.reset()
        self.nodes.reset()
        self.expressions.reset()
        self.sql_seconds = self.sql_in_templates = self.view_seconds = 0.0
        self.queries = []
        self.reverse_calls = 0
        self.gc_seconds.clear()
        self.gc_runs.clear()


def where_rows(profiler, fetches: int, top: int) -> None:
    """Cumulative time of this project's functions and of FOCUS, as a share of the profiled request."""
    stats = pstats.Stats(profiler).stats
    total = sum(tt for _, _, tt, _, _ in stats.values())
    rows = []
    for (path, line, function), (_, calls, _, cumulative, _) in stats.items():
        own = path.startswith(str(ROOT)) and "/bench/" not in path and "/.venv/" not in path
        if own or any(suffix in path and function == name for suffix, name in FOCUS):
            where = path.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
            rows.append((cumulative, calls, f"{where}:{line}({function})"))
    print(f"  where (cProfile, cumulative; share of the profiled request, calls per request; top {top}):")
    for cumulative, calls, name in sorted(rows, reverse=True)[:top]:
        print(f"    {100 * cumulative / total:5.1f} %  x{calls / fetches:7.1f}  {name}")


def fetch(client, url):
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    return response


def profile_page(client, label, urls, args) -> None:
    from django.test import Client

    for _ in range(3):
        for url in urls:
            fetch(client, url)
    n = args.requests

    plain = []
    for _ in range(n):
        for url in urls:
            started = now()
            fetch(client, url)
            plain.append((now() - started) * 1000)
    fetches = n * len(urls)

    totals = []
    with Instruments() as instruments:
        # A new client: a handler binds BaseHandler._get_response when it builds its middleware chain.
        instrumented = Client()
        for url in urls:
            fetch(instrumented, url)
        instruments.reset()
        for _ in range(n):
            for url in urls:
                started = now()
                fetch(instrumented, url)
                totals.append(now() - started)
    per = 1000 / fetches  # seconds in total -> ms per request
    total = sum(totals) * per
    view = instruments.view_seconds * per
    sql = instruments.sql_seconds * per
    templates = (instruments.templates.outermost - instruments.sql_in_templates) * per
    queries = len(instruments.queries) / fetches

    print(f"\n=== {label}  ({len(urls)} URL{'s' if len(urls) > 1 else ''}, {fetches} fetches per measurement)")
    print(
        f"plain (uninstrumented): median {statistics.median(plain):.2f} ms ({'CPU' if now is time.thread_time else 'wall-clock'})"
    )
    print(f"instrumented: {total:.2f} ms per request, {queries:.0f} queries")
    print(
        f"  middleware and client (outside the view)    {total - view:7.2f} ms  {100 * (total - view) / total:5.1f} %"
    )
    print(
        f"  view's Python (outside templates, not SQL)  {view - templates - sql:7.2f} ms  "
        f"{100 * (view - templates - sql) / total:5.1f} %"
    )
    print(f"  template rendering (not SQL)                {templates:7.2f} ms  {100 * templates / total:5.1f} %")
    print(
        f"  SQL ({queries:.0f} queries; {instruments.sql_in_templates * per:.2f} ms of it from inside templates)"
        f"{'':3} {sql:7.2f} ms  {100 * sql / total:5.1f} %"
    )
    gc_total = sum(instruments.gc_seconds.values()) * per
    runs = ", ".join(
        f"gen{generation} x{instruments.gc_runs[generation] / fetches:.2f} {instruments.gc_seconds[generation] * per:.2f} ms"
        for generation in sorted(instruments.gc_runs)
    )
    print(
        f"  of which garbage collection (inside the rows above) {gc_total:7.2f} ms  {100 * gc_total / total:5.1f} %  ({runs})"
    )
    slowest = defaultdict(lambda: [0.0, 0])
    for seconds, sql_text in instruments.queries:
        entry = slowest[sql_text[:160]]
        entry[0] += seconds
        entry[1] += 1
    print("  queries by time per request:")
    for text, (seconds, count) in sorted(slowest.items(), key=lambda item: -item[1][0])[: args.queries]:
        print(f"    {seconds * per:6.2f} ms  x{count / fetches:.1f}  {text}")

    print("  templates (ms per request: inclusive / exclusive, renders per request):")
    clock = instruments.templates
    for name in sorted(clock.inclusive, key=lambda name: -clock.inclusive[name]):
        print(
            f"    {clock.inclusive[name] * per:7.2f} {clock.exclusive[name] * per:7.2f}  "
            f"x{clock.calls[name] / fetches:5.1f}  {name}"
        )
    print(
        f"  template nodes (exclusive ms per request, renders per request); reverse(): {instruments.reverse_calls / fetches:.1f} calls per request"
    )
    clock = instruments.nodes
    for name in sorted(clock.exclusive, key=lambda name: -clock.exclusive[name])[: args.top]:
        print(f"    {clock.exclusive[name] * per:7.2f}  x{clock.calls[name] / fetches:6.1f}  {name}")

    print("  template expressions (exclusive ms per request, renders per request; template:line and tag):")
    clock = instruments.expressions
    for name in sorted(clock.exclusive, key=lambda name: -clock.exclusive[name])[: args.top]:
        print(f"    {clock.exclusive[name] * per:7.2f}  x{clock.calls[name] / fetches:6.1f}  {name}")

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        for url in urls:
            fetch(client, url)
    profiler.disable()
    where_rows(profiler, fetches, args.top)
    for order in ("tottime",):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order)
        stats.print_stats(args.top * 4)
        lines = out.getvalue().splitlines()
        start = next(i for i, line in enumerate(lines) if line.strip().startswith("ncalls"))
        # The request's wrappers (client, handler, middleware) each hold the whole request: not news.
        rows = [line for line in lines[start + 1 :] if line.strip() and not any(w in line for w in WRAPPERS)]
        print(f"  cProfile by {order} (seconds over {fetches} fetches, profiled):")
        for line in [lines[start], *rows[: args.top]]:
            print(f"    {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="A Newsroom SQLite database holding the corpus.")
    parser.add_argument("--pages", nargs="*", choices=list(PAGE_TYPES), help="Page types (default: all).")
    parser.add_argument("--requests", type=int, default=20, help="Fetches per URL for each measurement (20).")
    parser.add_argument("--top", type=int, default=25, help="Rows of nodes and functions (25).")
    parser.add_argument("--queries", type=int, default=6, help="Slowest distinct queries shown (6).")
    parser.add_argument(
        "--clock", choices=["cpu", "wall"], default="cpu", help="Thread CPU time (default) or wall-clock."
    )
    parser.add_argument("--variant", help="Apply one of bench/what_if.py's variants first (e.g. combined).")
    parser.add_argument("--topic-name", default="AI")
    parser.add_argument("--articles", type=int, default=5, help="Article pages profiled (5).")
    args = parser.parse_args()
    if args.clock == "wall":
        global now
        now = time.perf_counter

    os.environ.update(newsroom_env(args.db, 0))
    import django

    django.setup()
    if args.variant:  # profile what is left once a what_if.py variant is in place
        import atexit
        import shutil
        import tempfile

        from django.conf import settings

        from bench.what_if import VARIANTS

        directory = Path(tempfile.mkdtemp(prefix="newsroom-what-if-"))
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        settings.TEMPLATES[0]["DIRS"].insert(0, directory)
        VARIANTS[args.variant](directory)
    from django.test import Client

    from bench.peer import newsroom_targets

    targets, info = newsroom_targets({"topic_name": args.topic_name, "articles": args.articles})
    print(f"{info['live']:,} live articles in {args.db}; page cache off, DEBUG off, request log off")
    client = Client()
    for kind in args.pages or PAGE_TYPES:
        urls = [url for k, url in targets if k == kind]
        profile_page(client, f"{PAGE_TYPES[kind][0]}: {urls[0]}", urls, args)


if __name__ == "__main__":
    main()
