"""What would each proposed optimisation save? Estimates by monkeypatching, one worker per variant.

    python bench/what_if.py --db /tmp/newsroom-peer/newsroom-peer.sqlite3
    python bench/what_if.py --db DB --variants memo-reverse chrome-free --rounds 20
    python bench/what_if.py --db DB --jinja-path /tmp/jinja   # adds jinja-cards (pip install --target /tmp/jinja jinja2)

Every variant is today's Newsroom with one change patched in at start-up
(templates overridden from a temporary directory placed first in
``TEMPLATES["DIRS"]``, functions replaced), in a worker process of its own;
the parent fetches each page from every worker in turn, round after round,
as bench/peer.py does (page cache off, DEBUG off, warm-ups first), and
compares median CPU times with the unchanged baseline worker.

These are estimates for the next phase's choices, not the optimisations:
several variants are upper bounds (``chrome-free`` renders no sidebar, filter
form or section bar at all; ``prerendered-cards`` reads every card from memory
as if stored, with nothing paid to store it). They patch today's code and go
stale as it changes: re-run them on the commit you are deciding for.
"""

import argparse
import atexit
import functools
import gc
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.peer import PAGE_TYPES, Site, Worker, newsroom_env, newsroom_targets  # noqa: E402

KINDS = ["front", "front_p5", "topic", "article"]


def template_text(name: str) -> str:
    return (ROOT / "templates" / name).read_text()


def override(directory: Path, name: str, text: str) -> None:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


# ---------------------------------------------------------------------------------------------
# The variants. Each takes the override directory and patches the running Newsroom.


def memo_reverse(directory: Path) -> None:
    """reverse() remembered per (name, arguments): the URL map does not change while a process runs."""
    from django import urls
    from django.template import defaulttags
    from django.urls import base

    import articles.models
    import articles.views

    original = base.reverse

    @functools.lru_cache(maxsize=65536)
    def remembered(viewname, args, kwargs, current_app):
        return original(viewname, args=list(args) or None, kwargs=dict(kwargs) or None, current_app=current_app)

    def reverse(viewname, urlconf=None, args=None, kwargs=None, current_app=None):
        if urlconf is not None or not isinstance(viewname, str):
            return original(viewname, urlconf, args, kwargs, current_app)
        return remembered(viewname, tuple(args or ()), tuple(sorted((kwargs or {}).items())), current_app)

    for module in (urls, base, defaulttags, articles.models, articles.views):
        module.reverse = reverse


def facets_free(directory: Path) -> None:
    """The facets (window, topic counts, sources, newest) as if stored: computed once per process."""
    from django.utils.functional import cached_property

    from articles.filters import Facets

    memo = {}
    for name in ("_window", "topics", "providers"):
        compute = getattr(Facets, name).func

        def remembered(self, compute=compute, name=name):
            if name not in memo:
                memo[name] = compute(self)
            return memo[name]

        prop = cached_property(remembered)
        prop.__set_name__(Facets, name)
        setattr(Facets, name, prop)
    newest = Facets.newest

    def remembered_newest(self, limit):
        if ("newest", limit) not in memo:
            memo["newest", limit] = newest(self, limit)
        return memo["newest", limit]

    Facets.newest = remembered_newest


def chrome_free(directory: Path) -> None:
    """No sidebar, filter form or section bar, and none of their data: the upper bound of pre-rendering them."""
    from articles.filters import ArticleFilter, Facets

    override(directory, "articles/includes/sidebar.html", "")
    override(directory, "articles/includes/filters.html", "")
    override(directory, "base.html", template_text("base.html").replace("{% section_nav %}", ""))
    ArticleFilter.offer_choices = lambda self, facets: None
    Facets.newest = lambda self, limit: []


def card_body() -> str:
    """card.html's markup without its {% load %}, to be pasted into list.html."""
    return template_text("articles/includes/card.html").replace("{% load newsroom %}", "")


def list_with_cards(card_lead: str, card: str) -> str:
    text = template_text("articles/list.html")
    text = text.replace('{% include "articles/includes/card.html" with lead=True %}', card_lead)
    text = text.replace('{% include "articles/includes/card.html" %}', card)
    if '{% include "articles/includes/card.html"' in text:
        raise SystemExit("list.html no longer includes the card as this script expects")
    return text.replace("{% load humanize %}", "{% load humanize newsroom %}", 1)


def inline_card(directory: Path) -> None:
    """The card's markup written into list.html's loop: no {% include %} per card."""
    override(
        directory,
        "articles/list.html",
        list_with_cards("{% with lead=True %}" + card_body() + "{% endwith %}", card_body()),
    )


def prerendered_cards(directory: Path) -> None:
    """Each card's HTML as if stored with the article (rendered once, then read), and no topic/image prefetch."""
    from django.template.loader import get_template

    import articles.views
    from articles.models import Article

    card = get_template("articles/includes/card.html")
    stored = {}

    def card_html(article, lead=False):
        key = (article.pk, lead)
        if key not in stored:
            stored[key] = card.render({"article": article, "lead": lead})
        return stored[key]

    Article.card_html = property(card_html)
    Article.card_html_lead = property(functools.partial(card_html, lead=True))
    articles.views.list_queryset = lambda queryset: queryset.select_related("provider")
    override(
        directory, "articles/list.html", list_with_cards("{{ article.card_html_lead }}", "{{ article.card_html }}")
    )


JINJA_CARD = """<article class="card{% if lead %} card--lead{% endif %}">
  {% set image = article|lead_image %}{% if image %}
  <a class="card__media" href="{{ article.get_absolute_url() }}" tabindex="-1" aria-hidden="true"><img src="{{ image.src }}"{% if image.width and image.height %} width="{{ image.width }}" height="{{ image.height }}"{% endif %} alt="" loading="lazy" decoding="async"></a>
  {% endif %}
  <div class="card__body">
    <p class="meta">{% if article.category %}<a class="meta__section" href="{{ url('articles:category', article.category) }}">{{ article.category|capfirst }}</a>{% endif %}{% if article.provider %}<a class="meta__source" href="{{ article.provider.get_absolute_url() }}">{{ article.provider.name }}</a>{% endif %}{% if article.published_at %}<time datetime="{{ article.published_at|date('c') }}">{{ article.published_at|date('j M Y') }}</time>{% endif %}</p>
    {% if lead %}<h2 class="card__title card__title--lead">{% else %}<h2 class="card__title">{% endif %}<a href="{{ article.get_absolute_url() }}" dir="auto">{{ article.title|plain }}</a></h2>
    {% if article.excerpt %}<p class="card__excerpt" dir="auto">{{ article.excerpt|plain|clip(280) }}</p>{% endif %}
    {% set topics = article.topics.all() %}{% if topics %}
    <ul class="tags" aria-label="Topics">{% for topic in topics %}<li><a href="{{ topic.get_absolute_url() }}">{{ topic.name }}</a></li>{% endfor %}</ul>
    {% endif %}
  </div>
</article>
"""


def jinja_cards(directory: Path) -> None:
    """The card (only) in Jinja2, rendered per request like today's include; the rest stays Django's."""
    import jinja2
    from django.template.defaultfilters import capfirst
    from django.urls import reverse
    from django.utils import dateformat
    from django.utils.safestring import mark_safe
    from django.utils.timezone import template_localtime

    from articles.models import Article
    from articles.rendering import clip, plain_text
    from articles.templatetags.newsroom import lead_image

    environment = jinja2.Environment(autoescape=True, keep_trailing_newline=True)
    environment.filters.update(
        lead_image=lead_image,
        capfirst=capfirst,
        plain=plain_text,
        clip=lambda value, limit: clip(str(value or ""), limit),
        date=lambda value, fmt: dateformat.format(template_localtime(value), fmt),
    )
    environment.globals["url"] = lambda name, *args: reverse(name, args=args)
    card = environment.from_string(JINJA_CARD)
    Article.card_html = property(lambda article: mark_safe(card.render(article=article, lead=False)))  # noqa: S308
    Article.card_html_lead = property(lambda article: mark_safe(card.render(article=article, lead=True)))  # noqa: S308
    override(
        directory, "articles/list.html", list_with_cards("{{ article.card_html_lead }}", "{{ article.card_html }}")
    )


def prerendered_story(directory: Path) -> None:
    """The article page's story (headline to related coverage) and head values as if stored with the article:
    the page reads the article row with its source, nothing prefetched; the sidebar is still computed."""
    from django.template import engines

    import articles.views
    from articles.filters import Facets

    page = template_text("articles/detail.html")
    start, end = page.index('<article class="story'), page.index("</article>") + len("</article>")
    story = engines["django"].from_string("{% load newsroom %}" + page[start:end])
    override(directory, "articles/detail.html", page[:start] + "{{ story_html }}" + page[end:])
    full_queryset, original_context = articles.views.detail_queryset, articles.views.article_context
    stored = {}

    def article_context(request, article, *, preview):
        if article.pk not in stored:
            full = full_queryset(type(article).objects.all()).get(pk=article.pk)
            context = original_context(request, full, preview=preview)
            context["story_html"] = story.render(context)
            stored[article.pk] = {key: value for key, value in context.items() if key not in ("facets", "newest")}
        facets = Facets()
        newest = [item for item in facets.newest(articles.views.SIDEBAR_NEWEST + 1) if item.pk != article.pk]
        return {**stored[article.pk], "facets": facets, "newest": newest[: articles.views.SIDEBAR_NEWEST]}

    articles.views.article_context = article_context
    articles.views.detail_queryset = lambda queryset: queryset.select_related("provider")


CARD_FIELDS = ("title", "slug", "excerpt", "category", "published_at", "provider__name", "provider__slug")


def card_columns(directory: Path) -> None:
    """List pages and the sidebar read only the columns a card shows (today: all ~35, four of them JSON)."""
    import articles.views
    from articles.filters import Facets
    from articles.models import Article

    articles.views.list_queryset = lambda queryset: (
        queryset.select_related("provider").only(*CARD_FIELDS).prefetch_related("topics", "images")
    )

    def newest(self, limit):
        ids = self.ids[:limit]
        rows = Article.objects.filter(pk__in=ids).select_related("provider").only(*CARD_FIELDS).in_bulk()
        return [rows[pk] for pk in ids if pk in rows]

    Facets.newest = newest


def topic_subquery(directory: Path) -> None:
    """A topic's articles as ``id IN (its rows of the through table)`` instead of an EXISTS probe per article."""
    from articles.models import Article, ArticleQuerySet

    def in_topics(self, *topics):
        return self.filter(pk__in=Article.topics.through.objects.filter(topic__in=topics).values("article_id"))

    ArticleQuerySet.in_topics = in_topics


def gc_off(directory: Path) -> None:
    """No cyclic garbage collection at all: the upper bound of tuning it."""
    gc.disable()


def gc_freeze(directory: Path):
    """gc.freeze() once warm (as a gunicorn post_fork hook would after loading the app): full collections
    then skip every object that start-up and the warm-up created."""
    return gc.freeze


def combined(directory: Path) -> None:
    """topic-subquery + prerendered-story + memo-reverse + chrome-free + prerendered-cards: the skeleton left."""
    topic_subquery(directory)
    prerendered_story(directory)
    memo_reverse(directory)
    chrome_free(directory)
    prerendered_cards(directory)


VARIANTS = {
    "baseline": lambda directory: None,
    "memo-reverse": memo_reverse,
    "facets-free": facets_free,
    "chrome-free": chrome_free,
    "inline-card": inline_card,
    "jinja-cards": jinja_cards,
    "prerendered-cards": prerendered_cards,
    "prerendered-story": prerendered_story,
    "card-columns": card_columns,
    "topic-subquery": topic_subquery,
    "gc-off": gc_off,
    "gc-freeze": gc_freeze,
    "combined": combined,
}


def variant_worker(config: dict) -> None:
    import django
    from django.conf import settings

    if config.get("jinja_path"):
        sys.path.insert(0, config["jinja_path"])
    django.setup()
    directory = Path(tempfile.mkdtemp(prefix="newsroom-what-if-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    settings.TEMPLATES[0]["DIRS"].insert(0, directory)  # before the first template is loaded
    after_warmup = VARIANTS[config["variant"]](directory)
    targets, info = newsroom_targets({"topic_name": config["topic_name"], "articles": config["articles"]})
    targets = [target for target in targets if target[0] in KINDS]
    from django.db import connection

    def count_queries(fetch):
        queries = []

        def count(execute, sql, *args):
            queries.append(sql)
            return execute(sql, *args)

        with connection.execute_wrapper(count):
            response = fetch()
        return len(queries), response

    site = Site(targets, count_queries)
    if after_warmup:
        warm_up = site.warm_up
        site.warm_up = lambda rounds: (warm_up(rounds), after_warmup())
    site.serve(info)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", type=Path, help="A Newsroom SQLite database holding the corpus (bench/peer.py --workdir)."
    )
    parser.add_argument("--variants", nargs="*", choices=[name for name in VARIANTS if name != "baseline"])
    parser.add_argument("--rounds", type=int, default=15, help="Timed rounds (15).")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--articles", type=int, default=10, help="Article pages (10).")
    parser.add_argument("--topic-name", default="AI")
    parser.add_argument("--jinja-path", help="A directory holding jinja2 (pip install --target DIR jinja2).")
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    parser.add_argument("--variant-worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant_worker:
        return variant_worker(json.loads(args.variant_worker))
    if not args.db or not args.db.exists():
        parser.error("--db: a Newsroom SQLite database holding the corpus (bench/peer.py --workdir DIR keeps one)")

    chosen = args.variants or [name for name in VARIANTS if name != "baseline"]
    if "jinja-cards" in chosen and not args.jinja_path:
        chosen.remove("jinja-cards")
        print("jinja-cards left out: pass --jinja-path (a directory holding jinja2)")
    names = ["baseline", *chosen]
    env = newsroom_env(args.db, 0)
    workers = {}
    try:
        for name in names:
            config = {"variant": name, "topic_name": args.topic_name, "articles": args.articles}
            config["jinja_path"] = args.jinja_path
            command = [sys.executable, __file__, "--variant-worker", json.dumps(config)]
            workers[name] = Worker(name, command, env, ROOT)
        for worker in workers.values():
            worker.ask("warmup", args.warmup)
        sizes = {name: worker.ask("queries") for name, worker in workers.items()}
        targets = workers["baseline"].targets
        times = {name: [[] for _ in targets] for name in names}
        for round_ in range(args.rounds):
            for index in range(len(targets)):
                order = names if round_ % 2 == 0 else names[::-1]
                for name in order:
                    times[name][index].append(workers[name].ask("time", index)[1])  # CPU ms
    finally:
        for worker in workers.values():
            worker.close()

    results = {}
    print(f"\nMedian CPU ms per page type, {args.rounds} interleaved rounds; saving against the baseline")
    print(
        f"  {'variant':18}" + "".join(f" {PAGE_TYPES[kind][0][:24]:>26}" for kind in KINDS) + "   queries, KB (front)"
    )
    for name in names:
        row, cells = {}, []
        for kind in KINDS:
            samples = [ms for index, target in enumerate(targets) if target[0] == kind for ms in times[name][index]]
            base = [ms for index, target in enumerate(targets) if target[0] == kind for ms in times["baseline"][index]]
            median, base_median = statistics.median(samples), statistics.median(base)
            row[kind] = {"cpu_median_ms": median, "saving_ms": base_median - median}
            saving = "" if name == "baseline" else f" ({100 * (base_median - median) / base_median:+.0f} %)"
            cells.append(f"{median:6.2f}{saving:>8}".rjust(26))
        front_queries, front_bytes = sizes[name][0]
        results[name] = row
        print(f"  {name:18}" + "".join(f" {cell}" for cell in cells) + f"   {front_queries}, {front_bytes / 1024:.0f}")
    print("  (a saving shows as a positive percentage)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    return None


if __name__ == "__main__":
    main()
