"""Template helpers for the public site: safe text, safe URLs, JSON-LD, the section bar."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from ..rendering import clip, http_url, plain_text, standfirst
from ..site import json_text
from ..text import display_domain

register = template.Library()


@register.filter(name="plain")
def plain_filter(value):
    """Feed text for display: entities decoded, whitespace folded. Still escaped by the template."""
    return plain_text(value)


@register.filter(name="standfirst")
def standfirst_filter(excerpt, title):
    """The excerpt as plain text, or "" when it only repeats the title."""
    return standfirst(excerpt, title)


@register.filter(name="display_domain")
def display_domain_filter(domain):
    """A source's domain as browsers show it: punycode when a label mixes scripts (a homoglyph)."""
    return display_domain(domain or "")


@register.filter(name="http_url")
def http_url_filter(value):
    """The URL if it is absolute http(s), else "": only such URLs may become links or image sources."""
    return http_url(value)


@register.simple_tag
def json_ld(data):
    """``data`` as a JSON-LD script element; "<", ">" and "&" are escaped so no text can close it."""
    if not data:
        return ""
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(json_text(data)))  # noqa: S308


@register.inclusion_tag("includes/sections.html", takes_context=True)
def section_nav(context):
    """The section bar: the categories of recent live articles (from the page's facets when it has them)."""
    from ..facets import Facets

    facets = context.get("facets") or Facets()
    return {"categories": facets.categories[:8], "request": context.get("request")}


@register.simple_tag(takes_context=True)
def chrome(context, name):
    """The section bar or the sidebar of an article page, or the page cache's marker for it (articles/chrome.py)."""
    return context["chrome"].render(name)


@register.filter(name="clip")
def clip_filter(value, limit):
    """Shorten text for a list or a meta tag without splitting a word, an emoji or a flag."""
    return clip(str(value or ""), int(limit))


def _chosen(bound_field) -> set[str]:
    value = bound_field.value()
    if value is None:
        return set()
    if isinstance(value, list | tuple):
        return {str(item) for item in value}
    return {str(value)}


def _invalid(bound_field) -> str:
    return ' aria-invalid="true"' if bound_field.errors else ""


@register.simple_tag
def select_field(bound_field):
    """A filter form's <select>, written in one pass (Django's widget templates render each option separately)."""
    chosen = _chosen(bound_field)
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, " selected" if str(value) in chosen else "", label)
            for value, label in bound_field.field.widget.choices
        ),
    )
    return format_html(
        '<select name="{}" id="{}"{}>{}</select>',
        bound_field.html_name,
        bound_field.auto_id,
        mark_safe(_invalid(bound_field)),  # noqa: S308 - a constant
        options,
    )


@register.simple_tag
def checkbox_fields(bound_field):
    """A filter form's checkboxes, each inside its label, in one pass."""
    chosen = _chosen(bound_field)
    return format_html_join(
        "",
        '<label class="check" for="{0}_{1}"><input type="checkbox" name="{2}" value="{3}" id="{0}_{1}"{4}> <span dir="auto">{5}</span></label>',
        (
            (
                bound_field.auto_id,
                index,
                bound_field.html_name,
                value,
                " checked" if str(value) in chosen else "",
                label,
            )
            for index, (value, label) in enumerate(bound_field.field.widget.choices)
        ),
    )
