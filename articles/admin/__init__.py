"""The newsroom's admin: the editorial workflow lives on the Article screens.

Who may do what is decided in ``articles.workflow``; writes go through
``articles.services``. This package only wires them to Django's admin:

- ``articles``: the article list and change form, as declarations;
- ``workflow``: the workflow on those screens (permissions, buttons, bulk actions, saving);
- ``filters``: the article list's filters;
- ``sources``: providers, topics and seed files;
- ``corrections``: the notes that went with changes to live stories, read-only;
- ``collab``: assignment, notes beside the change form, the inbox and notification preferences;
- ``pictures``: local copies of images, their renditions and focal points.

The site itself (``admin.site``) is ``articles.admin_site.NewsroomAdminSite``.
"""

from . import articles, corrections, pictures, sources

__all__ = ["articles", "corrections", "pictures", "sources"]
