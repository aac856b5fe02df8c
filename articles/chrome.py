"""The parts of an article page that show the recent window, not the article: the section bar and the sidebar.

They change with every publication and edit of a recent story, the article
itself with its own edits only. So that one edit does not make every cached
article page stale, the page cache (``articles.caching``) stores an article
page with markers in their place, keyed on the article's own version, and
fills the markers on each answer from fragments kept under the lists'
version: one render of the sidebar per change of the window, shared by
every article page. Rendered without the cache (staff, previews, the cache
off), the same functions write them in place: the bytes are the same.
"""

import secrets

from django.template.loader import render_to_string
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe

from .facets import Facets

SIDEBAR_NEWEST = 6
SECTIONS, SIDEBAR = "sections", "sidebar"


def render_part(name: str, request, facets: Facets, exclude: int | None) -> str:
    """The section bar (as the ``section_nav`` tag writes it) or the sidebar, without the story ``exclude``."""
    if name == SECTIONS:
        return render_to_string("includes/sections.html", {"categories": facets.categories[:8], "request": request})
    if not hasattr(facets, "sidebar_newest"):  # one query whichever sidebars are rendered
        facets.sidebar_newest = facets.newest(SIDEBAR_NEWEST + 1)
    newest = [item for item in facets.sidebar_newest if item.pk != exclude][:SIDEBAR_NEWEST]
    return render_to_string("articles/includes/sidebar.html", {"facets": facets, "newest": newest})


class Chrome:
    """What the page's ``{% chrome %}`` tags write: the part itself, or a marker when the page cache asks for one."""

    def __init__(self, request, *, exclude: int | None = None):
        self.request, self.exclude = request, exclude
        self.nonce = getattr(request, "chrome_nonce", None)

    @cached_property
    def facets(self) -> Facets:
        return Facets()

    def render(self, name: str) -> str:
        if self.nonce:
            return mark_safe(marker(self.nonce, name))  # noqa: S308 - our own constant text
        return mark_safe(render_part(name, self.request, self.facets, self.exclude))  # noqa: S308 - a rendered template


def marker(nonce: str, name: str) -> str:
    return f"<!--chrome {nonce} {name}-->"


def ask_for_markers(request) -> str:
    """Called by the page cache before the view runs: the page is rendered with markers (a new random nonce, so
    that no text of an article can ever pass for one)."""
    request.chrome_nonce = secrets.token_hex(8)
    return request.chrome_nonce


def fill(response, nonce: str, parts: dict[str, str]) -> None:
    """Put ``parts`` where the page's markers are."""
    content = response.content
    for name, html in parts.items():
        content = content.replace(marker(nonce, name).encode(), html.encode())
    response.content = content


def fragments(request, exclude: int, get, store) -> dict[str, str]:
    """The section bar and sidebar for the article ``exclude``: from ``get`` (the cache, under the lists' version)
    or rendered and given to ``store``. One entry serves every article outside the newest few; each of those has
    its own sidebar (without itself)."""
    facets = Facets()  # its queries run only if a part is rendered
    shared = get("shared")
    if shared is None:
        shared = {
            "newest": facets.ids[: SIDEBAR_NEWEST + 1],
            SECTIONS: render_part(SECTIONS, request, facets, None),
            SIDEBAR: render_part(SIDEBAR, request, facets, None),
        }
        store("shared", shared)
    if exclude not in shared["newest"]:
        return {SECTIONS: shared[SECTIONS], SIDEBAR: shared[SIDEBAR]}
    own = get(f"without-{exclude}")
    if own is None:
        own = render_part(SIDEBAR, request, facets, exclude)
        store(f"without-{exclude}", own)
    return {SECTIONS: shared[SECTIONS], SIDEBAR: own}
