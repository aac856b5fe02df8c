"""Sitemaps of live pages, each with ``lastmod``, and a Google News sitemap of the last two days."""

from datetime import timedelta

from django.contrib.sitemaps import Sitemap
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from . import ranking
from .models import Article, Provider, Topic
from .site import conditional_page

NEWS_WINDOW = timedelta(days=2)
NEWS_LIMIT = 1000  # Google News reads at most 1,000 URLs per sitemap


class ArticleSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.8

    def items(self):
        return Article.objects.published().only("id", "slug", "updated_at").order_by(*ranking.NEWEST)

    def lastmod(self, item):
        return item.updated_at


class TopicSitemap(Sitemap):
    changefreq = "hourly"
    priority = 0.5

    def items(self):
        return Topic.objects.with_last_live_change().order_by("slug")

    def lastmod(self, item):
        return item.lastmod


class ProviderSitemap(TopicSitemap):
    def items(self):
        return Provider.objects.with_last_live_change().order_by("slug")


class FrontPageSitemap(Sitemap):
    changefreq = "hourly"
    priority = 1.0

    def items(self):
        return ["articles:front"]

    def location(self, item):
        return reverse(item)

    def lastmod(self, item):
        return Article.objects.published().order_by("-updated_at").values_list("updated_at", flat=True).first()


SITEMAPS = {
    "pages": FrontPageSitemap,
    "articles": ArticleSitemap,
    "topics": TopicSitemap,
    "providers": ProviderSitemap,
}


@require_safe
@conditional_page
def news_sitemap(request):
    """Live articles published in the last two days, in the Google News sitemap format."""
    now = timezone.now()
    articles = (
        Article.objects.published(at=now)
        .filter(published_at__gte=now - NEWS_WINDOW, published_at__lte=now)
        .only("id", "slug", "title", "published_at")
        .order_by(*ranking.NEWEST)[:NEWS_LIMIT]
    )
    context = {"articles": articles, "base": request.build_absolute_uri("/")[:-1]}
    return render(request, "sitemaps/news.xml", context, content_type="application/xml; charset=utf-8")
