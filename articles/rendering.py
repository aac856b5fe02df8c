"""Untrusted text -> safe HTML: the Markdown body, the featured video embed, link targets.

Everything here takes text from seed files or the admin and returns either
plain text (escaped later by the templates) or HTML that has been through an
allow-list. Nothing from an article reaches a page as HTML any other way.

An article's body is rendered once, when it is written (``Article.save()``,
the import's validation stage), and the HTML is stored with it
(``Article.body_html``): a page view never runs Markdown. What one body may
cost is bounded (``stored_body_html``): at most ``MAX_BODY_CHARS`` of
Markdown, which bounds the time (markdown-it's parser is linear in its input:
the worst patterns known cost tens of µs a character, see
docs/PERFORMANCE.md), except for tables, whose cells can outnumber the
characters a hundred to one: at most ``MAX_TABLE_CELLS`` of them
(``bounded_table``); and at most ``MAX_BODY_HTML_CHARS`` of HTML (a link
reference of 2,000 characters used 30,000 times is 60 MB). A body over a
bound is refused with the reason: by the import, and by the admin's form
(``check_body``, the field's validator). Anything else that saves one (a
shell) stores a short note instead (``body_html_or_note``).
"""

import html
import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.rules_block.table import table as gfm_table

from .text import is_http_url

BODY_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "b", "em", "i", "s", "del", "ins", "sub", "sup",
    "small", "mark", "abbr", "cite", "q", "code", "kbd", "samp", "pre", "blockquote", "ul", "ol", "li",
    "dl", "dt", "dd", "a", "img", "figure", "figcaption", "table", "thead", "tbody", "tr", "th", "td", "caption",
}  # fmt: skip
BODY_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "ol": {"start"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
LINK_SCHEMES = {"http", "https", "mailto"}

# Only these hosts may put a player on the page, and only at their /embed/ path.
VIDEO_EMBED_HOSTS = {
    "www.youtube.com": "youtube.com",
    "youtube.com": "youtube.com",
    "www.youtube-nocookie.com": "youtube-nocookie.com",
    "youtube-nocookie.com": "youtube-nocookie.com",
}
IMAGE_WITHOUT_SOURCE = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")  # what nh3 leaves of an <img> whose src it refused
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{6,32}")
DASHES = re.compile(r"-+")

MAX_BODY_CHARS = 100_000  # about 15,000 words: longer than the longest long read
MAX_BODY_HTML_CHARS = 500_000  # five times that: room for markup and escapes (`<` is `&lt;`), not for blow-ups
MAX_TABLE_CELLS = 20_000  # all the tables of a body together
# Stored instead when a body over the bounds was saved by a path that does not validate (a shell, a script).
BODY_TOO_LARGE_HTML = "<p><em>This article’s text is too long to show here.</em></p>"


class BodyTooLarge(ValueError):
    """A body whose HTML would be too long or too slow to make; the message gives the bound, for people."""


markdown = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)


def bounded_table(state, start_line: int, end_line: int, silent: bool) -> bool:
    """markdown-it's table rule, refusing a body whose tables would have more than ``MAX_TABLE_CELLS`` cells.

    Each row of a table gets as many cells as its header has columns, however
    few it writes: a header of 500 columns over 140 one-character rows made
    70,000 cells and took seconds. The count here is an upper bound taken
    before the rule builds anything: the columns of the delimiter row times
    the lines from the header to the next blank one.
    """
    is_table = gfm_table(state, start_line, end_line, True)
    if silent or not is_table:
        return is_table
    delimiter = state.src[state.bMarks[start_line + 1] + state.tShift[start_line + 1] : state.eMarks[start_line + 1]]
    last = start_line + 2
    while last < end_line and not state.isEmpty(last):
        last += 1
    columns = len(DASHES.findall(delimiter))  # each column's delimiter is one run of dashes, as in "|:--|---:|"
    cells = state.env.get("table_cells", 0) + columns * (last - start_line - 1)
    if cells > MAX_TABLE_CELLS:
        raise BodyTooLarge(f"body has tables of more than {MAX_TABLE_CELLS:,} cells")
    state.env["table_cells"] = cells
    return gfm_table(state, start_line, end_line, False)


markdown.block.ruler.at("table", bounded_table, {"alt": ["paragraph", "reference"]})  # markdown-it's own alt


def http_url(url: str | None) -> str:
    """``url`` if it is an absolute http(s) URL, else the empty string."""
    return url if is_http_url(url) else ""


def plain_text(value: str | None) -> str:
    """Feed text as a reader should see it: entities decoded, whitespace folded.

    Feeds send excerpts with ``&#8217;`` and ``&amp;``; decoding them gives the
    characters they stand for. The result is text: templates escape it again,
    so an encoded ``&lt;script&gt;`` shows as ``<script>`` and never runs.
    """
    return " ".join(CONTROL_CHARACTERS.sub("", html.unescape(value or "")).split())


def standfirst(excerpt: str | None, title: str | None) -> str:
    """The excerpt as a reader sees it under the headline, or "" when it only repeats the headline.

    Feeds often send the title again as the excerpt; case, spacing and closing
    punctuation do not make it a different text.
    """
    text = plain_text(excerpt)
    if text.casefold().rstrip(" .!?…") == plain_text(title).casefold().rstrip(" .!?…"):
        return ""
    return text


def _markdown_html(source: str, title: str) -> str:
    """Markdown -> HTML, with the page's one <h1> left to the headline.

    A body that opens with the headline as a level-1 heading (feeds often
    repeat it) loses that heading; any other level-1 heading becomes level 2.
    """
    tokens = markdown.parse(source, {})  # a fresh env: bounded_table counts one body's cells in it
    if (
        len(tokens) >= 3
        and tokens[0].type == "heading_open"
        and tokens[0].tag == "h1"
        and plain_text(tokens[1].content).casefold() == plain_text(title).casefold()
    ):
        tokens = tokens[3:]
    for token in tokens:
        if token.type in ("heading_open", "heading_close") and token.tag == "h1":
            token.tag = "h2"
    return markdown.renderer.render(tokens, markdown.options, {})


def render_body(source: str, title: str = "") -> SafeString:
    """An article body in Markdown (raw HTML allowed) -> sanitized HTML.

    markdown-it renders, then nh3 keeps only the tags and attributes above:
    no scripts, styles, iframes, forms or event handlers, only http(s) and
    mailto links, no relative URLs (they would point into this site), every
    link marked ``rel="noopener nofollow"`` and every image lazy.
    """
    if not source or not source.strip():
        return mark_safe("")
    rendered = _markdown_html(source, title)
    cleaned = nh3.clean(
        rendered,
        tags=BODY_TAGS,
        clean_content_tags={"script", "style", "iframe", "object", "embed", "template", "noscript", "textarea"},
        attributes=BODY_ATTRIBUTES,
        url_schemes=LINK_SCHEMES,
        url_relative="deny",
        link_rel="noopener nofollow",
        set_tag_attribute_values={"img": {"loading": "lazy", "decoding": "async"}},
        strip_comments=True,
    )
    cleaned = IMAGE_WITHOUT_SOURCE.sub("", cleaned)
    return mark_safe(cleaned)  # noqa: S308 - sanitized by nh3 just above


def stored_body_html(source: str, title: str = "") -> str:
    """The HTML stored for a body: ``render_body`` within the bounds, or BodyTooLarge saying which one."""
    if len(source) > MAX_BODY_CHARS:
        raise BodyTooLarge(f"body is {len(source):,} characters long; at most {MAX_BODY_CHARS:,}")
    rendered = render_body(source, title)
    if len(rendered) > MAX_BODY_HTML_CHARS:
        raise BodyTooLarge(f"body makes {len(rendered):,} characters of HTML; at most {MAX_BODY_HTML_CHARS:,}")
    return rendered


def body_html_or_note(source: str, title: str = "") -> str:
    """What ``Article.save()`` stores: the HTML, or a short note when the body is over the bounds."""
    try:
        return stored_body_html(source, title)
    except BodyTooLarge:
        return BODY_TOO_LARGE_HTML


def check_body(source: str) -> None:
    """Validator of ``Article.body``: the admin refuses a body over the bounds with the reason."""
    try:
        stored_body_html(source)
    except BodyTooLarge as error:
        raise ValidationError(f"The {error}.", code="body_too_large") from None


@dataclass(frozen=True)
class VideoEmbed:
    """An allow-listed player, rebuilt from its parts rather than from the feed's HTML."""

    host: str
    video_id: str

    @property
    def src(self) -> str:
        return f"https://www.{self.host}/embed/{self.video_id}"

    def as_html(self, title: str) -> SafeString:
        return format_html(
            '<iframe src="{}" title="{}" width="800" height="450" loading="lazy" '
            'referrerpolicy="strict-origin-when-cross-origin" '
            'allow="encrypted-media; picture-in-picture; fullscreen" allowfullscreen></iframe>',
            self.src,
            f"Video: {title}",
        )


class _FirstIframeSrc(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.sources: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "iframe":
            self.sources.append(dict(attrs).get("src") or "")


def video_embed(featured_content: str | None) -> VideoEmbed | None:
    """The YouTube player in ``featured_content``, or None when there is none or it is from anywhere else.

    Accepts an ``<iframe>`` (the feed's form) or a bare embed URL. Anything
    not on the allow-list (another host, another path, a second iframe) is
    dropped entirely: the page shows no embed rather than a cleaned-up one.
    """
    if not featured_content or not featured_content.strip():
        return None
    text = featured_content.strip()
    if text.startswith("<"):
        parser = _FirstIframeSrc()
        parser.feed(text)
        parser.close()
        if len(parser.sources) != 1:
            return None
        text = parser.sources[0].strip()
    if text.startswith("//"):
        text = "https:" + text
    if not is_http_url(text):
        return None
    parts = urlsplit(text)
    host = VIDEO_EMBED_HOSTS.get((parts.hostname or "").lower())
    if host is None or parts.username or parts.password or ":" in parts.netloc:
        return None
    segments = parts.path.split("/")
    if len(segments) != 3 or segments[1] != "embed" or not VIDEO_ID.fullmatch(segments[2]):
        return None
    return VideoEmbed(host=host, video_id=segments[2])


def _joins_previous(text: str, index: int) -> bool:
    """Whether the character at ``index`` belongs to the same visible character as the one before it."""
    char, previous = text[index], text[index - 1]
    code = ord(char)
    if previous == "\u200d" or char == "\u200d" or unicodedata.combining(char):
        return True
    if 0xFE00 <= code <= 0xFE0F or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F:
        return True  # variation selectors, skin tones, tag sequences (subdivision flags)
    if 0x1F1E6 <= code <= 0x1F1FF:  # regional indicators pair up into flags
        run = 0
        while index - run - 1 >= 0 and 0x1F1E6 <= ord(text[index - run - 1]) <= 0x1F1FF:
            run += 1
        return run % 2 == 1
    return False


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters plus "…", at a word break when there is one
    near the end, and never inside an emoji sequence, a flag or a combining mark."""
    if len(text) <= limit:
        return text
    cut = limit
    space = text.rfind(" ", 0, cut + 1)
    if space > limit * 0.6:
        cut = space
    else:
        while cut > 0 and _joins_previous(text, cut):
            cut -= 1
    return text[:cut].rstrip(" ,;:-–—") + "…"
