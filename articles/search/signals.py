"""The ORM's writes keep the index in step: each signal refreshes the articles whose indexed text it changed."""

from .index import refresh_search_index


def _refresh_article(sender, instance, using, **kwargs):
    refresh_search_index([instance.pk], using=using)


def _refresh_topics(sender, instance, action, reverse, pk_set, using, **kwargs):
    """An article's topics changed (``article.topics``), or a topic's articles (``topic.articles``)."""
    if action == "pre_clear" and reverse:
        instance._search_cleared = list(instance.articles.values_list("pk", flat=True))
    elif action in ("post_add", "post_remove", "post_clear"):
        if not reverse:
            refresh_search_index([instance.pk], using=using)
        else:
            refresh_search_index(pk_set if action != "post_clear" else instance._search_cleared, using=using)


def _remember_name(sender, instance, raw=False, **kwargs):
    """Before a provider or topic is saved: the name it has in the database, to see whether it changes."""
    if instance.pk and not raw:
        stored = type(instance)._default_manager.filter(pk=instance.pk).values_list("name", flat=True)
        instance._search_stored_name = stored.first()


def _refresh_renamed(sender, instance, created, using, **kwargs):
    if not created and getattr(instance, "_search_stored_name", instance.name) != instance.name:
        refresh_search_index(instance.articles.values_list("pk", flat=True), using=using)


def _remember_articles(sender, instance, **kwargs):
    instance._search_articles = list(instance.articles.values_list("pk", flat=True))


def _refresh_remembered(sender, instance, using, **kwargs):
    refresh_search_index(getattr(instance, "_search_articles", ()), using=using)


def connect_signals() -> None:
    """Called from ``ArticlesConfig.ready``: every ORM write keeps the index in step."""
    from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

    from ..models import Article, Provider, Topic

    uid = "articles.search"
    post_save.connect(_refresh_article, sender=Article, dispatch_uid=f"{uid}:article-saved")
    post_delete.connect(_refresh_article, sender=Article, dispatch_uid=f"{uid}:article-deleted")
    m2m_changed.connect(_refresh_topics, sender=Article.topics.through, dispatch_uid=f"{uid}:topics")
    for model in (Provider, Topic):
        pre_save.connect(_remember_name, sender=model, dispatch_uid=f"{uid}:{model.__name__}-saving")
        post_save.connect(_refresh_renamed, sender=model, dispatch_uid=f"{uid}:{model.__name__}-saved")
    pre_delete.connect(_remember_articles, sender=Topic, dispatch_uid=f"{uid}:topic-deleting")
    post_delete.connect(_refresh_remembered, sender=Topic, dispatch_uid=f"{uid}:topic-deleted")
