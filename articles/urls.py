from django.urls import path

from . import api, feeds, views

app_name = "articles"

urlpatterns = [
    path("", views.front_page, name="front"),
    path("news/<int:pk>-<slug:slug>/", views.article_detail, name="detail"),
    path("preview/<int:pk>/", views.article_preview, name="preview"),
    path("topics/<slug:slug>/", views.topic_page, name="topic"),
    path("providers/<slug:slug>/", views.provider_page, name="provider"),
    path("category/<path:name>/", views.category_page, name="category"),
    path("search/", views.search_page, name="search"),
    path("feeds/latest.rss", feeds.conditional(feeds.LatestRssFeed()), name="latest_rss"),
    path("feeds/latest.atom", feeds.conditional(feeds.LatestAtomFeed()), name="latest_atom"),
    path("feeds/topics/<slug:slug>.rss", feeds.conditional(feeds.TopicRssFeed()), name="topic_rss"),
    path("feeds/topics/<slug:slug>.atom", feeds.conditional(feeds.TopicAtomFeed()), name="topic_atom"),
    path("feeds/providers/<slug:slug>.rss", feeds.conditional(feeds.ProviderRssFeed()), name="provider_rss"),
    path("feeds/providers/<slug:slug>.atom", feeds.conditional(feeds.ProviderAtomFeed()), name="provider_atom"),
    path("api/news/", api.article_list, name="api_list"),
    path("api/news/<int:pk>/", api.article_detail, name="api_detail"),
]
