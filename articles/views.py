"""Public pages. Readers only ever see ``Article.objects.published()``; staff also get a preview.

Every list page runs the same fixed set of queries whatever the archive's
size (tests/test_views.py counts them): the recent window and its topics
and sources (three, see ``Facets``), the sidebar's newest stories, the ids
of the hot or relevance window when that is the ordering, the page count
(capped), the page itself and two prefetches (topics, images); plus one
to find the topic, source or category of its page.
"""

from functools import wraps

from django.core.paginator import InvalidPage
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from .caching import rank_time
from .chrome import SIDEBAR_NEWEST, Chrome
from .facets import Facets
from .filters import ORDERING_LABELS, ArticleFilter
from .models import Article, Category, Correction, Provider, Topic, TopicOldSlug, category_key, http_images
from .pending import pending_of, sandbox
from .pictures.html import largest_url, social_image
from .rendering import clip, http_url, plain_text, standfirst, video_embed
from .site import CappedPaginator, conditional_page, site_description, site_name
from .text import display_domain

PAGE_SIZE = 20
FRONT_HEADINGS = {**ORDERING_LABELS, "newest": "Latest news", "relevance": ORDERING_LABELS["hot"]}


def feed_links(kind: str = "", slug: str = "", name: str = "") -> dict:
    """The RSS and Atom feeds of a list page: the latest news, a topic's, a source's or a category's."""
    if not kind:
        return {"rss": reverse("articles:latest_rss"), "atom": reverse("articles:latest_atom")}
    return {
        "rss": reverse(f"articles:{kind}_rss", kwargs={"slug": slug}),
        "atom": reverse(f"articles:{kind}_atom", kwargs={"slug": slug}),
        "title": f"{site_name()}: {name}",
    }


def absolute(request, path: str) -> str:
    return request.build_absolute_uri(path)


def list_page(paginator, number):
    """The page a reader asked for; no such page (past the end, not a number) is a 404, as in Django's ListView."""
    try:
        return paginator.page(number or 1)
    except InvalidPage as error:
        raise Http404("No such page.") from error


def render_list(
    request, queryset, *, heading, description, template="articles/list.html", fixed=(), searching=False, **extra
):
    """A paginated, filterable list of ``queryset`` (live articles), with the sidebar."""
    facets = Facets()
    fixed = fixed if searching else (*fixed, "q")
    filterset = ArticleFilter(request.GET, queryset=queryset, fixed=fixed)
    filterset.now = rank_time()  # the same ranking within each step of the clock: what the page cache keys on
    paginator = CappedPaginator(filterset.qs.for_cards(), PAGE_SIZE)
    filterset.offer_choices(facets)
    page = list_page(paginator, request.GET.get("page"))
    page.object_list = list(page.object_list)
    request.shown_articles = [article.pk for article in page.object_list]  # the page cache checks their versions
    canonical = request.path + (f"?page={page.number}" if page.number > 1 else "")
    context = {
        "heading": heading,
        "page_title": heading if page.number == 1 else f"{heading} (page {page.number})",
        "meta_description": description,
        "canonical_url": absolute(request, canonical),
        "noindex": filterset.is_filtered or "ordering" in request.GET,
        "filterset": filterset,
        "facets": facets,
        "page_obj": page,
        "paginator": paginator,
        "articles": page.object_list,
        "newest": facets.newest(SIDEBAR_NEWEST),
        "feeds": feed_links(),
        **extra,
    }
    return render(request, template, context)


@require_safe
@conditional_page
def front_page(request):
    # The heading names the order in force (an unknown ordering is the default's): never "Top stories" over
    # the most trusted stories of all time.
    ordering = request.GET.get("ordering")
    return render_list(
        request,
        Article.objects.published(),
        heading=FRONT_HEADINGS.get(ordering, FRONT_HEADINGS["hot"]),
        description=site_description(),
        is_front=True,
    )


def follows_old_topic_slugs(url_name: str):
    """A topic view (its page or a feed) that answers 301 to the topic's URL for a slug the topic had
    before (``TopicOldSlug``), when its own lookup finds nothing. A topic with no live article stays a 404."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, slug, **kwargs):
            try:
                return view(request, slug=slug, **kwargs)
            except Http404:
                # Two lookups by key, not one join: a subquery of every live topic is slow on SQLite.
                moved = TopicOldSlug.objects.filter(slug=slug).select_related("topic").first()
                if moved is None or not Topic.objects.live().filter(pk=moved.topic_id).exists():
                    raise
                url = reverse(url_name, kwargs={"slug": moved.topic.slug})
                query = request.META.get("QUERY_STRING", "")
                return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)

        return wrapped

    return decorate


@require_safe
@conditional_page
def topic_page(request, slug):
    topic = get_object_or_404(Topic.objects.live(), slug=slug)
    return render_list(
        request,
        Article.objects.published().in_topics(topic),
        heading=topic.name,
        description=f"The latest news about {topic.name} on {site_name()}.",
        fixed=("topic",),
        topic=topic,
        kicker="Topic",
        feeds=feed_links("topic", topic.slug, topic.name),
    )


@require_safe
@conditional_page
def provider_page(request, slug):
    provider = get_object_or_404(Provider.objects.live().prefetch_related("logos"), slug=slug)
    return render_list(
        request,
        Article.objects.published().filter(provider=provider),
        heading=provider.name,
        description=f"The latest stories from {provider.name} ({display_domain(provider.domain)}) on {site_name()}.",
        fixed=("provider",),
        provider=provider,
        provider_logo=provider.logo,
        kicker="Source",
        feeds=feed_links("provider", provider.slug, provider.name),
    )


@require_safe
@conditional_page
def category_page(request, name):
    """A managed category's live articles, by its slug; another spelling of its name redirects to it."""
    # PostgreSQL refuses NUL in text, and no category is longer than its column.
    if "\x00" in name or len(name) > Category._meta.get_field("slug").max_length:
        raise Http404("No live articles in this category.")
    category = Category.objects.live().filter(slug=name).first()
    if category is None:
        # /category/News/ from before categories were managed, or a name typed by hand.
        category = Category.objects.live().filter(key=category_key(name)).first()
        if category is None:
            raise Http404("No live articles in this category.")
        return redirect(category, permanent=True)
    heading = category.heading
    return render_list(
        request,
        Article.objects.published().in_category(category),
        heading=heading,
        description=f"{heading}: the latest stories on {site_name()}.",
        fixed=("category",),
        kicker="Section",
        feeds=feed_links("category", category.slug, heading),
    )


@require_safe
@conditional_page
def search_page(request):
    query = " ".join(request.GET.get("q", "").split())
    if not query and not set(request.GET) - {"q", "page", "ordering"}:
        facets = Facets()
        context = {
            "page_title": "Search",
            "meta_description": f"Search the news on {site_name()}.",
            "canonical_url": absolute(request, request.path),
            "noindex": True,
            "facets": facets,
            "newest": facets.newest(SIDEBAR_NEWEST),
            "query": "",
        }
        return render(request, "articles/search.html", context)
    return render_list(
        request,
        Article.objects.published(),
        heading=f"Results for “{query}”" if query else "Search results",
        description=f"Search results on {site_name()}.",
        template="articles/search.html",
        searching=True,
        feeds=None,
        query=query,
    )


def article_context(request, article: Article, *, preview: bool) -> dict:
    images = http_images(article.images.all())
    lead_image = images[0] if images else None
    canonical = absolute(request, article.get_absolute_url())
    authors = article.byline_names
    title, excerpt = plain_text(article.title), plain_text(article.excerpt)
    embed = video_embed(article.featured_content)
    return {
        "article": article,
        "preview": preview,
        "title": title,
        "excerpt": excerpt,
        "standfirst": standfirst(article.excerpt, article.title),
        "body_html": mark_safe(article.body_html),  # noqa: S308 - sanitized when stored (rendering.stored_body_html)
        "embed": embed.as_html(title) if embed else None,
        "lead_image": lead_image,
        # A slideshow shows every image in one viewer; any other article its first image on top, the rest below.
        "slides": images if article.item_type == "slideshow" and len(images) > 1 else [],
        "gallery": [] if article.item_type == "slideshow" and len(images) > 1 else images[1:],
        "provider_logo": article.provider.logo if article.provider else None,
        "topics": list(article.topics.all()),
        "related": list(article.related_links.all()),
        "source_url": http_url(article.web_url) or http_url(article.original_url),
        "chrome": Chrome(request, exclude=article.pk),
        "page_title": title,
        "meta_description": clip(excerpt, 300),
        "canonical_url": canonical,
        "og_type": "article",
        "og_image": absolute_image(request, social_image(lead_image)),
        "noindex": preview,
        "authors": authors,
        "updated_at": updated_after_publication(article),
        "corrections": list(article.corrections.all()),
        "json_ld": None
        if preview
        else news_article_json_ld(
            article, canonical, title, excerpt, [absolute(request, largest_url(image)) for image in images], authors
        ),
    }


def absolute_image(request, image: dict | None) -> dict | None:
    return image and {**image, "src": absolute(request, image["src"])}


UPDATE_SHOWN_AFTER = 60  # seconds: a save in the minute of publication is not an update readers need to see


def updated_after_publication(article: Article):
    """When a person last changed the story after it was published, or None: the page then says "Updated"."""
    edited, published = article.edited_at, article.published_at
    if edited and published and (edited - published).total_seconds() > UPDATE_SHOWN_AFTER:
        return edited
    return None


def news_article_json_ld(
    article: Article, canonical: str, title: str, excerpt: str, image_urls: list[str], authors: list[str] = ()
) -> dict:
    """schema.org NewsArticle for search engines; the template writes it escaped for a <script> element."""
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": title[:110],
        "description": excerpt,
        "url": canonical,
        "mainEntityOfPage": {"@type": "WebPage", "@id": canonical},
        "dateModified": article.updated_at.isoformat() if article.updated_at else None,
        "image": image_urls,  # the widest rendition when ready, else the source's
        "keywords": [topic.name for topic in article.topics.all()],
        "publisher": {"@type": "Organization", "name": site_name()},
    }
    if article.published_at:
        data["datePublished"] = article.published_at.isoformat()
    corrections = [
        {"@type": "CorrectionComment", "text": f"{c.label}: {c.note}", "datePublished": c.at.isoformat()}
        for c in article.corrections.all()  # prefetched, readers' kinds only (ArticleQuerySet.for_article_page)
    ]
    if corrections:
        data["correction"] = corrections
    if authors:
        data["author"] = [{"@type": "Person", "name": name} for name in authors]
    elif article.provider:
        data["author"] = {"@type": "Organization", "name": article.provider.name}
    if http_url(article.web_url):
        data["isBasedOn"] = article.web_url
    return {key: value for key, value in data.items() if value not in (None, [], "")}


@require_safe
@conditional_page
def article_detail(request, pk, slug):
    article = get_object_or_404(Article.objects.published().for_article_page(), pk=pk)
    if slug != (article.slug or "article"):
        return redirect(article, permanent=True)
    return render(request, "articles/detail.html", article_context(request, article, preview=False))


def signed_in_staff(user) -> bool:
    """Staff signed in who may view articles: who may see a story readers may not (yet)."""
    return bool(user.is_active and user.is_staff and user.has_perm("articles.view_article"))


@require_safe
def article_preview(request, pk):
    """Any article, as readers would see it, for staff who may view articles; 404 for everyone else."""
    if not signed_in_staff(request.user):
        raise Http404("No such page.")
    article = get_object_or_404(Article.objects.for_article_page(), pk=pk)
    if pending_of(article) is None:
        response = render(request, "articles/detail.html", article_context(request, article, preview=True))
    else:  # a live story with a pending change: the change, drawn where it is applied and rolled back
        with sandbox(article):
            article = Article.objects.for_article_page().get(pk=pk)
            response = render(request, "articles/detail.html", article_context(request, article, preview=True))
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


CORRECTIONS_PAGE_SIZE = 50


def public_corrections():
    """Corrections, clarifications and updates of live stories, newest first, each with its story."""
    return Correction.objects.shown().of_live_articles().select_related("article").order_by("-at", "-id")


@require_safe
@conditional_page
def corrections_page(request):
    """Every correction, clarification and update readers were told of, newest first: a fixed number of queries."""
    paginator = CappedPaginator(public_corrections(), CORRECTIONS_PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except InvalidPage as exc:
        raise Http404("No such page.") from exc
    facets = Facets()
    context = {
        "page_title": "Corrections",
        "meta_description": f"Corrections, clarifications and updates to stories on {site_name()}, newest first.",
        "canonical_url": absolute(request, reverse("articles:corrections")),
        "feeds": {
            "title": f"{site_name()}: corrections",
            "rss": reverse("articles:corrections_rss"),
            "atom": reverse("articles:corrections_atom"),
        },
        "page_obj": page,
        "corrections": list(page.object_list),
        "facets": facets,
        "newest": facets.newest(SIDEBAR_NEWEST),
    }
    return render(request, "articles/corrections.html", context)


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /preview/",
        "Disallow: /search/",
        "",
        f"Sitemap: {absolute(request, reverse('sitemap-index'))}",
        f"Sitemap: {absolute(request, reverse('sitemap-news'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


def page_not_found(request, exception=None):
    facets = Facets()
    context = {
        "page_title": "Page not found",
        "meta_description": "This page does not exist.",
        "noindex": True,
        "facets": facets,
        "newest": facets.newest(SIDEBAR_NEWEST),
    }
    return render(request, "404.html", context, status=404)


def server_error(request):
    """The 500 page renders without a database or a request context: either may be what failed."""
    return HttpResponse(loader.get_template("500.html").render({"site_name": site_name()}), status=500)
