"""{% picture image place alt lazy %}: an image from its renditions when ready (articles/pictures/html.py)."""

from django import template

from ..pictures.html import picture_html

register = template.Library()


@register.simple_tag
def picture(image, place="article", alt="", lazy=True, number=None):
    """``alt``: the text for an image without its own alt text; ``number``: the image's number in a
    gallery, said in that text ("Title (image 2)"). An image's own alt text (``alt_text``) wins."""
    if getattr(image, "alt_text", ""):
        alt = image.alt_text
    elif number is not None:
        alt = f"{alt} (image {number})"
    return picture_html(image, place=place, alt=alt, lazy=lazy)
