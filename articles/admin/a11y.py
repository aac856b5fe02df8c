"""Accessible names for the admin's inputs that Django leaves without a label.

- A date-and-time field is two inputs under one label that points at neither
  (``MultiWidget.id_for_label`` is empty, on purpose): each gets its own name,
  "Go live at: date" and "Go live at: time".
- A tabular inline's inputs sit under column headings, with no label at all:
  each gets the field's name, and its "Delete?" box too.
"""

from django import forms
from django.contrib import admin
from django.utils.text import capfirst


class NamedInputs:
    """Mixed into a ModelAdmin or an inline before Django's class."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is None:
            return None
        label = capfirst(formfield.label or db_field.verbose_name)
        widget = getattr(formfield.widget, "widget", formfield.widget)  # inside RelatedFieldWidgetWrapper
        if isinstance(widget, forms.MultiWidget):
            for part, subwidget in zip(("date", "time"), widget.widgets, strict=False):
                subwidget.attrs.setdefault("aria-label", f"{label}: {part}")
        elif isinstance(self, admin.TabularInline):
            widget.attrs.setdefault("aria-label", label)
        return formfield

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if not isinstance(self, admin.TabularInline):
            return formset

        class NamedDeleteBox(formset):
            def add_fields(self, form, index):
                super().add_fields(form, index)
                if "DELETE" in form.fields:
                    form.fields["DELETE"].widget.attrs["aria-label"] = "Delete"

        return NamedDeleteBox
