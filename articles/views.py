"""Public pages. Readers only ever see ``Article.objects.published()``."""

from django.shortcuts import get_object_or_404, render

from .models import Article, Provider, Topic


def front_page(request):
    articles = Article.objects.published().select_related("provider")[:30]
    return render(request, "articles/list.html", {"articles": articles, "heading": "Latest news"})


def article_detail(request, pk, slug):
    article = get_object_or_404(Article.objects.published().select_related("provider"), pk=pk)
    return render(request, "articles/detail.html", {"article": article})


def topic_page(request, slug):
    topic = get_object_or_404(Topic, slug=slug)
    articles = Article.objects.published().filter(topics=topic).select_related("provider")[:30]
    return render(request, "articles/list.html", {"articles": articles, "heading": topic.name})


def provider_page(request, slug):
    provider = get_object_or_404(Provider, slug=slug)
    articles = Article.objects.published().filter(provider=provider).select_related("provider")[:30]
    return render(request, "articles/list.html", {"articles": articles, "heading": provider.name})
