"""The project's admin site: Django's, refusing query strings no database can compare.

Installed in place of ``django.contrib.admin`` (INSTALLED_APPS names
``AdminConfig`` below), so ``admin.site`` is a ``NewsroomAdminSite`` and every
app's registrations, Django's own included, go through it. Kept apart from
``articles/admin/``, which registers models on this site: importing that
package while the site is being made would make it twice.
"""

from functools import wraps

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.core.exceptions import BadRequest

from .site import site_name


class NewsroomAdminSite(admin.AdminSite):
    """Branded with the site's name (``NEWSROOM_SITE_NAME``), read on each request so a settings change shows."""

    @property
    def site_header(self):
        return site_name()

    @property
    def site_title(self):
        return site_name()

    index_title = "Editorial desk"
    # Django's navigation sidebar repeats the dashboard's list of models and takes 275 px from every page: at
    # 1280 px the article list's columns were cut off. The breadcrumbs and the dashboard lead everywhere it did.
    enable_nav_sidebar = False

    def admin_view(self, view, cacheable=False):
        """Every admin page answers 400 to a query string with a NUL character.

        Admin list filters, searches and the autocomplete pass query values
        to the database, and PostgreSQL refuses NUL in text with an error (a
        500); no filter or search value can contain it, so none is lost.
        """
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def refuse_nul(request, *args, **kwargs):
            if any("\x00" in key or "\x00" in value for key, values in request.GET.lists() for value in values):
                raise BadRequest("A query string with a NUL character cannot be answered.")
            return inner(request, *args, **kwargs)

        return refuse_nul

    def get_urls(self):
        from django.urls import path

        from .admin.collab import site_urls  # here: articles.admin registers on this site, made first
        from .admin.preview import body_preview

        return [
            path("preview-body/", self.admin_view(body_preview), name="body_preview"),
            *site_urls(self),
            *super().get_urls(),
        ]


class AdminConfig(DjangoAdminConfig):
    default_site = "articles.admin_site.NewsroomAdminSite"
