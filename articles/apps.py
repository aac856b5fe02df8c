from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Newsroom"

    def ready(self):
        from . import caching, search
        from .pictures import jobs

        caching.connect_signals()
        search.connect_signals()
        jobs.connect_signals()
