"""The admin's article pages, and forms read from the HTML the way a browser would submit them."""

import re
from html.parser import HTMLParser

from django.urls import reverse


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


CHANGELIST = "/admin/articles/article/"


# Inputs whose value a browser cleans before sending it (the HTML standard's "value sanitization").
ONE_LINE_INPUTS = {"text", "search", "url", "tel", "email", "password"}
LINE_BREAK = re.compile(r"\r\n?|\n")


def as_chromium_posts(kind: str, value: str) -> str:
    """A control's value as Chromium submits it: CRLF line ends in a textarea, none in a one-line input."""
    if kind == "textarea":
        return LINE_BREAK.sub("\r\n", value)
    if kind in ONE_LINE_INPUTS:
        value = LINE_BREAK.sub("", value)
        return value.strip(" \t\f") if kind in {"url", "email"} else value
    return value


class _FormReader(HTMLParser):
    """Collect the successful controls of one <form id=...>, as Chromium would submit them."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.in_form = False
        self.data: list[tuple[str, str]] = []
        self.buttons: list[tuple[str, str]] = []
        self._select: str | None = None
        self._select_multiple = False
        self._select_chosen: list[str] = []
        self._select_first: str | None = None
        self._option_value: str | None = None
        self._option_text = ""
        self._option_selected = False
        self._textarea: str | None = None
        self._textarea_text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.in_form = True
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name and "disabled" not in attrs:
            kind = attrs.get("type", "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                if kind == "submit":
                    self.buttons.append((name, attrs.get("value", "")))
            elif kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.data.append((name, attrs.get("value", "on")))
            else:
                self.data.append((name, as_chromium_posts(kind, attrs.get("value", ""))))
        elif tag == "button" and name and attrs.get("type", "submit") == "submit":
            self.buttons.append((name, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._textarea_text = name, ""
        elif tag == "select" and name:
            self._select, self._select_multiple = name, "multiple" in attrs
            self._select_chosen, self._select_first = [], None
        elif tag == "option" and self._select:
            self._option_value = attrs.get("value")
            self._option_text = ""
            self._option_selected = "selected" in attrs

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea_text += data
        elif self._option_value is not None or (self._select and self._option_text is not None):
            self._option_text += data

    def handle_endtag(self, tag):
        if not self.in_form:
            return
        if tag == "form":
            self.in_form = False
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops one newline straight after <textarea>.
            text = self._textarea_text[1:] if self._textarea_text.startswith("\n") else self._textarea_text
            self.data.append((self._textarea, as_chromium_posts("textarea", text)))
            self._textarea = None
        elif tag == "option" and self._select:
            value = self._option_value if self._option_value is not None else self._option_text.strip()
            if self._select_first is None:
                self._select_first = value
            if self._option_selected:
                self._select_chosen.append(value)
            self._option_value, self._option_text = None, ""
        elif tag == "select" and self._select:
            chosen = self._select_chosen
            if not chosen and not self._select_multiple and self._select_first is not None:
                chosen = [self._select_first]
            self.data += [(self._select, value) for value in chosen]
            self._select = None


def read_form(response, form_id: str = "article_form") -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    """The data a browser would submit from the page's form, and the form's submit buttons."""
    reader = _FormReader(form_id)
    reader.feed(response.content.decode())
    assert reader.data, f"no form #{form_id} on the page"
    data: dict[str, list[str]] = {}
    for name, value in reader.data:
        data.setdefault(name, []).append(value)
    return data, reader.buttons


def transition_buttons(response) -> set[str]:
    _, buttons = read_form(response)
    return {value for name, value in buttons if name == "_transition"}
