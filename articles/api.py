"""Read-only JSON API: ``/api/news/`` (paginated, filterable) and ``/api/news/<id>/``.

Items have the source feed's shape (``webUrl``, ``publishedDateTime``,
``provider: {name, domain}``, ...) so that a client of the feed can switch
over; ``id`` and ``url`` (the article's page here) are added. Only live
articles, only http(s) URLs, never ``secured`` or the unmodelled seed keys.
"""

from datetime import UTC

from django.core.paginator import EmptyPage, PageNotAnInteger
from django.http import HttpResponse
from django.views.decorators.http import require_safe

from .filters import ArticleFilter
from .models import Article, RelatedLink, http_images
from .pictures.html import renditions_data
from .rendering import http_url
from .site import CappedPaginator, conditional_page, json_text

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def json_response(data, status: int = 200) -> HttpResponse:
    return HttpResponse(json_text(data), status=status, content_type="application/json")


def feed_datetime(value):
    """``2021-10-06T16:00:00Z``, as the source feed writes date-times."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


def image_data(image, request=None) -> dict:
    """The image as the feed had it (``url``: the original; an upload's served here), and ``renditions``:
    the local copies' URLs and ``srcset``s once its picture is ready (issue 14), else null."""
    data = {"url": image.src, "width": image.width, "height": image.height, "isCached": image.is_cached}
    absolute = request.build_absolute_uri if request is not None else (lambda url: url)
    if image.file:
        data["url"] = absolute(image.src)  # an upload, served here
    data["renditions"] = renditions_data(image, absolute)
    for key, attr in (("altText", "alt_text"), ("caption", "caption"), ("credit", "credit")):
        if hasattr(image, attr):  # an article's own images
            data[key] = getattr(image, attr) or None
    return data


def images_data(images, request=None) -> list[dict]:
    return [image_data(image, request) for image in http_images(images)]


def provider_data(provider) -> dict | None:
    return {"name": provider.name, "domain": provider.domain} if provider else None


def related_data(link: RelatedLink, request=None) -> dict:
    return {
        "title": link.title,
        "excerpt": link.excerpt,
        "publishedDateTime": feed_datetime(link.published_at),
        "webUrl": http_url(link.web_url) or None,
        "ampWebUrl": http_url(link.amp_web_url) or None,
        "cdnAmpWebUrl": http_url(link.cdn_amp_web_url) or None,
        "type": link.item_type or None,
        "provider": provider_data(link.provider),
        "quality": link.quality,
        "images": images_data(link.images.all(), request),
    }


def article_data(article: Article, request) -> dict:
    """One article. A story of our own has its page here as ``webUrl`` too: that is its address."""
    url = request.build_absolute_uri(article.get_absolute_url())
    return {
        "id": article.pk,
        "url": url,
        "title": article.title,
        "excerpt": article.excerpt,
        "category": article.section.name if article.section else article.category or None,
        "type": article.item_type or None,
        "webUrl": url if article.is_own else http_url(article.web_url) or None,
        "originalUrl": http_url(article.original_url) or None,
        "ampWebUrl": http_url(article.amp_web_url) or None,
        "cdnAmpWebUrl": http_url(article.cdn_amp_web_url) or None,
        "publishedDateTime": feed_datetime(article.published_at),
        "provider": provider_data(article.provider),
        "authors": [{"name": name} for name in article.byline_names],
        "images": images_data(article.images.all(), request),
        "topics": [topic.name for topic in article.topics.all()],
        "heat": article.heat,
        "quality": article.quality,
        "related": [related_data(link, request) for link in article.related_links.all()],
        "updatedDateTime": feed_datetime(article.updated_at),
        "corrections": [
            {"kind": c.kind, "note": c.note, "dateTime": feed_datetime(c.at)} for c in article.corrections.all()
        ],
    }


def page_size(request) -> int:
    try:
        size = int(request.GET.get("page_size", PAGE_SIZE))
    except ValueError:
        return PAGE_SIZE
    return min(max(size, 1), MAX_PAGE_SIZE)


@require_safe
@conditional_page
def article_list(request):
    """Live articles, newest first unless ``ordering`` says otherwise; the site's filters apply."""
    filterset = ArticleFilter(request.GET, queryset=Article.objects.published(), default_ordering="newest")
    if not filterset.is_valid():
        return json_response({"errors": filterset.errors.get_json_data()}, status=400)
    paginator = CappedPaginator(filterset.qs.for_api(), page_size(request))
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except PageNotAnInteger:
        return json_response({"errors": {"page": [{"message": "Enter a whole number.", "code": "invalid"}]}}, 400)
    except EmptyPage:
        return json_response({"detail": "No such page."}, status=404)

    def page_url(number):
        query = request.GET.copy()
        query["page"] = number
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    return json_response(
        {
            "count": paginator.count,
            "next": page_url(page.next_page_number()) if page.has_next() else None,
            "previous": page_url(page.previous_page_number()) if page.has_previous() else None,
            "results": [article_data(article, request) for article in page.object_list],
        }
    )


@require_safe
@conditional_page
def article_detail(request, pk):
    article = Article.objects.published().for_api().filter(pk=pk).first()
    if article is None:
        return json_response({"detail": "Not found."}, status=404)
    return json_response(article_data(article, request))
