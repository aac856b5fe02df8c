"""Template context every page gets."""

from .site import site_name


def site(request) -> dict:
    """``site_name``: the name the pages, feeds and sitemaps give the site (the ``NEWSROOM_SITE_NAME`` setting)."""
    return {"site_name": site_name()}
