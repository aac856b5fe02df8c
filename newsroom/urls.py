from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from articles import views
from articles.caching import cache_public_page
from articles.pictures.views import serve_rendition
from articles.site import conditional_page
from articles.sitemaps import SITEMAPS, news_sitemap
from newsroom.views import healthz, media_file

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media_file, name="media"),
    path("pictures/<path:name>", serve_rendition, name="picture-file"),
    path("robots.txt", views.robots_txt, name="robots"),
    path(
        "sitemap.xml",
        cache_public_page(conditional_page(sitemap_views.index)),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap-index",
    ),
    path("sitemap-news.xml", cache_public_page(news_sitemap), name="sitemap-news"),
    path(
        "sitemap-<section>.xml",
        cache_public_page(conditional_page(sitemap_views.sitemap), query={"p"}),
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
    path("", include("articles.urls")),
]

handler404 = "articles.views.page_not_found"
handler500 = "articles.views.server_error"
