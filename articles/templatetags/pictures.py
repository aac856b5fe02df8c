"""{% picture image place alt lazy %}: an image from its renditions when ready (articles/pictures/html.py)."""

from django import template

from ..pictures.html import picture_html

register = template.Library()


@register.simple_tag
def picture(image, place="article", alt="", lazy=True, number=None, of=None, own_alt=True):
    """``alt``: the text for an image without its own alt text; ``number`` (and ``of``): the image's number
    in a gallery or slideshow (of how many), said in that text ("Title (image 2 of 5)"). An image's own alt
    text (``alt_text``) wins, unless ``own_alt`` is False (a thumbnail that only links to its slide: alt="")."""
    if own_alt and getattr(image, "alt_text", ""):
        alt = image.alt_text
    elif number is not None:
        alt = f"{alt} (image {number}{f' of {of}' if of else ''})"
    return picture_html(image, place=place, alt=alt, lazy=lazy)
