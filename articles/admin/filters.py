"""The article list's filters: autocomplete boxes for relations with many values, the
distinct values of an indexed column read through its index, and named ranges."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.db import connections, router
from django.db.models import Q

from ..models import Article


class AutocompleteFilter(admin.SimpleListFilter):
    """A filter for a relation with too many values to list: an autocomplete box.

    It uses the admin's own autocomplete endpoint (and so the related admin's
    search_fields and view permission); without JavaScript it is a plain
    select with an "Apply" button.
    """

    template = "admin/articles/article/autocomplete_filter.html"
    field_name = ""  # the Article field, e.g. "provider"
    lookup = ""  # the queryset filter, e.g. "provider_id"

    def lookups(self, request, model_admin):
        return []

    def has_output(self):
        return True

    def value(self):
        value = super().value()
        return value if value and value.isdigit() else None

    def queryset(self, request, queryset):
        if not super().value():
            return queryset
        if self.value() is None:  # not a number: matches nothing
            return queryset.none()
        return queryset.filter(**{self.lookup: self.value()})

    def choices(self, changelist):
        field = Article._meta.get_field(self.field_name)
        form_field = forms.ModelChoiceField(
            queryset=field.related_model.objects.all(),
            required=False,
            widget=AutocompleteSelect(field, admin.site, attrs={"data-placeholder": "Type to search…"}),
        )
        yield {
            "widget": form_field.widget.render(
                self.parameter_name, self.value(), attrs={"id": f"filter_{self.field_name}"}
            ),
            "parameter_name": self.parameter_name,
            "field_name": self.field_name,
            "selected": self.value() is not None,
            "all_query_string": changelist.get_query_string(remove=[self.parameter_name]),
            # Other active parameters, kept as hidden fields of the filter's form.
            "hidden": [
                (key, value)
                for key, values in changelist.params.items()
                if key not in {self.parameter_name, "p"}
                for value in (values if isinstance(values, list) else [values])
                if value != ""
            ],
        }


class ProviderFilter(AutocompleteFilter):
    title = "provider"
    parameter_name = "provider"
    field_name = "provider"
    lookup = "provider_id"


class TopicFilter(AutocompleteFilter):
    title = "topic"
    parameter_name = "topic"
    field_name = "topics"
    lookup = "topics__id"


class IndexedValuesFilter(admin.AllValuesFieldListFilter):
    """The distinct values of an indexed column, read by hopping through its index.

    Django's own filter runs ``SELECT DISTINCT`` over every article, which
    PostgreSQL answers by reading the whole table. This recursive query asks
    the index for the next larger value once per value (a "loose index
    scan"), so it costs as many steps as there are categories, whatever the
    number of articles (docs/PERFORMANCE.md).
    """

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        connection = connections[router.db_for_read(model)]
        table, column = connection.ops.quote_name(model._meta.db_table), connection.ops.quote_name(field.column)
        # Only the quoted names of the model's own table and column go into the text.
        sql = (
            f"WITH RECURSIVE found(value) AS (SELECT MIN({column}) FROM {table} UNION ALL "  # noqa: S608
            f"SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > found.value) FROM found "
            "WHERE found.value IS NOT NULL) SELECT value FROM found WHERE value IS NOT NULL"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql)
            self.lookup_choices = [row[0] for row in cursor.fetchall()]

    def choices(self, changelist):
        for choice in super().choices(changelist):
            if choice["display"] == "":  # an empty value: a link needs words
                choice = {**choice, "display": "(empty)"}
            yield choice


class VisibilityFilter(admin.SimpleListFilter):
    title = "visibility to readers"
    parameter_name = "visibility"

    def lookups(self, request, model_admin):
        return [
            ("live", "Live"),
            ("scheduled", "Scheduled"),
            ("expired", "Expired"),
            ("embargoed", "Under embargo"),
            ("hidden", "Not published"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "live":
            return queryset.published()
        if value == "scheduled":
            return queryset.scheduled()
        if value == "expired":
            return queryset.expired()
        if value == "embargoed":
            return queryset.embargoed()
        if value == "hidden":
            return queryset.exclude(status=Article.Status.PUBLISHED)
        return queryset


class QualityBandFilter(admin.SimpleListFilter):
    title = "quality"
    parameter_name = "quality_band"
    BANDS = {
        "low": ("Low (below 40)", Q(quality__lt=40)),
        "medium": ("Medium (40–69)", Q(quality__gte=40, quality__lt=70)),
        "high": ("High (70–99)", Q(quality__gte=70, quality__lt=100)),
        "top": ("Top (100 and over)", Q(quality__gte=100)),
        "none": ("Not scored", Q(quality__isnull=True)),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _) in self.BANDS.items()]

    def queryset(self, request, queryset):
        band = self.BANDS.get(self.value())
        return queryset.filter(band[1]) if band else queryset
