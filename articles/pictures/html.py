"""What pages make of a picture: srcset and sizes, the Open Graph crop, JSON-LD image URLs.

An image whose picture is ready is shown from its renditions: a ``<picture>``
with an AVIF and a WebP ``<source>`` and an ``<img>`` of the JPEG/PNG
fallback, every one with ``srcset``/``sizes``, and ``width``/``height`` so the
page does not shift when it loads. Until then (and when the fetch failed) the
image is its original URL, as before. Nothing here queries the database: the
renditions are in ``Picture.variants``, loaded with the image (a JOIN).
"""

import math

from django.utils.html import format_html, format_html_join

from .render import MIME_TYPES, storage

# The width each place shows an image at, as static/css/site.css lays it out, for the browser's choice
# of srcset candidate: a sizes that overstates it makes a phone download a picture too wide. The main
# column: ``.wrap`` (at most 78rem, 1rem padding each side), less the 20rem sidebar and the gap
# (clamp(1rem, 3vw, 2.5rem)) from 60rem up. Cards: a 6rem thumbnail, 11rem from 36rem up.
MAIN_COLUMN = [("(min-width: 78rem)", "53.5rem"), ("(min-width: 60rem)", "97vw - 22rem"), ("", "100vw - 2rem")]
# place: ([(media condition, width)], the box's width:height when the image fills it with object-fit:
# cover, else None). A covered image is drawn wider than its box when it is wider than the box's ratio.
# A slideshow's slide is the article's width (its max-height can only make it narrower).
PLACES = {
    "card": ([("(min-width: 36rem)", "11rem"), ("", "6rem")], 4 / 3),
    "lead": (MAIN_COLUMN, 16 / 9),
    "article": (MAIN_COLUMN, None),
    "gallery": (MAIN_COLUMN, None),
    # A slideshow's thumbnails: a grid of columns at least 6rem wide, under 9rem in any main column.
    "thumb": ([("", "9rem")], 4 / 3),
}


def sizes(place: str, width: int, height: int) -> str:
    """The sizes attribute for an image of width x height shown at place: each width the image is drawn
    at (for a covered box, the box's width times how much wider the image is than the box)."""
    slots, box_ratio = PLACES.get(place, PLACES["article"])
    factor = max(1.0, (width / height) / box_ratio) if box_ratio and width and height else 1.0

    def drawn(length: str) -> str:
        if factor < 1.01:
            return length if " " not in length else f"calc({length})"
        if length.endswith("rem") and " " not in length:
            return f"{math.ceil(round(float(length[:-3]) * factor * 10, 6)) / 10:g}rem"
        return f"calc(({length}) * {factor:.3f})"

    return ", ".join(f"{media} {drawn(length)}".strip() for media, length in slots)


def ready_picture(image):
    """image's picture when its renditions are ready, else None (without a query if not loaded)."""
    if image is None or not getattr(image, "picture_id", None):
        return None
    picture = image.picture
    return picture if picture is not None and picture.is_ready else None


def url(name: str) -> str:
    return storage().url(name)


def srcset(items) -> str:
    return ", ".join(f"{url(name)} {width}w" for width, _height, name in items)


def fallback_format(by_format: dict) -> str:
    return "png" if "png" in by_format else "jpeg"


def picture_html(image, *, place: str = "article", alt: str = "", lazy: bool = True):
    """The markup for image: renditions when ready, else the original URL."""
    loading = "lazy" if lazy else "eager"
    picture = ready_picture(image)
    if picture is None:
        if image.width and image.height:
            return format_html(
                '<img src="{}" width="{}" height="{}" alt="{}" loading="{}" decoding="async">',
                image.src,
                image.width,
                image.height,
                alt,
                loading,
            )
        return format_html('<img src="{}" alt="{}" loading="{}" decoding="async">', image.src, alt, loading)
    by_format = picture.variants["w"]
    fallback = by_format[fallback_format(by_format)]
    slot = sizes(place, picture.width, picture.height)
    default = next((item for item in fallback if item[0] >= 640), fallback[-1])
    sources = format_html_join(
        "",
        '<source type="{}" srcset="{}" sizes="{}">',
        ((MIME_TYPES[name], srcset(by_format[name]), slot) for name in ("avif", "webp") if name in by_format),
    )
    return format_html(
        '<picture>{}<img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}" loading="{}" '
        'decoding="async"></picture>',
        sources,
        url(default[2]),
        srcset(fallback),
        slot,
        picture.width,
        picture.height,
        alt,
        loading,
    )


def social_image(image) -> dict | None:
    """The Open Graph image: the 1200x630 focal-point crop when ready, else the original. src, width, height."""
    if image is None:
        return None
    picture = ready_picture(image)
    if picture is None or "og" not in picture.variants:
        return {"src": image.src, "width": image.width, "height": image.height}
    by_format = picture.variants["og"]
    width, height, name = by_format[fallback_format(by_format)][-1]
    return {"src": url(name), "width": width, "height": height}


def largest_url(image) -> str:
    """The URL of image's widest fallback rendition when ready (feeds, JSON-LD), else its source."""
    picture = ready_picture(image)
    if picture is None:
        return image.src
    by_format = picture.variants["w"]
    return url(by_format[fallback_format(by_format)][-1][2])


def feed_rendition(image, max_width: int = 1280) -> tuple[str, str] | None:
    """For a feed's enclosure: the name and MIME type of image's widest JPEG/PNG rendition up to max_width
    (a feed reader's picture, not a print one; every reader reads JPEG), or None until the picture is ready."""
    picture = ready_picture(image)
    if picture is None:
        return None
    by_format = picture.variants["w"]
    image_format = fallback_format(by_format)
    items = by_format[image_format]
    _width, _height, name = next((item for item in reversed(items) if item[0] <= max_width), items[0])
    return name, MIME_TYPES[image_format]


def renditions_data(image, absolute=lambda url: url) -> dict | None:
    """For the JSON API: image's renditions when ready, else None. ``src`` (the JPEG/PNG up to 1280 px),
    ``width``/``height`` (the original's), a ``srcset`` per format, and the crops' per crop and format."""
    picture = ready_picture(image)
    if picture is None:
        return None

    def srcsets(by_format):
        return {
            name: ", ".join(f"{absolute(url(file))} {width}w" for width, _height, file in items)
            for name, items in by_format.items()
        }

    crops = {crop: srcsets(by_format) for crop, by_format in picture.variants.items() if crop != "w"}
    return {
        "src": absolute(url(feed_rendition(image)[0])),
        "width": picture.width,
        "height": picture.height,
        "srcset": srcsets(picture.variants["w"]),
        "crops": crops,
    }
